"""Tests of numpycae.corruption: statistics, seeding, dtype and errors.

Statistical bounds: with N independent draws the fraction masked has a
standard error sqrt(nu (1 - nu) / N) and the sample std of Gaussian noise
about sigma / sqrt(2 N); each bound below is more than 5 standard errors
wide, so a correct implementation fails with probability < 1e-6 (and the
seeds are fixed anyway).
"""

import numpy as np
import pytest

from numpycae.corruption import (
    corrupt,
    gaussian_corruption,
    masking_corruption,
)
from numpycae.validation import check_generator


@pytest.fixture
def ones():
    return np.ones((200, 500))


@pytest.mark.parametrize("nu", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_masking_fraction_is_nu(ones, nu):
    # 100,000 inputs: standard error <= 0.0016, bound 0.01.
    X_tilde = masking_corruption(ones, nu, np.random.default_rng(0))
    assert np.mean(X_tilde == 0.0) == pytest.approx(nu, abs=0.01)
    assert set(np.unique(X_tilde)) <= {0.0, 1.0}


def test_masking_keeps_values_it_does_not_zero():
    X = np.random.default_rng(1).uniform(0.1, 1.0, (50, 40))
    X_tilde = masking_corruption(X, 0.3, np.random.default_rng(0))
    kept = X_tilde != 0.0
    np.testing.assert_array_equal(X_tilde[kept], X[kept])


@pytest.mark.parametrize("sigma", [0.0, 0.1, 0.5])
def test_gaussian_noise_has_mean_zero_and_std_sigma(ones, sigma):
    # 100,000 draws: the std's standard error is sigma / 447, bound
    # sigma / 50; the mean's is sigma / 316, bound sigma / 50.
    noise = gaussian_corruption(ones, sigma, np.random.default_rng(0)) - ones
    assert np.std(noise) == pytest.approx(sigma, abs=sigma / 50 + 1e-15)
    assert abs(np.mean(noise)) <= sigma / 50 + 1e-15


@pytest.mark.parametrize("kind, level", [("gaussian", 0.3),
                                         ("masking", 0.4)])
def test_same_seed_same_corruption(kind, level):
    X = np.random.default_rng(1).uniform(size=(20, 30))
    first = corrupt(X, kind, level, np.random.default_rng(7))
    second = corrupt(X, kind, level, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(corrupt(X, kind, level, 7), first)
    other = corrupt(X, kind, level, np.random.default_rng(8))
    assert not np.array_equal(first, other)


def test_a_generator_advances_between_calls():
    X = np.random.default_rng(1).uniform(size=(5, 6))
    rng = np.random.default_rng(0)
    assert not np.array_equal(corrupt(X, "gaussian", 1.0, rng),
                              corrupt(X, "gaussian", 1.0, rng))


@pytest.mark.parametrize("kind", ["gaussian", "masking"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_corruption_keeps_the_dtype_and_the_input(kind, dtype):
    X = np.random.default_rng(1).uniform(size=(5, 6)).astype(dtype)
    before = X.copy()
    X_tilde = corrupt(X, kind, 0.5, 0)
    assert X_tilde.dtype == dtype and X_tilde.shape == X.shape
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("call, error, message", [
    (lambda X: corrupt(X, "salt", 0.1), ValueError,
     r"kind must be one of \('gaussian', 'masking'\), got 'salt'"),
    (lambda X: masking_corruption(X, 1.5), ValueError,
     r"nu must be <= 1.0, got 1.5"),
    (lambda X: gaussian_corruption(X, -0.1), ValueError,
     r"sigma must be >= 0.0, got -0.1"),
    (lambda X: gaussian_corruption(X, 0.1, rng=0.5), TypeError,
     r"rng must be None, an integer seed >= 0 or a "
     r"numpy.random.Generator, got 0\.5"),
    (lambda X: gaussian_corruption(X[0], 0.1), ValueError,
     r"X must be 2-D"),
])
def test_bad_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call(np.ones((3, 4)))


def test_check_generator_passes_a_generator_through():
    rng = np.random.default_rng(0)
    assert check_generator(rng) is rng
    assert isinstance(check_generator(3), np.random.Generator)
