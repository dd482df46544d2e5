r"""Reconstruction losses, computed from the decoder's pre-activation.

Every loss here is a **sum over features** for each example; the objective
averages those sums over the batch. Each function takes the decoder's
pre-activation ``Z`` rather than the reconstruction ``R``, so the
cross-entropy never takes ``log(0)`` even when ``R`` rounds to exactly 0 or 1.

Supported pairs of loss and decoder output:

=================  ==================  ==================================
loss               decoder             gradient ``dL/dZ``
=================  ==================  ==================================
``cross_entropy``  sigmoid             ``R - X``
``squared_error``  sigmoid             ``2 (R - X) R (1 - R)``
``squared_error``  linear (``R = Z``)  ``2 (R - X)``
=================  ==================  ==================================
"""

import numpy as np

from .activations import sigmoid, sigmoid_derivative

LOSSES = ("cross_entropy", "squared_error")
DECODERS = ("sigmoid", "linear")


def softplus(Z):
    r"""Softplus :math:`\log(1 + e^{z})`, without overflow.

    Parameters
    ----------
    Z : ndarray of any shape

    Returns
    -------
    ndarray of the same shape and dtype as ``Z``

    Notes
    -----
    .. math::

        \log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|}),

    where :math:`e^{-|z|} \le 1` cannot overflow.
    """
    return np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))


def cross_entropy(Z, X):
    r"""Binary cross-entropy of a sigmoid decoder, summed over features.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Decoder pre-activation; the reconstruction is ``sigmoid(Z)``.
    X : ndarray of shape (n_samples, n_features)
        Targets in [0, 1].

    Returns
    -------
    loss : ndarray of shape (n_samples,)
        One sum over features per example (not a mean over the batch).

    Notes
    -----
    With :math:`r = \sigma(z)`, :math:`\log r = -\mathrm{softplus}(-z)` and
    :math:`\log(1 - r) = -\mathrm{softplus}(z)`, so

    .. math::

        L(x, r) = -\sum_i \big[x_i \log r_i + (1 - x_i) \log(1 - r_i)\big]
                = \sum_i \big[\mathrm{softplus}(z_i) - x_i z_i\big].

    Its derivative is :math:`\partial L / \partial z_i = r_i - x_i`.
    """
    return np.sum(softplus(Z) - X * Z, axis=1)


def squared_error(R, X):
    r"""Squared error, summed over features.

    Parameters
    ----------
    R : ndarray of shape (n_samples, n_features)
        Reconstruction.
    X : ndarray of shape (n_samples, n_features)
        Targets.

    Returns
    -------
    loss : ndarray of shape (n_samples,)
        One sum over features per example.

    Notes
    -----
    .. math::

        L(x, r) = \sum_i (r_i - x_i)^2,
        \qquad \partial L / \partial r_i = 2 (r_i - x_i).
    """
    residual = R - X
    return np.sum(residual * residual, axis=1)


def decoder_output(Z, decoder):
    r"""Reconstruction ``R`` from the decoder pre-activation ``Z``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    decoder : {"sigmoid", "linear"}

    Returns
    -------
    R : ndarray of shape (n_samples, n_features)
        ``sigmoid(Z)`` or ``Z`` itself.
    """
    if decoder == "sigmoid":
        return sigmoid(Z)
    if decoder == "linear":
        return Z
    raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")


def reconstruction_loss(Z, R, X, loss):
    r"""Per-example reconstruction loss for the chosen ``loss``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Decoder pre-activation.
    R : ndarray of shape (n_samples, n_features)
        Reconstruction computed from ``Z``.
    X : ndarray of shape (n_samples, n_features)
        Targets.
    loss : {"cross_entropy", "squared_error"}

    Returns
    -------
    ndarray of shape (n_samples,)
        A sum over features for each example.
    """
    if loss == "cross_entropy":
        return cross_entropy(Z, X)
    if loss == "squared_error":
        return squared_error(R, X)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def reconstruction_gradient(R, X, loss, decoder):
    r"""Derivative of the per-example loss with respect to ``Z``.

    Parameters
    ----------
    R : ndarray of shape (n_samples, n_features)
        Reconstruction.
    X : ndarray of shape (n_samples, n_features)
        Targets.
    loss : {"cross_entropy", "squared_error"}
    decoder : {"sigmoid", "linear"}

    Returns
    -------
    dZ : ndarray of shape (n_samples, n_features)
        Row n is the gradient of example n's loss (not divided by the batch
        size).

    Notes
    -----
    .. math::

        \text{cross-entropy, sigmoid:}\quad \partial L/\partial z = r - x;
        \qquad
        \text{squared, sigmoid:}\quad 2 (r - x)\, r (1 - r);
        \qquad
        \text{squared, linear:}\quad 2 (r - x).
    """
    check_loss_and_decoder(loss, decoder)
    if loss == "cross_entropy":
        return R - X
    if decoder == "sigmoid":
        return 2.0 * (R - X) * sigmoid_derivative(R)
    return 2.0 * (R - X)


def check_loss_and_decoder(loss, decoder):
    """Refuse unknown names and the cross-entropy of a linear decoder.

    Parameters
    ----------
    loss : str
    decoder : str

    Raises
    ------
    ValueError
        If either name is unknown, or if ``loss="cross_entropy"`` is asked
        of a linear decoder, whose output is not a probability.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if decoder not in DECODERS:
        raise ValueError(
            f"decoder must be one of {DECODERS}, got {decoder!r}"
        )
    if loss == "cross_entropy" and decoder == "linear":
        raise ValueError(
            "loss='cross_entropy' needs decoder='sigmoid' (a linear "
            "decoder's output is not a probability); use "
            "loss='squared_error' with decoder='linear'"
        )
