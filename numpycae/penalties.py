r"""Further terms of the objective: the penalties of the rival autoencoders.

Each term plugs into
:func:`numpycae.functional.objective_and_gradients` through its
``penalties=`` argument. A term is a callable object with a ``name``; it is
called once per batch as ``term(params, forward_pass, activation)`` and
returns ``(value, dA, grads)``:

``value`` : float
    Its value for the batch, weight included, at the objective's scale
    (a mean over the batch where the term is a sum of per-example values).
``dA`` : ndarray of shape (n_samples, n_hidden) or None
    Its derivative with respect to the encoder pre-activation ``A``
    (the 1/n of the batch mean already included); the objective sends it
    on to ``W`` and ``b`` through ``A = X W + b``.
``grads`` : dict of str to ndarray
    Its derivatives through paths other than ``A`` (for example through the
    explicit :math:`W_{ij}^2` of a weight decay), keyed by parameter name.

Terms here:

=====================  ======================================  ===========
term                   value for a batch of n examples         activations
=====================  ======================================  ===========
:class:`WeightDecay`   beta * (sum W^2 [+ sum W_prime^2])      any
:class:`Sparsity`      beta * sum_j KL(rho || mean_n h_nj)     sigmoid
:class:`HigherOrder    gamma * mean_n mean_k                   any
Contraction`           ||J_h(x_n) - J_h(x_n + eps_nk)||_F^2
=====================  ======================================  ===========

The contraction penalty of the CAE itself is built into the objective (its
``lam``); the denoising autoencoder is not a term but a corrupted input
with a clean target (see :mod:`numpycae.corruption`).
"""

import numpy as np

from .activations import (
    ENCODER_ACTIVATIONS,
    activate,
    first_derivative,
    second_derivative,
)
from .validation import check_positive_int, check_real


class WeightDecay:
    r"""L2 weight decay: beta times the sum of the squared weights.

    Parameters
    ----------
    beta : float
        Weight of the term, >= 0.

    Notes
    -----
    The decayed weights are every weight **matrix** of the model: ``W``,
    and ``W_prime`` when the decoder is untied (a tied model has one
    matrix, counted once). Biases are not decayed, as is usual: they set
    no scale of the map and shrinking them would only bias the code.

    .. math::

        \Omega = \beta \Big(\sum_{ij} W_{ij}^2
                 \;[+ \sum_{ji} W'^2_{ji}]\Big),
        \qquad
        \frac{\partial \Omega}{\partial W} = 2 \beta W.

    The term does not depend on the examples, so the mean over the batch of
    a per-example decay is this value itself, whatever the batch size.

    With a linear encoder the contraction penalty of every example is
    :math:`\sum_j \sum_i W_{ij}^2`, exactly the decay of ``W`` with
    :math:`\beta = \lambda`: the CAE generalises weight decay.
    """

    name = "weight_decay"

    def __init__(self, beta):
        self.beta = check_real(beta, "beta", low=0.0)

    def __call__(self, params, forward_pass, activation):
        """Value and gradients of the decay (see the class docstring).

        Parameters
        ----------
        params : dict of str to ndarray
        forward_pass : numpycae.functional.ForwardPass
            Unused: the decay does not depend on the batch.
        activation : str
            Unused.

        Returns
        -------
        value : float
        dA : None
        grads : dict of str to ndarray
            ``W`` (and ``W_prime`` when untied), each ``2 beta`` times the
            matrix.
        """
        value = 0.0
        grads = {}
        for name in ("W", "W_prime"):
            if name in params:
                matrix = params[name]
                value += self.beta * float(np.sum(matrix * matrix))
                grads[name] = (2.0 * self.beta) * matrix
        return value, None, grads


def kl_divergence(rho, rho_hat):
    r"""KL divergence between Bernoulli(rho) and Bernoulli(rho_hat).

    Parameters
    ----------
    rho : float
        Target mean activation, in (0, 1).
    rho_hat : ndarray of shape (n_hidden,)
        Observed mean activations, in (0, 1).

    Returns
    -------
    ndarray of shape (n_hidden,)

    Notes
    -----
    .. math::

        \mathrm{KL}(\rho \,\|\, \hat\rho) = \rho \log\frac{\rho}{\hat\rho}
            + (1 - \rho) \log\frac{1 - \rho}{1 - \hat\rho}.
    """
    return (rho * np.log(rho / rho_hat)
            + (1.0 - rho) * np.log((1.0 - rho) / (1.0 - rho_hat)))


