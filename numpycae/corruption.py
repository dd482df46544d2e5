r"""Input corruption for the denoising autoencoder.

A denoising autoencoder (Vincent, Larochelle, Bengio and Manzagol, ICML
2008) encodes a corrupted copy :math:`\tilde x` of each example and is
trained to reconstruct the **clean** :math:`x`:
``objective_and_gradients(params, X_tilde, X_target=X, ...)``.

Two kinds of corruption, each drawn from a seeded
:class:`numpy.random.Generator` so a fit can be repeated bit for bit:

============  =================================  ======================
kind          corrupted value                    level
============  =================================  ======================
``gaussian``  :math:`x_i + \epsilon_i`,          sigma, the noise's
              :math:`\epsilon_i \sim N(0, \sigma^2)`  standard deviation
``masking``   0 with probability nu, else        nu, in [0, 1]
              :math:`x_i`
============  =================================  ======================

The noise is drawn in the data's dtype, and the corrupted array keeps it.
Gaussian noise can take values outside [0, 1]; that is harmless, because
only the **target** of the cross-entropy must lie in [0, 1].
"""

import numpy as np

from .validation import (
    check_array,
    check_choice,
    check_generator,
    check_real,
)

CORRUPTIONS = ("gaussian", "masking")


def gaussian_corruption(X, sigma, rng=None):
    r"""Add isotropic Gaussian noise to every input.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sigma : float
        Standard deviation of the noise, >= 0.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X_tilde : ndarray of shape (n_samples, n_features)
        Same dtype as ``X``; a new array (``X`` is not modified).

    Notes
    -----
    .. math::

        \tilde x = x + \epsilon, \qquad \epsilon \sim N(0, \sigma^2 I).
    """
    X = check_array(X, "X")
    sigma = check_real(sigma, "sigma", low=0.0)
    rng = check_generator(rng)

    noise = rng.standard_normal(X.shape, dtype=X.dtype)
    return X + np.asarray(sigma, dtype=X.dtype) * noise


def masking_corruption(X, nu, rng=None):
    r"""Set each input to 0 independently with probability ``nu``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    nu : float
        Probability that an input is set to 0, in [0, 1].
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X_tilde : ndarray of shape (n_samples, n_features)
        Same dtype as ``X``; a new array.

    Notes
    -----
    .. math::

        \tilde x_i = m_i \, x_i, \qquad m_i \sim \mathrm{Bernoulli}(1 - \nu).

    Inputs already 0 (an MNIST background pixel) are unchanged by a mask,
    so the fraction of values that change is below ``nu``.
    """
    X = check_array(X, "X")
    nu = check_real(nu, "nu", low=0.0, high=1.0)
    rng = check_generator(rng)

    keep = rng.random(X.shape, dtype=X.dtype) >= nu
    return np.where(keep, X, np.zeros((), dtype=X.dtype))


def corrupt(X, kind, level, rng=None):
    """Corrupt a batch with the named kind of noise.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    kind : {"gaussian", "masking"}
    level : float
        sigma for "gaussian", nu for "masking".
    rng : numpy.random.Generator or int or None

    Returns
    -------
    X_tilde : ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        If ``kind`` is unknown or ``level`` out of range for it.
    """
    check_choice(kind, "kind", CORRUPTIONS)
    if kind == "gaussian":
        return gaussian_corruption(X, level, rng)
    return masking_corruption(X, level, rng)
