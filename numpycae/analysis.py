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
    check_dtype,
    check_finite_result,
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


def _check_spectra(singular_values, name="singular_values"):
    """Validate per-example spectra: 2-D, finite and non-negative.

    Parameters
    ----------
    singular_values : array-like of shape (n_samples, n_directions)
    name : str

    Returns
    -------
    ndarray of shape (n_samples, n_directions)
        In float64.

    Raises
    ------
    TypeError
        If the values are not float32 or float64.
    ValueError
        If they are not 2-D, are empty, hold NaN or infinity, or a value
        is negative (singular values never are).
    """
    singular_values = check_array(singular_values, name,
                                  width_name="n_directions")
    if singular_values.min() < 0.0:
        raise ValueError(
            f"{name} must be >= 0 (they are singular values), got a "
            f"minimum of {singular_values.min():g}"
        )
    return singular_values.astype(np.float64)


def check_image_shape(image_shape, n_features, name="image_shape"):
    """Check that images of ``image_shape`` hold ``n_features`` values.

    Parameters
    ----------
    image_shape : tuple of int
        (rows, columns), both positive integers.
    n_features : int
        Number of values in one flattened image.
    name : str, default="image_shape"

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        If ``image_shape`` is not a pair of integers.
    ValueError
        If a size is below 1 or rows * columns != n_features.
    """
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise TypeError(
            f"{name} must be a pair (rows, columns) of integers, got "
            f"{image_shape!r}"
        )
    n_rows = check_positive_int(image_shape[0], f"{name}[0]")
    n_cols = check_positive_int(image_shape[1], f"{name}[1]")
    if n_rows * n_cols != n_features:
        raise ValueError(
            f"{name} must be (rows, columns) with rows * columns = "
            f"{n_features} (the number of features), got {image_shape!r} "
            f"holding {n_rows * n_cols} pixels"
        )
    return n_rows, n_cols


def _check_radius(radius, name, X, *, positive):
    """Check a distance that is added to the rows of ``X``.

    Parameters
    ----------
    radius : float
    name : str
        Used in messages.
    X : ndarray of shape (n_samples, n_features)
        The points moved by ``radius``; their dtype bounds the result.
    positive : bool
        Refuse 0 as well as negative distances.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``radius`` is not a real number.
    ValueError
        If it is not finite, is negative (or 0 with ``positive``), or
        ``X`` moved that far would leave the range of ``X.dtype``.
    """
    radius = check_real(radius, name, low=0.0, low_open=positive)
    largest = float(np.finfo(X.dtype).max)
    if radius > largest - float(np.abs(X).max()):
        raise ValueError(
            f"{name} must keep the points within {X.dtype} (largest "
            f"{largest:g}, points up to {float(np.abs(X).max()):g}), got "
            f"{radius!r}; use a smaller distance or float64 data"
        )
    return radius


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


def _check_bounds(bounds):
    """Check saturation bounds: a pair low < high within [0, 1].

    Parameters
    ----------
    bounds : tuple of float

    Returns
    -------
    tuple of float

    Raises
    ------
    TypeError
        If ``bounds`` is not a pair of real numbers.
    ValueError
        If they are not ordered within [0, 1].
    """
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(
            f"bounds must be a pair (low, high) of numbers, got {bounds!r}"
        )
    low = check_real(bounds[0], "bounds[0]")
    high = check_real(bounds[1], "bounds[1]")
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(
            f"bounds must satisfy 0 <= low < high <= 1, got {bounds!r}"
        )
    return low, high