class Sparsity:
    r"""Sparsity penalty: KL divergence of a target from mean activations.

    Parameters
    ----------
    beta : float
        Weight of the term, >= 0.
    rho : float, default=0.05
        Target mean activation of every hidden unit, in (0, 1).

    Raises
    ------
    ValueError
        When called with an encoder other than the sigmoid: the KL form
        reads mean activations as probabilities in (0, 1), which tanh and
        linear codes are not.

    Notes
    -----
    With :math:`\hat\rho_j = \frac{1}{n} \sum_n h_{nj}` the mean activation
    of unit j over the **batch**,

    .. math::

        \Omega = \beta \sum_j \mathrm{KL}(\rho \,\|\, \hat\rho_j),
        \qquad
        \frac{\partial \Omega}{\partial a_{nj}}
            = \frac{\beta}{n}
              \Big(-\frac{\rho}{\hat\rho_j}
                   + \frac{1 - \rho}{1 - \hat\rho_j}\Big) s'(a_{nj}).

    "Mean over the batch" applies inside the KL, not outside: the term is
    a function of the batch means :math:`\hat\rho_j`, not a mean of
    per-example values. So a batch of one row repeated gives the same
    value and gradient as the row alone, but a batch of different rows
    does **not** give the mean of their single-row values or gradients
    (KL is convex in :math:`\hat\rho`). Larger batches estimate the data
    set's mean activation better.

    The mean activations are clipped to
    :math:`[\epsilon, 1 - \epsilon]` (:math:`\epsilon` the dtype's
    machine epsilon) before the logarithms, so a unit whose sigmoid
    output rounds to exactly 0 or 1 over the whole batch gives a large
    finite value rather than a log(0) warning; the gradient there is that
    of the clipped point.

    References
    ----------
    Ng, "Sparse autoencoder", CS294A lecture notes, Stanford, 2011.
    """

    name = "sparsity"

    def __init__(self, beta, rho=0.05):
        self.beta = check_real(beta, "beta", low=0.0)
        self.rho = check_real(rho, "rho", low=0.0, low_open=True)
        if self.rho >= 1.0:
            raise ValueError(f"rho must be < 1.0, got {rho!r}")

    def __call__(self, params, forward_pass, activation):
        """Value and derivative of the sparsity penalty of one batch.

        Parameters
        ----------
        params : dict of str to ndarray
        forward_pass : numpycae.functional.ForwardPass
            Supplies the codes ``H`` of the batch.
        activation : str
            Must be "sigmoid".

        Returns
        -------
        value : float
        dA : ndarray of shape (n_samples, n_hidden)
        grads : dict
            Empty: the term reaches the parameters only through ``A``.
        """
        check_sparsity_activation(activation)
        H = forward_pass.H
        n_samples = H.shape[0]
        eps = np.finfo(H.dtype).eps
        rho_hat = np.clip(np.mean(H, axis=0), eps, 1.0 - eps)

        value = self.beta * float(np.sum(kl_divergence(self.rho, rho_hat)))

        dKL_drho_hat = (-self.rho / rho_hat
                        + (1.0 - self.rho) / (1.0 - rho_hat))
        dA = ((self.beta / n_samples) * dKL_drho_hat
              * first_derivative(H, activation))
        return value, dA.astype(H.dtype, copy=False), {}


def check_sparsity_activation(activation):
    """Refuse a sparsity penalty on an encoder whose codes are not in (0, 1).

    Parameters
    ----------
    activation : str

    Raises
    ------
    ValueError
        Unless ``activation`` is "sigmoid".
    """
    if activation != "sigmoid":
        raise ValueError(
            f"the sparsity penalty (KL divergence of mean activations) "
            f"needs activation='sigmoid', whose codes lie in (0, 1); got "
            f"activation={activation!r}"
        )


def gaussian_noise(rng, n_corrupted, shape, sigma, dtype=np.float64):
    r"""Draw the noise of the higher-order contraction for one batch.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the noise; the same generator state gives the same noise.
    n_corrupted : int
        Number of corrupted copies :math:`n_c` of each example.
    shape : tuple of int
        (n_samples, n_features), the batch's shape.
    sigma : float
        Standard deviation, > 0.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float64

    Returns
    -------
    noise : ndarray of shape (n_corrupted, n_samples, n_features)
        :math:`\epsilon_{kn} \sim \mathcal{N}(0, \sigma^2 I)`.
    """
    n_corrupted = check_positive_int(n_corrupted, "n_corrupted")
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    standard = rng.standard_normal((n_corrupted, *shape), dtype=dtype)
    return standard * np.asarray(sigma, dtype=dtype)


