r"""A training step at the speed of its matrix products.

:func:`numpycae.functional.objective_and_gradients` is the derivation
written out, one formula per line, and it stays the reference the tutorials
teach from. It is also about twice as slow as its own five matrix products,
because every line allocates fresh arrays of the batch's size (page faults)
and evaluates a few element-wise formulas more generally than training
needs. :class:`TrainingStep` computes **the same objective, parts and
gradients** with buffers allocated once and reused by every step, and with
the element-wise work arranged so that it costs little next to

.. math::

    A = X W, \quad Z = H W', \quad dW' = H^\top dZ \;(dZ^\top H
    \text{ when tied}), \quad dH = dZ \, W'^\top, \quad
    dW \mathrel{+}= X^\top dA.

What differs from the reference, and why it gives the same numbers:

* The cross-entropy's value is
  :math:`\sum \max(z, 0) + \sum \log(1 + e^{-|z|}) - \sum x z`, three sums
  of the terms the reference adds element by element, and
  :math:`e^{-|z|}` is computed once for the value and the sigmoid.
* The sigmoid is :math:`\max(e^{-|a|}, [a \ge 0]) / (1 + e^{-|a|})`: the
  numerator is 1 where :math:`a \ge 0` and :math:`e^{a}` where
  :math:`a < 0`, so this is the reference's stable two-branch form without
  a mask-driven ``where`` (slow in NumPy); no exponent is ever positive.
* Tied ``W`` receives :math:`dZ^\top H + X^\top dA` from **one** product:
  ``dZ`` and ``X`` are kept stacked in one buffer, ``H`` and ``dA`` in
  another, and :math:`[dZ; X]^\top [H; dA]` is that sum.
* The contraction's direct term :math:`W_{ij} g_j` is added to ``dW`` a
  block of rows at a time, so each block stays in cache.

``tests/test_fast.py`` checks the agreement with the reference to float64
rounding and the gradients against finite differences.
"""

import numpy as np

from .activations import ENCODER_ACTIVATIONS
from .losses import check_loss_and_decoder

# Rows of W per block when adding the contraction's direct term to dW:
# about 256 KiB of W per block, which stays in the L2 cache.
_BLOCK_BYTES = 1 << 18


