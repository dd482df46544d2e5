r"""The scikit-learn-style face of numpycae: :class:`ContractiveAutoencoder`.

The estimator holds hyper-parameters (set in the constructor, checked at the
start of :meth:`~ContractiveAutoencoder.fit`) and learned parameters (whose
names end in an underscore), and delegates every formula to
:mod:`numpycae.functional`.
"""

import json
import os
import tempfile

import numpy as np

from .activations import ENCODER_ACTIVATIONS
from .corruption import CORRUPTIONS, corrupt
from .functional import (
    contraction_penalty,
    decode,
    encode,
    forward,
    init_parameters,
    jacobian,
    objective_and_gradients,
)
from .losses import DECODERS, LOSSES, check_loss_and_decoder
from .optim import OPTIMIZERS, make_optimizer
from .penalties import (
    HigherOrderContraction,
    Sparsity,
    WeightDecay,
    check_sparsity_activation,
    gaussian_noise,
)
from .training import (
    EpochMeter,
    as_history_arrays,
    empty_history,
    format_epoch_line,
    minibatch_indices,
)
from .validation import check_array, check_choice, check_positive_int
from .validation import check_real

FORMAT_VERSION = 1

HYPERPARAMETERS = ("n_hidden", "lam", "tied", "loss", "decoder",
                   "activation", "optimizer", "learning_rate", "momentum",
                   "n_epochs", "batch_size", "random_state", "verbose",
                   "weight_decay", "sparsity_weight", "sparsity_target",
                   "corruption", "corruption_level", "higher_order_weight",
                   "higher_order_sigma", "n_corrupted")