class HigherOrderContraction:
    r"""The CAE+H curvature penalty, with its noise held in the term.

    Parameters
    ----------
    gamma : float
        Weight of the term, >= 0.
    noise : ndarray of shape (n_corrupted, n_samples, n_features)
        The perturbations :math:`\epsilon_{kn}`: copy k of example n is
        :math:`\tilde x_{kn} = x_n + \epsilon_{kn}`. Draw it with
        :func:`gaussian_noise`; holding it fixed makes the term a
        deterministic function of the parameters (for finite differences).

    Raises
    ------
    ValueError
        When called on a batch whose shape does not match ``noise``.

    Notes
    -----
    Rifai, Mesnil, Vincent, Muller, Bengio, Dauphin and Glorot (ECML 2011)
    penalise the change of the Jacobian over a small neighbourhood, a
    stochastic stand-in for its derivative (the Hessian):

    .. math::

        \Omega = \frac{\gamma}{n \, n_c} \sum_n \sum_k
                 \lVert J_h(x_n) - J_h(\tilde x_{kn}) \rVert_F^2 .

    Both Jacobians have entries :math:`J_{ji} = s'(a_j) W_{ij}` with the
    **same** ``W``, so their difference is
    :math:`(s'(a_j) - s'(\tilde a_j)) W_{ij}` and, summing over i first,

    .. math::

        \lVert J_h(x) - J_h(\tilde x) \rVert_F^2
            = \sum_j \delta_j^2 w_j, \qquad
        \delta_j = s'(a_j) - s'(\tilde a_j), \quad
        w_j = \sum_i W_{ij}^2,

    with :math:`\tilde a = a + \epsilon W`. Its derivatives, with
    :math:`C = 2 \gamma / (n \, n_c)`:

    .. math::

        \frac{\partial \Omega}{\partial a_{nj}}
            &= C \, w_j \, s''(a_{nj}) \textstyle\sum_k \delta_{knj}
            \quad \text{(through } a\text{)},

        \frac{\partial \Omega}{\partial \tilde a_{knj}}
            &= -C \, w_j \, \delta_{knj} \, s''(\tilde a_{knj}),

        \frac{\partial \Omega}{\partial W_{ij}}\Big|_{w}
            &= C \, W_{ij} \textstyle\sum_{k, n} \delta_{knj}^2 .

    Since :math:`\tilde a_{kn} = x_n W + b + \epsilon_{kn} W`, the
    derivative at :math:`\tilde a` reaches ``W`` and ``b`` as a derivative
    at ``a`` would (so its sum over k is added to the returned ``dA``) plus
    a direct :math:`\epsilon^\top d\tilde A` on ``W``. The cost is that of
    encoding the :math:`n \, n_c` copies (products of size
    :math:`n \, n_c \times D \times H`); the
    (n_samples, n_hidden, n_features) Jacobians are never formed.

    For a linear encoder :math:`s' = 1`, so the term is 0: its Jacobian is
    the same everywhere.
    """

    name = "higher_order"

    def __init__(self, gamma, noise):
        self.gamma = check_real(gamma, "gamma", low=0.0)
        noise = np.asarray(noise)
        if noise.ndim != 3:
            raise ValueError(
                f"noise must have shape (n_corrupted, n_samples, "
                f"n_features), got shape {noise.shape}"
            )
        self.noise = noise

    def __call__(self, params, forward_pass, activation):
        r"""Value and gradients of the higher-order term for one batch.

        Parameters
        ----------
        params : dict of str to ndarray
        forward_pass : numpycae.functional.ForwardPass
            Supplies ``X``, ``A`` and ``H`` of the clean batch.
        activation : {"sigmoid", "tanh", "linear"}

        Returns
        -------
        value : float
        dA : ndarray of shape (n_samples, n_hidden)
        grads : dict of str to ndarray
            ``W``: the paths through :math:`w_j` and through
            :math:`\epsilon W`.
        """
        if activation not in ENCODER_ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {ENCODER_ACTIVATIONS}, got "
                f"{activation!r}"
            )
        X, H = forward_pass.X, forward_pass.H
        n_corrupted = self.noise.shape[0]
        if self.noise.shape[1:] != X.shape:
            raise ValueError(
                f"noise of shape {self.noise.shape} does not match the "
                f"batch of shape {X.shape}; expected (n_corrupted, "
                f"{X.shape[0]}, {X.shape[1]})"
            )
        W = params["W"]
        n_samples = X.shape[0]
        noise = self.noise.astype(X.dtype, copy=False)
        column_norms_sq = np.einsum("ij,ij->j", W, W)

        A_tilde = forward_pass.A + noise @ W
        H_tilde = activate(A_tilde, activation)
        delta = (first_derivative(H, activation)
                 - first_derivative(H_tilde, activation))

        squared = np.einsum("knj,knj->j", delta, delta)
        value = (self.gamma / (n_samples * n_corrupted)
                 * float(squared @ column_norms_sq))

        scale = 2.0 * self.gamma / (n_samples * n_corrupted)
        dA_clean = (scale * column_norms_sq * second_derivative(H, activation)
                    * np.sum(delta, axis=0))
        dA_tilde = (-scale * column_norms_sq * delta
                    * second_derivative(H_tilde, activation))

        dA = dA_clean + np.sum(dA_tilde, axis=0)
        n_features = X.shape[1]
        dW = (scale * W * squared
              + noise.reshape(-1, n_features).T
              @ dA_tilde.reshape(-1, W.shape[1]))
        return value, dA, {"W": dW}
