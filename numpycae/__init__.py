r"""numpycae: contractive autoencoders in pure NumPy.

A contractive autoencoder (CAE; Rifai, Vincent, Muller, Glorot and Bengio,
ICML 2011) is an autoencoder trained to reconstruct its input while keeping
the encoder's Jacobian small, so that the code changes little when the input
moves in directions the data do not take.

Symbols
-------
These names are used verbatim in code, docstrings, tutorials and figures.

==========  ===========================================  =====================
symbol      meaning                                      shape
==========  ===========================================  =====================
``X``       a batch of inputs, one example per row       (n_samples, n_features)
``W``       encoder weights; column j feeds hidden j     (n_features, n_hidden)
``b``       encoder bias                                 (n_hidden,)
``A``       encoder pre-activation ``X W + b``           (n_samples, n_hidden)
``H``       code ``s(A)``, s the encoder activation      (n_samples, n_hidden)
``W_prime`` decoder weights; ``W.T`` when tied           (n_hidden, n_features)
``c``       decoder bias                                 (n_features,)
``Z``       decoder pre-activation ``H W_prime + c``     (n_samples, n_features)
``R``       reconstruction ``sigmoid(Z)`` (or ``Z``)     (n_samples, n_features)
``J``       encoder Jacobian ``dH/dX`` per example       (n_samples, n_hidden,
                                                          n_features)
``lam``     lambda, the weight of the contraction        scalar
==========  ===========================================  =====================

A gradient carries the prefix ``d``: ``dW`` is the derivative of the
objective with respect to ``W``, ``dA`` with respect to ``A``.

The objective
-------------
For one example x with code h,

.. math::

    \mathcal{L}(x) = L(x, r) + \lambda \, \lVert J_h(x) \rVert_F^2,
    \qquad
    \lVert J_h(x) \rVert_F^2 = \sum_j s'(a_j)^2 \sum_i W_{ij}^2,

which for the sigmoid, :math:`s' = h (1 - h)`, is
:math:`\sum_j (h_j (1 - h_j))^2 \sum_i W_{ij}^2`. ``L`` is the binary
cross-entropy summed over features (the default) or the squared error summed
over features. The objective of a batch is the **mean** over its examples,
and ``lam`` weighs the penalty of **one** example; every value and every
gradient in numpycae is of that mean.

Layers
------
``activations``, ``losses``
    element-wise formulas: values and derivatives.
``functional``
    the model as plain functions on arrays: forward pass, Jacobian, penalty,
    objective and its hand-written gradient.
``fast``
    the same objective and gradients with buffers reused across steps,
    which training uses; tested against ``functional``.
``optim``, ``training``
    SGD, momentum and Adam; the minibatch loop.
``penalties``, ``corruption``
    the rival autoencoders' terms (weight decay, sparsity, CAE+H) and the
    denoising autoencoder's input noise, plugged into the objective.
``estimator``
    :class:`ContractiveAutoencoder`, the scikit-learn-style face.
``validation``, ``model_files``
    checks of user input and the error classes; reading model files.
``gradcheck``
    finite differences and readable gradient reports.
``datasets``, ``plotting``, ``__main__``
    the embedded MNIST sample and IDX files; figures; the command line.
``analysis``, ``analysis_plots``
    measurements of a trained encoder (Jacobian norms, saturation, spectra,
    contraction curves, robustness) and their figures.
"""

from .activations import sigmoid
from .estimator import ContractiveAutoencoder, load_model
from .functional import (
    contraction_penalty,
    decode,
    encode,
    forward,
    init_parameters,
    jacobian,
    objective_and_gradients,
)
from .model_files import ModelFileError
from .validation import DivergenceError, NonFiniteError, NotFittedError

__version__ = "0.1.0"

__all__ = [
    "ContractiveAutoencoder",
    "DivergenceError",
    "ModelFileError",
    "NonFiniteError",
    "NotFittedError",
    "contraction_penalty",
    "decode",
    "encode",
    "forward",
    "init_parameters",
    "jacobian",
    "load_model",
    "objective_and_gradients",
    "sigmoid",
]