def saturated_fraction(H, activation="sigmoid", bounds=SATURATION_BOUNDS):
    r"""Fraction of the codes near the bounds of the activation's range.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_hidden)
        Codes, float32 or float64: in [0, 1] for sigmoid, [-1, 1] for tanh.
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
    TypeError
        If ``H`` is not a float array or ``bounds`` not a pair of numbers.
    ValueError
        For a linear encoder, which has no bounds to saturate at; bounds
        not ordered within [0, 1]; or ``H`` not 2-D, empty, non-finite or
        outside the activation's range.
    """
    low, high = _check_bounds(bounds)
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
    H = check_array(H, "H", width_name="n_hidden")
    unit = (H + 1.0) / 2.0 if activation == "tanh" else H
    if unit.min() < 0.0 or unit.max() > 1.0:
        code_range = "[-1, 1]" if activation == "tanh" else "[0, 1]"
        raise ValueError(
            f"H must lie in {code_range} for activation={activation!r}, "
            f"got values from {H.min():g} to {H.max():g}"
        )

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
        As returned by :func:`jacobian_spectrum`: finite and >= 0.
    quantiles : tuple of float, default=(0.1, 0.9)
        Two levels in [0, 1].

    Returns
    -------
    dict of str to ndarray of shape (n_directions,)
        ``mean``, ``std``, ``low`` and ``high`` (the two quantiles), in
        float64.

    Raises
    ------
    TypeError, ValueError
        See :func:`_check_spectra`; or ``quantiles`` is not a pair of
        levels in [0, 1].
    """
    singular_values = _check_spectra(singular_values)
    if not isinstance(quantiles, (tuple, list)) or len(quantiles) != 2:
        raise TypeError(
            f"quantiles must be a pair (low, high) of levels in [0, 1], "
            f"got {quantiles!r}"
        )
    levels = [check_real(level, f"quantiles[{index}]", low=0.0, high=1.0)
              for index, level in enumerate(quantiles)]

    # Scale by the largest value so the variance's squares cannot overflow.
    peak = singular_values.max()
    scale = peak if peak > 0.0 else 1.0
    scaled = singular_values / scale
    low, high = np.quantile(scaled, levels, axis=0) * scale
    return {"mean": scaled.mean(axis=0) * scale,
            "std": scaled.std(axis=0) * scale, "low": low, "high": high}


def effective_rank(singular_values, energy=0.9):
    r"""Leading singular values needed to hold a share of the energy.

    Parameters
    ----------
    singular_values : ndarray of shape (n_samples, n_directions)
        Finite and >= 0; each row is sorted into decreasing order here.
    energy : float, default=0.9
        Share of :math:`\sum_k \sigma_k^2 = \lVert J \rVert_F^2`, in
        (0, 1].

    Returns
    -------
    ndarray of int of shape (n_samples,)
        The smallest k with :math:`\sum_{k' \le k} \sigma_{k'}^2 \ge`
        ``energy`` times the total; smaller means a faster-falling
        spectrum (scale-free, so models with different norms compare).
        A row of zeros (a Jacobian of rank 0) has effective rank 0.

    Raises
    ------
    TypeError, ValueError
        See :func:`_check_spectra`; or ``energy`` is outside (0, 1].

    Notes
    -----
    Each row is divided by its largest value before squaring, which
    leaves the shares unchanged and keeps the squares from overflowing.
    """
    singular_values = _check_spectra(singular_values)
    energy = check_real(energy, "energy", low=0.0, low_open=True, high=1.0)

    spectra = -np.sort(-singular_values, axis=1)
    peak = spectra[:, :1]
    squared = (spectra / np.where(peak > 0.0, peak, 1.0)) ** 2
    cumulative = np.cumsum(squared, axis=1)
    total = cumulative[:, -1:]

    rank = 1 + np.sum(cumulative < energy * total, axis=1)
    return np.where(peak[:, 0] > 0.0, rank, 0)


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

    Raises
    ------
    TypeError
        If ``dtype`` is not float32 or float64 (an integer "unit" vector
        would round to zero), or a count is not an integer.
    ValueError
        If a count is below 1.
    """
    rng = check_generator(rng)
    n_samples = check_positive_int(n_samples, "n_samples")
    n_features = check_positive_int(n_features, "n_features")
    dtype = check_dtype(dtype)

    G = rng.standard_normal((n_samples, n_features))
    return (G / np.linalg.norm(G, axis=1, keepdims=True)).astype(dtype)


