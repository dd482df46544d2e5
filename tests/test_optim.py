"""Tests of numpycae.optim: one or two steps computed by hand."""

import numpy as np
import pytest

from numpycae.optim import SGD, Adam, Momentum, make_optimizer


def test_sgd_step_by_hand():
    params = {"w": np.array([1.0, -2.0])}
    SGD(0.1).step(params, {"w": np.array([0.5, 1.0])})
    np.testing.assert_allclose(params["w"], [0.95, -2.1])


def test_momentum_two_steps_by_hand():
    # v1 = -0.1 * 1 = -0.1, w = 0.9; v2 = 0.9 * -0.1 - 0.1 * 1 = -0.19.
    params = {"w": np.array([1.0])}
    optimizer = Momentum(0.1, momentum=0.9)
    optimizer.step(params, {"w": np.array([1.0])})
    optimizer.step(params, {"w": np.array([1.0])})
    np.testing.assert_allclose(params["w"], [1.0 - 0.1 - 0.19])


def test_adam_first_step_moves_by_the_learning_rate():
    # After bias correction m_hat = g and v_hat = g**2, so the first step
    # is lr * g / (|g| + eps): about lr in the direction of -g.
    params = {"w": np.array([1.0, 1.0])}
    Adam(0.01).step(params, {"w": np.array([3.0, -0.5])})
    np.testing.assert_allclose(params["w"], [0.99, 1.01], rtol=1e-7)


def test_adam_second_step_by_hand():
    g1, g2, lr, b1, b2, eps = 1.0, 0.5, 0.1, 0.9, 0.999, 1e-8
    m = (1 - b1) * g1
    v = (1 - b2) * g1 ** 2
    m = b1 * m + (1 - b1) * g2
    v = b2 * v + (1 - b2) * g2 ** 2
    m_hat, v_hat = m / (1 - b1 ** 2), v / (1 - b2 ** 2)
    expected = 0.0 - lr * 1.0 - lr * m_hat / (np.sqrt(v_hat) + eps)
    params = {"w": np.array([0.0])}
    optimizer = Adam(lr)
    optimizer.step(params, {"w": np.array([g1])})
    optimizer.step(params, {"w": np.array([g2])})
    np.testing.assert_allclose(params["w"], [expected], rtol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_float32_parameters_stay_float32(name):
    params = {"w": np.ones(3, dtype=np.float32)}
    optimizer = make_optimizer(name, 0.1)
    optimizer.step(params, {"w": np.full(3, 0.5, dtype=np.float32)})
    assert params["w"].dtype == np.float32


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_state_round_trip_continues_identically(name):
    grads = [{"w": np.array([0.3, -0.2])}, {"w": np.array([0.1, 0.4])}]
    first = make_optimizer(name, 0.05)
    params_a = {"w": np.array([1.0, 2.0])}
    first.step(params_a, grads[0])
    second = make_optimizer(name, 0.05)
    second.load_state_dict(first.state_dict())
    params_b = {"w": params_a["w"].copy()}
    first.step(params_a, grads[1])
    second.step(params_b, grads[1])
    np.testing.assert_array_equal(params_a["w"], params_b["w"])


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of.*rmsprop"):
        make_optimizer("rmsprop", 0.1)


def test_adam_matches_the_textbook_formula_over_many_steps():
    # The step folds the bias corrections into scalars; the textbook form
    # (Kingma and Ba, Algorithm 1) must give the same parameters up to
    # float64 rounding over many steps, epsilon included: the gradients
    # are small enough (1e-9 scale in one entry) for epsilon to matter.
    rng = np.random.default_rng(0)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    grads = rng.normal(size=(50, 4)) * np.array([1.0, 1e-3, 1e-9, 10.0])
    theta = np.array([0.5, -1.0, 2.0, 0.0])
    m = np.zeros(4)
    v = np.zeros(4)
    params = {"w": theta.copy()}
    optimizer = Adam(lr, b1, b2, eps)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        theta = theta - lr * (m / (1 - b1 ** t)) / (
            np.sqrt(v / (1 - b2 ** t)) + eps)
        optimizer.step(params, {"w": g})
    # rtol 1e-12: 50 steps of a few rounding errors each.
    np.testing.assert_allclose(params["w"], theta, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_step_into_out_leaves_params_and_equals_the_in_place_step(name):
    grads = [{"w": np.array([0.3, -0.2, 5.0])},
             {"w": np.array([0.1, 0.4, -1.0])}]
    in_place = make_optimizer(name, 0.05)
    into_out = make_optimizer(name, 0.05)
    params_a = {"w": np.array([1.0, 2.0, -3.0])}
    params_b = {"w": params_a["w"].copy()}
    for grad in grads:
        in_place.step(params_a, grad)
        before = params_b["w"].copy()
        out = {"w": np.full(3, np.nan)}
        into_out.step(params_b, grad, out=out)
        np.testing.assert_array_equal(params_b["w"], before)
        np.testing.assert_array_equal(out["w"], params_a["w"])
        params_b = out
