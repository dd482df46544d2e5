"""Tests of numpycae.losses: values against direct formulas, gradients."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from numpycae.activations import sigmoid
from numpycae.gradcheck import numerical_gradient
from numpycae.losses import (
    check_loss_and_decoder,
    cross_entropy,
    decoder_output,
    reconstruction_gradient,
    reconstruction_loss,
    softplus,
    squared_error,
)

PAIRS = [("cross_entropy", "sigmoid"), ("squared_error", "sigmoid"),
         ("squared_error", "linear")]


def test_cross_entropy_matches_the_log_formula():
    # Hand formula -sum[x log r + (1 - x) log(1 - r)] where r is not 0 or 1.
    Z = np.array([[0.3, -1.2, 2.0], [0.0, 4.0, -3.5]])
    X = np.array([[1.0, 0.0, 0.25], [0.5, 1.0, 0.0]])
    R = 1 / (1 + np.exp(-Z))
    expected = -np.sum(X * np.log(R) + (1 - X) * np.log(1 - R), axis=1)
    np.testing.assert_allclose(cross_entropy(Z, X), expected, rtol=1e-13)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1000.0),
                                        (np.float32, 100.0)])
def test_cross_entropy_is_finite_when_reconstruction_saturates(dtype, big):
    # R rounds to exactly 0 or 1 here; log(R) would be log(0).
    Z = np.array([[big, -big, big, -big]], dtype=dtype)
    X = np.array([[1.0, 0.0, 0.0, 1.0]], dtype=dtype)
    loss = cross_entropy(Z, X)
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss, [2 * big], rtol=1e-6)


def test_softplus_is_silent_and_exact_at_extremes():
    np.testing.assert_allclose(softplus(np.array([-1000.0, 0.0, 1000.0])),
                               [0.0, np.log(2.0), 1000.0], rtol=1e-15)


def test_squared_error_by_hand():
    R = np.array([[0.5, 0.0], [1.0, 0.25]])
    X = np.array([[0.0, 1.0], [1.0, 0.75]])
    np.testing.assert_allclose(squared_error(R, X), [1.25, 0.25])


@pytest.mark.parametrize("loss, decoder", PAIRS)
@given(Z=arrays(np.float64, (2, 3), elements=st.floats(-5, 5)),
       X=arrays(np.float64, (2, 3), elements=st.floats(0, 1)))
def test_reconstruction_gradient_matches_finite_differences(loss, decoder,
                                                            Z, X):
    # Float64 central differences (h = 1e-6): absolute error ~1e-9.
    def total_loss(Z_):
        R_ = decoder_output(Z_, decoder)
        return float(np.sum(reconstruction_loss(Z_, R_, X, loss)))

    numeric = numerical_gradient(total_loss, Z.copy())
    analytic = reconstruction_gradient(decoder_output(Z, decoder), X, loss,
                                       decoder)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_cross_entropy_gradient_is_r_minus_x():
    Z = np.array([[0.0, 2.0]])
    X = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(
        reconstruction_gradient(sigmoid(Z), X, "cross_entropy", "sigmoid"),
        sigmoid(Z) - X)


def test_cross_entropy_with_linear_decoder_is_refused():
    with pytest.raises(ValueError, match="needs decoder='sigmoid'"):
        check_loss_and_decoder("cross_entropy", "linear")


@pytest.mark.parametrize("loss, decoder, match", [
    ("hinge", "sigmoid", "loss must be one of"),
    ("squared_error", "relu", "decoder must be one of"),
])
def test_unknown_names_are_refused(loss, decoder, match):
    with pytest.raises(ValueError, match=match):
        check_loss_and_decoder(loss, decoder)
