"""Tests of numpycae.plotting: the mosaic arrays first, then the figures.

The mosaic cases are known fault F13 of shared/cases/known-faults.md:
filters drawn transposed, or tiles misplaced, show as plausible noise.
Figures are built without pyplot, so nothing needs a display and no
figure is left open in pyplot's registry.
"""

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.image import imread

from numpycae import ContractiveAutoencoder
from numpycae.plotting import (
    PNG_SIGNATURE,
    filter_mosaic,
    plot_filters,
    plot_reconstructions,
    plot_training_curves,
    save_figure,
    tile_images,
)

matplotlib.use("Agg")


def read_png(path):
    """Check the PNG signature and return (height, width) in pixels."""
    with open(path, "rb") as file:
        assert file.read(8) == PNG_SIGNATURE
    return imread(path).shape[:2]


def toy_history(n_epochs=3, scale=1.0):
    """A history in the format of numpycae.training."""
    epochs = list(range(1, n_epochs + 1))
    return {
        "epoch": epochs,
        "objective": [scale * 10.0 / e for e in epochs],
        "reconstruction": [scale * 9.0 / e for e in epochs],
        "penalty": [scale * 4.0 / e for e in epochs],
        "jacobian_norm": [scale * 2.0 / e for e in epochs],
        "seconds": [0.5] * n_epochs,
    }


# --- tile_images and filter_mosaic: the arrays ------------------------------

def test_tile_images_f13_one_filter_is_reshaped_row_major():
    """F13: [0, 1, 2, 3, 4, 5] with image shape (2, 3)."""
    mosaic = tile_images(np.array([[0, 1, 2, 3, 4, 5]]), (2, 3),
                         normalize=None)

    np.testing.assert_array_equal(mosaic, [[0, 1, 2], [3, 4, 5]])
    assert mosaic.dtype == np.float64


def test_tile_images_takes_a_1d_array_as_one_image():
    mosaic = tile_images([0, 1, 2, 3, 4, 5], (2, 3), normalize=None)
    np.testing.assert_array_equal(mosaic, [[0, 1, 2], [3, 4, 5]])


def test_tile_images_f13_2_by_5_mosaic_of_28_by_28_is_57_by_144():
    """F13: 1-pixel gaps between tiles and no outer border."""
    images = np.zeros((10, 784))

    mosaic = tile_images(images, (28, 28), n_rows=2, n_cols=5, gap=1)

    assert mosaic.shape == (57, 144)


