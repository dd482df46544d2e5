r"""The scikit-learn-style face of numpycae: :class:`ContractiveAutoencoder`.

The estimator holds hyper-parameters (set in the constructor, checked at the
start of :meth:`~ContractiveAutoencoder.fit`) and learned parameters (whose
names end in an underscore), and delegates every formula to
:mod:`numpycae.functional`. Model files and checkpoints are described in
:mod:`numpycae.model_files`.
"""

import hashlib

import numpy as np

from .activations import ENCODER_ACTIVATIONS
from .corruption import CORRUPTIONS, corrupt
from .fast import TrainingStep
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
from .model_files import (
    FORMAT_VERSION,
    ModelFileError,
    as_path,
    check_format_version,
    check_write_target,
    json_entry,
    read_json_entry,
    read_npz,
    write_npz_atomically,
)
from .optim import OPTIMIZERS, make_optimizer
from .penalties import (
    HigherOrderContraction,
    Sparsity,
    WeightDecay,
    check_sparsity_activation,
    gaussian_noise,
)
from .training import (
    HISTORY_KEYS,
    EpochMeter,
    as_history_arrays,
    empty_history,
    format_epoch_line,
    minibatch_indices,
)
from .validation import (
    DivergenceError,
    NotFittedError,
    all_finite,
    check_array,
    check_bool,
    check_choice,
    check_params,
    check_positive_int,
    check_real,
    check_seed,
)

HYPERPARAMETERS = ("n_hidden", "lam", "tied", "loss", "decoder",
                   "activation", "optimizer", "learning_rate", "momentum",
                   "n_epochs", "batch_size", "random_state", "verbose",
                   "weight_decay", "sparsity_weight", "sparsity_target",
                   "corruption", "corruption_level", "higher_order_weight",
                   "higher_order_sigma", "n_corrupted")

# Resuming needs these to equal the checkpoint's; n_epochs and verbose may
# change (resume a 2-epoch run to 5 epochs, quietly).
TRAINING_HYPERPARAMETERS = tuple(
    name for name in HYPERPARAMETERS if name not in ("n_epochs", "verbose"))

