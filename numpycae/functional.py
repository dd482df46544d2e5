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

Checks: each public function validates its arguments first (see
:mod:`numpycae.validation`: ``X`` is converted to the parameters' dtype,
integer arrays, NaN and wrong shapes are refused) and checks its results
last, raising :class:`~numpycae.validation.NonFiniteError` where finite but
huge inputs overflowed; overflow warnings are switched off inside, since
that check replaces them. ``check_input=False`` skips both, for a loop that
has validated its data once (the estimator's training loop does).
"""

from dataclasses import dataclass

import numpy as np

from .activations import (
    ENCODER_ACTIVATIONS,
    activate,
    first_derivative,
    second_derivative,
)
from .losses import (
    DECODERS,
    check_loss_and_decoder,
    decoder_output,
    reconstruction_gradient,
    reconstruction_loss,
)
from .validation import (
    check_array,
    check_bool,
    check_choice,
    check_dtype,
    check_finite_result,
    check_generator,
    check_params,
    check_positive_int,
    check_real,
)

# The public functions check their results for NaN and infinity, so the
# warnings of an overflow on the way would only say the same thing twice.
_quiet_overflow = np.errstate(over="ignore", invalid="ignore",
                              divide="ignore")


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

    Raises
    ------
    TypeError
        If a size is not an integer, ``tied`` not a bool, ``dtype`` not
        float32/float64, or ``rng`` not a seed or Generator.
    ValueError
        If a size is below 1, a seed is negative or ``activation`` unknown.
    """
    n_features = check_positive_int(n_features, "n_features")
    n_hidden = check_positive_int(n_hidden, "n_hidden")
    tied = check_bool(tied, "tied")
    dtype = check_dtype(dtype)
    check_choice(activation, "activation", ENCODER_ACTIVATIONS)
    rng = check_generator(rng)
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


def _check_model_input(params, X, activation, decoder=None, *, name="X",
                       width_name="n_features"):
    """Validate parameters, options and one data array for them.

    Parameters
    ----------
    params : dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
        Or of shape (n_samples, n_hidden) with ``width_name="n_hidden"``.
    activation : str
    decoder : str, optional
    name : str, default="X"
    width_name : {"n_features", "n_hidden"}, default="n_features"

    Returns
    -------
    params : dict of str to ndarray
    X : ndarray
        Converted to the parameters' dtype.

    Raises
    ------
    TypeError, ValueError
        See :func:`numpycae.validation.check_params` and
        :func:`numpycae.validation.check_array`.
    """
    params = check_params(params)
    check_choice(activation, "activation", ENCODER_ACTIVATIONS)
    if decoder is not None:
        check_choice(decoder, "decoder", DECODERS)
    W = params["W"]
    width = W.shape[0] if width_name == "n_features" else W.shape[1]
    X = check_array(X, name, n_features=width, dtype=W.dtype,
                    width_name=width_name)
    return params, X


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


@_quiet_overflow
def encode(params, X, activation="sigmoid", *, check_input=True):
    r"""Code of each example: ``H = s(X W + b)``.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    check_input : bool, default=True
        Validate the arguments and the result (see the module docstring).

    Returns
    -------
    H : ndarray of shape (n_samples, n_hidden)

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`).
    NonFiniteError
        If finite but huge inputs overflowed.

    Notes
    -----
    .. math::  h = s(x W + b)
    """
    if check_input:
        params, X = _check_model_input(params, X, activation)

    H = activate(X @ params["W"] + params["b"], activation)

    if check_input:
        check_finite_result("encode", H=H)
    return H


@_quiet_overflow
def decode(params, H, decoder="sigmoid", *, check_input=True):
    r"""Reconstruction from codes: ``R = sigmoid(H W_prime + c)``.

    Parameters
    ----------
    params : dict of str to ndarray
    H : ndarray of shape (n_samples, n_hidden)
    decoder : {"sigmoid", "linear"}, default="sigmoid"
    check_input : bool, default=True
        Validate the arguments and the result (see the module docstring).

    Returns
    -------
    R : ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`).
    NonFiniteError
        If finite but huge inputs overflowed.

    Notes
    -----
    .. math::  r = \sigma(h W' + c), \qquad W' = W^\top \text{ when tied.}
    """
    if check_input:
        params, H = _check_model_input(params, H, "sigmoid", decoder,
                                       name="H", width_name="n_hidden")

    R = decoder_output(H @ decoder_weights(params) + params["c"], decoder)

    if check_input:
        check_finite_result("decode", R=R)
    return R


@_quiet_overflow
def forward(params, X, activation="sigmoid", decoder="sigmoid", *,
            check_input=True):
    r"""Run encoder and decoder and keep every intermediate.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    decoder : {"sigmoid", "linear"}, default="sigmoid"
    check_input : bool, default=True
        Validate the arguments and the result (see the module docstring).

    Returns
    -------
    ForwardPass
        ``X``, ``A``, ``H``, ``Z`` and ``R``.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`).
    NonFiniteError
        If finite but huge inputs overflowed.
    """
    if check_input:
        params, X = _check_model_input(params, X, activation, decoder)

    A = X @ params["W"] + params["b"]
    H = activate(A, activation)

    Z = H @ decoder_weights(params) + params["c"]
    R = decoder_output(Z, decoder)

    if check_input:
        check_finite_result("forward", A=A, H=H, Z=Z, R=R)
    return ForwardPass(X=X, A=A, H=H, Z=Z, R=R)


@_quiet_overflow
def jacobian(params, X, activation="sigmoid", *, check_input=True):
    r"""The encoder's Jacobian ``dH/dX`` for every example, explicitly.

    For teaching and analysis only: training never forms this tensor.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    check_input : bool, default=True
        Validate the arguments and the result (see the module docstring).

    Returns
    -------
    J : ndarray of shape (n_samples, n_hidden, n_features)
        ``J[n, j, i]`` is the derivative of ``H[n, j]`` with respect to
        ``X[n, i]``.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`).
    NonFiniteError
        If finite but huge inputs overflowed.

    Notes
    -----
    Differentiating :math:`h_j = s(\sum_i x_i W_{ij} + b_j)` by the chain
    rule,

    .. math::

        J_{ji} = \frac{\partial h_j}{\partial x_i} = s'(a_j) \, W_{ij}.
    """
    if check_input:
        params, X = _check_model_input(params, X, activation)

    H = encode(params, X, activation, check_input=False)
    slope = first_derivative(H, activation)
    J = slope[:, :, np.newaxis] * params["W"].T[np.newaxis, :, :]

    if check_input:
        check_finite_result("jacobian", J=J)
    return J


@_quiet_overflow
def contraction_penalty(params, X, activation="sigmoid", *,
                        check_input=True):
    r"""Squared Frobenius norm of each example's encoder Jacobian.

    Parameters
    ----------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
    check_input : bool, default=True
        Validate the arguments and the result (see the module docstring).

    Returns
    -------
    penalty : ndarray of shape (n_samples,)
        One value per example; the penalty of a batch is their mean.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`).
    NonFiniteError
        If finite but huge inputs overflowed.

    Notes
    -----
    Summing the squares of :math:`J_{ji} = s'(a_j) W_{ij}` over i first
    gives the closed form, which never forms J:

    .. math::

        \lVert J_h(x) \rVert_F^2 = \sum_j s'(a_j)^2 \sum_i W_{ij}^2
        \;\overset{\text{sigmoid}}{=}\;
        \sum_j \big(h_j (1 - h_j)\big)^2 \sum_i W_{ij}^2.
    """
    if check_input:
        params, X = _check_model_input(params, X, activation)

    H = encode(params, X, activation, check_input=False)
    penalty = penalty_from_code(params["W"], H, activation)

    if check_input:
        check_finite_result("contraction_penalty", penalty=penalty)
    return penalty


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


@_quiet_overflow
def objective_and_gradients(params, X, lam=0.0, *, loss="cross_entropy",
                            decoder="sigmoid", activation="sigmoid",
                            X_target=None, penalties=(), check_input=True):
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
    check_input : bool, default=True
        Validate the arguments and the results (see the module docstring).
        The checks cost a few passes over ``X`` and the parameters, small
        beside the five matrix products; a training loop that validated
        its data once passes False.

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

    Raises
    ------
    TypeError, ValueError
        For invalid arguments (see :mod:`numpycae.validation`); under the
        cross-entropy the targets must lie in [0, 1].
    NonFiniteError
        If finite but huge inputs made the objective or a gradient
        overflow.

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
    if check_input:
        params, X, X_target, penalties = _check_objective_input(
            params, X, lam, loss, decoder, activation, X_target, penalties)
    lam = float(lam)
    n_samples = X.shape[0]
    target = X if X_target is None else X_target
    W = params["W"]
    fwd = forward(params, X, activation, decoder, check_input=False)

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

    if check_input:
        check_finite_result("objective_and_gradients", objective=objective,
                            **{f"d{name}": grad
                               for name, grad in grads.items()})
    return objective, grads, parts


def _check_objective_input(params, X, lam, loss, decoder, activation,
                           X_target, penalties):
    """Validate the arguments of :func:`objective_and_gradients`.

    Parameters
    ----------
    params : dict of str to ndarray
    X : array-like of shape (n_samples, n_features)
    lam : float
    loss, decoder, activation : str
    X_target : array-like of shape (n_samples, n_features) or None
    penalties : sequence of callables

    Returns
    -------
    params : dict of str to ndarray
    X : ndarray of shape (n_samples, n_features)
        In the parameters' dtype.
    X_target : ndarray of shape (n_samples, n_features) or None
        In the parameters' dtype.
    penalties : tuple of callables
        A tuple, so that a generator is not used up by the check.

    Raises
    ------
    TypeError, ValueError
    """
    check_loss_and_decoder(loss, decoder)
    check_real(lam, "lam", low=0.0)
    params, X = _check_model_input(params, X, activation)
    unit_interval = loss == "cross_entropy"
    if X_target is None:
        if unit_interval:
            check_array(X, "X", unit_interval=True)
    else:
        X_target = check_array(X_target, "X_target",
                               n_features=X.shape[1],
                               unit_interval=unit_interval,
                               dtype=X.dtype)
        if X_target.shape != X.shape:
            raise ValueError(
                f"X_target must have the shape of X {X.shape}, got "
                f"{X_target.shape}"
            )
    try:
        penalties = tuple(penalties)
    except TypeError:
        raise TypeError(
            f"penalties must be a sequence of penalty terms (e.g. "
            f"[WeightDecay(1e-4)], or () for none), got {penalties!r}"
        ) from None
    for term in penalties:
        if not callable(term) or not isinstance(
                getattr(term, "name", None), str):
            raise TypeError(
                f"each penalty term must be callable and have a str "
                f"attribute name, got {term!r}"
            )
    return params, X, X_target, penalties