def test_tile_images_places_tile_k_row_by_row_with_background_gaps():
    # Tile k is constant k + 1, so each block says which tile it is.
    images = np.repeat(np.arange(1.0, 7.0)[:, None], 6, axis=1)

    mosaic = tile_images(images, (2, 3), n_rows=2, n_cols=3, gap=1,
                         normalize=None, background=0.0)

    assert mosaic.shape == (2 * 2 + 1, 3 * 3 + 2)
    for k in range(6):
        top, left = (k // 3) * 3, (k % 3) * 4
        block = mosaic[top:top + 2, left:left + 3]
        np.testing.assert_array_equal(block, np.full((2, 3), k + 1.0))
    assert np.all(mosaic[2, :] == 0.0)
    assert np.all(mosaic[:, [3, 7]] == 0.0)


def test_tile_images_normalize_each_all_and_none():
    images = np.array([[0.0, 2.0], [10.0, 20.0]])

    each = tile_images(images, (1, 2), n_rows=1, gap=0, normalize="each")
    joint = tile_images(images, (1, 2), n_rows=1, gap=0, normalize="all")
    raw = tile_images(images, (1, 2), n_rows=1, gap=0, normalize=None)

    np.testing.assert_allclose(each, [[0.0, 1.0, 0.0, 1.0]])
    np.testing.assert_allclose(joint, [[0.0, 0.1, 0.5, 1.0]])
    np.testing.assert_array_equal(raw, images.reshape(1, 4))


def test_tile_images_constant_tile_becomes_mid_gray():
    mosaic = tile_images(np.full((1, 4), 3.0), (2, 2), normalize="each")
    np.testing.assert_array_equal(mosaic, np.full((2, 2), 0.5))


def test_tile_images_default_background():
    """1.0 when normalized; the largest value when not."""
    images = np.array([[0.0, -4.0], [2.0, 5.0], [1.0, 1.0]])

    normalized = tile_images(images, (1, 2), n_rows=2, n_cols=2)
    raw = tile_images(images, (1, 2), n_rows=2, n_cols=2, normalize=None)

    assert normalized[1, 0] == 1.0 and normalized[2, 3:].tolist() == [1, 1]
    assert raw[1, 0] == 5.0 and raw[2, 3:].tolist() == [5.0, 5.0]


def test_tile_images_default_grid_is_nearly_square():
    # 10 tiles: ceil(sqrt(10)) = 4 columns, 3 rows.
    mosaic = tile_images(np.zeros((10, 4)), (2, 2), gap=1)
    assert mosaic.shape == (3 * 2 + 2, 4 * 2 + 3)


@settings(max_examples=50, deadline=None)
@given(n_images=st.integers(1, 12), tile_rows=st.integers(1, 5),
       tile_cols=st.integers(1, 5), gap=st.integers(0, 3),
       n_cols=st.one_of(st.none(), st.integers(1, 6)),
       seed=st.integers(0, 2 ** 16))
def test_tile_images_shape_and_every_tile_round_trip(
        n_images, tile_rows, tile_cols, gap, n_cols, seed):
    """The mosaic has the documented size and tile k is images[k]."""
    images = np.random.default_rng(seed).uniform(
        -1, 1, (n_images, tile_rows * tile_cols))

    mosaic = tile_images(images, (tile_rows, tile_cols), n_cols=n_cols,
                         gap=gap, normalize=None)

    if n_cols is None:
        n_cols = int(np.ceil(np.sqrt(n_images)))
    n_rows = -(-n_images // n_cols)
    assert mosaic.shape == (n_rows * tile_rows + (n_rows - 1) * gap,
                            n_cols * tile_cols + (n_cols - 1) * gap)
    for k in range(n_images):
        top = (k // n_cols) * (tile_rows + gap)
        left = (k % n_cols) * (tile_cols + gap)
        np.testing.assert_array_equal(
            mosaic[top:top + tile_rows, left:left + tile_cols],
            images[k].reshape(tile_rows, tile_cols))


def f13_weights():
    """F13: W of shape (784, 3), zero except W[27, 0] = 1."""
    W = np.zeros((784, 3))
    W[27, 0] = 1.0
    return W


@pytest.mark.parametrize("normalize", [None, "each", "all"])
def test_filter_mosaic_f13_bright_pixel_of_unit_0_at_row_0_column_27(
        normalize):
    mosaic = filter_mosaic(f13_weights(), (28, 28), n_cols=3,
                           normalize=normalize)

    tile_of_unit_0 = mosaic[:28, :28]
    assert np.argwhere(tile_of_unit_0 == tile_of_unit_0.max()).tolist() \
        == [[0, 27]]
    assert mosaic.shape == (28, 3 * 28 + 2)


def test_tile_images_of_w_transposed_matches_filter_mosaic():
    """F13: the caller's W.T and filter_mosaic(W) give the same array."""
    W = f13_weights()

    by_hand = tile_images(W.T, (28, 28), normalize=None)
    mosaic = filter_mosaic(W, (28, 28), normalize=None)

    np.testing.assert_array_equal(by_hand, mosaic)
    assert np.argwhere(mosaic[:28, :28] == 1.0).tolist() == [[0, 27]]


def test_filter_mosaic_pixel_i_j_of_unit_h_is_w_row_i_times_cols_plus_j():
    W = np.arange(24.0).reshape(6, 4)     # 6 pixels of 2 x 3, 4 units

    mosaic = filter_mosaic(W, (2, 3), n_filters=2, n_cols=2, gap=0,
                           normalize=None)

    np.testing.assert_array_equal(mosaic[:, :3], W[:, 0].reshape(2, 3))
    np.testing.assert_array_equal(mosaic[:, 3:], W[:, 1].reshape(2, 3))


def test_filter_mosaic_points_out_a_transposed_w():
    with pytest.raises(ValueError,
                       match=r"W has shape \(3, 784\).*did you pass W\.T\?"):
        filter_mosaic(f13_weights().T, (28, 28))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image_shape=(2, 2)), ValueError,
     r"image_shape \(2, 2\) holds 4 pixels but each image has 6 values"),
    (dict(image_shape=6), TypeError, "image_shape must be a pair"),
    (dict(image_shape=(0, 6)), ValueError, r"image_shape\[0\] must be >= 1"),
    (dict(normalize="max"), ValueError, "normalize must be one of"),
    (dict(gap=-1), ValueError, "gap must be >= 0, got -1"),
    (dict(gap=1.5), TypeError, "gap must be an integer"),
    (dict(n_rows=1, n_cols=2), ValueError,
     "n_rows=1 by n_cols=2 has 2 cells, too few for 3 images"),
    (dict(images=np.zeros((0, 6))), ValueError, "at least one image"),
    (dict(images=np.full((1, 6), np.nan)), ValueError, "NaN or infinite"),
    (dict(images=np.zeros((1, 2, 3))), ValueError, "must be 2-D"),
    (dict(images=np.array([["a"] * 6])), TypeError, "real numbers"),
])
def test_tile_images_validates_its_arguments(kwargs, error, match):
    arguments = dict(images=np.zeros((3, 6)), image_shape=(2, 3))
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        tile_images(**arguments)


