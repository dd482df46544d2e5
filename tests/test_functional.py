"""Tests of numpycae.functional: hand-computed values and property tests.

Tolerances. Gradients are compared with float64 central differences of step
h = 1e-6 (numpycae.gradcheck.numerical_gradient). Their truncation error is
O(h**2) ~ 1e-12 and their rounding error is about 1e-16 * |objective| / h,
at most ~1e-8 for the objectives drawn here (|objective| < 100). Hence
``atol=1e-7`` (ten times that) and ``rtol=1e-6`` for every gradient check.
Values computed by the same formula in another order (closed form against
the explicit Jacobian) agree to rounding, so they use ``rtol=1e-12``.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpycae.activations import sigmoid
from numpycae.functional import (
    contraction_gradients,
    contraction_penalty,
    decode,
    encode,
    forward,
    init_parameters,
    jacobian,
    objective_and_gradients,
    penalty_from_code,
)
from numpycae.gradcheck import numerical_gradient

GRAD_RTOL, GRAD_ATOL = 1e-6, 1e-7
PAIRS = [("cross_entropy", "sigmoid"), ("squared_error", "sigmoid"),
         ("squared_error", "linear")]


def make_params(W, b=None, c=None, W_prime=None):
    """Parameter dict from nested lists (c defaults to zeros)."""
    W = np.asarray(W, dtype=np.float64)
    params = {
        "W": W,
        "b": np.zeros(W.shape[1]) if b is None else np.asarray(b, float),
        "c": np.zeros(W.shape[0]) if c is None else np.asarray(c, float),
    }
    if W_prime is not None:
        params["W_prime"] = np.asarray(W_prime, dtype=np.float64)
    return params


@st.composite
def models(draw, tied=None, saturating=True):
    """Random small models and batches: 1-7 features, 1-6 hidden, 1-5 rows.

    Biases reach +-6 when ``saturating``, so some units sit where
    h (1 - h) < 0.003: saturated units are part of the property.
    """
    n_features = draw(st.integers(1, 7))
    n_hidden = draw(st.integers(1, 6))
    n_samples = draw(st.integers(1, 5))
    if tied is None:
        tied = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    bias_scale = 6.0 if saturating else 1.0
    params = {
        "W": rng.normal(0, 1.5, (n_features, n_hidden)),
        "b": rng.uniform(-bias_scale, bias_scale, n_hidden),
        "c": rng.uniform(-1, 1, n_features),
    }
    if not tied:
        params["W_prime"] = rng.normal(0, 1.5, (n_hidden, n_features))
    X = rng.uniform(0, 1, (n_samples, n_features))
    return params, X


def numerical_jacobian(params, x, activation="sigmoid"):
    """Finite-difference Jacobian of the encoder at one example x."""
    n_hidden = params["W"].shape[1]
    rows = []
    for j in range(n_hidden):
        def code_j(point, j=j):
            return float(encode(params, point[np.newaxis], activation)[0, j])
        rows.append(numerical_gradient(code_j, x.copy()))
    return np.array(rows)


def assert_gradients_match(params, X, lam, **options):
    """Check every parameter's gradient against central differences."""
    _, grads, _ = objective_and_gradients(params, X, lam, **options)

    def objective(_):
        return objective_and_gradients(params, X, lam, **options)[0]

    assert set(grads) == set(params)
    for name, value in params.items():
        numeric = numerical_gradient(objective, value)
        np.testing.assert_allclose(
            grads[name], numeric, rtol=GRAD_RTOL, atol=GRAD_ATOL,
            err_msg=f"gradient of {name} (lam={lam}, {options})")


# -- values computed by hand (shared/cases/known-faults.md) ---------------

def test_penalty_is_per_example_frobenius_norm():
    # F1: 0.25**2 * (1+9+25 + 4+16+36) = 0.0625 * 91 = 5.6875, not / 6.
    params = make_params([[1, 2], [3, 4], [5, 6]])
    X = np.zeros((1, 3))
    np.testing.assert_allclose(contraction_penalty(params, X), [5.6875])
    np.testing.assert_allclose(np.sum(jacobian(params, X) ** 2), 5.6875)


