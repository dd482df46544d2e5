r"""Figures for numpycae: filters, reconstructions and training curves.

Every function builds a :class:`matplotlib.figure.Figure` directly, without
``matplotlib.pyplot``: nothing needs a display, no backend is chosen, and
figures are not kept in pyplot's list of open figures, so they are freed
like any other object once no longer referenced. Write one to a PNG file
with :func:`save_figure`; in Jupyter, a figure left as the last expression
of a cell is shown.

The arrays drawn are built by plain NumPy functions, :func:`tile_images`
and :func:`filter_mosaic`, so that they can be tested before matplotlib
draws anything.

Orientation
-----------
``W`` has shape (n_features, n_hidden): the filter of hidden unit j is the
**column** ``W[:, j]``, the input pattern that excites unit j most. For
images of shape (n_rows, n_cols), n_features = n_rows * n_cols and pixel
(i, k) of a filter is ``W[i * n_cols + k, j]`` (row-major, as
``X.reshape(n_samples, n_rows, n_cols)`` would place it).
"""

import math
import os
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .validation import check_choice, check_positive_int, check_real

__all__ = [
    "filter_mosaic",
    "plot_filters",
    "plot_reconstructions",
    "plot_training_curves",
    "save_figure",
    "tile_images",
]

NORMALIZE_CHOICES = ("each", "all", None)

