"""Tests of numpycae.analysis and numpycae.analysis_plots (issue 4, part 2).

Known answers: a linear encoder h = x W + b has Jacobian W^T everywhere,
so its contraction ratio ||u W|| does not depend on the radius and its
spectrum is the singular values of W; hand-made codes give SAT by
counting. Identities that are the same arithmetic in another order use
``rtol=1e-10``; the small-radius limit of a sigmoid encoder's curve is a
first-order Taylor expansion, with error O(r) = 1e-6 relative at r = 1e-6,
hence ``rtol=1e-5``.
"""

import struct

import numpy as np
import pytest
from matplotlib.figure import Figure

from numpycae import ContractiveAutoencoder
from numpycae.analysis import (
    contraction_curve,
    displacement_ratios,
    effective_rank,
    encoder_of,
    jacobian_norms,
    jacobian_spectrum,
    mean_jacobian_norm,
    nearest_neighbour_distances,
    random_unit_directions,
    robustness,
    sample_on_sphere,
    saturated_fraction,
    saturation,
    shift_by_one_pixel,
    spectrum_summary,
    tangent_directions,
)
from numpycae.analysis_plots import (
    plot_contraction_curves,
    plot_filters_by_model,
    plot_robustness,
    plot_spectra,
    plot_tangents,
)
from numpycae.functional import init_parameters, jacobian

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def params():
    return init_parameters(16, 5, rng=0)


@pytest.fixture
def X():
    return np.random.default_rng(1).uniform(size=(12, 16))


# -- Jacobian norms and saturation ----------------------------------------

def test_jacobian_norms_equal_those_of_the_explicit_jacobians(params, X):
    explicit = np.linalg.norm(jacobian(params, X), axis=(1, 2))
    np.testing.assert_allclose(jacobian_norms(params, X), explicit,
                               rtol=1e-10)
    assert mean_jacobian_norm(params, X) == pytest.approx(explicit.mean(),
                                                          rel=1e-10)


def test_saturation_of_hand_made_codes():
    # 2 of 4 sigmoid codes lie outside [0.05, 0.95] on row one, 1 of 4 on
    # row two (0.05 and 0.95 themselves do not count): 3 / 8.
    H = np.array([[0.01, 0.5, 0.99, 0.05], [0.95, 0.2, 0.049, 0.7]])
    assert saturated_fraction(H) == pytest.approx(3 / 8)
    # tanh codes are mapped by (h + 1) / 2: -0.95 -> 0.025, 0 -> 0.5,
    # 0.97 -> 0.985, 0.5 -> 0.75 (unmapped, 0 would count as saturated).
    H_tanh = np.array([[-0.95, 0.0, 0.97, 0.5]])
    assert saturated_fraction(H_tanh, "tanh") == pytest.approx(2 / 4)


def test_saturation_of_a_model_counts_its_codes():
    # One feature, three units with biases -10, 0, 10 at x = 0: the outer
    # two saturate.
    params = {"W": np.zeros((1, 3)), "b": np.array([-10.0, 0.0, 10.0]),
              "c": np.zeros(1)}
    assert saturation(params, np.zeros((4, 1))) == pytest.approx(2 / 3)


def test_saturation_is_refused_for_a_linear_encoder(params, X):
    with pytest.raises(ValueError, match="undefined for activation="
                                         "'linear'"):
        saturation(params, X, activation="linear")


# -- spectra and tangents -------------------------------------------------

def test_linear_spectrum_is_that_of_W(params, X):
    spectrum = jacobian_spectrum(params, X, activation="linear",
                                 batch_size=5)
    expected = np.linalg.svd(params["W"], compute_uv=False)
    assert spectrum.shape == (12, 5)
    np.testing.assert_allclose(spectrum, np.tile(expected, (12, 1)),
                               rtol=1e-10)


def test_spectrum_squares_sum_to_the_squared_jacobian_norm(params, X):
    spectrum = jacobian_spectrum(params, X, batch_size=7)
    assert np.all(np.diff(spectrum, axis=1) <= 0)
    np.testing.assert_allclose(np.sum(spectrum ** 2, axis=1),
                               jacobian_norms(params, X) ** 2, rtol=1e-10)


