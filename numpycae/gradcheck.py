r"""Gradient checking by central finite differences.

Three tools, from the smallest up:

* :func:`numerical_gradient` differentiates any scalar function of an array;
* :func:`relative_error` compares analytic and numeric values element-wise;
* :func:`check_gradients` checks every parameter gradient of a model on a
  batch and returns a :class:`GradientReport` a person can read.

Everything is computed in float64, whatever dtype it is handed: in float32
the rounding error of a difference quotient with a step of 1e-6 is about
1e-7 / 1e-6 = 0.1 of the value itself.
"""

from dataclasses import dataclass

import numpy as np

from .functional import objective_and_gradients
from .validation import check_array, check_params, check_real


def numerical_gradient(f, x, step=1e-6):
    r"""Central finite-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real number; ``x`` is modified in place during
        the computation and restored afterwards.
    x : ndarray of float64, any shape
        Point at which to differentiate (float32 is accepted, inaccurate).
    step : float, default=1e-6
        Finite-difference step h, in (0, 1].

    Returns
    -------
    ndarray of the same shape as ``x``

    Raises
    ------
    TypeError
        If ``x`` is not a float64 or float32 ndarray (an integer one cannot
        hold the step; float32 is allowed so that its rounding can be
        shown, as tutorial 4 does, but only float64 is accurate) or ``f``
        is not callable.
    ValueError
        If ``step`` is out of range or ``f`` returns a value that is not a
        finite real number.

    Notes
    -----
    .. math::

        \frac{\partial f}{\partial x_k} \approx
        \frac{f(x + h e_k) - f(x - h e_k)}{2 h},

    whose truncation error is :math:`O(h^2)`; with h = 1e-6 and float64 the
    rounding error, about :math:`10^{-16} |f| / h`, dominates and leaves
    roughly 1e-9 to 1e-10 absolute accuracy for f of order one.
    """
    if not isinstance(x, np.ndarray) or x.dtype not in (np.float32,
                                                         np.float64):
        raise TypeError(
            f"x must be a float64 (or, to see its rounding, float32) "
            f"ndarray, got {type(x).__name__} of dtype "
            f"{getattr(x, 'dtype', None)}; pass np.array(x, dtype=float)"
        )
    if not callable(f):
        raise TypeError(f"f must be callable, got {f!r}")
    step = check_real(step, "step", low=0.0, low_open=True, high=1.0)

    def value_at(point):
        value = f(point)
        if np.ndim(value) != 0 or not np.isfinite(value):
            raise ValueError(
                f"f must return a finite real number, got {value!r}")
        return float(value)

    gradient = np.zeros_like(x, dtype=np.float64)
    flat_x = x.reshape(-1)
    flat_gradient = gradient.reshape(-1)
    for k in range(flat_x.size):
        original = flat_x[k]
        try:
            flat_x[k] = original + step
            f_plus = value_at(x)
            flat_x[k] = original - step
            f_minus = value_at(x)
        finally:
            flat_x[k] = original
        flat_gradient[k] = (f_plus - f_minus) / (2.0 * step)
    return gradient


def relative_error(analytic, numeric, floor=1e-8):
    r"""Element-wise relative error, safe where both values are tiny.

    Parameters
    ----------
    analytic : ndarray
    numeric : ndarray of the same shape
    floor : float, default=1e-8
        Lower bound of the denominator.

    Returns
    -------
    ndarray of the same shape

    Notes
    -----
    .. math::

        e = \frac{|a - n|}{\max(|a| + |n|, \text{floor})}.

    It lies in [0, 1]; where both values are 0 it is 0, and where both are
    below the floor it measures an absolute error scaled by 1 / floor.
    """
    floor = check_real(floor, "floor", low=0.0, low_open=True)
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"analytic and numeric must have the same shape, got "
            f"{analytic.shape} and {numeric.shape}")
    for name, values in (("analytic", analytic), ("numeric", numeric)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} holds NaN or infinite values")
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    return np.abs(analytic - numeric) / scale


@dataclass
class ParameterCheck:
    """The worst element of one parameter's gradient check.

    Attributes
    ----------
    name : str
        Parameter name (``W``, ``b``, ``c``, ``W_prime``).
    max_relative_error : float
    index : tuple of int
        Position of the worst element.
    analytic : float
        Analytic gradient there.
    numeric : float
        Finite-difference gradient there.
    """

    name: str
    max_relative_error: float
    index: tuple
    analytic: float
    numeric: float