def sample_on_sphere(centers, radius, rng=None):
    """One point drawn uniformly on the sphere around each center.

    Parameters
    ----------
    centers : array-like of shape (n_samples, n_features)
    radius : float
        Finite and >= 0, small enough that the points stay within the
        dtype of ``centers``.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Row n lies at distance ``radius`` from ``centers[n]``.

    Raises
    ------
    TypeError, ValueError
        For invalid ``centers`` (see :func:`numpycae.validation.check_array`)
        or a ``radius`` that is not a finite number >= 0 or would leave
        the range of the dtype.
    """
    centers = check_array(centers, "centers")
    radius = _check_radius(radius, "radius", centers, positive=False)
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
        Positive finite distances r, small enough that the points stay
        within the dtype of the model.
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
    radii = np.asarray(radii)
    if radii.ndim != 1 or radii.size == 0:
        raise ValueError(
            f"radii must be a non-empty 1-D array of distances > 0, got "
            f"shape {radii.shape}"
        )
    radii = np.array([_check_radius(radius, f"radii[{index}]", X0,
                                    positive=True)
                      for index, radius in enumerate(radii.tolist())])
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

    clipped at 0 against rounding, in float64, after dividing both sets
    by a power of two near their largest magnitude (exact, and it keeps
    the squares from overflowing or underflowing).

    Raises
    ------
    TypeError, ValueError
        For invalid arrays (see :func:`numpycae.validation.check_array`).
    NonFiniteError
        If a distance exceeds the largest float64.
    """
    X_query = check_array(X_query, "X_query").astype(np.float64)
    X_reference = check_array(X_reference, "X_reference",
                              n_features=X_query.shape[1]
                              ).astype(np.float64)
    batch_size = check_positive_int(batch_size, "batch_size")

    peak = max(np.abs(X_query).max(), np.abs(X_reference).max())
    # 2**(e - 1) <= peak < 2**e: dividing by it is exact and cannot overflow.
    scale = np.ldexp(1.0, np.frexp(peak)[1] - 1) if peak > 0.0 else 1.0
    X_query = X_query / scale
    X_reference = X_reference / scale
    reference_sq = np.einsum("ij,ij->i", X_reference, X_reference)

    distances = []
    for start in range(0, X_query.shape[0], batch_size):
        Q = X_query[start:start + batch_size]
        squared = (np.einsum("ij,ij->i", Q, Q)[:, np.newaxis]
                   + reference_sq - 2.0 * Q @ X_reference.T)
        distances.append(np.sqrt(np.maximum(squared.min(axis=1), 0.0)))

    with np.errstate(over="ignore"):
        distances = np.concatenate(distances) * scale
    check_finite_result("nearest_neighbour_distances", distances=distances)
    return distances


def shift_by_one_pixel(X, image_shape, rng=None):
    """Shift each image one pixel up, down, left or right (drawn).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Images flattened row-major, n_features = rows * columns.
    image_shape : tuple of int
        (rows, columns), positive integers with rows * columns =
        n_features.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The pixel that enters at the edge is 0 (no wrap-around).

    Raises
    ------
    TypeError, ValueError
        For invalid ``X`` or ``image_shape`` (see
        :func:`check_image_shape`).
    """
    X = check_array(X, "X")
    n_rows, n_cols = check_image_shape(image_shape, X.shape[1])
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


def _moved_ratios(params, X, X_moved, activation):
    r"""Code displacement over input displacement, for the rows that moved.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    X_moved : ndarray of shape (n_samples, n_features)
    activation : str

    Returns
    -------
    ndarray of shape (n_moved,)
        Empty when no row moved.
    """
    input_move = np.linalg.norm(X_moved - X, axis=1)
    moved = input_move > 0
    if not np.any(moved):
        return np.zeros(0, dtype=X.dtype)

    code_move = np.linalg.norm(encode(params, X_moved[moved], activation)
                               - encode(params, X[moved], activation),
                               axis=1)
    return code_move / input_move[moved]


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
        rows that moved at all (a blank image does not move when shifted);
        rows with :math:`x' = x` are skipped.

    Raises
    ------
    ValueError
        If the arrays are invalid or differ in shape, or no row moved
        (``X_moved`` equals ``X``), which leaves no ratio to report.
    """
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    X_moved = _check_data(X_moved, params, "X_moved")
    if X_moved.shape != X.shape:
        raise ValueError(
            f"X_moved must have the shape of X, {X.shape}, got "
            f"{X_moved.shape}"
        )
    ratios = _moved_ratios(params, X, X_moved, activation)
    if ratios.size == 0:
        raise ValueError(
            f"no example moved: X_moved equals X in all {X.shape[0]} rows, "
            f"so there is no displacement ratio to compute"
        )
    return ratios


def robustness(model, X, *, image_shape=(28, 28), sigma=0.1, nu=0.25,
               rng=None, activation=None):
    """Code displacement relative to input displacement under three moves.

    Parameters
    ----------
    model : ContractiveAutoencoder or dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    image_shape : tuple of int, default=(28, 28)
        For the one-pixel shifts; see :func:`check_image_shape`.
    sigma : float, default=0.1
        Standard deviation of the Gaussian noise, > 0.
    nu : float, default=0.25
        Masking probability, in (0, 1].
    rng : numpy.random.Generator or int or None
    activation : str, optional

    Returns
    -------
    dict of str to float
        ``gaussian``, ``masking`` and ``shift``: the mean of
        :func:`displacement_ratios` under each move, over the examples
        that the move changed. Lower is more robust.

    Raises
    ------
    ValueError
        For invalid arguments, or when a move changes no example (for
        instance masking or shifting an all-zero ``X``).
    """
    rng = check_generator(rng)
    params, activation = encoder_of(model, activation)
    X = _check_data(X, params)
    image_shape = check_image_shape(image_shape, X.shape[1])
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    nu = check_real(nu, "nu", low=0.0, low_open=True, high=1.0)

    moves = {
        "gaussian": gaussian_corruption(X, sigma, rng),
        "masking": masking_corruption(X, nu, rng),
        "shift": shift_by_one_pixel(X, image_shape, rng),
    }
    result = {}
    for kind, X_moved in moves.items():
        ratios = _moved_ratios(params, X, X_moved, activation)
        if ratios.size == 0:
            raise ValueError(
                f"no example moved under the {kind} move (sigma={sigma}, "
                f"nu={nu}, image_shape={image_shape}): masking and "
                f"shifting leave an all-zero image unchanged; pass X with "
                f"some non-zero pixels"
            )
        result[kind] = float(np.mean(ratios))
    return result
