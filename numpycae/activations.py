r"""Element-wise activations and their derivatives.

Each encoder activation ``s`` comes with its first and second derivatives
written in terms of its **output** ``H = s(A)``, because the forward pass has
already computed ``H`` and the backward pass can reuse it. The contractive
penalty needs ``s'`` (the Jacobian is ``s'(A)`` times ``W``) and its gradient
needs ``s''``.

==========  ===================  ======================
name        ``s'`` from ``H``     ``s''`` from ``H``
==========  ===================  ======================
sigmoid     ``H (1 - H)``        ``H (1 - H) (1 - 2 H)``
tanh        ``1 - H**2``         ``-2 H (1 - H**2)``
linear      ``1``                ``0``
==========  ===================  ======================
"""

import numpy as np

ENCODER_ACTIVATIONS = ("sigmoid", "tanh", "linear")


def sigmoid(A):
    r"""Logistic sigmoid, silent and finite for pre-activations of any size.

    Parameters
    ----------
    A : ndarray of any shape
        Pre-activations, float32 or float64.

    Returns
    -------
    H : ndarray of the same shape and dtype as ``A``
        Values in [0, 1].

    Notes
    -----
    .. math::

        \sigma(a) = \frac{1}{1 + e^{-a}}
                  = \frac{e^{-|a|}}{1 + e^{-|a|}} \quad (a < 0).

    Only :math:`e^{-|a|}` is evaluated, which lies in (0, 1], so nothing
    overflows: :math:`\sigma(-1000)` underflows quietly to 0 and
    :math:`\sigma(1000)` is exactly 1.

    Unchecked, like a numpy ufunc: this element-wise building block runs
    inside every forward pass, and the public functions have validated
    their input before reaching it. NaN gives NaN, :math:`\pm\infty`
    give 1 and 0, and other dtypes follow numpy's promotion (an integer
    array gives float64). Pass float32 or float64 to keep the dtype.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    A = np.asarray(A)
    exp_minus_abs = np.exp(-np.abs(A))
    positive_branch = 1.0 / (1.0 + exp_minus_abs)

    return np.where(A >= 0, positive_branch, exp_minus_abs * positive_branch)


def sigmoid_derivative(H):
    r"""Slope of the sigmoid, from its output: :math:`\sigma' = h (1 - h)`.

    Parameters
    ----------
    H : ndarray of any shape
        Sigmoid outputs.

    Returns
    -------
    ndarray of the same shape as ``H``
    """
    return H * (1.0 - H)


def activate(A, activation):
    r"""Apply an encoder activation to the pre-activation ``A``.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_hidden)
        Pre-activations.
    activation : {"sigmoid", "tanh", "linear"}
        The encoder activation ``s``.

    Returns
    -------
    H : ndarray of shape (n_samples, n_hidden)
        ``s(A)``.

    Raises
    ------
    ValueError
        If ``activation`` is not one of the names above.
    """
    if activation == "sigmoid":
        return sigmoid(A)
    if activation == "tanh":
        return np.tanh(A)
    if activation == "linear":
        return A.copy()
    raise _unknown_activation(activation)


def first_derivative(H, activation):
    r"""The activation's slope :math:`s'(a)`, computed from ``H = s(A)``.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_hidden)
        Activation outputs.
    activation : {"sigmoid", "tanh", "linear"}

    Returns
    -------
    ndarray of shape (n_samples, n_hidden)

    Notes
    -----
    .. math::

        \sigma' = h (1 - h), \qquad \tanh' = 1 - h^2, \qquad
        \mathrm{linear}' = 1.
    """
    if activation == "sigmoid":
        return sigmoid_derivative(H)
    if activation == "tanh":
        return 1.0 - H * H
    if activation == "linear":
        return np.ones_like(H)
    raise _unknown_activation(activation)


def second_derivative(H, activation):
    r"""The activation's curvature :math:`s''(a)`, computed from ``H``.

    Parameters
    ----------
    H : ndarray of shape (n_samples, n_hidden)
        Activation outputs.
    activation : {"sigmoid", "tanh", "linear"}

    Returns
    -------
    ndarray of shape (n_samples, n_hidden)

    Notes
    -----
    Differentiating the first derivatives once more with the chain rule,
    :math:`dh/da = s'`:

    .. math::

        \sigma'' = h (1 - h) (1 - 2 h), \qquad
        \tanh'' = -2 h (1 - h^2), \qquad \mathrm{linear}'' = 0.
    """
    if activation == "sigmoid":
        return sigmoid_derivative(H) * (1.0 - 2.0 * H)
    if activation == "tanh":
        return -2.0 * H * (1.0 - H * H)
    if activation == "linear":
        return np.zeros_like(H)
    raise _unknown_activation(activation)


def _unknown_activation(activation):
    """Build the error for an activation name numpycae does not know.

    Parameters
    ----------
    activation : object
        The name received.

    Returns
    -------
    ValueError
    """
    return ValueError(
        f"activation must be one of {ENCODER_ACTIVATIONS}, "
        f"got {activation!r}"
    )
