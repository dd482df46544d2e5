r"""Checks of user input, with messages that say what to do.

Every public function and method of numpycae runs its arguments through
these checks before computing, and raises ``TypeError`` (wrong kind of
object or dtype) or ``ValueError`` (wrong shape, size or value) with a
message naming the argument, the constraint and what was received.

Policy on dtypes
----------------
* float32 and float64 arrays are used as they are: the dtype is kept end
  to end.
* Python lists and nested sequences of numbers are converted with
  ``numpy.asarray`` and then follow the same rule, so a list of floats
  becomes float64.
* Integer, boolean, float16, complex, string and object arrays are refused,
  not converted: an integer image array almost always means pixels in
  0..255 that still need dividing by 255, and float16 would silently lose
  most of the precision the gradients need.
* float32 and float64 arrays in non-native byte order (big-endian on
  most machines, as read from some files) are refused too, with the
  ``astype`` that converts them: a silent conversion would copy, and
  parameters updated in place would no longer be the caller's arrays.
* ``None`` (or any other single object) is refused as "must be an
  array", not described by the object dtype numpy gives it.
* Where parameters meet data (``encode(params, X)``, a fitted model's
  ``transform(X)``) the **parameters' dtype decides**: ``X`` is converted
  to it. float32 data given to a float64 model is converted exactly;
  float64 data given to a float32 model is rounded to float32, the
  precision the model computes in anyway.

Non-finite values
-----------------
NaN and infinity are refused in data and parameters. Finite inputs can
still overflow (a weight of 1e200 squared): the public functions compute
with overflow warnings switched off and check their results instead,
raising :class:`NonFiniteError` rather than returning NaN or infinity.
"""

import numbers

import numpy as np

PARAMETER_NAMES = ("W", "b", "c", "W_prime")
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class NonFiniteError(ValueError, FloatingPointError):
    """A computation on finite inputs produced NaN or infinity.

    A subclass of both ``ValueError`` (the inputs are out of the range the
    computation can handle) and ``FloatingPointError``.
    """


class DivergenceError(NonFiniteError):
    """Training diverged: the objective or the parameters left the floats.

    Attributes
    ----------
    epoch : int
        Epoch (counted from 1) of the step that failed.
    batch : int
        Batch (counted from 1 within the epoch) of the step that failed.
    """

    def __init__(self, message, epoch, batch):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


