"""Tests of numpycae.gradcheck: the checker must find real errors."""

import numpy as np
import pytest

from numpycae.functional import init_parameters, objective_and_gradients
from numpycae.gradcheck import (
    check_gradients,
    numerical_gradient,
    relative_error,
)


def test_numerical_gradient_of_a_known_function():
    # f(x) = sum(x**3) has gradient 3 x**2; central differences are exact
    # for cubics up to rounding (~1e-10 here).
    x = np.array([[0.5, -1.0], [2.0, 0.0]])
    numeric = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(numeric, 3 * x ** 2, rtol=1e-8, atol=1e-9)


def test_numerical_gradient_restores_its_input():
    x = np.array([1.0, 2.0, 3.0])
    numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_relative_error_formula_by_hand():
    errors = relative_error([1.0, 0.0, 1e-12, -2.0], [1.1, 0.0, 0.0, 2.0])
    np.testing.assert_allclose(errors, [0.1 / 2.1, 0.0, 1e-4, 1.0])


def test_known_fault_f11_float64_check_of_float32_inputs():
    # F11: the checker computes in float64 even when handed float32.
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (5, 20))
    params = {"W": rng.normal(0, 0.3, (20, 10)), "b": np.zeros(10),
              "c": np.zeros(20)}
    objective, _, _ = objective_and_gradients(params, X, 0.1)
    assert objective == pytest.approx(14.168943, abs=5e-7)
    report = check_gradients(
        {k: v.astype(np.float32) for k, v in params.items()},
        X.astype(np.float32), 0.1)
    assert report.checks[0].name == "W"
    assert report.checks[0].max_relative_error < 1e-5


@pytest.mark.parametrize("loss, decoder", [("cross_entropy", "sigmoid"),
                                           ("squared_error", "sigmoid"),
                                           ("squared_error", "linear")])
def test_untied_model_checks_below_1e6(loss, decoder):
    # The acceptance check: every parameter of a random untied model.
    params = init_parameters(6, 4, tied=False, rng=3)
    params["b"] += np.random.default_rng(4).normal(0, 1, 4)
    X = np.random.default_rng(5).uniform(size=(3, 6))
    report = check_gradients(params, X, 0.5, loss=loss, decoder=decoder)
    assert [c.name for c in report.checks] == ["W", "b", "c", "W_prime"]
    assert report.passed(1e-6), str(report)


def test_report_reads_as_a_table():
    params = init_parameters(3, 2, rng=0)
    text = str(check_gradients(params, np.full((1, 3), 0.5), 0.1))
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["parameter", "max", "rel."]
    assert [line.split()[0] for line in lines[1:]] == ["W", "b", "c"]


def test_checker_catches_a_wrong_gradient(monkeypatch):
    # Halve the penalty's gradient (a fault shipped elsewhere): the report
    # must fail.
    import numpycae.functional as functional

    original = functional.contraction_gradients

    def halved(W, H, activation="sigmoid"):
        dA, dW = original(W, H, activation)
        return dA / 2, dW / 2

    monkeypatch.setattr(functional, "contraction_gradients", halved)
    params = init_parameters(3, 2, rng=0)
    params["b"] += 0.4
    report = check_gradients(params, np.full((2, 3), 0.3), 1.0)
    assert not report.passed(1e-6)
    assert report.max_relative_error > 1e-2


@pytest.mark.parametrize("step", [0.0, -1e-6, 1e300, float("nan")])
def test_bad_step_is_refused(step):
    params = init_parameters(3, 2, rng=0)
    with pytest.raises(ValueError, match="step must be"):
        check_gradients(params, np.full((1, 3), 0.5), step=step)


def test_passed_refuses_a_tolerance_that_is_not_a_number():
    report = check_gradients(init_parameters(3, 2, rng=0),
                             np.full((1, 3), 0.5))
    with pytest.raises(TypeError, match="tolerance must be a real number"):
        report.passed("x")


@pytest.mark.parametrize("x, error, message", [
    (np.ones(3, dtype=int), TypeError, "x must be a float64"),
    (np.ones(3, dtype=bool), TypeError, "x must be a float64"),
    ([1.0, 2.0], TypeError, "x must be a float64"),
])
def test_numerical_gradient_refuses_points_it_cannot_perturb(x, error,
                                                             message):
    # An integer point would silently round x + h back to x.
    with pytest.raises(error, match=message):
        numerical_gradient(lambda v: float(np.sum(v ** 2)), x)


@pytest.mark.parametrize("step", [0.0, float("nan"), 10.0])
def test_numerical_gradient_refuses_a_bad_step(step):
    with pytest.raises(ValueError, match="step must be"):
        numerical_gradient(lambda v: float(np.sum(v)), np.ones(2), step)


def test_numerical_gradient_refuses_a_non_finite_function_and_restores_x():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="f must return a finite real"):
        numerical_gradient(lambda v: float("inf"), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("analytic, numeric, floor, message", [
    ([np.nan], [1.0], 1e-8, "analytic holds NaN"),
    ([1.0], [np.inf], 1e-8, "numeric holds NaN or infinite"),
    ([0.0, 0.0], [0.0, 0.0], 0.0, "floor must be > 0"),
    ([1.0, 2.0], [1.0], 1e-8, "same shape"),
])
def test_relative_error_refuses_what_it_cannot_measure(analytic, numeric,
                                                       floor, message):
    with pytest.raises(ValueError, match=message):
        relative_error(analytic, numeric, floor)
