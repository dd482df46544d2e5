"""Figures of the measurements in :mod:`numpycae.analysis`, several models
per figure.

Every function takes a mapping from a model's label (its legend entry or
row title) to what :mod:`numpycae.analysis` measured for it, and returns a
:class:`matplotlib.figure.Figure` built without ``matplotlib.pyplot`` (no
display needed, nothing kept open). Write one to a file with
``fig.savefig(path)`` or :func:`numpycae.plotting.save_figure`.
"""

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .analysis import check_image_shape, spectrum_summary
from .validation import check_positive_int


def _check_mapping(results, name):
    """Refuse an empty or non-mapping collection of per-model results.

    Parameters
    ----------
    results : object
    name : str

    Returns
    -------
    list of tuple
        The (label, value) pairs in order.

    Raises
    ------
    TypeError, ValueError
    """
    if not isinstance(results, Mapping):
        raise TypeError(
            f"{name} must be a mapping from model label to its results, "
            f"got {type(results).__name__}"
        )
    if len(results) == 0:
        raise ValueError(f"{name} must hold at least one model, got none")
    return list(results.items())


def plot_contraction_curves(curves, *, neighbour_distance=None,
                            title=None, figsize=(8.0, 5.0)):
    r"""Contraction ratio against radius, one line per model.

    Parameters
    ----------
    curves : mapping of str to dict
        Label -> the dict returned by
        :func:`numpycae.analysis.contraction_curve`.
    neighbour_distance : float, optional
        Mean distance from a test point to its nearest training example,
        drawn as a dashed vertical line: radii to its left stay near the
        data.
    title : str, optional
    figsize : tuple of float, default=(8.0, 5.0)

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = _check_mapping(curves, "curves")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for label, curve in items:
        ax.plot(curve["radii"], curve["mean"], marker="o", markersize=3,
                label=label)
    if neighbour_distance is not None:
        ax.axvline(neighbour_distance, color="0.4", linestyle="--",
                   label=f"mean distance to nearest training example "
                         f"({neighbour_distance:.2f})")
    ax.set_xlabel(r"radius $r = \|x_1 - x_0\|$ (input space)")
    ax.set_ylabel(r"mean $\|h(x_1) - h(x_0)\| \,/\, \|x_1 - x_0\|$")
    ax.set_title(title or "Contraction curves: how much the code moves per "
                          "unit of input move, at distance r")
    ax.set_ylim(bottom=0.0)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_spectra(spectra, *, n_show=None, log_scale=False, title=None,
                 figsize=(8.0, 5.0)):
    r"""Mean singular-value spectrum of the Jacobian, one line per model.

    Parameters
    ----------
    spectra : mapping of str to ndarray of shape (n_samples, n_directions)
        Label -> the per-example singular values of
        :func:`numpycae.analysis.jacobian_spectrum`.
    n_show : int, optional
        Show the leading ``n_show`` singular values (all by default).
    log_scale : bool, default=False
        Logarithmic y axis.
    title : str, optional
    figsize : tuple of float, default=(8.0, 5.0)

    Returns
    -------
    matplotlib.figure.Figure
        Lines are means over the examples; the shaded bands hold the
        middle 80% (10th to 90th percentile).
    """
    items = _check_mapping(spectra, "spectra")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for label, values in items:
        summary = spectrum_summary(values)
        shown = len(summary["mean"]) if n_show is None else min(
            check_positive_int(n_show, "n_show"), len(summary["mean"]))
        index = np.arange(1, shown + 1)
        line, = ax.plot(index, summary["mean"][:shown], label=label)
        ax.fill_between(index, summary["low"][:shown],
                        summary["high"][:shown], color=line.get_color(),
                        alpha=0.15, linewidth=0)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("rank k of the singular value (largest first)")
    ax.set_ylabel(r"k-th singular value of $J_h(x)$")
    ax.set_title(title or "Jacobian spectra: mean over test examples "
                          "(band: 10th-90th percentile)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_tangents(tangents, image_shape, *, example=None, title=None,
                  tile_inches=1.2):
    """Leading tangent directions of one example, one row per model.

    Parameters
    ----------
    tangents : mapping of str to tuple
        Label -> ``(singular_values, directions)`` as returned by
        :func:`numpycae.analysis.tangent_directions`, directions of shape
        (n_directions, n_features).
    image_shape : tuple of int
        (rows, columns) of one image.
    example : ndarray of shape (n_features,), optional
        The example itself, shown in the first column.
    title : str, optional
    tile_inches : float, default=1.2

    Returns
    -------
    matplotlib.figure.Figure
        Each direction is drawn with a symmetric colour scale (red
        positive, blue negative, white 0); its sign is arbitrary.
    """
    items = _check_mapping(tangents, "tangents")
    n_directions = max(len(directions) for _, (_, directions) in items)
    n_features = items[0][1][1].shape[1]
    image_shape = check_image_shape(image_shape, n_features)
    offset = 0 if example is None else 1
    n_cols = n_directions + offset

    fig = Figure(figsize=(tile_inches * n_cols + 1.0,
                          tile_inches * len(items) + 0.8),
                 layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(items), n_cols, squeeze=False))
    for row, (label, (singular_values, directions)) in enumerate(items):
        if example is not None:
            axes[row, 0].imshow(np.reshape(example, image_shape),
                                cmap="gray_r", interpolation="nearest")
            axes[row, 0].set_title("example", fontsize="small")
        for k in range(n_cols - offset):
            ax = axes[row, k + offset]
            if k < len(directions):
                image = np.reshape(directions[k], image_shape)
                limit = float(np.max(np.abs(image))) or 1.0
                ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
                ax.set_title(f"{k + 1}: s = {singular_values[k]:.3g}",
                             fontsize="small")
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize="small")
    fig.suptitle(title or "Tangent directions: leading right singular "
                          "vectors of J_h(x) (s: singular value)")
    return fig


def plot_filters_by_model(weights, image_shape, *, n_filters=8, title=None,
                          tile_inches=1.0):
    """The first encoder filters of each model, one row per model.

    Parameters
    ----------
    weights : mapping of str to ndarray of shape (n_features, n_hidden)
        Label -> encoder weights ``W``; the filter of unit j is ``W[:, j]``.
    image_shape : tuple of int
        (rows, columns) of one image.
    n_filters : int, default=8
    title : str, optional
    tile_inches : float, default=1.0

    Returns
    -------
    matplotlib.figure.Figure
        Each filter in grey with its own symmetric scale (white positive,
        black negative, mid-grey 0).
    """
    items = _check_mapping(weights, "weights")
    n_filters = check_positive_int(n_filters, "n_filters")
    image_shape = check_image_shape(image_shape, items[0][1].shape[0])
    n_cols = min(n_filters, max(W.shape[1] for _, W in items))

    fig = Figure(figsize=(tile_inches * n_cols + 1.0,
                          tile_inches * len(items) + 0.8),
                 layout="constrained")
    axes = fig.subplots(len(items), n_cols, squeeze=False)
    for row, (label, W) in enumerate(items):
        for j in range(n_cols):
            ax = axes[row, j]
            if j < W.shape[1]:
                image = np.reshape(W[:, j], image_shape)
                limit = float(np.max(np.abs(image))) or 1.0
                ax.imshow(image, cmap="gray", vmin=-limit, vmax=limit,
                          interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(f"unit {j}", fontsize="small")
        axes[row, 0].set_ylabel(label, fontsize="small")
    fig.suptitle(title or "Encoder filters W[:, j] of hidden units "
                          f"0 to {n_cols - 1}")
    return fig


def plot_robustness(results, *, title=None, figsize=(8.0, 5.0)):
    """Code displacement per unit of input displacement, grouped bars.

    Parameters
    ----------
    results : mapping of str to dict of str to float
        Label -> the dict of :func:`numpycae.analysis.robustness`
        (``gaussian``, ``masking``, ``shift``).
    title : str, optional
    figsize : tuple of float, default=(8.0, 5.0)

    Returns
    -------
    matplotlib.figure.Figure
    """
    items = _check_mapping(results, "results")
    kinds = list(items[0][1])
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(items)
    positions = np.arange(len(kinds))
    for index, (label, ratios) in enumerate(items):
        ax.bar(positions + (index - (len(items) - 1) / 2) * width,
               [ratios[kind] for kind in kinds], width, label=label)
    ax.set_xticks(positions, [f"{kind} move" for kind in kinds])
    ax.set_xlabel("how the input was moved")
    ax.set_ylabel(r"mean $\|h(x') - h(x)\| \,/\, \|x' - x\|$")
    ax.set_title(title or "Robustness: code move per unit of input move "
                          "(lower is more invariant)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small")
    return fig
