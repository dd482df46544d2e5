r"""The contractive autoencoder as plain functions on arrays.

This is the layer the tutorials teach from: each function is one step of
the derivation, in the symbols of the package docstring. Parameters travel
as a dict of named arrays::

    params = {"W": (n_features, n_hidden), "b": (n_hidden,),
              "c": (n_features,)}                       # tied: W' = W.T
    params["W_prime"] = (n_hidden, n_features)          # untied only

Conventions: every loss is a sum over features for one example; the
objective of a batch is the **mean** of its examples' objectives, ``lam``
weighs one example's penalty, and every gradient returned is the gradient of
that mean.
"""

from dataclasses import dataclass

import numpy as np

from .activations import activate, first_derivative, second_derivative
from .losses import (
    check_loss_and_decoder,
    decoder_output,
    reconstruction_gradient,
    reconstruction_loss,
)


@dataclass
class ForwardPass:
    """Every intermediate of one forward pass, kept for the backward pass.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        Encoder input.
    A : ndarray of shape (n_samples, n_hidden)
        Encoder pre-activation ``X W + b``.
    H : ndarray of shape (n_samples, n_hidden)
        Code ``s(A)``.
    Z : ndarray of shape (n_samples, n_features)
        Decoder pre-activation ``H W_prime + c``.
    R : ndarray of shape (n_samples, n_features)
        Reconstruction ``sigmoid(Z)`` (or ``Z`` for a linear decoder).
    """

    X: np.ndarray
    A: np.ndarray
    H: np.ndarray
    Z: np.ndarray
    R: np.ndarray


def init_weight_bound(n_features, n_hidden, activation="sigmoid"):
    r"""Half-width of the uniform initialisation of ``W``.

    Parameters
    ----------
    n_features : int
    n_hidden : int
    activation : {"sigmoid", "tanh", "linear"}

    Returns
    -------
    float

    Notes
    -----
    Glorot and Bengio (2010) give :math:`\sqrt{6 / (D + H)}` for tanh; the
    sigmoid, whose slope at 0 is a quarter of tanh's, gets four times that,
    as in the CAE paper's reference code:

    .. math::

        W_{ij} \sim \mathcal{U}\Big(-4\sqrt{\tfrac{6}{D + H}},
                                     4\sqrt{\tfrac{6}{D + H}}\Big).
    """
    bound = np.sqrt(6.0 / (n_features + n_hidden))
    return 4.0 * bound if activation == "sigmoid" else bound


def init_parameters(n_features, n_hidden, *, tied=True, rng=None,
                    dtype=np.float64, activation="sigmoid"):
    r"""Draw initial parameters.

    Parameters
    ----------
    n_features : int
        Input size D.
    n_hidden : int
        Code size H.
    tied : bool, default=True
        If False, also draw a decoder matrix ``W_prime``.
    rng : numpy.random.Generator or int or None
        Source of randomness (a seed is turned into a Generator).
    dtype : {numpy.float32, numpy.float64}
    activation : {"sigmoid", "tanh", "linear"}
        Sets the width of the initial weights (see
        :func:`init_weight_bound`).

    Returns
    -------
    params : dict of str to ndarray
        ``W`` of shape (n_features, n_hidden), ``b`` of shape (n_hidden,)
        and ``c`` of shape (n_features,) (biases zero); untied models also
        hold ``W_prime`` of shape (n_hidden, n_features).
    """
    rng = np.random.default_rng(rng)
    bound = init_weight_bound(n_features, n_hidden, activation)
    params = {
        "W": rng.uniform(-bound, bound, (n_features, n_hidden)).astype(dtype),
        "b": np.zeros(n_hidden, dtype=dtype),
        "c": np.zeros(n_features, dtype=dtype),
    }
    if not tied:
        params["W_prime"] = rng.uniform(
            -bound, bound, (n_hidden, n_features)).astype(dtype)
    return params


def decoder_weights(params):
    """The decoder matrix: ``W_prime`` if the model has one, else ``W.T``.

    Parameters
    ----------
    params : dict of str to ndarray

    Returns
    -------
    ndarray of shape (n_hidden, n_features)
        A view of ``W`` when tied, so it always follows the current ``W``.
    """
    if "W_prime" in params:
        return params["W_prime"]
    return params["W"].T


def encode(params, X, activation="sigmoid"):
    r"""Code of each example: ``H = s(X W + b)``.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Returns
    -------
    H : ndarray of shape (n_samples, n_hidden)

    Notes
    -----
    .. math::  h = s(x W + b)
    """
    return activate(X @ params["W"] + params["b"], activation)


