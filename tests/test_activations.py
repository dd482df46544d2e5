"""Tests of numpycae.activations: values, derivatives, numerical safety."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpycae.activations import (
    activate,
    first_derivative,
    second_derivative,
    sigmoid,
)
from numpycae.gradcheck import numerical_gradient

ACTIVATIONS = ["sigmoid", "tanh", "linear"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_silent_and_exact_at_extremes(dtype):
    # Known fault F9: a naive 1 / (1 + exp(-a)) overflows at a = -1000.
    values = sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=dtype))
    np.testing.assert_array_equal(values, [0.0, 0.5, 1.0])
    assert values.dtype == dtype


@pytest.mark.parametrize("dtype, bound", [(np.float32, 100.0),
                                          (np.float64, 1000.0)])
def test_sigmoid_keeps_dtype_and_range(dtype, bound):
    A = np.linspace(-bound, bound, 101).astype(dtype)
    H = sigmoid(A)
    assert H.dtype == dtype
    assert np.all((H >= 0) & (H <= 1))
    assert np.all(np.diff(H) >= 0)


def test_sigmoid_matches_textbook_formula_where_it_is_safe():
    A = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(A), 1 / (1 + np.exp(-A)),
                               rtol=1e-15, atol=0)


def test_sigmoid_slope_at_two():
    # Known fault F4's reference: sigma'(2) = 0.1049936 by hand.
    H = sigmoid(np.array([2.0]))
    np.testing.assert_allclose(first_derivative(H, "sigmoid"), 0.1049936,
                               atol=5e-8)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(a=st.floats(-6, 6))
def test_first_derivative_matches_finite_differences(activation, a):
    # Central differences in float64 with h = 1e-6 are accurate to ~1e-9.
    point = np.array([a])
    numeric = numerical_gradient(
        lambda x: float(activate(x, activation)[0]), point)
    analytic = first_derivative(activate(point, activation), activation)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(a=st.floats(-6, 6))
def test_second_derivative_matches_finite_differences(activation, a):
    point = np.array([a])

    def slope(x):
        return float(first_derivative(activate(x, activation),
                                      activation)[0])

    numeric = numerical_gradient(slope, point)
    analytic = second_derivative(activate(point, activation), activation)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match="activation must be one of.*relu"):
        activate(np.zeros((1, 1)), "relu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_unchecked_and_propagates_nan_as_documented(dtype):
    A = np.array([np.nan, np.inf, -np.inf, 0.0], dtype=dtype)

    H = sigmoid(A)

    assert H.dtype == dtype
    assert np.isnan(H[0])
    np.testing.assert_array_equal(H[1:], np.array([1.0, 0.0, 0.5]))


def test_sigmoid_promotes_integers_like_numpy():
    H = sigmoid(np.array([-2, 0, 2]))

    assert H.dtype == np.float64
    np.testing.assert_allclose(H, 1.0 / (1.0 + np.exp(-np.array([-2.0, 0.0,
                                                                  2.0]))))