# History key -> (panel title, y-axis label), in panel order.
CURVES = {
    "objective": ("Objective", "reconstruction + lam * penalty"),
    "reconstruction": ("Reconstruction loss", "loss per example"),
    "penalty": ("Contraction penalty", "mean ||J||_F^2"),
    "jacobian_norm": ("Jacobian norm", "mean ||J||_F"),
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_image_shape(image_shape, n_features, what="each image"):
    """Check an image shape against the number of values per image.

    Parameters
    ----------
    image_shape : tuple of int
        (n_rows, n_cols).
    n_features : int
        Values per image.
    what : str
        How the images are called, for messages.

    Returns
    -------
    tuple of int
        (n_rows, n_cols) as Python integers.

    Raises
    ------
    TypeError, ValueError
        If ``image_shape`` is not a pair of positive integers, or its
        product differs from ``n_features``.
    """
    if (not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 2):
        raise TypeError(
            f"image_shape must be a pair (n_rows, n_cols), got "
            f"{image_shape!r}"
        )
    n_rows = check_positive_int(image_shape[0], "image_shape[0]")
    n_cols = check_positive_int(image_shape[1], "image_shape[1]")
    if n_rows * n_cols != n_features:
        raise ValueError(
            f"image_shape {(n_rows, n_cols)} holds {n_rows * n_cols} "
            f"pixels but {what} has {n_features} values"
        )
    return n_rows, n_cols


def grid_shape(n_images, n_rows=None, n_cols=None):
    r"""Choose the rows and columns of a mosaic.

    Parameters
    ----------
    n_images : int
    n_rows, n_cols : int or None
        Either, both or neither may be given.

    Returns
    -------
    n_rows, n_cols : int

    Raises
    ------
    TypeError, ValueError
        If a given count is not a positive integer, or both are given and
        the grid has fewer cells than images.

    Notes
    -----
    With neither given the grid is as square as possible,

    .. math::

        n_{\text{cols}} = \lceil \sqrt{n} \rceil, \qquad
        n_{\text{rows}} = \lceil n / n_{\text{cols}} \rceil;

    with one given, the other is the smallest that fits all n images.
    """
    if n_rows is not None:
        n_rows = check_positive_int(n_rows, "n_rows")
    if n_cols is not None:
        n_cols = check_positive_int(n_cols, "n_cols")

    if n_rows is None and n_cols is None:
        n_cols = math.isqrt(n_images - 1) + 1
    if n_rows is None:
        n_rows = -(-n_images // n_cols)
    if n_cols is None:
        n_cols = -(-n_images // n_rows)

    if n_rows * n_cols < n_images:
        raise ValueError(
            f"a grid of n_rows={n_rows} by n_cols={n_cols} has "
            f"{n_rows * n_cols} cells, too few for {n_images} images"
        )
    return n_rows, n_cols


def rescale_to_unit(values):
    r"""Map an array's range linearly onto [0, 1].

    Parameters
    ----------
    values : ndarray of float64, any shape

    Returns
    -------
    ndarray of float64 of the same shape

    Notes
    -----
    .. math::

        v' = \frac{v - \min v}{\max v - \min v};

    a constant array, which has no contrast to show, becomes 0.5
    (mid-gray) everywhere.
    """
    low, high = values.min(), values.max()
    if high == low:
        return np.full_like(values, 0.5)
    return (values - low) / (high - low)


def tile_images(images, image_shape, n_rows=None, n_cols=None, gap=1,
                normalize="each", background=None):
    r"""Arrange flattened images in a grid, as one 2-D array.

    Parameters
    ----------
    images : array-like of shape (n_images, n_features)
        One flattened image per row, n_features = n_rows_px * n_cols_px;
        a 1-D array is taken as one image. To show the filters of ``W``
        (its columns) pass ``W.T``, or use :func:`filter_mosaic`.
    image_shape : tuple of int
        (n_rows_px, n_cols_px), the height and width of one image. Each row
        of ``images`` is reshaped row-major (C order) to it.
    n_rows, n_cols : int, optional
        Tiles per column and per row of the grid; see :func:`grid_shape`
        for the choice when omitted. Tiles fill the grid row by row; cells
        left over are filled with ``background``.
    gap : int, default=1
        Pixels between neighbouring tiles; there is no outer border.
    normalize : {"each", "all", None}, default="each"
        "each" rescales every tile on its own to [0, 1], "all" rescales
        all tiles jointly (so tiles stay comparable), None keeps the
        values. A constant tile (or set) becomes 0.5.
    background : float, optional
        Value of the gaps and the empty cells. By default 1.0 (white in a
        gray colormap) when ``normalize`` is set, and the largest value of
        ``images`` when ``normalize`` is None: the gaps are drawn at the
        brightest level of the mosaic.

    Returns
    -------
    mosaic : ndarray of float64 of shape (height, width)
        ``height = n_rows * n_rows_px + (n_rows - 1) * gap`` and
        ``width = n_cols * n_cols_px + (n_cols - 1) * gap``. Tile k sits in
        grid row ``k // n_cols`` and grid column ``k % n_cols``, its top
        left pixel at ``(row * (n_rows_px + gap), col * (n_cols_px + gap))``.

    Raises
    ------
    TypeError
        If ``images`` is not real-valued or an argument has the wrong type.
    ValueError
        If ``images`` is empty, not 1-D or 2-D, holds NaN or infinity,
        or does not match ``image_shape``; if the grid is too small or
        ``normalize`` is not one of the choices.

    Notes
    -----
    With "each", tile k is

    .. math::

        T_k = \frac{x_k - \min x_k}{\max x_k - \min x_k}
        \quad\text{reshaped to (n\_rows\_px, n\_cols\_px)}.

    Examples
    --------
    >>> tile_images([0, 1, 2, 3, 4, 5], (2, 3), normalize=None)
    array([[0., 1., 2.],
           [3., 4., 5.]])
    """
    images = np.asarray(images)
    if images.dtype.kind not in "biuf":
        raise TypeError(
            f"images must hold real numbers, got dtype {images.dtype}"
        )
    if images.ndim == 1:
        images = images[np.newaxis, :]
    if images.ndim != 2:
        raise ValueError(
            f"images must be 2-D of shape (n_images, n_features), got "
            f"shape {images.shape}"
        )
    if images.shape[0] == 0:
        raise ValueError("images must hold at least one image, got none")
    if not np.all(np.isfinite(images)):
        raise ValueError("images holds NaN or infinite values")
    tile_rows, tile_cols = check_image_shape(image_shape, images.shape[1])
    n_rows, n_cols = grid_shape(len(images), n_rows, n_cols)
    gap = check_positive_int(gap, "gap", minimum=0)
    check_choice(normalize, "normalize", NORMALIZE_CHOICES)
    if background is not None:
        background = check_real(background, "background")

    tiles = images.astype(np.float64).reshape(-1, tile_rows, tile_cols)
    if normalize == "each":
        tiles = np.stack([rescale_to_unit(tile) for tile in tiles])
    elif normalize == "all":
        tiles = rescale_to_unit(tiles)

    if background is None:
        background = 1.0 if normalize is not None else float(tiles.max())
    height = n_rows * tile_rows + (n_rows - 1) * gap
    width = n_cols * tile_cols + (n_cols - 1) * gap
    mosaic = np.full((height, width), background)

    for k, tile in enumerate(tiles):
        top = (k // n_cols) * (tile_rows + gap)
        left = (k % n_cols) * (tile_cols + gap)
        mosaic[top:top + tile_rows, left:left + tile_cols] = tile
    return mosaic


def check_weights(W, image_shape):
    """Check an encoder weight matrix against an image shape.

    Parameters
    ----------
    W : array-like of shape (n_features, n_hidden)
    image_shape : tuple of int

    Returns
    -------
    W : ndarray of shape (n_features, n_hidden)
    image_shape : tuple of int

    Raises
    ------
    ValueError
        If ``W`` is not 2-D or its rows do not match ``image_shape``; the
        message points out a transposed ``W``.
    """
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(
            f"W must be 2-D of shape (n_features, n_hidden), got shape "
            f"{W.shape}"
        )
    n_pixels = None
    if isinstance(image_shape, (tuple, list)) and len(image_shape) == 2:
        n_pixels = math.prod(int(size) for size in image_shape)
    if n_pixels is not None and W.shape[0] != n_pixels \
            and W.shape[1] == n_pixels:
        raise ValueError(
            f"W has shape {W.shape} but must be (n_features, n_hidden) = "
            f"({n_pixels}, n_hidden) for images of shape "
            f"{tuple(image_shape)}: the filters are the columns of W; did "
            f"you pass W.T?"
        )
    image_shape = check_image_shape(image_shape, W.shape[0],
                                    what="each column of W")
    return W, image_shape


def filter_mosaic(W, image_shape, n_filters=None, **tile_options):
    r"""Tile the filters of an encoder, the columns of ``W``.

    Parameters
    ----------
    W : array-like of shape (n_features, n_hidden)
        Encoder weights; column j is the filter of hidden unit j.
    image_shape : tuple of int
        (n_rows_px, n_cols_px) with n_rows_px * n_cols_px = n_features.
    n_filters : int, optional
        Show the filters of hidden units 0 to n_filters - 1 (all when
        omitted, and all when W has fewer columns).
    **tile_options
        ``n_rows``, ``n_cols``, ``gap``, ``normalize``, ``background``,
        passed to :func:`tile_images`.

    Returns
    -------
    mosaic : ndarray of float64 of shape (height, width)
        See :func:`tile_images`.

    Raises
    ------
    ValueError
        If ``W`` does not match ``image_shape`` (a transposed ``W`` is
        pointed out), and as :func:`tile_images`.

    Notes
    -----
    The tile of unit j shows :math:`W_{i,j}` at pixel
    :math:`(\lfloor i / n_{\text{cols\_px}} \rfloor, i \bmod
    n_{\text{cols\_px}})`; it is ``tile_images(W[:, :n_filters].T, ...)``.

    Examples
    --------
    >>> W = np.zeros((784, 3))
    >>> W[27, 0] = 1.0
    >>> mosaic = filter_mosaic(W, (28, 28), normalize=None)
    >>> np.argwhere(mosaic[:28, :28] == 1.0).tolist()
    [[0, 27]]
    """
    W, image_shape = check_weights(W, image_shape)
    n_hidden = W.shape[1]
    if n_filters is not None:
        n_hidden = min(check_positive_int(n_filters, "n_filters"), n_hidden)

    return tile_images(W[:, :n_hidden].T, image_shape, **tile_options)


def plot_filters(W, image_shape, n_filters=100, *, normalize="each",
                 ax=None, path=None, title=None, cmap="gray",
                 figsize=(6.0, 6.0), dpi=100):
    """Show the filters of hidden units 0, 1, ... as a grid of images.

    Parameters
    ----------
    W : array-like of shape (n_features, n_hidden)
        Encoder weights; the filter of unit j is the column ``W[:, j]``.
    image_shape : tuple of int
        (n_rows_px, n_cols_px), (28, 28) for MNIST.
    n_filters : int, default=100
        Number of filters shown (fewer if ``W`` has fewer columns).
    normalize : {"each", "all", None}, default="each"
        See :func:`tile_images`; the colour bar's label says which.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (of an existing figure) instead of a new
        figure.
    path : str or os.PathLike, optional
        Also write the figure to this PNG file (see :func:`save_figure`).
    title : str, optional
        Defaults to one that names the units shown.
    cmap : str, default="gray"
    figsize : tuple of float, default=(6.0, 6.0)
        Size in inches of a new figure.
    dpi : int, default=100
        Resolution of the PNG written to ``path``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mosaic = filter_mosaic(W, image_shape, n_filters, normalize=normalize)
    n_shown = min(n_filters, np.shape(W)[1])

    fig, ax = figure_and_axes(ax, figsize)
    image = ax.imshow(mosaic, cmap=cmap, interpolation="nearest")
    if title is None:
        title = (f"Encoder filters: columns 0 to {n_shown - 1} of W, "
                 f"{image_shape[0]} x {image_shape[1]} each")
    ax.set_title(title)
    ax.set_xlabel("hidden units in order, left to right, row by row")
    ax.set_xticks([])
    ax.set_yticks([])
    colorbar_label = {
        "each": "weight, rescaled to [0, 1] within each filter",
        "all": "weight, rescaled to [0, 1] over all filters",
        None: "weight",
    }[normalize]
    fig.colorbar(image, ax=ax, shrink=0.8, label=colorbar_label)

    if path is not None:
        save_figure(fig, path, dpi=dpi)
    return fig


def figure_and_axes(ax, figsize):
    """The figure to draw in: that of ``ax``, or a new one with one axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
    figsize : tuple of float

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
    """
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_reconstructions(X, R, image_shape, n=10, *, path=None,
                         cmap="gray", dpi=100):
    """Show inputs on the top row and their reconstructions beneath.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs, typically test digits.
    R : array-like of shape (n_samples, n_features)
        Their reconstructions, e.g. ``model.reconstruct(X)``.
    image_shape : tuple of int
        (n_rows_px, n_cols_px).
    n : int, default=10
        Number of examples shown, the first ``n`` rows (fewer if ``X`` has
        fewer).
    path : str or os.PathLike, optional
        Also write the figure to this PNG file.
    cmap : str, default="gray"
    dpi : int, default=100

    Returns
    -------
    matplotlib.figure.Figure
        Of size ``(max(n, 2), 3)`` inches: 2 rows of n axes.

    Raises
    ------
    ValueError
        If ``X`` and ``R`` differ in shape or do not match
        ``image_shape``.

    Notes
    -----
    Inputs and reconstructions share one gray scale, from
    ``min(0, min X, min R)`` (black) to ``max(1, max X, max R)`` (white),
    so that a faint reconstruction looks faint.
    """
    X = np.asarray(X)
    R = np.asarray(R)
    if X.ndim != 2 or X.shape != R.shape:
        raise ValueError(
            f"X and R must be 2-D of the same shape (n_samples, "
            f"n_features), got X of shape {X.shape} and R of shape "
            f"{R.shape}"
        )
    n_rows_px, n_cols_px = check_image_shape(image_shape, X.shape[1])
    n = min(check_positive_int(n, "n"), len(X))
    low = min(0.0, float(X.min()), float(R.min()))
    high = max(1.0, float(X.max()), float(R.max()))

    fig = Figure(figsize=(max(n, 2), 3.0), layout="constrained")
    axes = fig.subplots(2, n, squeeze=False)
    for k in range(n):
        for row, (images, name) in enumerate(((X, "input X"),
                                              (R, "reconstruction R"))):
            ax = axes[row, k]
            ax.imshow(images[k].reshape(n_rows_px, n_cols_px), cmap=cmap,
                      vmin=low, vmax=high, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if k == 0:
                ax.set_ylabel(name, fontsize="small")
        axes[0, k].set_title(f"row {k}", fontsize="small")
    fig.suptitle("Inputs (top) and their reconstructions (bottom)")

    if path is not None:
        save_figure(fig, path, dpi=dpi)
    return fig


def as_labelled_histories(histories):
    """Normalise the argument of :func:`plot_training_curves`.

    Parameters
    ----------
    histories : dict or list of (str, dict)

    Returns
    -------
    list of (str or None, dict of str to ndarray)

    Raises
    ------
    TypeError
        If the argument is neither a history nor a list of pairs.
    ValueError
        If a history lacks a key, holds no epoch, or has lists of
        different lengths.
    """
    if isinstance(histories, Mapping):
        pairs = [(None, histories)]
    elif isinstance(histories, (list, tuple)) and len(histories) > 0:
        pairs = list(histories)
    else:
        raise TypeError(
            f"histories must be a history (a dict such as "
            f"model.history_) or a non-empty list of (label, history) "
            f"pairs, got {histories!r}"
        )

    labelled = []
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and isinstance(pair[1], Mapping)):
            raise TypeError(
                f"each element of histories must be a (label, history) "
                f"pair, got {pair!r}"
            )
        label, history = pair
        name = "history" if label is None else f"history {label!r}"
        missing = [key for key in ("epoch", *CURVES) if key not in history]
        if missing:
            raise ValueError(
                f"{name} lacks the key(s) {missing}; a history is a dict "
                f"of lists with keys epoch, objective, reconstruction, "
                f"penalty, jacobian_norm and seconds (model.history_)"
            )
        arrays = {key: np.asarray(history[key], dtype=np.float64)
                  for key in ("epoch", *CURVES)}
        lengths = {key: len(values) for key, values in arrays.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(
                f"{name} has lists of different lengths: {lengths}"
            )
        if lengths["epoch"] == 0:
            raise ValueError(f"{name} holds no epoch; fit the model first")
        labelled.append((label, arrays))
    return labelled


def plot_training_curves(histories, *, path=None, figsize=(9.0, 6.0),
                         dpi=100):
    """Plot the objective and its parts against the epoch.

    Parameters
    ----------
    histories : dict or list of (str, dict)
        One training history (``model.history_``, a dict of lists with
        keys ``epoch``, ``objective``, ``reconstruction``, ``penalty``,
        ``jacobian_norm`` and ``seconds``), or several as (label, history)
        pairs to compare runs, e.g. ``[("lam=0", h0), ("lam=0.1", h1)]``.
    path : str or os.PathLike, optional
        Also write the figure to this PNG file.
    figsize : tuple of float, default=(9.0, 6.0)
    dpi : int, default=100

    Returns
    -------
    matplotlib.figure.Figure
        Four panels: the objective, the reconstruction loss, the penalty
        (mean squared Frobenius norm of J) and the mean Frobenius norm of
        J, each an epoch mean over the training examples.

    Raises
    ------
    TypeError, ValueError
        If ``histories`` is not in one of the two forms, or a history lacks
        a key, is empty or has lists of different lengths.
    """
    labelled = as_labelled_histories(histories)

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (key, (title, y_label)) in zip(axes, CURVES.items()):
        for label, history in labelled:
            ax.plot(history["epoch"], history[key], marker="o",
                    markersize=3, label=label)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(y_label)
        ax.grid(True, alpha=0.3)
        if labelled[0][0] is not None:
            ax.legend(fontsize="small")
    fig.suptitle("Training curves (means over the training examples)")

    if path is not None:
        save_figure(fig, path, dpi=dpi)
    return fig


def save_figure(fig, path, dpi=100):
    """Write a figure to a PNG file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or os.PathLike
        Must end in ``.png``.
    dpi : int, default=100
        Pixels per inch: the file is ``width_in * dpi`` by
        ``height_in * dpi`` pixels, the size set when the figure was made
        (nothing is cropped).

    Raises
    ------
    TypeError
        If ``fig`` is not a Figure or ``dpi`` not an integer.
    ValueError
        If ``path`` does not end in ``.png`` or ``dpi`` is not positive.
    """
    if not isinstance(fig, Figure):
        raise TypeError(
            f"fig must be a matplotlib.figure.Figure, got "
            f"{type(fig).__name__}"
        )
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(f"path must end in '.png', got {path!r}")
    dpi = check_positive_int(dpi, "dpi")

    fig.savefig(path, dpi=dpi, format="png")