def test_spectrum_summary_and_effective_rank():
    values = np.array([[3.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    summary = spectrum_summary(values)
    np.testing.assert_allclose(summary["mean"], [2.0, 1.0, 0.5])
    # Row one: 9 of 10 is 90% after one value; row two needs all three
    # (2/3 < 0.9).
    np.testing.assert_array_equal(effective_rank(values, 0.9), [1, 3])


def test_tangent_directions_are_the_jacobian_s_right_singular_vectors(
        params, X):
    singular_values, directions = tangent_directions(params, X[0], 3)
    J = jacobian(params, X[:1])[0]
    np.testing.assert_allclose(directions @ directions.T, np.eye(3),
                               atol=1e-12)
    # J^T J v = s^2 v for each direction v.
    np.testing.assert_allclose(J.T @ (J @ directions.T),
                               directions.T * singular_values ** 2,
                               atol=1e-12)


# -- contraction curves ---------------------------------------------------

def test_points_on_the_sphere_are_at_the_radius_exactly(X):
    points = sample_on_sphere(X, 2.5, rng=0)
    np.testing.assert_allclose(np.linalg.norm(points - X, axis=1), 2.5,
                               rtol=1e-14)
    U = random_unit_directions(0, 2000, 3)
    # Uniform directions: each coordinate has mean 0 (standard error
    # 1 / sqrt(3 * 2000) = 0.013; bound 0.07).
    assert np.all(np.abs(U.mean(axis=0)) < 0.07)


def test_linear_contraction_ratio_is_the_same_at_every_radius(params, X):
    radii = [0.01, 1.0, 40.0]
    curve = contraction_curve(params, X, radii, n_directions=3, rng=0,
                              activation="linear")
    np.testing.assert_allclose(curve["mean"], curve["mean"][0], rtol=1e-10)
    U = random_unit_directions(0, 36, 16)
    np.testing.assert_allclose(
        curve["mean"][0], np.mean(np.linalg.norm(U @ params["W"], axis=1)),
        rtol=1e-10)


def test_contraction_ratio_at_small_radius_is_the_jacobian_along_u(params,
                                                                   X):
    curve = contraction_curve(params, X, [1e-6], n_directions=1, rng=0)
    U = random_unit_directions(0, 12, 16)
    J = jacobian(params, X)
    expected = np.mean(np.linalg.norm(np.einsum("nji,ni->nj", J, U),
                                      axis=1))
    assert curve["mean"][0] == pytest.approx(expected, rel=1e-5)


def test_saturating_encoder_contracts_at_large_radius(params, X):
    # A sigmoid code moves by at most sqrt(n_hidden): the ratio falls
    # below sqrt(5) / r.
    curve = contraction_curve(params, X, [100.0], rng=0)
    assert curve["mean"][0] <= np.sqrt(5) / 100.0


def test_nearest_neighbour_distances_by_brute_force(X):
    queries = np.random.default_rng(2).uniform(size=(7, 16))
    brute = np.min(np.linalg.norm(queries[:, None] - X[None], axis=2),
                   axis=1)
    np.testing.assert_allclose(
        nearest_neighbour_distances(queries, X, batch_size=3), brute,
        rtol=1e-10)
    np.testing.assert_allclose(nearest_neighbour_distances(X, X), 0.0,
                               atol=1e-6)


@pytest.mark.parametrize("radii, message", [
    ([], r"radii must be a non-empty 1-D.*shape \(0,\)"),
    ([0.0, 1.0], r"radii\[0\] must be > 0.0, got 0.0"),
    ([[1.0]], r"radii must be a non-empty 1-D.*shape \(1, 1\)"),
    ([np.inf], r"radii\[0\] must be finite, got inf"),
])
def test_contraction_curve_refuses_bad_radii(params, X, radii, message):
    with pytest.raises(ValueError, match=message):
        contraction_curve(params, X, radii)


# -- robustness -----------------------------------------------------------

def test_one_pixel_shift_moves_every_pixel_by_one():
    image = np.zeros((1, 12))
    image[0, 5] = 1.0               # row 1, column 1 of a 3 x 4 image
    shifted = {tuple(np.argwhere(shift_by_one_pixel(
        image, (3, 4), rng=seed).reshape(3, 4))[0]) for seed in range(40)}
    assert shifted == {(0, 1), (2, 1), (1, 0), (1, 2)}
    edge = np.zeros((1, 12))
    edge[0, 0] = 1.0
    moved = [shift_by_one_pixel(edge, (3, 4), rng=seed).sum()
             for seed in range(40)]
    assert set(moved) == {0.0, 1.0}     # no wrap-around at the edge


def test_linear_displacement_ratio_is_the_norm_of_the_move_through_W(
        params, X):
    X_moved = X + np.random.default_rng(3).normal(size=X.shape)
    X_moved[0] = X[0]               # an unmoved row is left out
    ratios = displacement_ratios(params, X, X_moved, activation="linear")
    delta = X_moved[1:] - X[1:]
    np.testing.assert_allclose(
        ratios, np.linalg.norm(delta @ params["W"], axis=1)
        / np.linalg.norm(delta, axis=1), rtol=1e-10)


def test_robustness_is_seeded_and_positive(params):
    X = np.random.default_rng(4).uniform(size=(10, 16))
    first = robustness(params, X, image_shape=(4, 4), rng=0)
    assert first == robustness(params, X, image_shape=(4, 4), rng=0)
    assert set(first) == {"gaussian", "masking", "shift"}
    assert all(value > 0 for value in first.values())


def test_measurements_accept_a_fitted_model(X):
    model = ContractiveAutoencoder(n_hidden=5, n_epochs=1, batch_size=4,
                                   random_state=0).fit(X)
    assert mean_jacobian_norm(model, X) == pytest.approx(
        float(np.mean(model.jacobian_norms(X))), rel=1e-12)
    with pytest.raises(ValueError, match="contradicts the model's own"):
        encoder_of(model, "tanh")
    with pytest.raises(TypeError, match="got list"):
        encoder_of([1, 2])
    with pytest.raises(ValueError, match="X has 3 columns but the model "
                                         "expects n_features=16"):
        saturation(model, np.zeros((2, 3)))


# -- figures --------------------------------------------------------------

def assert_png(fig, path):
    """Render a figure to PNG and check the file's signature and size."""
    fig.savefig(path, format="png", dpi=60)
    with open(path, "rb") as stream:
        header = stream.read(24)
    assert header[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", header[16:24])
    assert width > 100 and height > 100


def legend_labels(fig):
    return [text.get_text() for text in fig.axes[0].get_legend().get_texts()]


def test_figures_render_with_titles_labels_and_legends(params, X, tmp_path):
    other = init_parameters(16, 5, rng=1)
    models = {"AE": params, "CAE": other}
    curves = {label: contraction_curve(p, X, [0.5, 1.0, 2.0], rng=0)
              for label, p in models.items()}
    fig = plot_contraction_curves(curves, neighbour_distance=1.2)
    assert legend_labels(fig)[:2] == ["AE", "CAE"]
    assert "nearest training example" in legend_labels(fig)[2]
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    assert fig.axes[0].get_title()
    assert_png(fig, tmp_path / "curves.png")

    fig = plot_spectra({label: jacobian_spectrum(p, X)
                        for label, p in models.items()}, n_show=3)
    assert legend_labels(fig) == ["AE", "CAE"]
    assert len(fig.axes[0].lines[0].get_xdata()) == 3
    assert_png(fig, tmp_path / "spectra.png")

    tangents = {label: tangent_directions(p, X[0], 3)
                for label, p in models.items()}
    fig = plot_tangents(tangents, (4, 4), example=X[0])
    assert len(fig.axes) == 2 * 4 and fig.axes[0].get_ylabel() == "AE"
    assert_png(fig, tmp_path / "tangents.png")

    fig = plot_filters_by_model({label: p["W"] for label, p in
                                 models.items()}, (4, 4), n_filters=3)
    assert len(fig.axes) == 2 * 3
    assert_png(fig, tmp_path / "filters.png")

    fig = plot_robustness({label: robustness(p, X, image_shape=(4, 4),
                                             rng=0)
                           for label, p in models.items()})
    assert isinstance(fig, Figure) and legend_labels(fig) == ["AE", "CAE"]
    assert_png(fig, tmp_path / "robustness.png")


def test_figures_refuse_bad_input(params):
    with pytest.raises(ValueError, match="at least one model"):
        plot_spectra({})
    with pytest.raises(TypeError, match="mapping from model label"):
        plot_contraction_curves([1])
    with pytest.raises(ValueError, match=r"rows \* columns = 16"):
        plot_filters_by_model({"AE": params["W"]}, (3, 3))
