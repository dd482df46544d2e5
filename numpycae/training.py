r"""The minibatch loop: shuffling, batching, history and progress lines."""

import sys
import time

import numpy as np

HISTORY_KEYS = ("epoch", "objective", "reconstruction", "penalty",
                "jacobian_norm", "seconds")


def minibatch_indices(n_samples, batch_size, rng):
    """Shuffle ``range(n_samples)`` and cut it into consecutive batches.

    Parameters
    ----------
    n_samples : int
    batch_size : int
        The last batch holds the remainder when ``batch_size`` does not
        divide ``n_samples`` (5 rows in batches of 2 give 2, 2 and 1).
    rng : numpy.random.Generator
        Draws one permutation per call.

    Returns
    -------
    list of ndarray of int
        Every row index exactly once.
    """
    order = rng.permutation(n_samples)
    return [order[start:start + batch_size]
            for start in range(0, n_samples, batch_size)]


def empty_history():
    """A history with one empty list per recorded quantity.

    Returns
    -------
    dict of str to list
        Keys ``epoch``, ``objective``, ``reconstruction``, ``penalty``
        (mean squared Frobenius norm of J), ``jacobian_norm`` (mean
        Frobenius norm of J) and ``seconds``.
    """
    return {key: [] for key in HISTORY_KEYS}


def format_epoch_line(name, record, n_epochs):
    """The fixed-format progress line printed after each epoch.

    Parameters
    ----------
    name : str
        Class name, shown in brackets.
    record : dict of str to float
        One entry of each history key.
    n_epochs : int

    Returns
    -------
    str

    Examples
    --------
    >>> record = dict(epoch=3, objective=71.5, reconstruction=70.25,
    ...               penalty=12.5, jacobian_norm=3.5, seconds=1.25)
    >>> format_epoch_line("ContractiveAutoencoder", record, 20)
    '[ContractiveAutoencoder] epoch 3/20, objective 71.5000, \
reconstruction 70.2500, penalty 12.5000, mean ||J||_F 3.5000, 1.25 s'
    """
    return (
        f"[{name}] epoch {record['epoch']}/{n_epochs}, "
        f"objective {record['objective']:.4f}, "
        f"reconstruction {record['reconstruction']:.4f}, "
        f"penalty {record['penalty']:.4f}, "
        f"mean ||J||_F {record['jacobian_norm']:.4f}, "
        f"{record['seconds']:.2f} s"
    )


class EpochMeter:
    """Running batch-size-weighted means of the objective's parts.

    Parameters
    ----------
    n_batches : int
        Batches in the epoch, for the progress lines.
    name : str
        Class name for the progress lines.
    verbose : int
        0 prints nothing; otherwise a progress line is printed within an
        epoch whenever ``progress_seconds`` have passed since the last one.
    progress_seconds : float, default=5.0
    stream : file-like, default=sys.stdout
    """

    def __init__(self, n_batches, name, verbose, progress_seconds=5.0,
                 stream=None):
        self.n_batches = n_batches
        self.name = name
        self.verbose = verbose
        self.progress_seconds = progress_seconds
        self.stream = sys.stdout if stream is None else stream
        self.sums = {"objective": 0.0, "reconstruction": 0.0,
                     "penalty": 0.0, "jacobian_norm": 0.0}
        self.n_seen = 0
        self.n_batches_seen = 0
        self.start = time.perf_counter()
        self.last_print = self.start

    def add(self, objective, parts, batch_size):
        """Record one batch.

        Parameters
        ----------
        objective : float
            Batch-mean objective.
        parts : dict of str to float
            Batch means of ``reconstruction``, ``penalty`` and
            ``jacobian_norm``.
        batch_size : int
        """
        self.sums["objective"] += objective * batch_size
        for key in ("reconstruction", "penalty", "jacobian_norm"):
            self.sums[key] += parts[key] * batch_size
        self.n_seen += batch_size
        self.n_batches_seen += 1

        now = time.perf_counter()
        if self.verbose and now - self.last_print >= self.progress_seconds:
            self.last_print = now
            mean_objective = self.sums["objective"] / self.n_seen
            print(f"[{self.name}]   batch {self.n_batches_seen}/"
                  f"{self.n_batches}, objective so far "
                  f"{mean_objective:.4f}", file=self.stream, flush=True)

    def record(self, epoch):
        """Means over the epoch's examples, as one history entry.

        Parameters
        ----------
        epoch : int

        Returns
        -------
        dict of str to float
        """
        record = {key: value / max(self.n_seen, 1)
                  for key, value in self.sums.items()}
        record["epoch"] = epoch
        record["seconds"] = time.perf_counter() - self.start
        return record


def as_history_arrays(history):
    """Turn a history of lists into arrays (for saving).

    Parameters
    ----------
    history : dict of str to list

    Returns
    -------
    dict of str to ndarray
    """
    return {key: np.asarray(values, dtype=np.int64 if key == "epoch"
                            else np.float64)
            for key, values in history.items()}
