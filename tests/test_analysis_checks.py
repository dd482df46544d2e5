"""Bad input to the public helpers of numpycae.analysis: each is refused
with a message naming the argument, the expectation and the value, or
gives a documented finite answer (tests run with warnings as errors, so a
RuntimeWarning fails them too).

Exact answers (ranks, distances of 2e200 or 2e-200) are compared with
``rtol=1e-12``: the scaling by a power of two is exact, so only the last
bits of the square roots may differ.
"""

import numpy as np
import pytest

from numpycae.analysis import (
    check_image_shape,
    contraction_curve,
    displacement_ratios,
    effective_rank,
    nearest_neighbour_distances,
    random_unit_directions,
    robustness,
    sample_on_sphere,
    saturated_fraction,
    shift_by_one_pixel,
    spectrum_summary,
)
from numpycae.functional import init_parameters
from numpycae.validation import NonFiniteError


@pytest.fixture
def params():
    return init_parameters(16, 5, rng=0)


@pytest.fixture
def X():
    return np.random.default_rng(1).uniform(size=(6, 16))


# -- spectra ---------------------------------------------------------------

@pytest.mark.parametrize("function", [spectrum_summary, effective_rank])
@pytest.mark.parametrize("values, error, message", [
    (np.zeros((0, 3)), ValueError,
     r"singular_values must hold at least one sample.*\(0, 3\)"),
    (np.full((3, 5), np.nan), ValueError,
     r"singular_values holds 15 NaN or infinite"),
    (np.full((2, 3), np.inf), ValueError,
     r"singular_values holds 6 NaN or infinite"),
    (np.array([3.0, 2.0, 1.0]), ValueError,
     r"singular_values must be 2-D.*1-D array of shape \(3,\)"),
    (np.array([[1.0, -0.5]]), ValueError,
     r"singular_values must be >= 0.*minimum of -0.5"),
    (np.ones((2, 3), dtype=int), TypeError,
     r"singular_values must be a float32 or float64 array, got dtype int"),
])
def test_spectrum_helpers_refuse_bad_spectra(function, values, error,
                                             message):
    with pytest.raises(error, match=message):
        function(values)


def test_spectrum_summary_of_huge_values_is_finite_and_exact():
    values = np.array([[3e300, 1e300], [1e300, 1e300]])
    summary = spectrum_summary(values, quantiles=(0.0, 1.0))
    np.testing.assert_allclose(summary["mean"], [2e300, 1e300], rtol=1e-12)
    np.testing.assert_allclose(summary["std"], [1e300, 0.0], rtol=1e-12,
                               atol=1e288)
    np.testing.assert_allclose(summary["low"], [1e300, 1e300], rtol=1e-12)
    np.testing.assert_allclose(summary["high"], [3e300, 1e300], rtol=1e-12)


@pytest.mark.parametrize("quantiles, error, message", [
    ((0.1,), TypeError, r"quantiles must be a pair.*\(0.1,\)"),
    ((0.1, 1.5), ValueError, r"quantiles\[1\] must be <= 1.0, got 1.5"),
])
def test_spectrum_summary_refuses_bad_quantiles(quantiles, error, message):
    with pytest.raises(error, match=message):
        spectrum_summary(np.ones((2, 2)), quantiles)


def test_effective_rank_does_not_overflow_on_huge_values():
    # Equal values: 90% of the energy needs all three (2/3 < 0.9).
    np.testing.assert_array_equal(
        effective_rank(np.full((2, 3), 1e200)), [3, 3])
    np.testing.assert_array_equal(
        effective_rank(np.array([[1e-200, 1e-201, 0.0]])), [1])


def test_effective_rank_of_a_zero_spectrum_is_zero():
    ranks = effective_rank(np.array([[0.0, 0.0], [2.0, 1.0]]))
    np.testing.assert_array_equal(ranks, [0, 2])
    assert ranks.dtype.kind == "i"


def test_effective_rank_sorts_each_row():
    # 4^2 = 16 of a total of 17: 94% > 90% with one value.
    np.testing.assert_array_equal(
        effective_rank(np.array([[1.0, 4.0], [4.0, 1.0]])), [1, 1])


# -- saturation ------------------------------------------------------------

@pytest.mark.parametrize("H, activation, error, message", [
    (np.zeros((0, 3)), "sigmoid", ValueError,
     r"H must hold at least one sample.*\(0, 3\)"),
    (np.full((3, 3), np.nan), "sigmoid", ValueError,
     r"H holds 9 NaN or infinite"),
    (np.full(3, 0.5), "sigmoid", ValueError,
     r"H must be 2-D of shape \(n_samples, n_hidden\).*1-D"),
    (np.zeros((2, 2), dtype=int), "sigmoid", TypeError,
     r"H must be a float32 or float64 array, got dtype int"),
    (np.full((2, 2), 1.5), "sigmoid", ValueError,
     r"H must lie in \[0, 1\] for activation='sigmoid'.*1.5"),
    (np.full((2, 2), -1.5), "tanh", ValueError,
     r"H must lie in \[-1, 1\] for activation='tanh'.*-1.5"),
])
def test_saturated_fraction_refuses_bad_codes(H, activation, error,
                                              message):
    with pytest.raises(error, match=message):
        saturated_fraction(H, activation)


@pytest.mark.parametrize("bounds, error, message", [
    ((0.1, 0.5, 0.9), TypeError, r"bounds must be a pair.*0.9\)"),
    ("ab", TypeError, r"bounds must be a pair.*'ab'"),
    (("a", 0.9), TypeError, r"bounds\[0\] must be a real number, got 'a'"),
    ((0.9, 0.1), ValueError, r"0 <= low < high <= 1, got \(0.9, 0.1\)"),
])
def test_saturated_fraction_refuses_bad_bounds(bounds, error, message):
    with pytest.raises(error, match=message):
        saturated_fraction(np.full((2, 2), 0.5), bounds=bounds)