def test_batch_penalty_is_mean_of_row_penalties():
    # F2: rows give 0.0625 and (s(2) s(-2))**2 = 0.0110237; their mean is
    # 0.0367618, not the square of a batch sum (0.0630102).
    params = make_params([[1.0]])
    X = np.array([[0.0], [2.0]])
    penalty = contraction_penalty(params, X)
    np.testing.assert_allclose(penalty, [0.0625, 0.0110237], atol=5e-8)
    # x = 2 is no cross-entropy target (issue 3 refuses it); the penalty
    # does not depend on the loss.
    _, _, parts = objective_and_gradients(params, X, 1.0,
                                          loss="squared_error")
    np.testing.assert_allclose(parts["penalty"], 0.0367618, atol=5e-8)


def test_opposite_weights_do_not_cancel():
    # F3: J rows are 0.25 and -0.25; penalty 0.125, not 0 (ones-vector VJP).
    params = make_params([[1.0, -1.0]])
    X = np.zeros((1, 1))
    J = jacobian(params, X)
    assert J.shape == (1, 2, 1)
    np.testing.assert_allclose(J[0, :, 0], [0.25, -0.25])
    np.testing.assert_allclose(contraction_penalty(params, X), [0.125])


def test_closed_form_follows_the_activation():
    # F4: sigmoid 0.1491443; tanh 2.056021 (the sigmoid formula applied to
    # tanh outputs would give 0.311630). Both equal the finite-difference
    # Jacobian's squared norm.
    params = make_params([[0.2, -0.5], [1.0, 0.3], [-0.7, 0.8]],
                         b=[0.1, -0.2])
    X = np.array([[0.5, 0.1, 0.9]])
    for activation, expected in [("sigmoid", 0.1491443),
                                 ("tanh", 2.056021)]:
        penalty = contraction_penalty(params, X, activation)
        np.testing.assert_allclose(penalty, [expected], atol=5e-7)
        J_numeric = numerical_jacobian(params, X[0], activation)
        np.testing.assert_allclose(np.sum(J_numeric ** 2), expected,
                                   atol=5e-7)


def test_penalty_gradient_by_hand_away_from_zero():
    # F5: at x = 0, b = 0 the through-h term vanishes; here it does not.
    params = make_params([[0.5], [-1.0]], b=[0.3])
    X = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(contraction_penalty(params, X), [0.0571967],
                               atol=5e-8)
    _, grads_with, _ = objective_and_gradients(params, X, 1.0)
    _, grads_without, _ = objective_and_gradients(params, X, 0.0)
    np.testing.assert_allclose(grads_with["b"] - grads_without["b"],
                               [-0.0434637], atol=5e-8)
    np.testing.assert_allclose(grads_with["W"] - grads_without["W"],
                               [[0.00229371], [-0.0915147]], atol=5e-8)


@pytest.mark.parametrize("n_copies", [1, 2, 5])
def test_loss_and_gradient_share_the_batch_scale(n_copies):
    # F6: repeating a row leaves a mean objective and its gradient unchanged.
    params = make_params([[0.1, -0.3], [0.4, 0.2]], b=[0.05, -0.1],
                         c=[0.0, 0.1])
    X = np.tile([[0.2, 0.9]], (n_copies, 1))
    objective, grads, _ = objective_and_gradients(params, X, 0.5)
    np.testing.assert_allclose(objective, 1.2159933, atol=5e-8)
    np.testing.assert_allclose(
        grads["W"], [[0.169059, 0.114200], [-0.174365, -0.166308]],
        atol=5e-7)