# Floating-point events inside a training step are caught by the finiteness
# checks of the step (see ContractiveAutoencoder._guarded_step).
_training_errstate = dict(over="ignore", invalid="ignore", divide="ignore")


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
    momentum : float in [0, 1), default=0.9
        Used by ``optimizer="momentum"``.
    n_epochs : int, default=20
    batch_size : int, default=64
        At most the number of samples; the last batch of an epoch holds the
        remainder.
    random_state : int >= 0 or None, default=None
        Seed of the generator that initialises the weights and shuffles each
        epoch; the same seed gives the same parameters bit for bit. A
        Generator is refused: the seed is saved with the model as JSON.
    verbose : int >= 0 or bool, default=0
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
    >>> cae = ContractiveAutoencoder(n_hidden=3, n_epochs=2, batch_size=5,
    ...                              random_state=0)
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

    def set_params(self, **params):
        """Set hyper-parameters by name, as in scikit-learn.

        Parameters
        ----------
        **params
            Hyper-parameter names and values; checked at the next ``fit``.

        Returns
        -------
        self : ContractiveAutoencoder

        Raises
        ------
        ValueError
            If a name is not a hyper-parameter of this class.
        """
        unknown = sorted(set(params) - set(HYPERPARAMETERS))
        if unknown:
            raise ValueError(
                f"set_params got unknown hyper-parameter(s) {unknown}; the "
                f"hyper-parameters are {sorted(HYPERPARAMETERS)}"
            )
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def _check_hyperparameters(self):
        """Check every hyper-parameter; raise naming the first bad one.

        Returns
        -------
        dict of str to object
            The hyper-parameters as plain Python values (``int``,
            ``float``, ``bool``, ``str``, None), ready for JSON.

        Raises
        ------
        TypeError, ValueError
            Naming the parameter, the constraint and the value received.
        """
        values = {
            "n_hidden": check_positive_int(self.n_hidden, "n_hidden"),
            "lam": check_real(self.lam, "lam", low=0.0),
            "tied": check_bool(self.tied, "tied"),
            "loss": check_choice(self.loss, "loss", LOSSES),
            "decoder": check_choice(self.decoder, "decoder", DECODERS),
            "activation": check_choice(self.activation, "activation",
                                       ENCODER_ACTIVATIONS),
            "optimizer": check_choice(self.optimizer, "optimizer",
                                      OPTIMIZERS),
            "learning_rate": check_real(self.learning_rate,
                                        "learning_rate", low=0.0,
                                        low_open=True),
            "momentum": check_real(self.momentum, "momentum", low=0.0,
                                   high=1.0, high_open=True),
            "n_epochs": check_positive_int(self.n_epochs, "n_epochs"),
            "batch_size": check_positive_int(self.batch_size,
                                             "batch_size"),
            "random_state": check_seed(self.random_state),
            "verbose": (int(self.verbose)
                        if isinstance(self.verbose, (bool, np.bool_))
                        else check_positive_int(self.verbose, "verbose",
                                                minimum=0)),
        }
        check_loss_and_decoder(values["loss"], values["decoder"])
        values.update(self._check_rival_hyperparameters())
        return values

    def _check_rival_hyperparameters(self):
        """Check the hyper-parameters of the rival objectives.

        Returns
        -------
        dict of str to object
            Their values as plain Python values, ready for JSON.

        Raises
        ------
        TypeError, ValueError
            Naming the first bad hyper-parameter, or a combination with no
            correct meaning (sparsity with a non-sigmoid encoder, a
            corruption level without a corruption).
        """
        values = {
            "weight_decay": check_real(self.weight_decay, "weight_decay",
                                       low=0.0),
            "sparsity_weight": check_real(self.sparsity_weight,
                                          "sparsity_weight", low=0.0),
            "sparsity_target": check_real(self.sparsity_target,
                                          "sparsity_target", low=0.0,
                                          low_open=True),
        }
        if self.sparsity_target >= 1.0:
            raise ValueError(
                f"sparsity_target must be < 1.0, got "
                f"{self.sparsity_target!r}"
            )
        if self.sparsity_weight > 0.0:
            check_sparsity_activation(self.activation)
        if self.corruption is not None:
            check_choice(self.corruption, "corruption", CORRUPTIONS)
        values["corruption"] = self.corruption
        level = values["corruption_level"] = check_real(
            self.corruption_level, "corruption_level", low=0.0)
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
        values["higher_order_weight"] = check_real(
            self.higher_order_weight, "higher_order_weight", low=0.0)
        values["higher_order_sigma"] = check_real(
            self.higher_order_sigma, "higher_order_sigma", low=0.0,
            low_open=True)
        values["n_corrupted"] = check_positive_int(self.n_corrupted,
                                                   "n_corrupted")
        return values

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
        NotFittedError
            A ``ValueError`` (and ``RuntimeError``).
        """
        if getattr(self, "W_", None) is None:
            raise NotFittedError(
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

    def fit(self, X, y=None, *, checkpoint=None, resume=None):
        """Learn the parameters from data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            float32 or float64; the parameters take the same dtype. Values
            in [0, 1] for the cross-entropy loss. Validated once, here:
            the training loop does not check its batches again.
        y : None
            Ignored: an autoencoder learns from ``X`` alone. Accepted so
            that ``fit(X, y)`` works as in scikit-learn.
        checkpoint : str or os.PathLike, optional
            Write a checkpoint to this file (atomically) after every epoch:
            the model, its optimiser's state and its random generator's
            state. :func:`load_model` reads it as a model, and
            ``fit(X, resume=...)`` continues the training from it.
        resume : str or os.PathLike, optional
            Continue the training saved in this checkpoint up to
            ``n_epochs`` epochs instead of starting afresh. The model's
            hyper-parameters must equal the checkpoint's (``n_epochs`` and
            ``verbose`` may differ) and ``X`` must be the data it was
            trained on; the result is then bit for bit that of one
            uninterrupted run. ``load_model(path)`` builds a matching
            model. May be the same file as ``checkpoint``.

        Returns
        -------
        self : ContractiveAutoencoder

        Raises
        ------
        TypeError, ValueError
            For an invalid hyper-parameter (naming it) or invalid data.
        ModelFileError
            If ``resume`` is not a checkpoint this model can continue.
        DivergenceError
            A ``ValueError`` and ``FloatingPointError``: a step made the
            objective or the parameters NaN or infinite (usually a
            learning rate too large). The model keeps the parameters from
            before that step and the history of its completed epochs.

        Notes
        -----
        A ``KeyboardInterrupt`` (Ctrl-C) is not caught: it propagates, and
        leaves the model usable, with the parameters of the last completed
        step (a step interrupted half-way is rolled back) and the history
        of the completed epochs. The optimiser's internal state may be one
        step ahead; continue from a checkpoint to resume exactly.
        """
        self._check_hyperparameters()
        X = check_array(X, "X",
                        unit_interval=self.loss == "cross_entropy")
        if self.batch_size > X.shape[0]:
            raise ValueError(
                f"batch_size must be <= n_samples ({X.shape[0]}), got "
                f"{self.batch_size}"
            )
        fingerprint = (None if checkpoint is None and resume is None
                       else data_fingerprint(X))
        self._data_scale = float(np.max(np.abs(X)))
        if checkpoint is not None:
            check_write_target(as_path(checkpoint))

        if resume is None:
            rng = np.random.default_rng(self.random_state)
            params = init_parameters(
                X.shape[1], self.n_hidden, tied=self.tied, rng=rng,
                dtype=X.dtype, activation=self.activation)
            self._set_params(params)
            self.history_ = empty_history()
            self._optimizer = make_optimizer(
                self.optimizer, self.learning_rate, self.momentum)
            self._rng = rng
        else:
            self._restore_checkpoint(resume, fingerprint)

        first_epoch = len(self.history_["epoch"]) + 1
        self._fast_step = self._make_fast_step(X)
        try:
            with np.errstate(**_training_errstate):
                for epoch in range(first_epoch, self.n_epochs + 1):
                    self._run_epoch(X, epoch)
                    if checkpoint is not None:
                        self._write_checkpoint(checkpoint, fingerprint)
        finally:
            self._fast_step = self._batch_rows = self._spare_params = None
        return self

    def _run_epoch(self, X, epoch):
        """One pass over ``X`` in shuffled minibatches.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Encoder input.
        epoch : int
            Number of this epoch, counted from 1.

        Raises
        ------
        DivergenceError
            See :meth:`_guarded_step`.
        """
        batches = minibatch_indices(X.shape[0], self.batch_size, self._rng)
        meter = EpochMeter(len(batches), type(self).__name__, self.verbose)

        for batch, rows in enumerate(batches, start=1):
            # The batch is gathered into a buffer reused by every step.
            # mode="clip" lets take write straight into the buffer (the
            # rows come from a permutation, so none is out of range).
            X_batch = np.take(X, rows, axis=0, mode="clip",
                              out=self._batch_buffer(X, len(rows)))
            objective, grads, parts = self._batch_objective(X_batch)
            self._guarded_step(self.params_, grads, objective, epoch, batch)
            meter.add(objective, parts, len(rows))

        record = meter.record(epoch)
        for key, value in record.items():
            self.history_[key].append(value)
        if self.verbose:
            print(format_epoch_line(type(self).__name__, record,
                                    self.n_epochs), flush=True)

    def _make_fast_step(self, X):
        """The preallocated training step of :mod:`numpycae.fast`.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data (for its width and dtype).

        Returns
        -------
        TrainingStep or None
            None where the objective has terms the fast step does not
            compute; :meth:`_batch_objective` then uses
            :func:`numpycae.functional.objective_and_gradients`.
        """
        if not self._is_plain_cae():
            return None
        return TrainingStep(
            X.shape[1], self.n_hidden, self.batch_size, X.dtype,
            tied=self.tied, loss=self.loss, decoder=self.decoder,
            activation=self.activation)

    def _batch_buffer(self, X, n_rows):
        """Where the next batch of ``n_rows`` rows is gathered.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        n_rows : int

        Returns
        -------
        ndarray of shape (n_rows, n_features)
            The fast step's input buffer, or an array kept for this fit.
        """
        if getattr(self, "_fast_step", None) is not None:
            return self._fast_step.input_buffer(n_rows)
        buffer = getattr(self, "_batch_rows", None)
        if buffer is None or buffer.shape[1:] != X.shape[1:] \
                or buffer.dtype != X.dtype or len(buffer) < n_rows:
            buffer = self._batch_rows = np.empty(
                (self.batch_size, X.shape[1]), X.dtype)
        return buffer[:n_rows]

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
            See :func:`numpycae.functional.objective_and_gradients`; the
            fast step of :mod:`numpycae.fast` computes the same numbers.

        Notes
        -----
        A plain CAE calls the objective with no further terms. The rival
        objectives add their terms, and a denoising model encodes a
        corrupted copy of the batch and reconstructs the clean one; all
        noise comes from the model's generator, in a fixed order
        (corruption, then the CAE+H perturbations).
        """
        if self._is_plain_cae():
            if getattr(self, "_fast_step", None) is not None:
                return self._fast_step(self.params_, X_batch, self.lam)
            return objective_and_gradients(
                self.params_, X_batch, self.lam, loss=self.loss,
                decoder=self.decoder, activation=self.activation,
                check_input=False)

        terms = self._penalty_terms()
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
            X_target=X_batch, penalties=terms, check_input=False)

    def _is_plain_cae(self):
        """Whether the objective is reconstruction plus contraction only.

        Returns
        -------
        bool
            False when a rival's term or input corruption is switched on.
        """
        return (self.corruption is None and not self._penalty_terms()
                and self.higher_order_weight == 0.0)

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

    def _guarded_step(self, params, grads, objective, epoch, batch):
        """Apply one optimiser step, or refuse it if training diverged.

        Parameters
        ----------
        params : dict of str to ndarray
            The current parameters, ``self.params_``; left unchanged.
        grads : dict of str to ndarray
        objective : float
            The batch objective the gradients belong to.
        epoch, batch : int
            Where the step is, for the message (both counted from 1).

        Raises
        ------
        DivergenceError
            If ``objective`` is not finite, or if the step would make a
            parameter NaN or infinite; the model keeps ``params``.

        Notes
        -----
        The optimiser writes the new parameters into a second set of
        arrays, kept for the whole fit; they replace ``params`` only if
        they are all finite, and ``params`` become the spare set. A failed
        or interrupted (``KeyboardInterrupt``) step thus leaves the model's
        parameters untouched, without copying them before every step. A
        sum is finite exactly when every element is finite and the total
        does not overflow, so parameters too large to sum count as
        diverged too.
        """
        if not np.isfinite(objective):
            raise self._divergence(
                epoch, batch, f"the objective became {objective}")

        spare = getattr(self, "_spare_params", None)
        if spare is None or spare.keys() != params.keys() or any(
                spare[name].shape != value.shape
                or spare[name].dtype != value.dtype
                or spare[name] is value
                for name, value in params.items()):
            spare = {name: np.empty_like(value)
                     for name, value in params.items()}

        self._optimizer.step(params, grads, out=spare)
        if not all(np.isfinite(np.sum(value)) for value in spare.values()):
            self._spare_params = spare
            raise self._divergence(
                epoch, batch,
                "the step made the parameters NaN or infinite")

        # One assignment, so that no interruption can mix the two sets.
        self.W_, self.b_, self.c_, self.W_prime_, self._spare_params = (
            spare["W"], spare["b"], spare["c"], spare.get("W_prime"),
            params)

    def _divergence(self, epoch, batch, what):
        """The error raised when a step diverges.

        Parameters
        ----------
        epoch, batch : int
        what : str
            What went wrong.

        Returns
        -------
        DivergenceError
        """
        rate = float(self.learning_rate)
        return DivergenceError(
            f"training diverged at epoch {epoch}, batch {batch}: {what}. "
            f"The model keeps its parameters from before this step. Try a "
            f"smaller learning_rate than {rate:g}, e.g. {rate / 10:g}; if "
            f"it diverges at the very first steps, check the scale of X "
            f"(largest value {self._data_scale:g}) and the penalty weights "
            f"(lam={float(self.lam):g})",
            epoch, batch)

    # -- checkpoints -----------------------------------------------------

    def _write_checkpoint(self, path, fingerprint):
        """Save the model with everything needed to continue its training.

        Parameters
        ----------
        path : str or os.PathLike
        fingerprint : dict
            :func:`data_fingerprint` of the training data.
        """
        arrays = self._model_arrays()
        training_state = {
            "rng_state": self._rng.bit_generator.state,
            "data": fingerprint,
        }
        arrays["training_state"] = json_entry(training_state)
        for key, value in self._optimizer.state_dict().items():
            arrays[f"optimizer.{key}"] = np.asarray(value)
        _write_checked(path, arrays)

    def _restore_checkpoint(self, path, fingerprint):
        """Load a checkpoint's model, optimiser and generator into ``self``.

        Parameters
        ----------
        path : str or os.PathLike
        fingerprint : dict
            :func:`data_fingerprint` of the data ``fit`` received.

        Raises
        ------
        ModelFileError
            If the file is not a checkpoint, or was written for other
            hyper-parameters or other data, or holds more epochs than
            ``n_epochs``.
        """
        path = as_path(path)
        saved, training_state, optimizer_state = _read_model(path)
        if training_state is None:
            raise ModelFileError(
                f"{path} is a model file, not a checkpoint (it has no "
                f"training state); resume needs a file written by "
                f"fit(X, checkpoint=...)"
            )
        mine = self._check_hyperparameters()
        theirs = saved._check_hyperparameters()
        differences = [f"{name}={theirs[name]!r} in the file but "
                       f"{mine[name]!r} here"
                       for name in TRAINING_HYPERPARAMETERS
                       if theirs[name] != mine[name]]
        if differences:
            raise ModelFileError(
                f"cannot resume from {path}: its hyper-parameters differ "
                f"({'; '.join(differences)}); build the model with "
                f"load_model(path) and change only n_epochs"
            )
        if training_state.get("data") != fingerprint:
            raise ModelFileError(
                f"cannot resume from {path}: it was trained on other data "
                f"({_describe_data(training_state.get('data'))}; now "
                f"{_describe_data(fingerprint)}); pass the same X"
            )
        n_done = len(saved.history_["epoch"])
        if n_done > self.n_epochs:
            raise ModelFileError(
                f"cannot resume from {path}: it holds {n_done} epochs, "
                f"more than n_epochs={self.n_epochs}"
            )

        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = training_state["rng_state"]
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(
                f"{path}: its random generator state is unreadable "
                f"({error!r})"
            ) from None
        optimizer = make_optimizer(self.optimizer, self.learning_rate,
                                   self.momentum)
        optimizer.load_state_dict(optimizer_state)

        self._set_params(saved.params_)
        self.history_ = saved.history_
        self._optimizer = optimizer
        self._rng = rng

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
        H = check_array(H, "H", n_features=self.W_.shape[1],
                        dtype=self.W_.dtype, width_name="n_hidden")
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
        path : str, bytes or os.PathLike
            Target file; ``.npz`` is not appended.

        Raises
        ------
        NotFittedError
            If there is nothing to save yet.
        TypeError, ValueError
            If a hyper-parameter was set to an invalid value since fitting.
        ModelFileError
            A ``ValueError`` ("refusing to save ..."): the file would not
            load, because an attribute was changed since fitting so that
            the arrays contradict the hyper-parameters (``n_hidden``,
            ``tied``), or are NaN, or of the wrong shape, or ``history_``
            is broken. :func:`load_model`'s checks run before anything is
            written, so a good file at ``path`` is kept.
        IsADirectoryError, FileNotFoundError
            If ``path`` is a folder or its folder does not exist.
        OSError
            If the file cannot be written; any previous file at ``path``
            is then left intact.

        Notes
        -----
        The file holds the format version, every hyper-parameter (as JSON),
        the learned arrays in their dtype and the training history; see
        :mod:`numpycae.model_files`. The arrays are written to a temporary
        file in the same folder, which then replaces ``path`` in one
        rename: a crash mid-save leaves any previous file at ``path``
        intact. A process killed outright mid-save (``SIGKILL``, a power
        cut) cannot remove that temporary file: it stays in the folder as
        ``.numpycae-<random>.tmp``. numpycae never reads such files and
        does not delete them (another process may be saving); delete them
        by hand once no save is running.
        """
        _write_checked(path, self._model_arrays())

    def _model_arrays(self):
        """The entries of this model's file.

        Returns
        -------
        dict of str to ndarray
            Each value as ``numpy.savez`` will write it.

        Raises
        ------
        NotFittedError
        TypeError, ValueError
            For an invalid hyper-parameter.
        """
        self._check_fitted()
        arrays = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "hyperparameters": json_entry(self._check_hyperparameters()),
        }
        for name, value in self.params_.items():
            arrays[f"param.{name}"] = np.asarray(value)
        history = getattr(self, "history_", None)
        history = history if isinstance(history, dict) else {}
        for name, values in history.items():
            try:
                value = as_history_arrays({name: values})[name]
            except (TypeError, ValueError):
                value = np.asarray(values, dtype=object)
            arrays[f"history.{name}"] = value
        return arrays


def _write_checked(path, arrays):
    """Write a model file, having checked it as :func:`load_model` would.

    Parameters
    ----------
    path : str, bytes or os.PathLike
    arrays : dict of str to ndarray
        The entries, from :meth:`ContractiveAutoencoder._model_arrays`.

    Raises
    ------
    TypeError
        If ``path`` is not a path.
    IsADirectoryError, FileNotFoundError
        If ``path`` is a folder or its folder does not exist.
    ModelFileError
        A ``ValueError``: the entries would make a file that
        :func:`load_model` refuses (the model's attributes were changed
        since fitting, e.g. ``n_hidden`` or ``W_``). Nothing is written,
        so a good file at ``path`` stays.
    OSError
        If the file cannot be written; nothing at ``path`` changes.
    """
    path = as_path(path)
    check_write_target(path)
    try:
        _model_from_arrays("the model", arrays)
    except ModelFileError as error:
        raise ModelFileError(
            f"refusing to save {path} (load_model could not read it "
            f"back; nothing was written): {error}"
        ) from None
    write_npz_atomically(path, arrays)


def data_fingerprint(X):
    """A short description of a training set that changes with any value.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    dict
        ``shape``, ``dtype`` and the SHA-256 of the bytes (about 40 ms for
        the 5000 x 784 float32 MNIST sample), stored in checkpoints so that
        a resumed run is refused on other data.
    """
    digest = hashlib.sha256(np.ascontiguousarray(X)).hexdigest()
    return {"shape": list(X.shape), "dtype": str(X.dtype),
            "sha256": digest}


def _describe_data(fingerprint):
    """Words for a :func:`data_fingerprint`, for messages.

    Parameters
    ----------
    fingerprint : dict or None

    Returns
    -------
    str
    """
    if not isinstance(fingerprint, dict):
        return "unknown data"
    return (f"{fingerprint.get('dtype')} data of shape "
            f"{tuple(fingerprint.get('shape') or ())}, SHA-256 "
            f"{str(fingerprint.get('sha256'))[:12]}...")


def load_model(path):
    """Read a model written by :meth:`ContractiveAutoencoder.save`.

    Checkpoints written by ``fit(X, checkpoint=path)`` load too, as the
    model at the end of their last epoch.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ContractiveAutoencoder
        Fitted, with its hyper-parameters and history.

    Raises
    ------
    FileNotFoundError, PermissionError
        If the file cannot be opened.
    ModelFileError
        A ``ValueError`` naming the file: it is not a numpycae model (a
        random file, a foreign ``.npz`` or zip), is truncated or corrupted,
        holds inconsistent or non-finite values, or has a newer format.

    Notes
    -----
    Nothing is unpickled: a model file from a stranger cannot run code.
    """
    model, _, _ = _read_model(path)
    return model


def _read_model(path):
    """Read and check every entry of a model file or checkpoint.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    model : ContractiveAutoencoder
        Fitted.
    training_state : dict or None
        A checkpoint's training state (generator state and data
        fingerprint); None for a model file.
    optimizer_state : dict of str to ndarray
        A checkpoint's optimiser arrays (empty for a model file).

    Raises
    ------
    ModelFileError
    """
    path = as_path(path)
    return _model_from_arrays(path, read_npz(path))


def _model_from_arrays(path, arrays):
    """Build a model from a file's entries, checking every one of them.

    The one place where the entries of a model file or checkpoint are
    checked: :func:`load_model` runs it on what it read, and
    :meth:`ContractiveAutoencoder.save` and the checkpoint writer on what
    they are about to write, so that no file is written that cannot be
    read back.

    Parameters
    ----------
    path : str
        Names the file (or the model) in messages.
    arrays : dict of str to ndarray
        The entries, keyed as in the file.

    Returns
    -------
    model : ContractiveAutoencoder
        Fitted.
    training_state : dict or None
        A checkpoint's training state (generator state and data
        fingerprint); None for a model file.
    optimizer_state : dict of str to ndarray
        A checkpoint's optimiser arrays (empty for a model file).

    Raises
    ------
    ModelFileError
    """
    check_format_version(path, arrays)

    hyperparameters = read_json_entry(path, arrays, "hyperparameters")
    if not isinstance(hyperparameters, dict):
        raise ModelFileError(
            f"{path}: its hyperparameters entry is not a JSON object")
    missing = sorted(set(HYPERPARAMETERS) - set(hyperparameters))
    unknown = sorted(set(hyperparameters) - set(HYPERPARAMETERS))
    if missing or unknown:
        raise ModelFileError(
            f"{path} is not a model of this numpycae: hyper-parameters "
            f"missing {missing}, unknown {unknown}"
        )
    model = ContractiveAutoencoder(**hyperparameters)
    try:
        model._check_hyperparameters()
    except (TypeError, ValueError) as error:
        raise ModelFileError(
            f"{path} holds an invalid hyper-parameter: {error}") from None

    params, history, optimizer_state = {}, {}, {}
    for key, value in arrays.items():
        section, _, name = key.partition(".")
        if section == "param":
            params[name] = value
        elif section == "history":
            history[name] = value
        elif section == "optimizer":
            optimizer_state[name] = value
        elif key not in ("format_version", "hyperparameters",
                         "training_state"):
            raise ModelFileError(
                f"{path} is not a numpycae model file: unexpected entry "
                f"{key!r}"
            )
    model._set_params(_checked_params(path, params, model))
    model.history_ = _checked_history(path, history)
    _check_optimizer_state(path, optimizer_state, model.params_)

    training_state = None
    if "training_state" in arrays:
        training_state = read_json_entry(path, arrays, "training_state")
        if not isinstance(training_state, dict):
            raise ModelFileError(
                f"{path}: its training_state entry is not a JSON object")
        _check_optimizer_keys(path, optimizer_state, model)
    return model, training_state, optimizer_state


def _check_optimizer_keys(path, state, model):
    """Require exactly the optimiser entries a resumed run needs.

    Parameters
    ----------
    path : str
    state : dict of str to ndarray
        A checkpoint's optimiser arrays, keyed without ``optimizer.``.
    model : ContractiveAutoencoder
        Holding the checkpoint's hyper-parameters and parameters.

    Raises
    ------
    ModelFileError
        If an entry is missing or unexpected: a resume without it would
        not continue the saved run exactly.
    """
    optimizer = make_optimizer(model.optimizer, model.learning_rate,
                               model.momentum)
    expected = optimizer.state_keys(model.params_)
    missing = sorted(expected - set(state))
    unexpected = sorted(set(state) - expected)
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: its optimizer state for optimizer="
            f"{model.optimizer!r} is incomplete or foreign (missing "
            f"{['optimizer.' + key for key in missing]}, unexpected "
            f"{['optimizer.' + key for key in unexpected]}); resuming "
            f"from it would not continue the saved run"
        )


def _checked_params(path, params, model):
    """Check a file's parameter arrays against each other and the model.

    Parameters
    ----------
    path : str
    params : dict of str to ndarray
    model : ContractiveAutoencoder
        Holding the file's hyper-parameters.

    Returns
    -------
    dict of str to ndarray

    Raises
    ------
    ModelFileError
    """
    try:
        params = check_params(params, name="param")
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: {error}") from None
    n_hidden = params["W"].shape[1]
    if n_hidden != model.n_hidden or ("W_prime" in params) == model.tied:
        raise ModelFileError(
            f"{path}: its arrays (W of shape {params['W'].shape}, "
            f"W_prime {'present' if 'W_prime' in params else 'absent'}) "
            f"contradict its hyper-parameters (n_hidden={model.n_hidden}, "
            f"tied={model.tied})"
        )
    return params


def _checked_history(path, history):
    """Check a file's history arrays and turn them into lists.

    Parameters
    ----------
    path : str
    history : dict of str to ndarray

    Returns
    -------
    dict of str to list

    Raises
    ------
    ModelFileError
    """
    if set(history) != set(HISTORY_KEYS):
        raise ModelFileError(
            f"{path}: its history has entries {sorted(history)}, expected "
            f"{sorted(HISTORY_KEYS)}"
        )
    n_epochs = len(history["epoch"]) if history["epoch"].ndim == 1 else -1
    for key, value in history.items():
        if (value.ndim != 1 or len(value) != n_epochs
                or value.dtype.kind not in "iuf"
                or not all_finite(value.astype(np.float64))):
            raise ModelFileError(
                f"{path}: its history entry {key!r} is not a finite 1-D "
                f"array of one number per epoch"
            )
    if not np.array_equal(history["epoch"], np.arange(1, n_epochs + 1)):
        raise ModelFileError(
            f"{path}: its history's epochs are not 1, 2, ..., {n_epochs}")
    return {key: history[key].tolist() for key in HISTORY_KEYS}


def _check_optimizer_state(path, state, params):
    """Check a checkpoint's optimiser arrays: numbers, finite, right shapes.

    Parameters
    ----------
    path : str
    state : dict of str to ndarray
        Keys as written by the optimiser's ``state_dict``: a per-parameter
        array is named ``"<kind>.<parameter>"``.
    params : dict of str to ndarray

    Raises
    ------
    ModelFileError
    """
    for key, value in state.items():
        _, _, name = key.rpartition(".")
        expected = params.get(name)
        if value.dtype.kind not in "iuf" or not all_finite(
                value.astype(np.float64)):
            raise ModelFileError(
                f"{path}: optimizer entry {key!r} is not a finite numeric "
                f"array"
            )
        if key == "t" and (value.shape != () or value.dtype.kind not in "iu"
                           or not 0 <= int(value) <= 2**53):
            raise ModelFileError(
                f"{path}: optimizer entry 't' (Adam's step count) must be "
                f"an integer scalar from 0 to 2**53, got {value!r}"
            )
        if key.startswith("second_moment.") and np.any(value < 0):
            raise ModelFileError(
                f"{path}: optimizer entry {key!r} holds negative values; "
                f"a second moment is a mean of squares"
            )
        if expected is not None and (value.shape != expected.shape
                                     or value.dtype != expected.dtype):
            raise ModelFileError(
                f"{path}: optimizer entry {key!r} has shape {value.shape} "
                f"and dtype {value.dtype}, but {name} has {expected.shape} "
                f"and {expected.dtype}"
            )
