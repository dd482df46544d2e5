r"""Measurements of a trained encoder, after Rifai et al. (ICML 2011).

Each function takes a fitted :class:`~numpycae.ContractiveAutoencoder`, or a
parameter dict with an ``activation``, and data ``X`` of shape
(n_samples, n_features); those that draw random numbers take a seed or a
:class:`numpy.random.Generator`.

=============================  =============================================
measurement                    what it says about the encoder h
=============================  =============================================
:func:`mean_jacobian_norm`     how fast h changes near the data, on average:
                               the mean of :math:`\lVert J_h(x)\rVert_F`
:func:`saturation`             SAT, the mean fraction of hidden units near
                               their bounds (h < 0.05 or h > 0.95)
:func:`jacobian_spectrum`      the sorted singular values of each
                               :math:`J_h(x)`: how many input directions h
                               is sensitive to
:func:`tangent_directions`     the leading right singular vectors of one
                               :math:`J_h(x)`: those directions themselves
:func:`contraction_curve`      :math:`\lVert h(x_1) - h(x_0)\rVert /
                               \lVert x_1 - x_0\rVert` for :math:`x_1` on
                               spheres of growing radius around :math:`x_0`
:func:`robustness`             the same ratio for Gaussian noise, masking
                               noise and one-pixel shifts
=============================  =============================================

Nothing here forms the (n_samples, n_hidden, n_features) Jacobian of a
whole data set: the norms use the closed form and the spectra go through
small batches.

References
----------
Rifai, Vincent, Muller, Glorot and Bengio, "Contractive Auto-Encoders:
Explicit Invariance During Feature Extraction", ICML 2011, sections 5.2-5.3
(Table 1; Figures 2-6).
"""

import numpy as np

from .activations import ENCODER_ACTIVATIONS
from .corruption import gaussian_corruption
from .corruption import masking_corruption
from .functional import contraction_penalty, encode, jacobian
from .validation import (
    check_array,
    check_generator,
    check_positive_int,
    check_real,
)

SATURATION_BOUNDS = (0.05, 0.95)


def encoder_of(model, activation=None):
    """The parameters and activation of an encoder.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
        A fitted estimator, or a parameter dict holding ``W`` of shape
        (n_features, n_hidden), ``b`` of shape (n_hidden,) and ``c`` of
        shape (n_features,) (as :func:`~numpycae.init_parameters` makes).
    activation : {"sigmoid", "tanh", "linear"}, optional
        Required with a dict (defaults to "sigmoid"); with an estimator it
        must be omitted or equal the estimator's own.

    Returns
    -------
    params : dict of str to ndarray
    activation : str

    Raises
    ------
    TypeError
        If ``model`` is neither.
    ValueError
        If the dict lacks ``W``, ``b`` or ``c``, or the activation is unknown or
        contradicts the estimator's.
    """
    if hasattr(model, "params_"):
        if activation is not None and activation != model.activation:
            raise ValueError(
                f"activation={activation!r} contradicts the model's own "
                f"activation {model.activation!r}; omit it"
            )
        return model.params_, model.activation
    if not isinstance(model, dict):
        raise TypeError(
            f"model must be a fitted ContractiveAutoencoder or a parameter "
            f"dict, got {type(model).__name__}"
        )
    missing = {"W", "b", "c"} - set(model)
    if missing:
        raise ValueError(
            f"the parameter dict must hold 'W', 'b' and 'c'; missing "
            f"{sorted(missing)}"
        )
    activation = "sigmoid" if activation is None else activation
    if activation not in ENCODER_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {ENCODER_ACTIVATIONS}, got "
            f"{activation!r}"
        )
    return model, activation