class TrainingStep:
    r"""Objective and gradients of one batch, with preallocated buffers.

    Create one per model shape and call it once per minibatch; it computes
    what :func:`numpycae.functional.objective_and_gradients` computes for
    the same arguments (without extra penalty terms), in the same dtype.

    Parameters
    ----------
    n_features : int
        Input size D.
    n_hidden : int
        Code size H.
    batch_size : int
        Largest batch the step will see; smaller batches (the last of an
        epoch) use the first rows of the buffers.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float64
        Dtype of the parameters and the data.
    tied : bool, default=True
    loss : {"cross_entropy", "squared_error"}, default="cross_entropy"
    decoder : {"sigmoid", "linear"}, default="sigmoid"
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"

    Raises
    ------
    ValueError
        For an unknown or unsupported option, a size below 1 or a dtype
        other than float32 and float64.

    Notes
    -----
    Memory: the buffers hold one batch's activations a few times over
    (arrays of shape (batch_size, n_features) and (batch_size, n_hidden))
    and one set of gradients of the parameters' size; nothing has a size
    proportional to batch_size x n_hidden x n_features, and a call
    allocates only a few arrays of shape (batch_size,).

    The arrays in the returned ``grads`` are the step's own buffers: the
    next call overwrites them. Copy them to keep them.

    Examples
    --------
    >>> from numpycae.functional import init_parameters
    >>> params = init_parameters(6, 3, rng=0)
    >>> X = np.random.default_rng(1).uniform(size=(4, 6))
    >>> step = TrainingStep(6, 3, batch_size=4)
    >>> objective, grads, parts = step(params, X, lam=0.1)
    >>> sorted(grads)
    ['W', 'b', 'c']
    """

    def __init__(self, n_features, n_hidden, batch_size,
                 dtype=np.float64, *, tied=True, loss="cross_entropy",
                 decoder="sigmoid", activation="sigmoid"):
        check_loss_and_decoder(loss, decoder)
        if activation not in ENCODER_ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {ENCODER_ACTIVATIONS}, got "
                f"{activation!r}"
            )
        for name, value in [("n_features", n_features),
                            ("n_hidden", n_hidden),
                            ("batch_size", batch_size)]:
            if int(value) != value or value < 1:
                raise ValueError(
                    f"{name} must be an integer >= 1, got {value!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(
                f"dtype must be float32 or float64, got {dtype}")
        self.n_features, self.n_hidden = int(n_features), int(n_hidden)
        self.batch_size = int(batch_size)
        self.dtype = dtype
        self.tied, self.loss = bool(tied), loss
        self.decoder, self.activation = decoder, activation

        D, H, n = self.n_features, self.n_hidden, self.batch_size
        # Rows [0, m) hold Z, then dZ; rows [m, 2m) hold the input X.
        self._Z_and_X = np.empty((2 * n, D), dtype)
        # Rows [0, m) hold H; rows [m, 2m) hold A, then dH, then dA.
        self._H_and_A = np.empty((2 * n, H), dtype)
        self._scratch_D = [np.empty((n, D), dtype) for _ in range(2)]
        self._scratch_H = [np.empty((n, H), dtype) for _ in range(3)]
        self._mask_D = np.empty((n, D), bool)
        self._mask_H = np.empty((n, H), bool)
        self._column_norms_sq = np.empty(H, dtype)
        self._column_scale = np.empty(H, dtype)
        self._penalty = np.empty(n, dtype)
        block_rows = max(1, _BLOCK_BYTES // (H * dtype.itemsize))
        self._block = np.empty((min(block_rows, D), H), dtype)

        self.grads = {"W": np.empty((D, H), dtype),
                      "b": np.empty(H, dtype), "c": np.empty(D, dtype)}
        if not self.tied:
            self.grads["W_prime"] = np.empty((H, D), dtype)

    def workspace_bytes(self):
        """Bytes held by the step's buffers, gradients included.

        Returns
        -------
        int
        """
        arrays = [self._Z_and_X, self._H_and_A, *self._scratch_D,
                  *self._scratch_H, self._mask_D, self._mask_H,
                  self._column_norms_sq, self._column_scale, self._penalty,
                  self._block, *self.grads.values()]
        return sum(array.nbytes for array in arrays)

    def input_buffer(self, n_rows):
        """The buffer where a batch of ``n_rows`` rows is read from.

        Writing a batch here (for instance with ``numpy.take(X, rows,
        axis=0, out=step.input_buffer(len(rows)))``) and passing this array
        to the step saves one copy.

        Parameters
        ----------
        n_rows : int
            At most ``batch_size``.

        Returns
        -------
        ndarray of shape (n_rows, n_features)
            A view of the step's buffer.
        """
        return self._Z_and_X[n_rows:2 * n_rows]

    def __call__(self, params, X, lam=0.0, X_target=None):
        r"""Objective of one batch and its gradient for every parameter.

        Parameters
        ----------
        params : dict of str to ndarray
            ``W``, ``b``, ``c`` and, for an untied model, ``W_prime``, in
            the step's dtype.
        X : ndarray of shape (n_samples, n_features)
            Encoder input; n_samples at most ``batch_size``.
        lam : float, default=0.0
            Weight of one example's contraction penalty.
        X_target : ndarray of shape (n_samples, n_features), optional
            What to reconstruct; ``X`` itself by default.

        Returns
        -------
        objective : float
            Mean over the batch of reconstruction + lam * penalty.
        grads : dict of str to ndarray
            One entry per parameter; the step's buffers, overwritten by the
            next call.
        parts : dict of str to float
            ``reconstruction``, ``penalty`` and ``jacobian_norm``, batch
            means as in
            :func:`numpycae.functional.objective_and_gradients`.

        Raises
        ------
        ValueError
            If ``X`` does not fit the step's shape or dtype.
        """
        lam = float(lam)
        n_samples = self._check_batch(X, "X")
        X_in = self.input_buffer(n_samples)
        if X_in.ctypes.data != X.ctypes.data or X_in.shape != X.shape:
            np.copyto(X_in, X)
        target = X_in
        if X_target is not None:
            self._check_batch(X_target, "X_target", n_samples)
            target = X_target
        W, b, c = params["W"], params["b"], params["c"]
        W_prime = W.T if self.tied else params["W_prime"]

        H_and_dA = self._H_and_A[:2 * n_samples]
        H, A = H_and_dA[:n_samples], H_and_dA[n_samples:]
        np.matmul(X_in, W, out=A)
        A += b
        slope, slope_sq = self._encode(A, H, n_samples)

        column_norms_sq = np.einsum("ij,ij->j", W, W,
                                    out=self._column_norms_sq)
        penalty = np.matmul(slope_sq, column_norms_sq,
                            out=self._penalty[:n_samples])

        dZ_and_X = self._Z_and_X[:2 * n_samples]
        Z = dZ_and_X[:n_samples]
        np.matmul(H, W_prime, out=Z)
        Z += c
        reconstruction_sum = self._reconstruct(Z, target, n_samples)
        dZ = Z

        grads = self.grads
        np.sum(dZ, axis=0, out=grads["c"])
        dA = A
        np.matmul(dZ, W_prime.T, out=dA)
        dA *= slope
        if lam != 0.0:
            self._add_contraction_to_dA(dA, H, slope_sq, column_norms_sq,
                                        2.0 * lam / n_samples, n_samples)
        np.sum(dA, axis=0, out=grads["b"])

        # Tied: [dZ; X]^T [H; dA] = dZ^T H + X^T dA in a single product.
        if self.tied:
            np.matmul(dZ_and_X.T, H_and_dA, out=grads["W"])
        else:
            np.matmul(H.T, dZ, out=grads["W_prime"])
            np.matmul(X_in.T, dA, out=grads["W"])
        if lam != 0.0:
            scale = np.sum(slope_sq, axis=0, out=self._column_scale)
            scale *= 2.0 * lam / n_samples
            self._add_scaled_columns(grads["W"], W, scale)

        reconstruction = float(reconstruction_sum) / n_samples
        mean_penalty = float(np.mean(penalty))
        parts = {
            "reconstruction": reconstruction,
            "penalty": mean_penalty,
            "jacobian_norm": float(np.mean(np.sqrt(penalty))),
        }
        objective = reconstruction + lam * mean_penalty
        return objective, dict(grads), parts

    def _check_batch(self, X, name, n_samples=None):
        """Check a batch's shape and dtype against the step's.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        name : str
        n_samples : int, optional
            Required number of rows.

        Returns
        -------
        int
            Number of rows.

        Raises
        ------
        ValueError
        """
        shape_ok = (getattr(X, "ndim", 0) == 2
                    and X.shape[1] == self.n_features
                    and 1 <= X.shape[0] <= self.batch_size
                    and n_samples in (None, X.shape[0]))
        if not shape_ok or X.dtype != self.dtype:
            expected = n_samples or f"1 to {self.batch_size}"
            raise ValueError(
                f"{name} must be an ndarray of {expected} rows and "
                f"{self.n_features} columns of dtype {self.dtype}, got "
                f"shape {np.shape(X)} and dtype "
                f"{getattr(X, 'dtype', type(X).__name__)}"
            )
        return X.shape[0]

    def _encode(self, A, H, n_samples):
        r"""Code, slope and squared slope of the encoder, in the buffers.

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_hidden)
            Pre-activation (left unchanged).
        H : ndarray of shape (n_samples, n_hidden)
            Receives ``s(A)``.
        n_samples : int

        Returns
        -------
        slope : ndarray of shape (n_samples, n_hidden)
            :math:`s'(A)`.
        slope_sq : ndarray of shape (n_samples, n_hidden)
            :math:`s'(A)^2`.
        """
        slope = self._scratch_H[0][:n_samples]
        slope_sq = self._scratch_H[1][:n_samples]
        if self.activation == "sigmoid":
            exp_minus_abs = slope
            _exp_minus_abs(A, exp_minus_abs)
            _sigmoid_from_exp(A, exp_minus_abs, H,
                              self._mask_H[:n_samples])
            np.subtract(1.0, H, out=slope)
            slope *= H
        elif self.activation == "tanh":
            np.tanh(A, out=H)
            np.multiply(H, H, out=slope)
            np.subtract(1.0, slope, out=slope)
        else:
            np.copyto(H, A)
            slope.fill(1.0)
        np.multiply(slope, slope, out=slope_sq)
        return slope, slope_sq

    def _reconstruct(self, Z, target, n_samples):
        r"""Sum of the reconstruction loss; turns ``Z`` into ``dZ``.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_features)
            Decoder pre-activation; overwritten with ``dZ``, the derivative
            of the batch-mean loss.
        target : ndarray of shape (n_samples, n_features)
        n_samples : int

        Returns
        -------
        float
            The loss summed over features and examples.

        Notes
        -----
        .. math::

            \text{cross-entropy:}\quad
            \sum \max(z, 0) + \sum \log(1 + e^{-|z|}) - \sum x z,
            \qquad dZ = (r - x) / n;

            \text{squared:}\quad \sum (r - x)^2, \qquad
            dZ = 2 (r - x)\, r (1 - r) / n \;\text{ or }\; 2 (r - x) / n.
        """
        first, second = (buffer[:n_samples] for buffer in self._scratch_D)
        if self.decoder == "linear":
            residual = np.subtract(Z, target, out=first)
            total = np.sum(np.multiply(residual, residual, out=second))
            np.multiply(residual, 2.0 / n_samples, out=Z)
            return total

        exp_minus_abs, R = first, second
        _exp_minus_abs(Z, exp_minus_abs)
        if self.loss == "cross_entropy":
            total = (np.sum(np.log1p(exp_minus_abs, out=R))
                     + np.sum(np.maximum(Z, 0.0, out=R))
                     - np.sum(np.multiply(target, Z, out=R)))
            _sigmoid_from_exp(Z, exp_minus_abs, R, self._mask_D[:n_samples])
            np.subtract(R, target, out=Z)
            Z *= 1.0 / n_samples
            return total

        _sigmoid_from_exp(Z, exp_minus_abs, R, self._mask_D[:n_samples])
        residual = np.subtract(R, target, out=first)
        total = np.sum(np.multiply(residual, residual, out=Z))
        np.subtract(1.0, R, out=Z)
        Z *= R
        Z *= residual
        Z *= 2.0 / n_samples
        return total

    def _add_contraction_to_dA(self, dA, H, slope_sq, column_norms_sq,
                               scale, n_samples):
        r"""Add the penalty's derivative with respect to ``A`` to ``dA``.

        Parameters
        ----------
        dA : ndarray of shape (n_samples, n_hidden)
            Updated in place.
        H : ndarray of shape (n_samples, n_hidden)
        slope_sq : ndarray of shape (n_samples, n_hidden)
            :math:`s'(A)^2`.
        column_norms_sq : ndarray of shape (n_hidden,)
            :math:`w_j = \sum_i W_{ij}^2`.
        scale : float
            :math:`2 \lambda / n`.
        n_samples : int

        Notes
        -----
        .. math::

            dA_{nj} \mathrel{+}= \frac{2\lambda}{n} s' s''\, w_j, \qquad
            s' s'' = \begin{cases}
                s'^2 (1 - 2h) & \text{sigmoid} \\
                -2 h \, s'^2 & \text{tanh} \\
                0 & \text{linear.}
            \end{cases}
        """
        if self.activation == "linear":
            return
        term = self._scratch_H[2][:n_samples]
        if self.activation == "sigmoid":
            np.multiply(H, -2.0, out=term)
            term += 1.0
        else:
            np.multiply(H, -2.0, out=term)
        term *= slope_sq
        weights = np.multiply(column_norms_sq, scale,
                              out=self._column_scale)
        term *= weights
        dA += term

    def _add_scaled_columns(self, dW, W, scale):
        r"""``dW += W * scale``, a block of rows at a time.

        Parameters
        ----------
        dW : ndarray of shape (n_features, n_hidden)
            Updated in place.
        W : ndarray of shape (n_features, n_hidden)
        scale : ndarray of shape (n_hidden,)
            :math:`g_j = \frac{2\lambda}{n} \sum_n s'(a_{nj})^2`, the
            direct term's factor for column j.
        """
        block_rows = self._block.shape[0]
        for start in range(0, W.shape[0], block_rows):
            stop = min(start + block_rows, W.shape[0])
            block = self._block[:stop - start]
            np.multiply(W[start:stop], scale, out=block)
            dW[start:stop] += block


def _exp_minus_abs(A, out):
    r"""Write :math:`e^{-|a|}` of every entry of ``A`` to ``out``.

    Parameters
    ----------
    A : ndarray of any shape
    out : ndarray of the same shape and dtype

    Returns
    -------
    out : ndarray
        Values in (0, 1]: the exponent is never positive.
    """
    np.abs(A, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


def _sigmoid_from_exp(A, exp_minus_abs, out, nonnegative):
    r"""Sigmoid of ``A`` from :math:`e^{-|a|}`, silent for any input.

    Parameters
    ----------
    A : ndarray of any shape
        Pre-activation.
    exp_minus_abs : ndarray of the same shape
        :math:`e^{-|a|}`; overwritten with :math:`1 + e^{-|a|}`.
    out : ndarray of the same shape
        Receives :math:`\sigma(a)`; must not share memory with ``A``.
    nonnegative : ndarray of bool, same shape
        Scratch for :math:`[a \ge 0]`.

    Returns
    -------
    out : ndarray

    Notes
    -----
    .. math::

        \sigma(a) = \frac{\max(e^{-|a|}, [a \ge 0])}{1 + e^{-|a|}},

    whose numerator is 1 for :math:`a \ge 0` and :math:`e^{a}` for
    :math:`a < 0`, the two branches of
    :func:`numpycae.activations.sigmoid`.
    """
    np.greater_equal(A, 0.0, out=nonnegative)
    np.maximum(exp_minus_abs, nonnegative, out=out)
    exp_minus_abs += 1.0
    return np.divide(out, exp_minus_abs, out=out)
