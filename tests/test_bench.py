"""Tests of ``python -m numpycae bench``: it runs and reports; no timings
are asserted (shared machines are noisy)."""

import numpy as np
import pytest

from numpycae.__main__ import main
from numpycae.cli_bench import blas_threads, explicit_jacobian_step
from numpycae.functional import init_parameters, objective_and_gradients


def test_bench_quick_prints_one_table_and_names_the_blas(capsys):
    assert main(["bench", "--quick", "--repeats", "2"]) == 0
    out = capsys.readouterr().out
    assert "BLAS:" in out and "threads" in out and "logical cores" in out
    rows = [line for line in out.splitlines()
            if line.startswith(("float32", "float64"))]
    assert len(rows) == 4
    for line in rows:
        # Every figure printed is a finite number.
        figures = [float(field.rstrip("%")) for field in line.split()[1:]]
        assert np.all(np.isfinite(figures))
    assert "explicit Jacobian" in out


def test_bench_refuses_a_repeat_count_below_one(capsys):
    assert main(["bench", "--quick", "--repeats", "0"]) == 2
    assert "--repeats must be >= 1, got 0" in capsys.readouterr().err


def test_blas_threads_says_where_the_number_comes_from():
    threads, source = blas_threads()
    assert int(threads) >= 1
    assert source


@pytest.mark.parametrize("tied", [True, False])
def test_explicit_jacobian_step_computes_the_same_gradients(tied):
    # The benchmark's comparison must be a correct step: through the
    # (n, H, D) tensor it gives the closed form's gradients, to rounding.
    rng = np.random.default_rng(4)
    params = init_parameters(7, 5, tied=tied, rng=rng)
    params["b"] = rng.uniform(-2, 2, 5)
    X = rng.uniform(0, 1, (4, 7))
    objective, grads = explicit_jacobian_step(params, X, 0.6)
    expected, expected_grads, _ = objective_and_gradients(params, X, 0.6)
    np.testing.assert_allclose(objective, expected, rtol=1e-12)
    for name, value in expected_grads.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-10,
                                   atol=1e-14, err_msg=name)