@dataclass
class GradientReport:
    """Result of :func:`check_gradients`: one entry per parameter.

    Attributes
    ----------
    checks : list of ParameterCheck
    """

    checks: list

    @property
    def max_relative_error(self):
        """Largest relative error over all parameters.

        Returns
        -------
        float
        """
        return max(check.max_relative_error for check in self.checks)

    def passed(self, tolerance=1e-6):
        """Whether every parameter's largest relative error is below a bound.

        Parameters
        ----------
        tolerance : float, default=1e-6

        Returns
        -------
        bool

        Raises
        ------
        TypeError, ValueError
            If ``tolerance`` is not a positive real number.
        """
        tolerance = check_real(tolerance, "tolerance", low=0.0,
                               low_open=True)
        return self.max_relative_error < tolerance

    def __str__(self):
        lines = [f"{'parameter':<10} {'max rel. error':>15} "
                 f"{'at index':>12} {'analytic':>15} {'numeric':>15}"]
        for check in self.checks:
            lines.append(
                f"{check.name:<10} {check.max_relative_error:>15.3e} "
                f"{str(check.index):>12} {check.analytic:>15.8g} "
                f"{check.numeric:>15.8g}")
        return "\n".join(lines)


def check_gradients(params, X, lam=0.0, *, step=1e-6, **objective_options):
    r"""Compare every analytic parameter gradient with finite differences.

    Parameters
    ----------
    params : dict of str to ndarray
        Model parameters, any floating dtype (copied to float64).
    X : ndarray of shape (n_samples, n_features)
        Batch (copied to float64).
    lam : float, default=0.0
    step : float, default=1e-6
        Finite-difference step, in (0, 1e-2].
    **objective_options
        Passed on to :func:`numpycae.functional.objective_and_gradients`
        (``loss``, ``decoder``, ``activation``, ``X_target``,
        ``penalties``).

    Returns
    -------
    GradientReport
        Printing it gives a table: per parameter, the largest relative
        error, where it occurred, and the analytic and numeric values there.

    Notes
    -----
    The check costs two evaluations of the objective per parameter entry:
    meant for small models (a few features and hidden units, a few rows).
    Its accuracy is absolute, about :math:`10^{-16} |f| / h` for an
    objective of size :math:`|f|` and step h, so the relative error of a
    tiny gradient entry grows with the objective: on a 784-feature model
    (objective in the hundreds) entries near 1e-5 show relative errors
    near 1e-3 even when the gradient is right. Check such models on a
    few features, or compare with a looser tolerance.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments, checked before the copy to float64 (so an
        integer array is refused here as everywhere else).
    NonFiniteError
        If the objective or a gradient overflows at ``params``.

    Examples
    --------
    >>> from numpycae import init_parameters
    >>> params = init_parameters(4, 3, tied=False, rng=0)
    >>> X = np.random.default_rng(1).uniform(size=(2, 4))
    >>> check_gradients(params, X, lam=0.5).passed(1e-6)
    True
    """
    params = {name: np.array(value, dtype=np.float64)
              for name, value in check_params(params).items()}
    X = np.array(check_array(X), dtype=np.float64)
    if objective_options.get("X_target") is not None:
        objective_options["X_target"] = np.array(
            check_array(objective_options["X_target"], "X_target"),
            dtype=np.float64)
    check_real(step, "step", low=0.0, low_open=True, high=1e-2)

    # The first call checks every argument and the result; the ones inside
    # the finite differences then skip the checks.
    _, analytic_grads, _ = objective_and_gradients(params, X, lam,
                                                   **objective_options)

    def objective(_):
        return objective_and_gradients(params, X, lam, check_input=False,
                                       **objective_options)[0]
    checks = []
    for name, value in params.items():
        numeric = numerical_gradient(objective, value, step)
        errors = relative_error(analytic_grads[name], numeric)
        worst = np.unravel_index(np.argmax(errors), errors.shape)
        checks.append(ParameterCheck(
            name=name, max_relative_error=float(errors[worst]),
            index=tuple(int(i) for i in worst),
            analytic=float(analytic_grads[name][worst]),
            numeric=float(numeric[worst])))
    return GradientReport(checks)