def all_finite(array):
    """Whether every element of a floating-point array is finite.

    Parameters
    ----------
    array : ndarray of any shape

    Returns
    -------
    bool

    Notes
    -----
    A sum is finite exactly when every element is finite and the total does
    not overflow, so one sum (no temporary array) settles the common case;
    only a non-finite sum falls back to the element-wise test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(array)):
            return True
    return bool(np.isfinite(array).all())


def _check_float_dtype(array, name):
    """Refuse any dtype but float32 and float64, saying what to do.

    Parameters
    ----------
    array : ndarray
    name : str
        Name of the argument, used in messages.

    Raises
    ------
    TypeError
        For integer, boolean, float16, complex, string or object arrays.
    """
    if array.dtype in FLOAT_DTYPES:
        return
    kind = array.dtype.kind
    if kind == "O" and array.ndim == 0:
        value = array.item()
        got = "None" if value is None else f"a {type(value).__name__}"
        raise TypeError(
            f"{name} must be an array of float32 or float64, got {got}")
    native = array.dtype.newbyteorder("=")
    if native in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be a float32 or float64 array in the machine's "
            f"byte order, got dtype {array.dtype.str} (non-native byte "
            f"order, e.g. read from a file); convert with "
            f"{name}.astype('{native.name}')"
        )
    if kind == "u" and array.dtype.itemsize == 1:
        hint = ("; 8-bit values are usually pixels in 0..255: use "
                f"{name}.astype('float32') / 255")
    elif kind in "iub":
        hint = (f"; convert with {name}.astype('float32') (and rescale, "
                f"e.g. divide pixels in 0..255 by 255)")
    elif kind == "f":
        hint = f"; convert with {name}.astype('float32')"
    else:
        hint = "; numpycae needs real numbers"
    raise TypeError(
        f"{name} must be a float32 or float64 array, got dtype "
        f"{array.dtype}{hint}"
    )


def check_array(X, name="X", *, n_features=None, unit_interval=False,
                dtype=None, width_name="n_features"):
    """Validate a 2-D floating-point data array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str, default="X"
        Name of the argument, used in messages.
    n_features : int, optional
        Required number of columns (that of a model's parameters).
    unit_interval : bool, default=False
        Require every value in [0, 1] (targets of the cross-entropy).
    dtype : numpy dtype, optional
        If given, the array is converted to this dtype after the checks
        (the dtype of the parameters it meets).
    width_name : str, default="n_features"
        What the number of columns is called in messages (``"n_hidden"``
        for codes).

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        ``X`` itself when it is already an array of the right dtype.

    Raises
    ------
    TypeError
        If ``X`` is not an array of float32 or float64 (see the module's
        dtype policy).
    ValueError
        If it cannot be made an array (ragged lists), is not 2-D, is
        empty, has the wrong number of columns, holds NaN or infinity,
        (with ``unit_interval``) leaves [0, 1], or (with ``dtype``) holds
        values too large for ``dtype``.
    """
    if isinstance(X, np.ma.MaskedArray):
        # np.asarray would drop the mask and use the hidden values.
        raise TypeError(
            f"{name} must be a plain ndarray, got a masked array; fill or "
            f"drop the masked entries first ({name}.filled(...) or "
            f"{name}.compressed())"
        )
    try:
        X = np.asarray(X)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} must be an array of shape (n_samples, {width_name}), "
            f"could not convert it: {error}"
        ) from None
    _check_float_dtype(X, name)
    if X.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, {width_name}), got a "
            f"1-D array of shape {X.shape}; for a single example use "
            f"{name}.reshape(1, -1)"
        )
    if X.ndim != 2:
        hint = (f"; flatten images with {name}.reshape(len({name}), -1)"
                if X.ndim > 2 else "")
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, {width_name}), got an "
            f"array of shape {X.shape}{hint}"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"{name} must hold at least one sample and one column, got "
            f"shape {X.shape}"
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} columns but the model expects "
            f"{width_name}={n_features}"
        )
    if not all_finite(X):
        n_bad = int(X.size - np.count_nonzero(np.isfinite(X)))
        raise ValueError(
            f"{name} holds {n_bad} NaN or infinite value(s); remove or "
            f"impute them first"
        )
    if unit_interval:
        low, high = X.min(), X.max()
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"{name} must lie in [0, 1] for loss='cross_entropy', got "
                f"values from {low:g} to {high:g}; rescale the data (for "
                f"pixels, divide by 255) or use loss='squared_error'"
            )
    if dtype is not None and X.dtype != dtype:
        with np.errstate(over="ignore"):
            converted = X.astype(dtype)
        if not all_finite(converted):
            raise ValueError(
                f"{name} holds values too large for {np.dtype(dtype)}, the "
                f"model's dtype (largest magnitude {np.abs(X).max():g}); "
                f"rescale the data"
            )
        X = converted
    return X


def check_params(params, name="params"):
    """Validate a parameter dict: keys, shapes, one dtype, finite values.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W`` of shape (n_features, n_hidden), ``b`` of shape (n_hidden,),
        ``c`` of shape (n_features,) and, for an untied model, ``W_prime``
        of shape (n_hidden, n_features).
    name : str, default="params"

    Returns
    -------
    dict of str to ndarray
        The same arrays (converted with ``numpy.asarray``; arrays are not
        copied), so in-place updates reach the caller's arrays.

    Raises
    ------
    TypeError
        If ``params`` is not a dict, or an entry is not float32/float64, or
        the entries' dtypes differ.
    ValueError
        If a key is missing or unknown, a shape is inconsistent, an array
        is empty, or a value is NaN or infinite.
    """
    if not isinstance(params, dict):
        raise TypeError(
            f"{name} must be a dict of arrays with keys W, b, c (and "
            f"W_prime if untied), got {type(params).__name__}"
        )
    missing = [key for key in ("W", "b", "c") if key not in params]
    if missing:
        raise ValueError(
            f"{name} lacks {', '.join(missing)}; it needs W, b, c (and "
            f"W_prime if untied), e.g. from init_parameters"
        )
    unknown = sorted(str(key) for key in params
                     if key not in PARAMETER_NAMES)
    if unknown:
        raise ValueError(
            f"{name} has unknown key(s) {', '.join(unknown)}; expected "
            f"W, b, c and optionally W_prime"
        )

    arrays = {}
    for key, value in params.items():
        label = f"{name}['{key}']"
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise TypeError(f"{label} is not an array: {error}") from None
        _check_float_dtype(value, label)
        arrays[key] = value

    W = arrays["W"]
    if W.ndim != 2 or W.size == 0:
        raise ValueError(
            f"{name}['W'] must be a non-empty 2-D array of shape "
            f"(n_features, n_hidden), got shape {W.shape}"
        )
    n_features, n_hidden = W.shape
    # Either array of a disagreeing pair may be the wrong one: name both.
    expected = {
        "b": ((n_hidden,), f"{n_hidden} columns", "(n_hidden,)"),
        "c": ((n_features,), f"{n_features} rows", "(n_features,)"),
        "W_prime": ((n_hidden, n_features), f"shape {W.shape}",
                    "(n_hidden, n_features)"),
    }
    for key, (shape, what_W_has, wanted) in expected.items():
        if key in arrays and arrays[key].shape != shape:
            raise ValueError(
                f"{name}['W'] has {what_W_has} but {name}['{key}'] has "
                f"shape {arrays[key].shape}: W must be (n_features, "
                f"n_hidden) and {key} {wanted}"
            )
    dtypes = {str(value.dtype) for value in arrays.values()}
    if len(dtypes) > 1:
        listing = ", ".join(f"{key}: {value.dtype}"
                            for key, value in arrays.items())
        raise TypeError(
            f"{name} mixes dtypes ({listing}); convert them all to one, "
            f"e.g. {{k: v.astype('float32') for k, v in {name}.items()}}"
        )
    for key, value in arrays.items():
        if not all_finite(value):
            raise ValueError(
                f"{name}['{key}'] holds NaN or infinite values; the model "
                f"is broken (did training diverge?)"
            )
    return arrays


def check_finite_result(function, **results):
    """Raise if a computation on valid inputs produced NaN or infinity.

    Parameters
    ----------
    function : str
        Name of the computation, used in the message.
    **results : ndarray or float
        The results to check, by name.

    Raises
    ------
    NonFiniteError
        Naming the first non-finite result.
    """
    for key, value in results.items():
        if not all_finite(np.asarray(value)):
            raise NonFiniteError(
                f"{function} overflowed: its result {key} holds NaN or "
                f"infinite values although the inputs were finite; the "
                f"inputs or parameters are too large (rescale the data, "
                f"e.g. to [0, 1], or use smaller weights)"
            )


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
        If ``value`` is not an integer (booleans are refused).
    ValueError
        If it is below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_real(value, name, *, low=None, high=None, low_open=False,
               high_open=False):
    """Check a real hyper-parameter against an interval.

    Parameters
    ----------
    value : object
    name : str
    low, high : float, optional
        Bounds, inclusive unless ``low_open`` / ``high_open``.
    low_open, high_open : bool, default=False
        If True, ``value`` must be strictly inside that bound.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans are refused).
    ValueError
        If it is not finite or falls outside the interval.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None:
        if low_open and value <= low:
            raise ValueError(f"{name} must be > {low}, got {value!r}")
        if not low_open and value < low:
            raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None:
        if high_open and value >= high:
            raise ValueError(f"{name} must be < {high}, got {value!r}")
        if not high_open and value > high:
            raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return value