def decode(params, H, decoder="sigmoid"):
    r"""Reconstruction from codes: ``R = sigmoid(H W_prime + c)``.

    Parameters
    ----------
    params : dict of str to ndarray
    H : ndarray of shape (n_samples, n_hidden)
    decoder : {"sigmoid", "linear"}, default="sigmoid"

    Returns
    -------
    R : ndarray of shape (n_samples, n_features)

    Notes
    -----
    .. math::  r = \sigma(h W' + c), \qquad W' = W^\top \text{ when tied.}
    """
    return decoder_output(H @ decoder_weights(params) + params["c"], decoder)


def forward(params, X, activation="sigmoid", decoder="sigmoid"):
    r"""Run encoder and decoder and keep every intermediate.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    decoder : {"sigmoid", "linear"}, default="sigmoid"

    Returns
    -------
    ForwardPass
        ``X``, ``A``, ``H``, ``Z`` and ``R``.
    """
    A = X @ params["W"] + params["b"]
    H = activate(A, activation)

    Z = H @ decoder_weights(params) + params["c"]
    R = decoder_output(Z, decoder)

    return ForwardPass(X=X, A=A, H=H, Z=Z, R=R)


def jacobian(params, X, activation="sigmoid"):
    r"""The encoder's Jacobian ``dH/dX`` for every example, explicitly.

    For teaching and analysis only: training never forms this tensor.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Returns
    -------
    J : ndarray of shape (n_samples, n_hidden, n_features)
        ``J[n, j, i]`` is the derivative of ``H[n, j]`` with respect to
        ``X[n, i]``.

    Notes
    -----
    Differentiating :math:`h_j = s(\sum_i x_i W_{ij} + b_j)` by the chain
    rule,

    .. math::

        J_{ji} = \frac{\partial h_j}{\partial x_i} = s'(a_j) \, W_{ij}.
    """
    H = encode(params, X, activation)
    slope = first_derivative(H, activation)
    return slope[:, :, np.newaxis] * params["W"].T[np.newaxis, :, :]


def contraction_penalty(params, X, activation="sigmoid"):
    r"""Squared Frobenius norm of each example's encoder Jacobian.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Returns
    -------
    penalty : ndarray of shape (n_samples,)
        One value per example; the penalty of a batch is their mean.

    Notes
    -----
    Summing the squares of :math:`J_{ji} = s'(a_j) W_{ij}` over i first
    gives the closed form, which never forms J:

    .. math::

        \lVert J_h(x) \rVert_F^2 = \sum_j s'(a_j)^2 \sum_i W_{ij}^2
        \;\overset{\text{sigmoid}}{=}\;
        \sum_j \big(h_j (1 - h_j)\big)^2 \sum_i W_{ij}^2.
    """
    H = encode(params, X, activation)
    return penalty_from_code(params["W"], H, activation)


def penalty_from_code(W, H, activation="sigmoid"):
    r"""The closed-form contraction penalty, given codes already computed.

    Parameters
    ----------
    W : ndarray of shape (n_features, n_hidden)
    H : ndarray of shape (n_samples, n_hidden)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Returns
    -------
    penalty : ndarray of shape (n_samples,)

    Notes
    -----
    .. math::

        \lVert J_h(x) \rVert_F^2 = \sum_j s'(a_j)^2 \, w_j, \qquad
        w_j = \sum_i W_{ij}^2.
    """
    slope = first_derivative(H, activation)
    column_norms_sq = np.einsum("ij,ij->j", W, W)
    return (slope * slope) @ column_norms_sq


def contraction_gradients(W, H, activation="sigmoid"):
    r"""Gradient of the batch-mean contraction penalty (lambda = 1).

    Parameters
    ----------
    W : ndarray of shape (n_features, n_hidden)
    H : ndarray of shape (n_samples, n_hidden)
        Codes of the batch.
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Returns
    -------
    dA : ndarray of shape (n_samples, n_hidden)
        Derivative with respect to the encoder pre-activation; it reaches
        ``W`` and ``b`` through ``A = X W + b`` like the reconstruction's.
    dW_direct : ndarray of shape (n_features, n_hidden)
        Derivative through the explicit :math:`W_{ij}^2` of the penalty.

    Notes
    -----
    With :math:`P = \frac{1}{n}\sum_n \sum_j s'(a_{nj})^2 w_j` and
    :math:`w_j = \sum_i W_{ij}^2`, the two paths to the parameters are

    .. math::

        \frac{\partial P}{\partial a_{nj}}
            = \frac{2}{n} \, s'(a_{nj}) \, s''(a_{nj}) \, w_j,
        \qquad
        \frac{\partial P}{\partial W_{ij}}\Big|_{\text{direct}}
            = \frac{2}{n} \, W_{ij} \sum_n s'(a_{nj})^2.

    For the sigmoid, :math:`s' s'' = (h (1 - h))^2 (1 - 2 h)`.
    """
    n_samples = H.shape[0]
    slope = first_derivative(H, activation)
    curvature = second_derivative(H, activation)
    column_norms_sq = np.einsum("ij,ij->j", W, W)

    dA = (2.0 / n_samples) * slope * curvature * column_norms_sq

    dW_direct = (2.0 / n_samples) * W * np.sum(slope * slope, axis=0)

    return dA, dW_direct