def test_saturated_fraction_counts_codes_at_the_range_ends():
    H = np.array([[0.0, 1.0, 0.5, 0.04]])
    assert saturated_fraction(H) == 0.75
    assert saturated_fraction(2.0 * H - 1.0, "tanh") == 0.75


# -- radii -----------------------------------------------------------------

def test_sample_on_sphere_refuses_a_radius_beyond_the_dtype():
    centers = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"radius must keep the points "
                       r"within float32.*got 1e\+300"):
        sample_on_sphere(centers, 1e300, rng=0)


@pytest.mark.parametrize("radius, message", [
    (-1.0, r"radius must be >= 0.0, got -1.0"),
    (np.nan, r"radius must be finite, got nan"),
    ("1", r"radius must be a real number, got '1'"),
])
def test_sample_on_sphere_refuses_bad_radii(radius, message):
    with pytest.raises((ValueError, TypeError), match=message):
        sample_on_sphere(np.zeros((2, 3)), radius, rng=0)


def test_sample_on_sphere_keeps_float32_at_a_large_fitting_radius():
    points = sample_on_sphere(np.zeros((2, 3), dtype=np.float32), 1e38,
                              rng=0)
    assert points.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(points.astype(np.float64),
                                              axis=1), 1e38, rtol=1e-6)


def test_contraction_curve_refuses_a_radius_beyond_float32(params, X):
    params32 = {key: value.astype(np.float32)
                for key, value in params.items()}
    with pytest.raises(ValueError, match=r"radii\[1\] must keep the "
                       r"points within float32.*got 1e\+300"):
        contraction_curve(params32, X.astype(np.float32), [1.0, 1e300])


# -- nearest neighbours ----------------------------------------------------

def test_nearest_neighbour_distances_of_huge_points_are_exact():
    distances = nearest_neighbour_distances(np.full((1, 4), 1e200),
                                            np.zeros((2, 4)))
    np.testing.assert_allclose(distances, [2e200], rtol=1e-12)


def test_nearest_neighbour_distances_of_tiny_points_are_not_zero():
    distances = nearest_neighbour_distances(np.full((1, 4), 1e-200),
                                            np.zeros((2, 4)))
    np.testing.assert_allclose(distances, [2e-200], rtol=1e-12)


def test_nearest_neighbour_distance_beyond_float64_raises():
    with pytest.raises(NonFiniteError, match="nearest_neighbour_distances "
                       "overflowed"):
        nearest_neighbour_distances(np.full((1, 4), 1.5e308),
                                    np.full((1, 4), -1.5e308))


# -- moves that move nothing -----------------------------------------------

def test_displacement_ratios_refuse_inputs_that_did_not_move(params, X):
    with pytest.raises(ValueError, match=r"no example moved: X_moved "
                       r"equals X in all 6 rows"):
        displacement_ratios(params, X, X.copy())


def test_displacement_ratios_skip_rows_that_did_not_move(params, X):
    X_moved = X.copy()
    X_moved[0] += 0.1
    assert displacement_ratios(params, X, X_moved).shape == (1,)


@pytest.mark.parametrize("options, message", [
    ({"sigma": 0.0}, r"sigma must be > 0.0, got 0.0"),
    ({"nu": 0.0}, r"nu must be > 0.0, got 0.0"),
    ({"nu": 1.5}, r"nu must be <= 1.0, got 1.5"),
])
def test_robustness_refuses_moves_of_size_zero(params, X, options,
                                               message):
    with pytest.raises(ValueError, match=message):
        robustness(params, X, image_shape=(4, 4), rng=0, **options)


def test_robustness_of_blank_images_names_the_move(params):
    with pytest.raises(ValueError, match=r"no example moved under the "
                       r"masking move.*all-zero image"):
        robustness(params, np.zeros((3, 16)), image_shape=(4, 4), rng=0)


# -- image shapes ----------------------------------------------------------

@pytest.mark.parametrize("image_shape, error, message", [
    ((16,), TypeError, r"image_shape must be a pair.*\(16,\)"),
    ((2, 2, 4), TypeError, r"image_shape must be a pair.*\(2, 2, 4\)"),
    (16, TypeError, r"image_shape must be a pair.*got 16"),
    ((-4, -4), ValueError, r"image_shape\[0\] must be >= 1, got -4"),
    ((4.0, 4.0), TypeError, r"image_shape\[0\] must be an integer.*4.0"),
    ((2, 4), ValueError, r"rows \* columns = 16.*\(2, 4\) holding 8"),
])
def test_shift_by_one_pixel_refuses_bad_image_shapes(X, image_shape, error,
                                                     message):
    with pytest.raises(error, match=message):
        shift_by_one_pixel(X, image_shape, rng=0)


def test_check_image_shape_accepts_numpy_integers():
    assert check_image_shape((np.int64(4), 4), 16) == (4, 4)


# -- random directions -----------------------------------------------------

@pytest.mark.parametrize("dtype", [int, np.float16, "bogus"])
def test_random_unit_directions_refuse_non_float_dtypes(dtype):
    with pytest.raises(TypeError, match=r"dtype must be numpy.float32 or "
                       r"numpy.float64"):
        random_unit_directions(0, 3, 4, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_unit_directions_have_unit_norm(dtype):
    U = random_unit_directions(0, 5, 4, dtype=dtype)
    assert U.dtype == dtype
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1.0, rtol=1e-6)


def test_random_unit_directions_refuse_zero_samples():
    with pytest.raises(ValueError, match=r"n_samples must be >= 1, got 0"):
        random_unit_directions(0, 0, 4)