def _check_data(X, params, name="X"):
    """Validate data against an encoder and match its dtype.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    params : dict of str to ndarray
    name : str

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    return check_array(X, name, n_features=params["W"].shape[0],
                       dtype=params["W"].dtype)


def jacobian_norms(model, X, *, activation=None):
    r"""Frobenius norm of the encoder's Jacobian at each example.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    activation : str, optional
        See :func:`encoder_of`.

    Returns
    -------
    ndarray of shape (n_samples,)

    Notes
    -----
    .. math::

        \lVert J_h(x) \rVert_F = \Big(\sum_j s'(a_j)^2
                                 \sum_i W_{ij}^2\Big)^{1/2}.
    """
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    return np.sqrt(contraction_penalty(params, X, activation))


def mean_jacobian_norm(model, X, *, activation=None):
    r"""Mean over a data set of :math:`\lVert J_h(x) \rVert_F`.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    activation : str, optional

    Returns
    -------
    float
        The paper's Table 1 column :math:`\lVert J_f(x) \rVert_F`
        (a mean of norms, not the root of a mean of squares).
    """
    return float(np.mean(jacobian_norms(model, X, activation=activation)))


def saturated_fraction(H, activation="sigmoid", bounds=SATURATION_BOUNDS):
    r"""Fraction of the codes near the bounds of the activation's range.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_hidden)
        Codes.
    activation : {"sigmoid", "tanh"}, default="sigmoid"
        A tanh code in (-1, 1) is first mapped to (0, 1) by
        :math:`(h + 1) / 2`, so the same bounds mean the same distance
        from the range's ends.
    bounds : tuple of float, default=(0.05, 0.95)

    Returns
    -------
    float
        The mean over examples and units of
        :math:`[h < 0.05 \text{ or } h > 0.95]`.

    Raises
    ------
    ValueError
        For a linear encoder, which has no bounds to saturate at, or bounds
        not ordered within [0, 1].
    """
    low, high = bounds
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(
            f"bounds must satisfy 0 <= low < high <= 1, got {bounds!r}"
        )
    if activation == "linear":
        raise ValueError(
            "saturation is undefined for activation='linear': its codes "
            "have no bounds; use 'sigmoid' or 'tanh'"
        )
    if activation not in ENCODER_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {ENCODER_ACTIVATIONS}, got "
            f"{activation!r}"
        )
    H = np.asarray(H)
    unit = (H + 1.0) / 2.0 if activation == "tanh" else H
    return float(np.mean((unit < low) | (unit > high)))


def saturation(model, X, *, activation=None, bounds=SATURATION_BOUNDS):
    """SAT: mean fraction of saturated hidden units over a data set.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    activation : str, optional
    bounds : tuple of float, default=(0.05, 0.95)

    Returns
    -------
    float
        In [0, 1]; see :func:`saturated_fraction`.
    """
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    return saturated_fraction(encode(params, X, activation), activation,
                              bounds)


def jacobian_spectrum(model, X, *, activation=None, batch_size=32):
    r"""Singular values of the encoder's Jacobian at each example.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    activation : str, optional
    batch_size : int, default=32
        Examples whose Jacobians, of shape (n_hidden, n_features) each,
        are formed and decomposed together.

    Returns
    -------
    singular_values : ndarray of shape (n_samples, n_directions)
        Row n holds the singular values of :math:`J_h(x_n)` in decreasing
        order; n_directions = min(n_hidden, n_features).

    Notes
    -----
    :math:`J_h(x) = \mathrm{diag}(s'(a))\, W^\top`. Its squared singular
    values sum to :math:`\lVert J_h(x) \rVert_F^2`; a spectrum that falls
    fast means h is sensitive to few input directions.
    """
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    batch_size = check_positive_int(batch_size, "batch_size")
    return np.concatenate([
        np.linalg.svd(jacobian(params, X[start:start + batch_size],
                               activation), compute_uv=False)
        for start in range(0, X.shape[0], batch_size)])


def spectrum_summary(singular_values, quantiles=(0.1, 0.9)):
    """Mean and spread of per-example spectra, direction by direction.

    Parameters
    ----------
    singular_values : ndarray of shape (n_samples, n_directions)
        As returned by :func:`jacobian_spectrum`.
    quantiles : tuple of float, default=(0.1, 0.9)

    Returns
    -------
    dict of str to ndarray of shape (n_directions,)
        ``mean``, ``std``, ``low`` and ``high`` (the two quantiles).
    """
    singular_values = np.asarray(singular_values, dtype=np.float64)
    low, high = np.quantile(singular_values, quantiles, axis=0)
    return {"mean": singular_values.mean(axis=0),
            "std": singular_values.std(axis=0), "low": low, "high": high}


def effective_rank(singular_values, energy=0.9):
    r"""Leading singular values needed to hold a share of the energy.

    Parameters
    ----------
    singular_values : ndarray of shape (n_samples, n_directions)
        Each row in decreasing order.
    energy : float, default=0.9
        Share of :math:`\sum_k \sigma_k^2 = \lVert J \rVert_F^2`.

    Returns
    -------
    ndarray of int of shape (n_samples,)
        The smallest k with :math:`\sum_{k' \le k} \sigma_{k'}^2 \ge`
        ``energy`` times the total; smaller means a faster-falling
        spectrum (scale-free, so models with different norms compare).
    """
    energy = check_real(energy, "energy", low=0.0, low_open=True, high=1.0)
    squared = np.asarray(singular_values, dtype=np.float64) ** 2
    cumulative = np.cumsum(squared, axis=1)
    total = cumulative[:, -1:]
    return 1 + np.sum(cumulative < energy * total, axis=1)


def tangent_directions(model, x, n_directions=6, *, activation=None):
    r"""Leading singular values and right singular vectors of one Jacobian.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    x : array-like of shape (n_features,) or (1, n_features)
        One example.
    n_directions : int, default=6
    activation : str, optional

    Returns
    -------
    singular_values : ndarray of shape (n_directions,)
        Decreasing.
    directions : ndarray of shape (n_directions, n_features)
        Orthonormal rows: the input directions in which the code changes
        most (for a digit, images of the strokes that can move). Each
        direction's sign is arbitrary.
    """
    params, activation = encoder_of(model, activation)
    x = _check_data(np.reshape(x, (1, -1)), params, "x")
    n_directions = check_positive_int(n_directions, "n_directions")
    _, singular_values, Vt = np.linalg.svd(jacobian(params, x, activation)[0],
                                           full_matrices=False)
    return singular_values[:n_directions], Vt[:n_directions]


def random_unit_directions(rng, n_samples, n_features, dtype=np.float64):
    r"""Directions drawn uniformly on the unit sphere.

    Parameters
    ----------
    rng : numpy.random.Generator or int or None
    n_samples : int
    n_features : int
    dtype : {numpy.float32, numpy.float64}, default=numpy.float64

    Returns
    -------
    U : ndarray of shape (n_samples, n_features)
        Rows of norm 1.

    Notes
    -----
    A standard normal vector is isotropic, so its direction
    :math:`u = g / \lVert g \rVert` is uniform on the sphere.
    """
    rng = check_generator(rng)
    G = rng.standard_normal((n_samples, n_features))
    return (G / np.linalg.norm(G, axis=1, keepdims=True)).astype(dtype)


def sample_on_sphere(centers, radius, rng=None):
    """One point drawn uniformly on the sphere around each center.

    Parameters
    ----------
    centers : array-like of shape (n_samples, n_features)
    radius : float
        >= 0.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Row n lies at distance ``radius`` from ``centers[n]``.
    """
    centers = check_array(centers, "centers")
    radius = check_real(radius, "radius", low=0.0)
    U = random_unit_directions(rng, *centers.shape, dtype=centers.dtype)
    return centers + np.asarray(radius, dtype=centers.dtype) * U


def contraction_curve(model, X0, radii, *, n_directions=4, rng=None,
                      activation=None):
    r"""Mean contraction ratio of the encoder at growing distances.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X0 : array-like of shape (n_samples, n_features)
        Centres, from held-out data.
    radii : array-like of shape (n_radii,)
        Positive distances r.
    n_directions : int, default=4
        Random directions per centre.
    rng : numpy.random.Generator or int or None
    activation : str, optional

    Returns
    -------
    dict
        ``radii`` : ndarray of shape (n_radii,)
        ``mean``, ``std`` : ndarray of shape (n_radii,)
            Mean and standard deviation over centres and directions of
            the ratio below.

    Notes
    -----
    For a unit direction u drawn uniformly and :math:`x_1 = x_0 + r u`,

    .. math::

        C(r) = \mathbb{E}\,
               \frac{\lVert h(x_1) - h(x_0) \rVert}{\lVert x_1 - x_0 \rVert}
             = \mathbb{E}\, \frac{\lVert h(x_0 + r u) - h(x_0)\rVert}{r}.

    As :math:`r \to 0` it tends to :math:`\mathbb{E}\lVert J_h(x_0) u
    \rVert`; at large r it falls as :math:`1/r` once the codes stop moving.
    The same directions are used at every radius, so the curve is smooth
    in r, and a linear encoder, for which
    :math:`h(x_0 + r u) - h(x_0) = r\, u W`, gives the same value at every
    radius.
    """
    params, activation = encoder_of(model, activation)
    X0 = _check_data(X0, params, "X0")
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or radii.size == 0 or not np.all(radii > 0) \
            or not np.all(np.isfinite(radii)):
        raise ValueError(
            f"radii must be a non-empty 1-D array of finite distances > 0, "
            f"got {radii!r}"
        )
    n_directions = check_positive_int(n_directions, "n_directions")

    centers = np.repeat(X0, n_directions, axis=0)
    U = random_unit_directions(rng, *centers.shape, dtype=X0.dtype)
    H0 = encode(params, centers, activation)

    means, stds = [], []
    for radius in radii.tolist():
        H1 = encode(params, centers + radius * U, activation)
        ratios = np.linalg.norm(H1 - H0, axis=1) / radius
        means.append(ratios.mean())
        stds.append(ratios.std())
    return {"radii": radii, "mean": np.array(means), "std": np.array(stds)}


def nearest_neighbour_distances(X_query, X_reference, *, batch_size=256):
    r"""Euclidean distance from each query point to its nearest reference.

    Parameters
    ----------
    X_query : array-like of shape (n_queries, n_features)
    X_reference : array-like of shape (n_references, n_features)
    batch_size : int, default=256
        Queries handled at once (memory n_queries x n_references grows
        with it).

    Returns
    -------
    ndarray of shape (n_queries,)

    Notes
    -----
    .. math::

        \lVert q - x \rVert^2 = \lVert q \rVert^2 + \lVert x \rVert^2
                                - 2\, q \cdot x,

    clipped at 0 against rounding, in float64.
    """
    X_query = check_array(X_query, "X_query").astype(np.float64)
    X_reference = check_array(X_reference, "X_reference",
                              n_features=X_query.shape[1]
                              ).astype(np.float64)
    batch_size = check_positive_int(batch_size, "batch_size")
    reference_sq = np.einsum("ij,ij->i", X_reference, X_reference)

    distances = []
    for start in range(0, X_query.shape[0], batch_size):
        Q = X_query[start:start + batch_size]
        squared = (np.einsum("ij,ij->i", Q, Q)[:, np.newaxis]
                   + reference_sq - 2.0 * Q @ X_reference.T)
        distances.append(np.sqrt(np.maximum(squared.min(axis=1), 0.0)))
    return np.concatenate(distances)


def shift_by_one_pixel(X, image_shape, rng=None):
    """Shift each image one pixel up, down, left or right (drawn).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Images flattened row-major, n_features = rows * columns.
    image_shape : tuple of int
        (rows, columns).
    rng : numpy.random.Generator or int or None

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The pixel that enters at the edge is 0 (no wrap-around).
    """
    X = check_array(X, "X")
    n_rows, n_cols = (int(size) for size in image_shape)
    if n_rows * n_cols != X.shape[1]:
        raise ValueError(
            f"image_shape {tuple(image_shape)} holds {n_rows * n_cols} "
            f"pixels but X has {X.shape[1]} features"
        )
    rng = check_generator(rng)
    images = X.reshape(-1, n_rows, n_cols)
    shifted = np.zeros_like(images)
    moves = rng.integers(0, 4, size=len(images))

    # 0: down, 1: up, 2: right, 3: left.
    shifted[moves == 0, 1:, :] = images[moves == 0, :-1, :]
    shifted[moves == 1, :-1, :] = images[moves == 1, 1:, :]
    shifted[moves == 2, :, 1:] = images[moves == 2, :, :-1]
    shifted[moves == 3, :, :-1] = images[moves == 3, :, 1:]
    return shifted.reshape(X.shape)


def displacement_ratios(model, X, X_moved, *, activation=None):
    r"""How far the code moves relative to the input, example by example.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    X_moved : array-like of shape (n_samples, n_features)
    activation : str, optional

    Returns
    -------
    ndarray of shape (n_moved,)
        :math:`\lVert h(x') - h(x) \rVert / \lVert x' - x \rVert` for the
        rows that moved at all (a blank image does not move when shifted).
    """
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    X_moved = _check_data(X_moved, params, "X_moved")
    if X_moved.shape != X.shape:
        raise ValueError(
            f"X_moved must have the shape of X, {X.shape}, got "
            f"{X_moved.shape}"
        )
    input_move = np.linalg.norm(X_moved - X, axis=1)
    moved = input_move > 0
    code_move = np.linalg.norm(encode(params, X_moved[moved], activation)
                               - encode(params, X[moved], activation),
                               axis=1)
    return code_move / input_move[moved]


def robustness(model, X, *, image_shape=(28, 28), sigma=0.1, nu=0.25,
               rng=None, activation=None):
    """Code displacement relative to input displacement under three moves.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    image_shape : tuple of int, default=(28, 28)
        For the one-pixel shifts.
    sigma : float, default=0.1
        Standard deviation of the Gaussian noise.
    nu : float, default=0.25
        Masking probability.
    rng : numpy.random.Generator or int or None
    activation : str, optional

    Returns
    -------
    dict of str to float
        ``gaussian``, ``masking`` and ``shift``: the mean of
        :func:`displacement_ratios` under each move. Lower is more robust.
    """
    rng = check_generator(rng)
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    moves = {
        "gaussian": gaussian_corruption(X, sigma, rng),
        "masking": masking_corruption(X, nu, rng),
        "shift": shift_by_one_pixel(X, image_shape, rng),
    }
    result = {}
    for kind, X_moved in moves.items():
        ratios = displacement_ratios(params, X, X_moved,
                                     activation=activation)
        if ratios.size == 0:
            raise ValueError(
                f"no example of X moved under the {kind} move; X must hold "
                f"some non-zero inputs"
            )
        result[kind] = float(np.mean(ratios))
    return result
