"""Tests of numpycae.fast: the buffered step computes the reference's numbers.

Tolerances. Against :func:`numpycae.functional.objective_and_gradients` in
float64 the fast step evaluates the same formulas in another order (three
sums instead of one, a stacked product for tied W, e / (1 + e) instead of
e * (1 / (1 + e))). Each result is a sum of at most a few dozen terms here,
so the two differ by a few units of rounding (~1e-16) times the size of the
terms: ``rtol=1e-12`` leaves a hundredfold margin, and ``atol`` is 1e-12
times the largest entry of the same array, for entries that cancel to
nearly zero. Float32 results are compared at ``rtol=1e-4`` (float32 rounding
is ~6e-8 per operation, amplified by cancellations in small sums).
Finite-difference checks use the float64 central differences of
tests/test_functional.py, with the same ``rtol=1e-6, atol=1e-7``.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpycae import ContractiveAutoencoder
from numpycae.activations import sigmoid
from numpycae.fast import TrainingStep, _exp_minus_abs, _sigmoid_from_exp
from numpycae.functional import init_parameters, objective_and_gradients
from numpycae.gradcheck import numerical_gradient

PAIRS = [("cross_entropy", "sigmoid"), ("squared_error", "sigmoid"),
         ("squared_error", "linear")]
ACTIVATIONS = ["sigmoid", "tanh", "linear"]


@st.composite
def problems(draw):
    """A random model, batch and step configuration.

    Biases reach +-8 and weights are normal with scale up to 3, so some
    hidden units are saturated (s' below 1e-3); the batch may be smaller
    than the step's batch size (the last batch of an epoch).
    """
    n_features = draw(st.integers(1, 8))
    n_hidden = draw(st.integers(1, 7))
    n_samples = draw(st.integers(1, 5))
    extra_rows = draw(st.integers(0, 3))
    tied = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    weight_scale = draw(st.sampled_from([0.5, 1.5, 3.0]))
    rng = np.random.default_rng(seed)
    params = {
        "W": rng.normal(0, weight_scale, (n_features, n_hidden)),
        "b": rng.uniform(-8, 8, n_hidden),
        "c": rng.uniform(-2, 2, n_features),
    }
    if not tied:
        params["W_prime"] = rng.normal(0, weight_scale,
                                       (n_hidden, n_features))
    X = rng.uniform(0, 1, (n_samples, n_features))
    return params, X, n_samples + extra_rows


def assert_same_as_reference(step, params, X, lam, rtol=1e-12, **options):
    """Compare one fast step with objective_and_gradients."""
    expected = objective_and_gradients(params, X, lam, **options)
    objective, grads, parts = step(params, X, lam)
    np.testing.assert_allclose(objective, expected[0], rtol=rtol)
    assert sorted(grads) == sorted(expected[1])
    for name, reference in expected[1].items():
        assert grads[name].dtype == reference.dtype
        np.testing.assert_allclose(
            grads[name], reference, rtol=rtol,
            atol=rtol * np.max(np.abs(reference)), err_msg=name)
    for name, value in expected[2].items():
        np.testing.assert_allclose(parts[name], value, rtol=rtol,
                                   err_msg=name)


@pytest.mark.parametrize("loss, decoder", PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("lam", [0.0, 0.7])
@given(problem=problems())
def test_fast_step_equals_the_reference_derivation(loss, decoder,
                                                   activation, lam,
                                                   problem):
    params, X, batch_size = problem
    step = TrainingStep(X.shape[1], params["W"].shape[1], batch_size,
                        tied="W_prime" not in params, loss=loss,
                        decoder=decoder, activation=activation)
    options = dict(loss=loss, decoder=decoder, activation=activation)
    assert_same_as_reference(step, params, X, lam, **options)
    # A second call reuses the buffers, with another batch size.
    assert_same_as_reference(step, params, X[:1], lam, **options)
    assert_same_as_reference(step, params, X, lam, **options)


@pytest.mark.parametrize("loss, decoder", PAIRS)
@pytest.mark.parametrize("tied", [True, False])
def test_fast_step_with_a_separate_target(loss, decoder, tied):
    # The denoising form: encode X, reconstruct X_target.
    rng = np.random.default_rng(3)
    params = init_parameters(6, 4, tied=tied, rng=rng)
    X, X_target = rng.uniform(0, 1, (2, 5, 6))
    step = TrainingStep(6, 4, 5, tied=tied, loss=loss, decoder=decoder)
    expected = objective_and_gradients(params, X, 0.4, loss=loss,
                                       decoder=decoder, X_target=X_target)
    objective, grads, _ = step(params, X, 0.4, X_target=X_target)
    np.testing.assert_allclose(objective, expected[0], rtol=1e-12)
    for name in params:
        np.testing.assert_allclose(grads[name], expected[1][name],
                                   rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss, decoder", PAIRS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("tied", [True, False])
def test_fast_gradients_match_finite_differences(loss, decoder, activation,
                                                 tied):
    # Value and gradient of the fast step are the same pair at the same
    # (batch-mean) scale, lambda > 0, away from and near saturation.
    rng = np.random.default_rng(7)
    params = init_parameters(5, 4, tied=tied, rng=rng)
    params["b"] = np.array([-3.0, -0.5, 0.5, 3.0])
    params["c"] = rng.uniform(-1, 1, 5)
    X = rng.uniform(0, 1, (3, 5))
    step = TrainingStep(5, 4, 4, tied=tied, loss=loss, decoder=decoder,
                        activation=activation)

    def objective(_):
        return step(params, X, 0.7)[0]

    _, grads, _ = step(params, X, 0.7)
    analytic = {name: grad.copy() for name, grad in grads.items()}
    for name, value in params.items():
        numeric = numerical_gradient(objective, value)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-6,
                                   atol=1e-7, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tied", [True, False])
def test_float32_and_float64_keep_their_dtype(dtype, tied):
    rng = np.random.default_rng(1)
    params = init_parameters(12, 6, tied=tied, rng=rng, dtype=dtype)
    X = rng.uniform(0, 1, (4, 12)).astype(dtype)
    step = TrainingStep(12, 6, 4, dtype, tied=tied)
    rtol = 1e-4 if dtype == np.float32 else 1e-12
    assert_same_as_reference(step, params, X, 0.3, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_from_exp_is_silent_and_matches_the_stable_sigmoid(dtype):
    # F9: sigmoid(-1000, 0, 1000) is [0, 0.5, 1] without a warning (the
    # suite turns warnings into errors); elsewhere it equals the reference
    # to a few units of rounding.
    A = np.concatenate([[-1000.0, -88.0, 0.0, 88.0, 1000.0],
                        np.linspace(-40, 40, 101)]).astype(dtype)
    exp_minus_abs = np.empty_like(A)
    H = np.empty_like(A)
    _exp_minus_abs(A, exp_minus_abs)
    _sigmoid_from_exp(A, exp_minus_abs, H, np.empty(A.shape, bool))
    assert H.dtype == dtype and np.all(np.isfinite(H))
    assert H[0] == 0.0 and H[2] == 0.5 and H[4] == 1.0
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(H, sigmoid(A), rtol=4 * eps, atol=0)


def test_huge_preactivations_give_finite_results():
    # Saturated decoder and encoder: no overflow, finite objective.
    params = {"W": np.full((3, 2), 400.0), "b": np.array([-900.0, 900.0]),
              "c": np.array([-800.0, 0.0, 800.0])}
    X = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 0.5]])
    step = TrainingStep(3, 2, 2)
    objective, grads, parts = step(params, X, 0.5)
    assert np.isfinite(objective)
    assert all(np.all(np.isfinite(grad)) for grad in grads.values())
    expected = objective_and_gradients(params, X, 0.5)
    np.testing.assert_allclose(objective, expected[0], rtol=1e-12)


def test_a_step_allocates_nothing_of_the_batch_size():
    # The buffers are made once; a call allocates only a few small arrays
    # (NumPy's casting buffer of at most 8192 elements among them), less
    # than one batch-sized array and far less than n x H x D.
    D, H, n = 300, 200, 64
    rng = np.random.default_rng(0)
    params = init_parameters(D, H, rng=rng)
    X = rng.uniform(0, 1, (n, D))
    step = TrainingStep(D, H, n)
    step(params, X, 0.1)
    tracemalloc.start()
    step(params, X, 0.1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < n * D * 8


def test_input_buffer_is_read_in_place():
    # A batch gathered into input_buffer gives the same result as a copy.
    rng = np.random.default_rng(2)
    params = init_parameters(6, 3, rng=rng)
    X = rng.uniform(0, 1, (10, 6))
    rows = np.array([7, 1, 4])
    step = TrainingStep(6, 3, 4)
    batch = np.take(X, rows, axis=0, out=step.input_buffer(3))
    assert_same_as_reference(step, params, batch, 0.2)
    np.testing.assert_array_equal(batch, X[rows])


@pytest.mark.parametrize("X, message", [
    (np.zeros((5, 6)), "1 to 4 rows"),
    (np.zeros((2, 5)), "6 columns"),
    (np.zeros((2, 6), np.float32), "dtype float64"),
    (np.zeros(6), "shape"),
])
def test_batches_that_do_not_fit_are_refused(X, message):
    step = TrainingStep(6, 3, 4)
    params = init_parameters(6, 3, rng=0)
    with pytest.raises(ValueError, match=message):
        step(params, X)


@pytest.mark.parametrize("option, value, message", [
    ("loss", "hinge", "loss must be one of"),
    ("activation", "relu", "activation must be one of"),
    ("dtype", np.int32, "dtype must be float32 or float64"),
])
def test_bad_options_are_named(option, value, message):
    with pytest.raises(ValueError, match=message):
        TrainingStep(6, 3, 4, **{option: value})


@pytest.mark.parametrize("tied", [True, False])
def test_estimator_trains_the_same_with_and_without_the_fast_step(
        monkeypatch, tied):
    # The fit uses the fast step; forcing the reference path must give the
    # same parameters up to rounding accumulated over 12 Adam steps.
    X = np.random.default_rng(0).uniform(0, 1, (25, 8))
    options = dict(n_hidden=5, lam=0.3, tied=tied, n_epochs=3,
                   batch_size=7, random_state=0)
    fast = ContractiveAutoencoder(**options).fit(X)
    monkeypatch.setattr(ContractiveAutoencoder, "_make_fast_step",
                        lambda self, X: None)
    reference = ContractiveAutoencoder(**options).fit(X)
    for name, value in reference.params_.items():
        np.testing.assert_allclose(fast.params_[name], value, rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    np.testing.assert_allclose(fast.history_["objective"],
                               reference.history_["objective"], rtol=1e-9)