# --- figures and PNG files ---------------------------------------------------

def test_plot_filters_returns_figure_drawing_the_mosaic(tmp_path):
    W = np.random.default_rng(0).normal(size=(784, 12))
    path = tmp_path / "filters.png"

    fig = plot_filters(W, (28, 28), n_filters=10, path=path)

    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(),
                                  filter_mosaic(W, (28, 28), n_filters=10))
    assert "columns 0 to 9 of W" in ax.get_title()
    assert ax.get_xlabel()
    assert read_png(path) == (600, 600)
    del fig


def test_plot_filters_draws_into_given_axes(tmp_path):
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()

    returned = plot_filters(f13_weights(), (28, 28), ax=ax,
                            title="three units")
    save_figure(returned, tmp_path / "into-axes.png", dpi=50)

    assert returned is fig
    assert ax.get_title() == "three units"
    assert read_png(tmp_path / "into-axes.png") == (150, 200)
    del fig, returned


def test_plot_reconstructions_rows_labelled_and_png_size(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(12, 6))
    R = 0.5 * X

    fig = plot_reconstructions(X, R, (2, 3), n=4)
    save_figure(fig, tmp_path / "reconstructions.png", dpi=50)

    assert isinstance(fig, Figure)
    assert len(fig.axes) == 8
    assert fig.axes[0].get_ylabel() == "input X"
    assert fig.axes[4].get_ylabel() == "reconstruction R"
    np.testing.assert_array_equal(fig.axes[4].images[0].get_array(),
                                  R[0].reshape(2, 3))
    assert fig.get_suptitle()
    assert read_png(tmp_path / "reconstructions.png") == (150, 200)
    del fig


def test_plot_reconstructions_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"X of shape \(3, 6\) and R of "
                                         r"shape \(3, 4\)"):
        plot_reconstructions(np.zeros((3, 6)), np.zeros((3, 4)), (2, 3))


def test_plot_training_curves_one_history(tmp_path):
    fig = plot_training_curves(toy_history(), path=tmp_path / "one.png")

    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == [
        "Objective", "Reconstruction loss", "Contraction penalty",
        "Jacobian norm"]
    assert all(ax.get_xlabel() == "epoch" and ax.get_ylabel()
               for ax in fig.axes)
    np.testing.assert_array_equal(fig.axes[3].lines[0].get_ydata(),
                                  [2.0, 1.0, 2.0 / 3.0])
    assert read_png(tmp_path / "one.png") == (600, 900)
    del fig


def test_plot_training_curves_compares_labelled_runs(tmp_path):
    runs = [("lam=0", toy_history()), ("lam=0.1", toy_history(scale=2.0))]

    fig = plot_training_curves(runs, figsize=(6, 4))
    save_figure(fig, tmp_path / "runs.png", dpi=50)

    legend = fig.axes[0].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == \
        ["lam=0", "lam=0.1"]
    assert read_png(tmp_path / "runs.png") == (200, 300)
    del fig


def test_plot_training_curves_of_a_fitted_model(tmp_path):
    """The history the estimator records has the format plotted."""
    X = np.random.default_rng(0).uniform(size=(8, 6))
    model = ContractiveAutoencoder(n_hidden=3, n_epochs=2, batch_size=4,
                                   random_state=0).fit(X)

    fig = plot_training_curves(model.history_, path=tmp_path / "fit.png")

    assert len(fig.axes[0].lines[0].get_xdata()) == 2
    assert read_png(tmp_path / "fit.png") == (600, 900)
    del fig


@pytest.mark.parametrize("histories, error, match", [
    ({"epoch": [1]}, ValueError, r"history lacks the key\(s\) \['objective'"),
    ([("run", {"epoch": []})], ValueError, "history 'run' lacks"),
    (dict(toy_history(), penalty=[1.0]), ValueError, "different lengths"),
    (toy_history(n_epochs=0), ValueError, "holds no epoch"),
    ([], TypeError, "non-empty list of"),
    ("history", TypeError, "must be a history"),
    ([toy_history()], TypeError, r"a \(label, history\) pair"),
])
def test_plot_training_curves_validates_histories(histories, error, match):
    with pytest.raises(error, match=match):
        plot_training_curves(histories)


def test_save_figure_validates_its_arguments(tmp_path):
    fig = Figure()
    with pytest.raises(ValueError, match=r"path must end in '\.png'"):
        save_figure(fig, tmp_path / "figure.jpg")
    with pytest.raises(ValueError, match="dpi must be >= 1, got 0"):
        save_figure(fig, tmp_path / "figure.png", dpi=0)
    with pytest.raises(TypeError, match="fig must be a matplotlib"):
        save_figure(np.zeros((2, 2)), tmp_path / "figure.png")
    del fig
