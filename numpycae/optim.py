r"""Hand-written optimisers that update a dict of named arrays in place.

Each optimiser keeps its own state (velocities, moments, step count) in
arrays of the parameters' shapes and dtype, and exposes it through
``state_dict`` / ``load_state_dict`` so a checkpoint can resume exactly.

Updates are computed in place, through one scratch array per parameter
that is reused by every step: a fresh temporary of the size of ``W`` at
every step would cost more than the arithmetic (page faults). ``step``
can also write the new parameters into other arrays (``out=``) and leave
the old ones untouched: the training loop keeps two sets of parameters
and swaps them after a finite step, which makes undoing a failed step
free instead of copying every parameter before every step.
"""

import math

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adam")


class SGD:
    r"""Plain stochastic gradient descent.

    Parameters
    ----------
    learning_rate : float

    Notes
    -----
    .. math::  \theta \leftarrow \theta - \eta \, d\theta
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self._scratch_arrays = {}

    def step(self, params, grads, out=None):
        """Update every array of ``params``, in place or into ``out``.

        Parameters
        ----------
        params : dict of str to ndarray
        grads : dict of str to ndarray
            Same keys and shapes as ``params``.
        out : dict of str to ndarray, optional
            Arrays of the same keys and shapes that receive the new values;
            ``params`` then stays unchanged (the optimiser's own state, if
            any, still advances).
        """
        rate = float(self.learning_rate)
        for name, param in params.items():
            update = np.multiply(grads[name], rate,
                                 out=self._scratch(name, param))
            np.subtract(param, update, out=_target(param, name, out))

    def _scratch(self, name, param):
        """A reusable array of the parameter's shape and dtype (not state).

        Parameters
        ----------
        name : str
        param : ndarray

        Returns
        -------
        ndarray of the shape and dtype of ``param``
        """
        array = self._scratch_arrays.get(name)
        if array is None or array.shape != param.shape \
                or array.dtype != param.dtype:
            array = self._scratch_arrays[name] = np.empty_like(param)
        return array

    def state_dict(self):
        """Arrays that define the optimiser's state (none for SGD).

        Returns
        -------
        dict of str to ndarray
        """
        return {}

    def load_state_dict(self, state):
        """Restore the state returned by :meth:`state_dict`.

        Parameters
        ----------
        state : dict of str to ndarray
        """

    def state_keys(self, param_names):
        """The keys :meth:`state_dict` returns once every parameter stepped.

        Parameters
        ----------
        param_names : iterable of str

        Returns
        -------
        set of str
            Empty: plain SGD keeps no state.
        """
        return set()


class Momentum(SGD):
    r"""Gradient descent with classical (heavy-ball) momentum.

    Parameters
    ----------
    learning_rate : float
    momentum : float, default=0.9
        Fraction of the previous velocity kept at each step.

    Notes
    -----
    .. math::

        v \leftarrow \mu v - \eta \, d\theta, \qquad
        \theta \leftarrow \theta + v.
    """

    def __init__(self, learning_rate, momentum=0.9):
        super().__init__(learning_rate)
        self.momentum = momentum
        self.velocity = {}

    def step(self, params, grads, out=None):
        """Update every array of ``params``, in place or into ``out``.

        Parameters
        ----------
        params : dict of str to ndarray
        grads : dict of str to ndarray
        out : dict of str to ndarray, optional
            See :meth:`SGD.step`.
        """
        rate, mu = float(self.learning_rate), float(self.momentum)
        for name, param in params.items():
            velocity = self.velocity.setdefault(name, np.zeros_like(param))
            velocity *= mu
            velocity -= np.multiply(grads[name], rate,
                                    out=self._scratch(name, param))
            np.add(param, velocity, out=_target(param, name, out))

    def state_dict(self):
        """Velocities, one per parameter.

        Returns
        -------
        dict of str to ndarray
        """
        return {f"velocity.{k}": v.copy() for k, v in self.velocity.items()}

    def load_state_dict(self, state):
        """Restore velocities saved by :meth:`state_dict`.

        Parameters
        ----------
        state : dict of str to ndarray
        """
        self.velocity = {
            key.split(".", 1)[1]: np.array(value)
            for key, value in state.items() if key.startswith("velocity.")
        }

    def state_keys(self, param_names):
        """The keys :meth:`state_dict` returns once every parameter stepped.

        Parameters
        ----------
        param_names : iterable of str

        Returns
        -------
        set of str
            One velocity per parameter.
        """
        return {f"velocity.{name}" for name in param_names}


class Adam(SGD):
    r"""Adam (Kingma and Ba, 2015) with bias-corrected moments.

    Parameters
    ----------
    learning_rate : float
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    epsilon : float, default=1e-8

    Notes
    -----
    With step count t,

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1)\, d\theta, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2)\, d\theta^2,

        \theta \leftarrow \theta - \eta \,
            \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}.

    The step computes the same update with the bias corrections moved into
    two scalars, one pass over the parameters fewer:

    .. math::

        \theta \leftarrow \theta - \eta_t \,
            \frac{m}{\sqrt{v} + \epsilon_t}, \qquad
        \eta_t = \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \quad
        \epsilon_t = \epsilon \sqrt{1 - \beta_2^t},

    which is the formula above multiplied and divided by
    :math:`\sqrt{1 - \beta_2^t}` (the epsilon stays where Kingma and Ba
    put it, on the bias-corrected scale); it differs only in rounding.
    """

    def __init__(self, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.t = 0
        self.first_moment = {}
        self.second_moment = {}

    def step(self, params, grads, out=None):
        """Update every array of ``params``, in place or into ``out``.

        Parameters
        ----------
        params : dict of str to ndarray
        grads : dict of str to ndarray
        out : dict of str to ndarray, optional
            See :meth:`SGD.step`.
        """
        self.t += 1
        beta1, beta2 = float(self.beta1), float(self.beta2)
        root_correction2 = math.sqrt(1.0 - beta2 ** self.t)
        rate = float(self.learning_rate * root_correction2
                     / (1.0 - beta1 ** self.t))
        epsilon = float(self.epsilon * root_correction2)
        for name, param in params.items():
            grad = grads[name]
            m = self.first_moment.setdefault(name, np.zeros_like(param))
            v = self.second_moment.setdefault(name, np.zeros_like(param))

            scratch = self._scratch(name, param)

            m *= beta1
            m += np.multiply(grad, 1.0 - beta1, out=scratch)
            v *= beta2
            np.multiply(grad, grad, out=scratch)
            scratch *= 1.0 - beta2
            v += scratch

            np.sqrt(v, out=scratch)
            scratch += epsilon
            np.divide(m, scratch, out=scratch)
            scratch *= rate
            np.subtract(param, scratch, out=_target(param, name, out))

    def state_dict(self):
        """Moments, one pair per parameter, and the step count.

        Returns
        -------
        dict of str to ndarray
        """
        state = {"t": np.array(self.t)}
        for name in self.first_moment:
            state[f"first_moment.{name}"] = self.first_moment[name].copy()
            state[f"second_moment.{name}"] = self.second_moment[name].copy()
        return state

    def load_state_dict(self, state):
        """Restore moments and step count saved by :meth:`state_dict`.

        Parameters
        ----------
        state : dict of str to ndarray
        """
        self.t = int(state.get("t", 0))
        self.first_moment, self.second_moment = {}, {}
        for key, value in state.items():
            kind, _, name = key.partition(".")
            if kind == "first_moment":
                self.first_moment[name] = np.array(value)
            elif kind == "second_moment":
                self.second_moment[name] = np.array(value)

    def state_keys(self, param_names):
        """The keys :meth:`state_dict` returns once every parameter stepped.

        Parameters
        ----------
        param_names : iterable of str

        Returns
        -------
        set of str
            The step count ``t`` and two moments per parameter.
        """
        keys = {"t"}
        for name in param_names:
            keys |= {f"first_moment.{name}", f"second_moment.{name}"}
        return keys


def _target(param, name, out):
    """Where a step writes the new value of one parameter.

    Parameters
    ----------
    param : ndarray
    name : str
    out : dict of str to ndarray or None

    Returns
    -------
    ndarray
        ``param`` itself when ``out`` is None, else ``out[name]``.
    """
    return param if out is None else out[name]


def make_optimizer(name, learning_rate, momentum=0.9):
    """Build an optimiser by name.

    Parameters
    ----------
    name : {"sgd", "momentum", "adam"}
    learning_rate : float
    momentum : float, default=0.9
        Used by ``"momentum"`` only.

    Returns
    -------
    SGD or Momentum or Adam

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    """
    if name == "sgd":
        return SGD(learning_rate)
    if name == "momentum":
        return Momentum(learning_rate, momentum)
    if name == "adam":
        return Adam(learning_rate)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