def test_gradient_shapes_and_bias_sums():
    # F7: gradients take the parameters' shapes; identical rows give the
    # one-row bias gradients (biases are summed over the batch, of a mean).
    params = init_parameters(4, 2, rng=0)
    row = np.random.default_rng(1).uniform(size=(1, 4))
    _, grads_one, _ = objective_and_gradients(params, row, 0.3)
    _, grads_three, _ = objective_and_gradients(
        params, np.repeat(row, 3, axis=0), 0.3)
    for name, value in params.items():
        assert grads_three[name].shape == value.shape
        np.testing.assert_allclose(grads_three[name], grads_one[name],
                                   rtol=1e-12, atol=1e-15)


def test_penalty_divides_by_batch_size_as_a_float():
    # F10: 3 rows at h = 0.5 with W = 2 give 0.0625 * 4 = 0.25 each, mean
    # 0.25 (a floor division by the batch size would give 0).
    params = make_params([[2.0]])
    _, _, parts = objective_and_gradients(params, np.zeros((3, 1)), 1.0)
    assert parts["penalty"] == pytest.approx(0.25, abs=1e-15)


def test_encoder_does_not_overflow():
    # F9: A = -800 must give a tiny positive code, no overflow warning.
    params = make_params([[-800.0]])
    H = encode(params, np.array([[1.0]]))
    assert np.isfinite(H).all() and H[0, 0] < 1e-12


@pytest.mark.parametrize("dtype, big", [(np.float64, 1000.0),
                                        (np.float32, 100.0)])
@pytest.mark.parametrize("loss, decoder", PAIRS)
def test_objective_is_finite_for_huge_preactivations(dtype, big, loss,
                                                     decoder):
    params = {name: value.astype(dtype) for name, value in make_params(
        [[big, -big], [-big, big]], b=[big, -big], c=[big, -big]).items()}
    X = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    objective, grads, parts = objective_and_gradients(
        params, X, 0.5, loss=loss, decoder=decoder)
    assert np.isfinite(objective)
    for grad in grads.values():
        assert np.all(np.isfinite(grad)) and grad.dtype == dtype


# -- dtype and memory ----------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tied", [True, False])
def test_dtype_is_kept_end_to_end(dtype, tied):
    params = init_parameters(6, 4, tied=tied, rng=0, dtype=dtype)
    X = np.random.default_rng(0).uniform(size=(3, 6)).astype(dtype)
    fwd = forward(params, X)
    for array in (fwd.A, fwd.H, fwd.Z, fwd.R, jacobian(params, X),
                  contraction_penalty(params, X)):
        assert array.dtype == dtype
    _, grads, _ = objective_and_gradients(params, X, np.float64(0.5))
    for name, grad in grads.items():
        assert grad.dtype == dtype, name


