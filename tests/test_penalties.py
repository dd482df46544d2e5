"""Tests of numpycae.penalties and of the rival objectives (issue 4).

Tolerances. As in tests/test_functional.py, gradients are compared with
float64 central differences of step h = 1e-6: truncation error O(h**2) and
rounding error ~1e-16 * |objective| / h, at most ~1e-8 for the objectives
drawn here (|objective| < 100), hence ``rtol=1e-6, atol=1e-7``. The terms'
third derivatives must stay moderate for the truncation error to be
negligible, so the sparsity tests draw biases in [-1, 1] (a mean activation
near 0 makes the KL's third derivative ~ rho / rho_hat**3 large). Identities
that are the same arithmetic in another order (closed form against explicit
Jacobians, a repeated row against the row alone) use ``rtol=1e-10``.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpycae import ContractiveAutoencoder, load_model
from numpycae.activations import sigmoid
from numpycae.functional import (
    contraction_penalty,
    forward,
    init_parameters,
    jacobian,
    objective_and_gradients,
)
from numpycae.gradcheck import numerical_gradient
from numpycae.penalties import (
    HigherOrderContraction,
    Sparsity,
    WeightDecay,
    gaussian_noise,
    kl_divergence,
)

# The core's gradient check and its tolerances (reasoned there).
from test_functional import (
    GRAD_ATOL,
    GRAD_RTOL,
    PAIRS,
    assert_gradients_match,
)

ACTIVATIONS = ["sigmoid", "tanh", "linear"]


@st.composite
def problems(draw, tied=None, bias_scale=3.0):
    """Small random models, batches and CAE+H noise.

    1-6 features, 1-5 hidden, 1-4 rows, 1-3 noisy copies; tied or untied
    (drawn unless given); noise of standard deviation 0.3.
    """
    n_features = draw(st.integers(1, 6))
    n_hidden = draw(st.integers(1, 5))
    n_samples = draw(st.integers(1, 4))
    n_corrupted = draw(st.integers(1, 3))
    if tied is None:
        tied = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    params = {
        "W": rng.normal(0, 1.0, (n_features, n_hidden)),
        "b": rng.uniform(-bias_scale, bias_scale, n_hidden),
        "c": rng.uniform(-1, 1, n_features),
    }
    if not tied:
        params["W_prime"] = rng.normal(0, 1.0, (n_hidden, n_features))
    X = rng.uniform(0, 1, (n_samples, n_features))
    noise = gaussian_noise(rng, n_corrupted, X.shape, 0.3)
    return params, X, noise


def assert_term_gradient_matches(params, X, term, activation):
    """The term's own share of the gradient against FD of its value alone.

    The share is the objective's gradient with the term minus without it,
    so the term cannot hide behind the reconstruction.
    """
    _, with_term, _ = objective_and_gradients(
        params, X, 0.0, activation=activation, penalties=[term])
    _, without, _ = objective_and_gradients(params, X, 0.0,
                                            activation=activation)

    def value(_):
        return term(params, forward(params, X, activation), activation)[0]

    for name in params:
        np.testing.assert_allclose(
            with_term[name] - without[name],
            numerical_gradient(value, params[name]),
            rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=name)


def explicit_higher_order(params, X, noise, activation):
    """CAE+H value from explicit (n, H, D) Jacobians, for comparison."""
    J_clean = jacobian(params, X, activation)
    squared = [np.sum((J_clean - jacobian(params, X + eps, activation)) ** 2,
                      axis=(1, 2))
               for eps in noise]
    return float(np.mean(squared))


# -- weight decay --------------------------------------------------------

def test_weight_decay_value_by_hand():
    # beta (1 + 4 + 9 + 16) = 0.5 * 30 = 15 tied; untied adds
    # 0.5 * (1 + 1) = 1 for W_prime; biases are not decayed.
    params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.ones(2),
              "c": np.ones(2)}
    fwd = forward(params, np.zeros((1, 2)))
    value, dA, grads = WeightDecay(0.5)(params, fwd, "sigmoid")
    assert value == pytest.approx(15.0, abs=1e-14) and dA is None
    np.testing.assert_array_equal(grads["W"], params["W"])
    params["W_prime"] = np.array([[1.0, 0.0], [0.0, -1.0]])
    value, _, grads = WeightDecay(0.5)(params, fwd, "sigmoid")
    assert value == pytest.approx(16.0, abs=1e-14)
    assert set(grads) == {"W", "W_prime"}


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(problem=problems())
def test_weight_decay_gradient_matches_finite_differences(activation,
                                                          problem):
    params, X, _ = problem
    assert_term_gradient_matches(params, X, WeightDecay(0.3), activation)


@given(problem=problems(tied=True))
def test_linear_contraction_equals_weight_decay(problem):
    # With s' = 1 every example's ||J||_F^2 is sum W_ij^2, so lam * penalty
    # is a weight decay of W with beta = lam: same values and gradients.
    params, X, _ = problem
    np.testing.assert_allclose(contraction_penalty(params, X, "linear"),
                               np.sum(params["W"] ** 2), rtol=1e-12)
    contractive = objective_and_gradients(
        params, X, 0.7, loss="squared_error", decoder="linear",
        activation="linear")
    decayed = objective_and_gradients(
        params, X, 0.0, loss="squared_error", decoder="linear",
        activation="linear", penalties=[WeightDecay(0.7)])
    assert contractive[0] == pytest.approx(decayed[0], rel=1e-12)
    for name in params:
        np.testing.assert_allclose(contractive[1][name], decayed[1][name],
                                   rtol=1e-10, atol=1e-12)


# -- sparsity ------------------------------------------------------------

def test_sparsity_value_by_hand():
    # Two units, W = 0, biases 0 and log 3: h = 0.5 and 0.75 on every row,
    # rho_hat = (0.5, 0.75), KL(0.1 || 0.5) = 0.1 log 0.2 + 0.9 log 1.8
    # = 0.3680642, KL(0.1 || 0.75) = 0.1 log(0.4/3) + 0.9 log 3.6
    # = 0.9513502; times beta = 2.
    params = {"W": np.zeros((3, 2)), "b": np.array([0.0, np.log(3.0)]),
              "c": np.zeros(3)}
    X = np.random.default_rng(0).uniform(size=(4, 3))
    value, dA, grads = Sparsity(2.0, 0.1)(params, forward(params, X),
                                         "sigmoid")
    assert value == pytest.approx(2.0 * (0.3680642 + 0.9513502), abs=1e-6)
    # dKL/drho_hat = -rho / rho_hat + (1 - rho) / (1 - rho_hat) = 1.6 and
    # 3.4667; s' = 0.25 and 0.1875; dA = beta / n * both.
    np.testing.assert_allclose(dA[0], [0.5 * 1.6 * 0.25,
                                       0.5 * (-0.4 / 3 + 3.6) * 0.1875],
                               rtol=1e-12)
    assert grads == {}


@pytest.mark.parametrize("rho", [0.05, 0.5])
@given(problem=problems(bias_scale=1.0))
def test_sparsity_gradient_matches_finite_differences(rho, problem):
    params, X, _ = problem
    assert_term_gradient_matches(params, X, Sparsity(0.8, rho), "sigmoid")


@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_sparsity_refuses_codes_outside_the_unit_interval(activation):
    params = init_parameters(3, 2, rng=0)
    fwd = forward(params, np.zeros((1, 3)), activation)
    with pytest.raises(ValueError, match=f"needs activation='sigmoid'.*"
                                         f"{activation}"):
        Sparsity(1.0)(params, fwd, activation)


def test_sparsity_is_a_function_of_the_batch_mean():
    # A repeated row has the row's batch mean: same value and gradient.
    # Two different rows do not give the mean of their single-row values
    # (the KL is convex in rho_hat, so the batch value is smaller).
    params = init_parameters(5, 3, rng=0)
    X = np.random.default_rng(1).uniform(size=(2, 5))
    term = Sparsity(1.0, 0.05)
    one = objective_and_gradients(params, X[:1], 0.0, penalties=[term])
    three = objective_and_gradients(params, np.repeat(X[:1], 3, axis=0),
                                    0.0, penalties=[term])
    assert three[2]["sparsity"] == pytest.approx(one[2]["sparsity"],
                                                 rel=1e-12)
    for name in params:
        np.testing.assert_allclose(three[1][name], one[1][name],
                                   rtol=1e-10, atol=1e-14)
    singles = [term(params, forward(params, X[n:n + 1]), "sigmoid")[0]
               for n in range(2)]
    batch = term(params, forward(params, X), "sigmoid")[0]
    assert batch < np.mean(singles) - 1e-6


def test_sparsity_stays_finite_when_units_saturate():
    params = {"W": np.zeros((2, 2)), "b": np.array([-800.0, 800.0]),
              "c": np.zeros(2)}
    for dtype in (np.float32, np.float64):
        cast = {name: value.astype(dtype) for name, value in params.items()}
        fwd = forward(cast, np.zeros((2, 2), dtype=dtype))
        value, dA, _ = Sparsity(1.0)(cast, fwd, "sigmoid")
        assert np.isfinite(value) and np.all(np.isfinite(dA))
        assert dA.dtype == dtype


def test_kl_divergence_is_zero_at_the_target_and_positive_elsewhere():
    np.testing.assert_allclose(kl_divergence(0.2, np.array([0.2])), [0.0],
                               atol=1e-16)
    assert np.all(kl_divergence(0.2, np.array([0.1, 0.5, 0.9])) > 0)


# -- CAE+H ---------------------------------------------------------------

@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(problem=problems())
def test_higher_order_closed_form_equals_explicit_jacobians(activation,
                                                            problem):
    # sum_j (s'(a_j) - s'(a~_j))^2 sum_i W_ij^2 = ||J(x) - J(x~)||_F^2.
    params, X, noise = problem
    gamma = 0.6
    value = HigherOrderContraction(gamma, noise)(
        params, forward(params, X, activation), activation)[0]
    expected = gamma * explicit_higher_order(params, X, noise, activation)
    assert value == pytest.approx(expected, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(problem=problems())
def test_higher_order_gradient_matches_finite_differences(activation,
                                                          problem):
    # The noise is held fixed in the term, so the value is deterministic.
    params, X, noise = problem
    term = HigherOrderContraction(0.6, noise)
    assert_term_gradient_matches(params, X, term, activation)


def test_higher_order_vanishes_for_a_linear_encoder():
    params = init_parameters(4, 3, rng=0)
    X = np.random.default_rng(1).uniform(size=(2, 4))
    noise = gaussian_noise(np.random.default_rng(2), 3, X.shape, 1.0)
    value, dA, grads = HigherOrderContraction(1.0, noise)(
        params, forward(params, X, "linear"), "linear")
    assert value == 0.0
    assert not np.any(dA) and not np.any(grads["W"])


def test_higher_order_refuses_noise_of_another_batch():
    params = init_parameters(4, 3, rng=0)
    fwd = forward(params, np.zeros((2, 4)))
    term = HigherOrderContraction(1.0, np.zeros((3, 5, 4)))
    with pytest.raises(ValueError, match=r"noise of shape \(3, 5, 4\).*"
                                         r"\(n_corrupted, 2, 4\)"):
        term(params, fwd, "sigmoid")
    with pytest.raises(ValueError, match="noise must have shape"):
        HigherOrderContraction(1.0, np.zeros((5, 4)))


def test_higher_order_never_forms_the_jacobian_tensor():
    # (n, H, D) = 50 * 200 * 300 float64 = 24 MB; the closed form's
    # temporaries are (n_c, n, D) and (n_c, n, H) arrays, ~0.5 MB each.
    params = init_parameters(300, 200, rng=0)
    X = np.random.default_rng(0).uniform(size=(50, 300))
    noise = gaussian_noise(np.random.default_rng(1), 4, X.shape, 0.1)
    term = HigherOrderContraction(0.1, noise)
    tracemalloc.start()
    objective_and_gradients(params, X, 0.1, penalties=[term])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50 * 200 * 300 * 8 / 4, f"peak {peak} bytes"


def test_gaussian_noise_is_seeded_and_scaled():
    first = gaussian_noise(np.random.default_rng(3), 4, (500, 10), 0.2)
    second = gaussian_noise(np.random.default_rng(3), 4, (500, 10), 0.2)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (4, 500, 10)
    # 20,000 draws: the sample std has a standard error of 0.2 / 200.
    assert np.std(first) == pytest.approx(0.2, abs=0.005)
    with pytest.raises(ValueError, match="sigma must be > 0.0, got 0"):
        gaussian_noise(np.random.default_rng(3), 4, (5, 2), 0)


# -- combinations --------------------------------------------------------

@pytest.mark.parametrize("loss, decoder", PAIRS)
@given(problem=problems(bias_scale=1.0), seed=st.integers(0, 1000))
def test_combined_objective_matches_finite_differences(loss, decoder,
                                                       problem, seed):
    # Denoising (a corrupted X, the clean target) with contraction, weight
    # decay, sparsity and CAE+H all at once, tied and untied.
    params, X, noise = problem
    X_noisy = X + np.random.default_rng(seed).normal(0, 0.2, X.shape)
    terms = [WeightDecay(0.05), Sparsity(0.4, 0.1),
             HigherOrderContraction(0.5, noise)]
    assert_gradients_match(params, X_noisy, 0.3, loss=loss, decoder=decoder,
                           X_target=X, penalties=terms)


@pytest.mark.parametrize("activation", ["tanh", "linear"])
@given(problem=problems(bias_scale=1.0))
def test_combined_terms_follow_other_activations(activation, problem):
    params, X, noise = problem
    terms = [WeightDecay(0.05), HigherOrderContraction(0.5, noise)]
    assert_gradients_match(params, X, 0.3, activation=activation,
                           penalties=terms)


@pytest.mark.parametrize("n_copies", [1, 3])
def test_terms_keep_the_batch_scale(n_copies):
    # A batch of one row repeated (its CAE+H noise repeated too) gives the
    # row's value and gradient: every term is at the scale of a mean.
    params = init_parameters(4, 3, tied=False, rng=0)
    row = np.random.default_rng(1).uniform(size=(1, 4))
    noise = gaussian_noise(np.random.default_rng(2), 2, row.shape, 0.3)
    X = np.repeat(row, n_copies, axis=0)

    def terms(noise):
        return [WeightDecay(0.01), Sparsity(0.5),
                HigherOrderContraction(0.7, noise)]

    single = objective_and_gradients(params, row, 0.2,
                                     penalties=terms(noise))
    repeated = objective_and_gradients(
        params, X, 0.2, penalties=terms(np.repeat(noise, n_copies, axis=1)))
    assert repeated[0] == pytest.approx(single[0], rel=1e-12)
    for name in params:
        np.testing.assert_allclose(repeated[1][name], single[1][name],
                                   rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_terms_keep_the_dtype(dtype):
    params = init_parameters(5, 3, tied=False, rng=0, dtype=dtype)
    X = np.random.default_rng(1).uniform(size=(4, 5)).astype(dtype)
    noise = gaussian_noise(np.random.default_rng(2), 2, X.shape, 0.1,
                           dtype=dtype)
    terms = [WeightDecay(0.01), Sparsity(0.5),
             HigherOrderContraction(0.7, noise)]
    _, grads, parts = objective_and_gradients(params, X, 0.2,
                                              penalties=terms)
    for name, grad in grads.items():
        assert grad.dtype == dtype, name
    assert set(parts) >= {"weight_decay", "sparsity", "higher_order"}


@pytest.mark.parametrize("make, message", [
    (lambda: WeightDecay(-1.0), "beta must be >= 0.0, got -1.0"),
    (lambda: Sparsity(1.0, 1.0), "rho must be < 1.0, got 1.0"),
    (lambda: Sparsity(1.0, 0.0), "rho must be > 0.0, got 0.0"),
    (lambda: HigherOrderContraction("1", np.zeros((1, 1, 1))),
     "gamma must be a real number, got '1'"),
])
def test_terms_refuse_bad_weights(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


# -- the estimator -------------------------------------------------------

RIVALS = {
    "weight decay": dict(lam=0.0, weight_decay=1e-3),
    "gaussian DAE": dict(lam=0.0, corruption="gaussian",
                         corruption_level=0.3),
    "masking DAE": dict(lam=0.0, corruption="masking",
                        corruption_level=0.25),
    "sparse": dict(lam=0.0, sparsity_weight=0.5, sparsity_target=0.1),
    "CAE+H": dict(lam=0.1, higher_order_weight=0.5, n_corrupted=3),
    "DAE + CAE": dict(lam=0.1, corruption="masking", corruption_level=0.2),
}


@pytest.fixture
def data():
    return np.random.default_rng(0).uniform(size=(30, 8))


def rival(**options):
    settings = dict(n_hidden=4, n_epochs=25, batch_size=10, random_state=0,
                    learning_rate=0.02)
    settings.update(options)
    return ContractiveAutoencoder(**settings)


@pytest.mark.parametrize("name", RIVALS)
def test_every_rival_fits_reproducibly_and_learns(data, name):
    model = rival(**RIVALS[name]).fit(data)
    again = rival(**RIVALS[name]).fit(data)
    for key, value in model.params_.items():
        np.testing.assert_array_equal(value, again.params_[key])
    objective = model.history_["objective"]
    assert np.all(np.isfinite(objective)) and objective[-1] < objective[0]
    plain = rival(lam=RIVALS[name]["lam"]).fit(data)
    assert not np.array_equal(model.W_, plain.W_)


def test_rival_hyperparameters_survive_save_and_load(data, tmp_path):
    model = rival(n_epochs=1, tied=False, **RIVALS["CAE+H"],
                  weight_decay=0.01, sparsity_weight=0.2,
                  corruption="gaussian", corruption_level=0.1).fit(data)
    model.save(tmp_path / "model.npz")
    loaded = load_model(tmp_path / "model.npz")
    assert loaded.get_params() == model.get_params()


def test_plain_model_calls_the_core_objective_unchanged(data):
    # Defaults switch every rival term off: the batch objective is the
    # core CAE's, with no further parts.
    model = rival(lam=0.3, n_epochs=1).fit(data)
    objective, grads, parts = model._batch_objective(data[:5])
    expected = objective_and_gradients(model.params_, data[:5], 0.3)
    assert objective == expected[0] and parts == expected[2]
    for name, grad in grads.items():
        np.testing.assert_array_equal(grad, expected[1][name])


def test_denoising_reconstructs_the_clean_batch(data):
    # Masking every input (nu = 1) encodes zeros; the target stays clean.
    model = rival(lam=0.0, n_epochs=1, corruption="masking",
                  corruption_level=1.0).fit(data)
    objective, _, _ = model._batch_objective(data[:5])
    expected = objective_and_gradients(model.params_, np.zeros((5, 8)), 0.0,
                                       X_target=data[:5])
    assert objective == pytest.approx(expected[0], rel=1e-12)


@pytest.mark.parametrize("options, error, message", [
    (dict(weight_decay=-0.1), ValueError,
     r"weight_decay must be >= 0.0, got -0.1"),
    (dict(sparsity_weight="a"), TypeError,
     r"sparsity_weight must be a real number, got 'a'"),
    (dict(sparsity_target=1.5), ValueError,
     r"sparsity_target must be < 1.0, got 1.5"),
    (dict(sparsity_weight=1.0, activation="tanh"), ValueError,
     r"needs activation='sigmoid'.*'tanh'"),
    (dict(corruption="salt"), ValueError,
     r"corruption must be one of \('gaussian', 'masking'\), got 'salt'"),
    (dict(corruption_level=0.2), ValueError,
     r"corruption_level=0.2 needs a corruption"),
    (dict(corruption="masking", corruption_level=1.5), ValueError,
     r"probability in \[0, 1\].*got 1.5"),
    (dict(higher_order_sigma=0.0), ValueError,
     r"higher_order_sigma must be > 0.0, got 0.0"),
    (dict(n_corrupted=0), ValueError, r"n_corrupted must be >= 1, got 0"),
])
def test_bad_rival_hyperparameters_are_refused_by_name(data, options, error,
                                                      message):
    with pytest.raises(error, match=message):
        rival(**options).fit(data)


def test_higher_order_value_by_hand():
    # One feature, three units with b = -40, 0, 40 and W = 1, x = 0 moved
    # by eps = 0.5: the saturated units' slopes (~4e-18) barely change, the
    # middle one's goes from 0.25 to s(0.5) (1 - s(0.5)) = 0.2350037.
    params = {"W": np.ones((1, 3)), "b": np.array([-40.0, 0.0, 40.0]),
              "c": np.zeros(1)}
    noise = np.full((1, 1, 1), 0.5)
    value, _, _ = HigherOrderContraction(2.0, noise)(
        params, forward(params, np.zeros((1, 1))), "sigmoid")
    slope = sigmoid(0.5) * (1.0 - sigmoid(0.5))
    assert slope == pytest.approx(0.2350037, abs=1e-7)
    assert value == pytest.approx(2.0 * (0.25 - slope) ** 2, rel=1e-12)
