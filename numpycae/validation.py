r"""Checks of user input, with messages that say what to do.

Policy on dtypes: float32 and float64 arrays are used as they are (the dtype
is kept end to end). Python lists and nested sequences of numbers are
converted with ``numpy.asarray`` and then follow the same rule, so a list of
floats becomes float64. Integer, boolean, complex and object arrays are
refused rather than converted, because an integer image array almost always
means pixels in 0..255 that still need dividing by 255.
"""

import numbers

import numpy as np


def check_array(X, name="X", *, n_features=None, unit_interval=False,
                dtype=None):
    """Validate a 2-D floating-point data array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str, default="X"
        Name of the argument, used in messages.
    n_features : int, optional
        Required number of columns (that of a fitted model).
    unit_interval : bool, default=False
        Require every value in [0, 1] (targets of the cross-entropy).
    dtype : numpy dtype, optional
        If given, the array is cast to this dtype after the checks (used to
        match a fitted model's parameters).

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError
        If the array is not of a floating dtype.
    ValueError
        If it is not 2-D, is empty, has the wrong number of columns, holds
        NaN or infinity, or (with ``unit_interval``) leaves [0, 1].
    """
    X = np.asarray(X)
    if X.dtype.kind in "iub":
        hint = (" If these are 8-bit pixel values, divide by 255"
                if X.dtype.kind == "u" else "")
        raise TypeError(
            f"{name} must be a float32 or float64 array, got dtype "
            f"{X.dtype}.{hint} (for example X.astype('float32') / 255)."
        )
    if X.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{name} must be a float32 or float64 array, got dtype {X.dtype}"
        )
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got an "
            f"array of shape {X.shape}; reshape images with "
            f"X.reshape(len(X), -1)"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must hold at least one sample and one feature, got "
            f"shape {X.shape}"
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features but the model expects "
            f"{n_features}"
        )
    if not np.all(np.isfinite(X)):
        n_bad = int(np.size(X) - np.count_nonzero(np.isfinite(X)))
        raise ValueError(
            f"{name} holds {n_bad} NaN or infinite value(s); remove or "
            f"impute them first"
        )
    if unit_interval and (X.min() < 0.0 or X.max() > 1.0):
        raise ValueError(
            f"{name} must lie in [0, 1] for loss='cross_entropy', got "
            f"values from {X.min():g} to {X.max():g}; rescale the data "
            f"(for pixels, divide by 255) or use loss='squared_error'"
        )
    if dtype is not None:
        X = X.astype(dtype, copy=False)
    return X


def check_positive_int(value, name, *, minimum=1):
    """Check an integer hyper-parameter.

    Parameters
    ----------
    value : object
    name : str
    minimum : int, default=1

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_real(value, name, *, low=None, high=None, low_open=False):
    """Check a real hyper-parameter against an interval.

    Parameters
    ----------
    value : object
    name : str
    low, high : float, optional
        Bounds; ``high`` is inclusive.
    low_open : bool, default=False
        If True, ``value`` must be strictly above ``low``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is not finite or falls outside the interval.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None:
        if low_open and value <= low:
            raise ValueError(f"{name} must be > {low}, got {value!r}")
        if not low_open and value < low:
            raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return value


def check_choice(value, name, choices):
    """Check that a string option is one of the allowed names.

    Parameters
    ----------
    value : object
    name : str
    choices : tuple of str

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``value`` is not in ``choices``.
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