def check_bool(value, name):
    """Check a True/False option.

    Parameters
    ----------
    value : object
    name : str

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        If ``value`` is not a bool (0 and 1 are refused too).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value, name, choices):
    """Check that a string option is one of the allowed names.

    Parameters
    ----------
    value : object
    name : str
    choices : tuple
        Usually strings; None may be one of them.

    Returns
    -------
    object
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not in ``choices``.
    """
    # Compare only with options of the same type, so that an array or an
    # odd object cannot answer "==" with something truthy.
    allowed = any(value is choice
                  or (choice is not None and isinstance(value, type(choice))
                      and value == choice)
                  for choice in choices)
    if not allowed:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_seed(value, name="random_state"):
    """Check a seed that must be stored as JSON: None or an integer >= 0.

    Parameters
    ----------
    value : object
    name : str, default="random_state"

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        If ``value`` is neither None nor an integer (a Generator cannot be
        saved with the model nor replayed; pass its seed instead).
    ValueError
        If it is negative.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Integral):
        raise TypeError(
            f"{name} must be None or an integer >= 0 (a seed), got "
            f"{value!r}; pass the seed rather than a Generator, so the "
            f"model can be saved and its training replayed"
        )
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return int(value)


def check_dtype(dtype, name="dtype"):
    """Check a floating dtype option.

    Parameters
    ----------
    dtype : object
        Anything ``numpy.dtype`` accepts.
    name : str, default="dtype"

    Returns
    -------
    numpy.dtype
        float32 or float64.

    Raises
    ------
    TypeError
        For any other dtype.
    """
    try:
        resolved = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError):
        resolved = None
    # ``None in FLOAT_DTYPES`` is True: numpy compares None as float64.
    if resolved is None or resolved not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be numpy.float32 or numpy.float64, got {dtype!r}"
        )
    return resolved


class NotFittedError(ValueError, RuntimeError):
    """A model was used before :meth:`fit` (or loading) gave it parameters.

    A subclass of ``ValueError`` (the project's rule for bad input) and of
    ``RuntimeError``.
    """


def check_generator(rng):
    """Turn ``rng`` into a Generator, refusing what numpy would misread.

    Parameters
    ----------
    rng : numpy.random.Generator, BitGenerator, SeedSequence, int or None

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For any other object (floats, strings, legacy RandomState).
    ValueError
        For a negative seed.
    """
    accepted = (np.random.Generator, np.random.BitGenerator,
                np.random.SeedSequence)
    if rng is None or isinstance(rng, accepted):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)) or not isinstance(
            rng, numbers.Integral):
        raise TypeError(
            f"rng must be None, an integer seed >= 0 or a "
            f"numpy.random.Generator, got {rng!r}"
        )
    if rng < 0:
        raise ValueError(f"rng must be a seed >= 0, got {rng!r}")
    return np.random.default_rng(int(rng))