def test_training_step_never_forms_the_jacobian_tensor():
    # The (n, H, D) tensor would take 50*200*300*8 bytes = 24 MB; the closed
    # form's temporaries are a few (n, H), (n, D) and (D, H) arrays.
    params = init_parameters(300, 200, rng=0)
    X = np.random.default_rng(0).uniform(size=(50, 300))
    tracemalloc.start()
    objective_and_gradients(params, X, 0.1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 200 * 300 * 8 / 4, f"peak {peak} bytes"


def test_tied_decoder_uses_the_current_W():
    params = init_parameters(4, 3, rng=0)
    H = np.random.default_rng(1).uniform(size=(2, 3))
    params["W"] += 0.5
    expected = sigmoid(H @ params["W"].T + params["c"])
    np.testing.assert_allclose(decode(params, H), expected, rtol=1e-15)


# -- property tests ------------------------------------------------------

@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear"])
@given(model=models(tied=True))
def test_jacobian_matches_finite_differences(activation, model):
    # (a) Entries are O(|W|) <= ~6, so atol 1e-7 covers the ~1e-9 FD error.
    params, X = model
    J = jacobian(params, X, activation)
    assert J.shape == (X.shape[0], params["W"].shape[1], X.shape[1])
    for n, x in enumerate(X):
        np.testing.assert_allclose(
            J[n], numerical_jacobian(params, x, activation),
            rtol=GRAD_RTOL, atol=GRAD_ATOL)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear"])
@given(model=models(tied=True))
def test_closed_form_equals_squared_norm_of_jacobians(activation, model):
    # (b) Closed form vs explicit J (same numbers, summed in another order:
    # rounding only) and vs the finite-difference J (FD error ~1e-9 per
    # entry, squared-sum error below 1e-6 for these sizes).
    params, X = model
    penalty = contraction_penalty(params, X, activation)
    explicit = np.sum(jacobian(params, X, activation) ** 2, axis=(1, 2))
    np.testing.assert_allclose(penalty, explicit, rtol=1e-12, atol=1e-300)
    for n, x in enumerate(X):
        numeric = np.sum(numerical_jacobian(params, x, activation) ** 2)
        np.testing.assert_allclose(penalty[n], numeric, rtol=1e-6,
                                   atol=1e-7)


@pytest.mark.parametrize("loss, decoder", PAIRS)
@pytest.mark.parametrize("lam", [0.0, 0.7])
@given(model=models())
def test_every_gradient_matches_finite_differences(loss, decoder, lam,
                                                   model):
    # (c) Tied and untied (drawn), each loss, lambda 0 and > 0.
    params, X = model
    assert_gradients_match(params, X, lam, loss=loss, decoder=decoder)


@pytest.mark.parametrize("activation", ["tanh", "linear"])
@given(model=models(saturating=False))
def test_gradients_match_for_other_encoder_activations(activation, model):
    params, X = model
    assert_gradients_match(params, X, 0.7, activation=activation)


@pytest.mark.parametrize("loss, decoder", PAIRS)
@given(model=models())
def test_batch_gradient_is_mean_of_example_gradients(loss, decoder, model):
    # (d) Same arithmetic up to summation order: rtol 1e-10.
    params, X = model
    objective, grads, _ = objective_and_gradients(
        params, X, 0.7, loss=loss, decoder=decoder)
    singles = [objective_and_gradients(params, X[n:n + 1], 0.7, loss=loss,
                                       decoder=decoder)
               for n in range(X.shape[0])]
    np.testing.assert_allclose(objective, np.mean([s[0] for s in singles]),
                               rtol=1e-10)
    for name in params:
        mean_grad = np.mean([s[1][name] for s in singles], axis=0)
        np.testing.assert_allclose(grads[name], mean_grad, rtol=1e-10,
                                   atol=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear"])
@given(model=models())
def test_penalty_gradient_alone_matches_finite_differences(activation,
                                                           model):
    # (e) Objective at lambda = 1 minus at lambda = 0 is the mean penalty;
    # its gradient is checked alone so it cannot hide behind the
    # reconstruction term.
    params, X = model

    def mean_penalty(_):
        return float(np.mean(contraction_penalty(params, X, activation)))

    _, grads_one, _ = objective_and_gradients(params, X, 1.0,
                                              activation=activation)
    _, grads_zero, _ = objective_and_gradients(params, X, 0.0,
                                               activation=activation)
    for name in ("W", "b"):
        numeric = numerical_gradient(mean_penalty, params[name])
        np.testing.assert_allclose(grads_one[name] - grads_zero[name],
                                   numeric, rtol=GRAD_RTOL,
                                   atol=GRAD_ATOL, err_msg=name)
    for name in set(params) - {"W", "b"}:
        np.testing.assert_array_equal(grads_one[name], grads_zero[name])


@given(model=models())
def test_contraction_gradients_match_explicit_derivation(model):
    # The two paths of contraction_gradients add up to the full derivative
    # of the mean penalty with respect to W.
    params, X = model
    H = encode(params, X)
    dA, dW_direct = contraction_gradients(params["W"], H)
    full = X.T @ dA + dW_direct

    def mean_penalty(W):
        return float(np.mean(penalty_from_code(W, encode(
            {**params, "W": W}, X))))

    np.testing.assert_allclose(full, numerical_gradient(mean_penalty,
                                                        params["W"].copy()),
                               rtol=GRAD_RTOL, atol=GRAD_ATOL)