class ContractiveAutoencoder:
    r"""Contractive autoencoder trained by minibatch gradient descent.

    Parameters
    ----------
    n_hidden : int, default=100
        Number of hidden units (code size).
    lam : float, default=0.1
        Weight lambda of one example's contraction penalty
        ``||J_h(x)||_F^2``; 0 gives a plain autoencoder.
    tied : bool, default=True
        Decode with ``W.T`` (the paper's setting) or with a separate matrix
        ``W_prime``.
    loss : {"cross_entropy", "squared_error"}, default="cross_entropy"
        Reconstruction loss, summed over features.
    decoder : {"sigmoid", "linear"}, default="sigmoid"
        Output of the decoder; the cross-entropy needs "sigmoid".
    activation : {"sigmoid", "tanh", "linear"}, default="sigmoid"
        Encoder activation.
    optimizer : {"sgd", "momentum", "adam"}, default="adam"
    learning_rate : float, default=1e-3
    momentum : float, default=0.9
        Used by ``optimizer="momentum"``.
    n_epochs : int, default=20
    batch_size : int, default=64
        The last batch of an epoch holds the remainder.
    random_state : int or None, default=None
        Seed of the generator that initialises the weights and shuffles each
        epoch; the same seed gives the same parameters bit for bit.
    verbose : int, default=0
        If positive, print one line per epoch (and progress lines within
        long epochs).
    weight_decay : float, default=0.0
        Weight beta of the L2 decay ``beta * sum(W**2)`` (plus
        ``sum(W_prime**2)`` when untied; biases are not decayed); see
        :class:`numpycae.penalties.WeightDecay`. 0 switches it off.
    sparsity_weight : float, default=0.0
        Weight beta of the sparsity penalty ``beta * sum_j KL(rho ||
        rho_hat_j)``, rho_hat_j the batch-mean activation of unit j; see
        :class:`numpycae.penalties.Sparsity`. Needs the sigmoid encoder.
        0 switches it off.
    sparsity_target : float, default=0.05
        Target mean activation rho, in (0, 1).
    corruption : {None, "gaussian", "masking"}, default=None
        Train as a denoising autoencoder: encode a corrupted copy of each
        batch, drawn afresh from the model's generator, and reconstruct
        the clean batch. The contraction and higher-order penalties, if
        on, are then taken at the corrupted inputs.
    corruption_level : float, default=0.0
        The noise's standard deviation sigma ("gaussian", >= 0) or the
        probability nu that an input is set to 0 ("masking", in [0, 1]).
    higher_order_weight : float, default=0.0
        Weight gamma of the CAE+H term ``gamma * mean_k ||J_h(x) -
        J_h(x + eps_k)||_F^2``; see
        :class:`numpycae.penalties.HigherOrderContraction`. 0 switches it
        off.
    higher_order_sigma : float, default=0.1
        Standard deviation of the CAE+H perturbations eps_k, > 0.
    n_corrupted : int, default=4
        Number of perturbed copies n_c of each example for CAE+H.

    Attributes
    ----------
    W_ : ndarray of shape (n_features, n_hidden)
    b_ : ndarray of shape (n_hidden,)
    c_ : ndarray of shape (n_features,)
    W_prime_ : ndarray of shape (n_hidden, n_features) or None
        The decoder matrix of an untied model; None when tied.
    n_features_in_ : int
    history_ : dict of str to list
        Per epoch: ``epoch``, ``objective``, ``reconstruction``,
        ``penalty`` (mean ``||J||_F^2``), ``jacobian_norm`` (mean
        ``||J||_F``) and ``seconds``; running means over each epoch's
        batches, weighted by batch size.

    Notes
    -----
    The objective of a batch of n examples is

    .. math::

        \frac{1}{n} \sum_n \Big[ L(x_n, r_n)
            + \lambda \sum_j s'(a_{nj})^2 \sum_i W_{ij}^2 \Big],

    a mean over the batch with lambda per example.

    References
    ----------
    Rifai, Vincent, Muller, Glorot and Bengio, "Contractive Auto-Encoders:
    Explicit Invariance During Feature Extraction", ICML 2011.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).uniform(size=(20, 6))
    >>> cae = ContractiveAutoencoder(n_hidden=3, n_epochs=2, random_state=0)
    >>> cae.fit(X).transform(X).shape
    (20, 3)
    """

    def __init__(self, n_hidden=100, lam=0.1, *, tied=True,
                 loss="cross_entropy", decoder="sigmoid",
                 activation="sigmoid", optimizer="adam", learning_rate=1e-3,
                 momentum=0.9, n_epochs=20, batch_size=64,
                 random_state=None, verbose=0, weight_decay=0.0,
                 sparsity_weight=0.0, sparsity_target=0.05, corruption=None,
                 corruption_level=0.0, higher_order_weight=0.0,
                 higher_order_sigma=0.1, n_corrupted=4):
        self.n_hidden = n_hidden
        self.lam = lam
        self.tied = tied
        self.loss = loss
        self.decoder = decoder
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose
        self.weight_decay = weight_decay
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.corruption = corruption
        self.corruption_level = corruption_level
        self.higher_order_weight = higher_order_weight
        self.higher_order_sigma = higher_order_sigma
        self.n_corrupted = n_corrupted

    # -- hyper-parameters ------------------------------------------------

    def get_params(self):
        """Hyper-parameters as a dict.

        Returns
        -------
        dict of str to object
        """
        return {name: getattr(self, name) for name in HYPERPARAMETERS}

    def _check_hyperparameters(self):
        """Check every hyper-parameter; raise naming the first bad one.

        Raises
        ------
        TypeError, ValueError
        """
        check_positive_int(self.n_hidden, "n_hidden")
        check_real(self.lam, "lam", low=0.0)
        if not isinstance(self.tied, (bool, np.bool_)):
            raise TypeError(f"tied must be True or False, got {self.tied!r}")
        check_choice(self.loss, "loss", LOSSES)
        check_choice(self.decoder, "decoder", DECODERS)
        check_loss_and_decoder(self.loss, self.decoder)
        check_choice(self.activation, "activation", ENCODER_ACTIVATIONS)
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_real(self.learning_rate, "learning_rate", low=0.0,
                   low_open=True)
        check_real(self.momentum, "momentum", low=0.0, high=1.0)
        check_positive_int(self.n_epochs, "n_epochs")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.verbose, "verbose", minimum=0)
        self._check_rival_hyperparameters()

    def _check_rival_hyperparameters(self):
        """Check the hyper-parameters of the rival objectives.

        Raises
        ------
        TypeError, ValueError
            Naming the first bad hyper-parameter, or a combination with no
            correct meaning (sparsity with a non-sigmoid encoder, a
            corruption level without a corruption).
        """
        check_real(self.weight_decay, "weight_decay", low=0.0)
        check_real(self.sparsity_weight, "sparsity_weight", low=0.0)
        check_real(self.sparsity_target, "sparsity_target", low=0.0,
                   low_open=True)
        if self.sparsity_target >= 1.0:
            raise ValueError(
                f"sparsity_target must be < 1.0, got "
                f"{self.sparsity_target!r}"
            )
        if self.sparsity_weight > 0.0:
            check_sparsity_activation(self.activation)
        if self.corruption is not None:
            check_choice(self.corruption, "corruption", CORRUPTIONS)
        level = check_real(self.corruption_level, "corruption_level",
                           low=0.0)
        if self.corruption is None and level > 0.0:
            raise ValueError(
                f"corruption_level={self.corruption_level!r} needs a "
                f"corruption, one of {CORRUPTIONS}; got corruption=None"
            )
        if self.corruption == "masking" and level > 1.0:
            raise ValueError(
                f"corruption_level must be a probability in [0, 1] for "
                f"corruption='masking', got {self.corruption_level!r}"
            )
        check_real(self.higher_order_weight, "higher_order_weight",
                   low=0.0)
        check_real(self.higher_order_sigma, "higher_order_sigma", low=0.0,
                   low_open=True)
        check_positive_int(self.n_corrupted, "n_corrupted")

    # -- learned parameters ----------------------------------------------

    @property
    def params_(self):
        """The learned parameters as the dict :mod:`functional` takes.

        Returns
        -------
        dict of str to ndarray
            The arrays themselves (not copies).
        """
        self._check_fitted()
        params = {"W": self.W_, "b": self.b_, "c": self.c_}
        if self.W_prime_ is not None:
            params["W_prime"] = self.W_prime_
        return params

    def _set_params(self, params):
        """Store a parameter dict as the underscore attributes.

        Parameters
        ----------
        params : dict of str to ndarray
        """
        self.W_, self.b_, self.c_ = params["W"], params["b"], params["c"]
        self.W_prime_ = params.get("W_prime")
        self.n_features_in_ = self.W_.shape[0]

    def _check_fitted(self):
        """Raise if the model has no learned parameters yet.

        Raises
        ------
        RuntimeError
        """
        if getattr(self, "W_", None) is None:
            raise RuntimeError(
                f"this {type(self).__name__} is not fitted yet; call "
                f"fit(X) first"
            )

    def _check_X(self, X, name="X", *, targets=False):
        """Validate data for a fitted model and match its dtype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        name : str
        targets : bool
            Whether ``X`` is also reconstructed (then the cross-entropy
            needs values in [0, 1]).

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        self._check_fitted()
        return check_array(
            X, name, n_features=self.n_features_in_,
            unit_interval=targets and self.loss == "cross_entropy",
            dtype=self.W_.dtype)

    # -- training --------------------------------------------------------

    def fit(self, X):
        """Learn the parameters from data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 or float64; the parameters take the same dtype. Values
            in [0, 1] for the cross-entropy loss.

        Returns
        -------
        self : ContractiveAutoencoder
        """
        self._check_hyperparameters()
        X = check_array(X, "X",
                        unit_interval=self.loss == "cross_entropy")
        if self.batch_size > X.shape[0]:
            raise ValueError(
                f"batch_size must be <= n_samples ({X.shape[0]}), got "
                f"{self.batch_size}"
            )

        rng = np.random.default_rng(self.random_state)
        params = init_parameters(
            X.shape[1], self.n_hidden, tied=self.tied, rng=rng,
            dtype=X.dtype, activation=self.activation)
        self._set_params(params)
        self.history_ = empty_history()
        self._optimizer = make_optimizer(
            self.optimizer, self.learning_rate, self.momentum)
        self._rng = rng

        for epoch in range(1, self.n_epochs + 1):
            self._run_epoch(X, epoch)
        return self

    def _run_epoch(self, X, epoch):
        """One pass over ``X`` in shuffled minibatches.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        epoch : int
            Number of this epoch, counted from 1.
        """
        params = self.params_
        batches = minibatch_indices(X.shape[0], self.batch_size, self._rng)
        meter = EpochMeter(len(batches), type(self).__name__, self.verbose)

        for rows in batches:
            objective, grads, parts = self._batch_objective(X[rows])
            self._optimizer.step(params, grads)
            meter.add(objective, parts, len(rows))

        record = meter.record(epoch)
        for key, value in record.items():
            self.history_[key].append(value)
        if self.verbose:
            print(format_epoch_line(type(self).__name__, record,
                                    self.n_epochs), flush=True)

    def _batch_objective(self, X_batch):
        """Objective, gradients and parts of the training objective.

        Parameters
        ----------
        X_batch : ndarray of shape (batch_size, n_features)

        Returns
        -------
        objective : float
        grads : dict of str to ndarray
        parts : dict of str to float
            See :func:`numpycae.functional.objective_and_gradients`.

        Notes
        -----
        A plain CAE calls the objective with no further terms. The rival
        objectives add their terms, and a denoising model encodes a
        corrupted copy of the batch and reconstructs the clean one; all
        noise comes from the model's generator, in a fixed order
        (corruption, then the CAE+H perturbations).
        """
        terms = self._penalty_terms()
        if self.corruption is None and not terms \
                and self.higher_order_weight == 0.0:
            return objective_and_gradients(
                self.params_, X_batch, self.lam, loss=self.loss,
                decoder=self.decoder, activation=self.activation)

        X_input = X_batch
        if self.corruption is not None:
            X_input = corrupt(X_batch, self.corruption,
                              self.corruption_level, self._rng)
        if self.higher_order_weight > 0.0:
            noise = gaussian_noise(self._rng, self.n_corrupted,
                                   X_batch.shape, self.higher_order_sigma,
                                   dtype=X_batch.dtype)
            terms.append(HigherOrderContraction(self.higher_order_weight,
                                                noise))
        return objective_and_gradients(
            self.params_, X_input, self.lam, loss=self.loss,
            decoder=self.decoder, activation=self.activation,
            X_target=X_batch, penalties=terms)

    def _penalty_terms(self):
        """The deterministic further terms switched on by the settings.

        Returns
        -------
        list of callables
            A :class:`~numpycae.penalties.WeightDecay` and a
            :class:`~numpycae.penalties.Sparsity` term for each positive
            weight.
        """
        terms = []
        if self.weight_decay > 0.0:
            terms.append(WeightDecay(self.weight_decay))
        if self.sparsity_weight > 0.0:
            terms.append(Sparsity(self.sparsity_weight, self.sparsity_target))
        return terms

    # -- using a fitted model --------------------------------------------

    def transform(self, X):
        """Encode data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, n_hidden)
        """
        X = self._check_X(X)
        return encode(self.params_, X, self.activation)

    def inverse_transform(self, H):
        """Decode codes back to input space.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_hidden)

        Returns
        -------
        R : ndarray of shape (n_samples, n_features)
        """
        self._check_fitted()
        H = check_array(H, "H", n_features=self.n_hidden,
                        dtype=self.W_.dtype)
        return decode(self.params_, H, self.decoder)

    def reconstruct(self, X):
        """Encode then decode.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        R : ndarray of shape (n_samples, n_features)
        """
        X = self._check_X(X)
        return forward(self.params_, X, self.activation, self.decoder).R

    def jacobian(self, X):
        """The encoder's Jacobian for each example (explicit tensor).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        J : ndarray of shape (n_samples, n_hidden, n_features)
        """
        X = self._check_X(X)
        return jacobian(self.params_, X, self.activation)

    def jacobian_norms(self, X):
        """Frobenius norm of the encoder's Jacobian for each example.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        return np.sqrt(contraction_penalty(self.params_, X, self.activation))

    def evaluate(self, X):
        """Batch means of the objective and its parts on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        dict of str to float
            ``objective``, ``reconstruction``, ``penalty`` and
            ``jacobian_norm``, each a mean over the rows of ``X``.
        """
        X = self._check_X(X, targets=True)
        objective, _, parts = objective_and_gradients(
            self.params_, X, self.lam, loss=self.loss,
            decoder=self.decoder, activation=self.activation)
        return {"objective": objective, **parts}

    # -- model files -----------------------------------------------------

    def save(self, path):
        """Write the model to an ``.npz`` file (no pickle), atomically.

        Parameters
        ----------
        path : str or os.PathLike
            Target file; ``.npz`` is not appended.

        Notes
        -----
        The arrays are written to a temporary file in the same folder, which
        then replaces ``path`` in one rename: a crash mid-save leaves any
        previous file at ``path`` intact.
        """
        self._check_fitted()
        arrays = {
            "format_version": np.array(FORMAT_VERSION),
            "hyperparameters": np.array(json.dumps(self.get_params())),
        }
        for name, value in self.params_.items():
            arrays[f"param.{name}"] = value
        for name, value in as_history_arrays(self.history_).items():
            arrays[f"history.{name}"] = value
        write_npz_atomically(path, arrays)


def write_npz_atomically(path, arrays):
    """Write arrays to ``path`` as ``.npz`` through a temporary file.

    Parameters
    ----------
    path : str or os.PathLike
    arrays : dict of str to ndarray
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(
        dir=folder, prefix=".numpycae-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load_model(path):
    """Read a model written by :meth:`ContractiveAutoencoder.save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ContractiveAutoencoder
        Fitted, with its history.

    Raises
    ------
    ValueError
        If the file is not a numpycae model of a format this version reads.
    """
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    version = int(arrays["format_version"])
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has model format {version}; this numpycae reads "
            f"format {FORMAT_VERSION} and older"
        )
    hyperparameters = json.loads(str(arrays["hyperparameters"]))
    model = ContractiveAutoencoder(**hyperparameters)
    model._set_params({key.split(".", 1)[1]: value
                       for key, value in arrays.items()
                       if key.startswith("param.")})
    model.history_ = {key.split(".", 1)[1]: value.tolist()
                      for key, value in arrays.items()
                      if key.startswith("history.")}
    return model