def objective_and_gradients(params, X, lam=0.0, *, loss="cross_entropy",
                            decoder="sigmoid", activation="sigmoid",
                            X_target=None, penalties=()):
    r"""Objective of one batch and its gradient for every parameter.

    Parameters
    ----------
    params : dict of str to ndarray
        ``W``, ``b``, ``c`` and, for an untied model, ``W_prime``.
    X : ndarray of shape (n_samples, n_features)
        Encoder input.
    lam : float, default=0.0
        Weight of one example's contraction penalty.
    loss : {"cross_entropy", "squared_error"}, default="cross_entropy"
    decoder : {"sigmoid", "linear"}, default="sigmoid"
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    X_target : ndarray of shape (n_samples, n_features), optional
        What to reconstruct; ``X`` itself by default (a denoising
        autoencoder passes the clean input here and a corrupted ``X``).
    penalties : sequence of callables, default=()
        Further terms. Each is called as ``term(params, forward_pass,
        activation)`` and returns ``(value, dA, grads)``: its batch-mean
        value (weight included), its derivative with respect to ``A`` (or
        None) and a dict of direct parameter gradients.

    Returns
    -------
    objective : float
        Mean over the batch of reconstruction + lam * penalty (+ terms).
    grads : dict of str to ndarray
        One entry per parameter, each of that parameter's shape and dtype.
    parts : dict of str to float
        ``reconstruction`` (mean), ``penalty`` (mean squared Frobenius norm
        of J, before lam), ``jacobian_norm`` (mean Frobenius norm of J), and
        the value of each further term under its ``name``.

    Notes
    -----
    For a batch of n examples,

    .. math::

        \mathcal{J} = \frac{1}{n} \sum_n \Big[ L(x_n, r_n)
            + \lambda \sum_j s'(a_{nj})^2 \sum_i W_{ij}^2 \Big].

    Backward pass, from the decoder to the encoder:

    .. math::

        dZ = \tfrac{1}{n} \, \partial L / \partial Z, \quad
        dc = \textstyle\sum_n dZ, \quad
        dW' = H^\top dZ, \quad
        dH = dZ \, W'^\top,

        dA = dH \odot s'(A) + \lambda \, \partial P / \partial A, \quad
        db = \textstyle\sum_n dA, \quad
        dW = X^\top dA + \lambda \, \partial P / \partial W|_\text{direct}
             \; (+ \, dZ^\top H \text{ when tied}).

    Five matrix products in all; the (n, H, D) Jacobian is never formed.
    """
    check_loss_and_decoder(loss, decoder)
    lam = float(lam)
    n_samples = X.shape[0]
    target = X if X_target is None else X_target
    W = params["W"]
    fwd = forward(params, X, activation, decoder)

    reconstruction = reconstruction_loss(fwd.Z, fwd.R, target, loss)
    dZ = reconstruction_gradient(fwd.R, target, loss, decoder) / n_samples

    grads = {"c": np.sum(dZ, axis=0)}
    dH = dZ @ decoder_weights(params).T
    slope = first_derivative(fwd.H, activation)
    dA = dH * slope

    penalty = penalty_from_code(W, fwd.H, activation)
    dW = np.zeros_like(W)
    if lam != 0.0:
        dA_contraction, dW_contraction = contraction_gradients(
            W, fwd.H, activation)
        dA += lam * dA_contraction
        dW += lam * dW_contraction

    objective = float(np.mean(reconstruction) + lam * np.mean(penalty))
    parts = {
        "reconstruction": float(np.mean(reconstruction)),
        "penalty": float(np.mean(penalty)),
        "jacobian_norm": float(np.mean(np.sqrt(penalty))),
    }
    direct_grads = []
    for term in penalties:
        value, dA_term, grads_term = term(params, fwd, activation)
        objective += value
        parts[term.name] = value
        if dA_term is not None:
            dA += dA_term
        direct_grads.append(grads_term)

    # Tied: W is used twice, so it receives the decoder's share as well.
    if "W_prime" in params:
        grads["W_prime"] = fwd.H.T @ dZ
    else:
        dW += dZ.T @ fwd.H

    grads["W"] = dW + X.T @ dA
    grads["b"] = np.sum(dA, axis=0)
    for grads_term in direct_grads:
        for name, grad in grads_term.items():
            grads[name] = grads[name] + grad

    return objective, grads, parts
