r"""``python -m numpycae bench``: how close a training step is to its products.

A CAE training step is five matrix products plus element-wise work; the
products are the limit of this machine. For a few sizes and both dtypes the
benchmark measures, in one run and interleaved so that both see the same
machine load:

* ``mm``: the five products done bare, into preallocated arrays;
* ``step``: :class:`numpycae.fast.TrainingStep` (objective, parts and every
  gradient), with lambda > 0 and with lambda = 0;
* ``reference``: :func:`numpycae.functional.objective_and_gradients`, the
  derivation as the tutorials write it;
* ``epoch``: one epoch of :meth:`ContractiveAutoencoder.fit` (shuffling,
  batching, optimiser, history), against the sum of its steps' products;
* the peak memory a step allocates (``tracemalloc``) and the buffers it
  holds, against twice the parameters plus one batch's activations;
* at one small size, the penalty's gradient through the explicit
  (n_samples, n_hidden, n_features) Jacobian instead of the closed form.

Times are medians over many repetitions after a warm-up; ratios are what
the README quotes.
"""

import os
import platform
import time
import tracemalloc

import numpy as np

from .estimator import ContractiveAutoencoder
from .fast import TrainingStep
from .functional import (
    init_parameters,
    objective_and_gradients,
)
from .optim import Adam

# (n_features, batch_size, n_hidden values, repetitions, epoch batches)
FULL = (784, 100, (250, 500, 1000, 2000), 30, 20)
QUICK = (20, 10, (8, 16), 3, 3)
EXPLICIT_SIZE = {"full": (784, 100, 100), "quick": (20, 10, 8)}


def add_parser(subparsers):
    """Register the ``bench`` command.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
    """
    parser = subparsers.add_parser(
        "bench", help="time a training step against its matrix products",
        description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="tiny sizes and few repetitions (a smoke test, not a figure)")
    parser.add_argument(
        "--repeats", type=int, default=None,
        help="repetitions per measurement (default 30, 3 with --quick)")


def run(args):
    """Measure and print the table.

    Parameters
    ----------
    args : argparse.Namespace
        ``quick`` and ``repeats``.

    Returns
    -------
    int
        0.
    """
    n_features, batch_size, hidden_sizes, repeats, n_batches = (
        QUICK if args.quick else FULL)
    if args.repeats is not None:
        if args.repeats < 1:
            raise ValueError(
                f"--repeats must be >= 1, got {args.repeats}")
        repeats = args.repeats
    print(describe_machine())
    print(f"D = {n_features} inputs, batch {batch_size}, tied, sigmoid, "
          f"cross-entropy, lambda 0.1; medians of {repeats} repetitions")
    print()
    rows = [measure_size(n_features, n_hidden, batch_size, dtype, repeats,
                         n_batches)
            for dtype in (np.float32, np.float64)
            for n_hidden in hidden_sizes]
    print(format_table(rows))
    print()
    size = EXPLICIT_SIZE["quick" if args.quick else "full"]
    print(format_explicit(measure_explicit(*size, max(3, repeats // 3))))
    return 0


def describe_machine():
    """One line naming the CPU, its cores, the BLAS and its threads.

    Returns
    -------
    str
    """
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as stream:
            for line in stream:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    threads, source = blas_threads()
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    coretype = f", OPENBLAS_CORETYPE={coretype}" if coretype else ""
    try:
        load = f"; load average {os.getloadavg()[0]:.1f} at start"
    except OSError:
        load = ""
    return (f"machine: {cpu}, {os.cpu_count()} logical cores; BLAS: "
            f"{blas_name()} with {threads} threads ({source}){coretype}; "
            f"NumPy {np.__version__}{load}")


def blas_name():
    """Name and version of the BLAS NumPy was built with.

    Returns
    -------
    str
    """
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except (TypeError, KeyError, ValueError):
        return "unknown"


def blas_threads():
    """Threads the BLAS uses, and how that number was found.

    Returns
    -------
    threads : int or str
    source : str
        ``"asked OpenBLAS"`` when the loaded OpenBLAS library answered,
        else the environment variable read, else an assumption.

    Notes
    -----
    threadpoolctl is not a dependency; on Linux the loaded OpenBLAS is
    found in ``/proc/self/maps`` and asked through ctypes.
    """
    try:
        import ctypes
        with open("/proc/self/maps") as stream:
            paths = {line.split()[-1] for line in stream
                     if "openblas" in line.lower() and "/" in line}
        for path in sorted(paths):
            library = ctypes.CDLL(path)
            for symbol in ("scipy_openblas_get_num_threads64_",
                           "openblas_get_num_threads64_",
                           "openblas_get_num_threads"):
                function = getattr(library, symbol, None)
                if function is not None:
                    function.restype = ctypes.c_int
                    return function(), "asked OpenBLAS"
    except (OSError, ImportError):
        pass
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                     "MKL_NUM_THREADS"):
        if os.environ.get(variable):
            return os.environ[variable], f"from {variable}"
    return os.cpu_count(), "assumed one per core"


def bare_products(n_features, n_hidden, batch_size, dtype, rng):
    r"""A function doing the five products of a tied step, and nothing else.

    Parameters
    ----------
    n_features, n_hidden, batch_size : int
    dtype : numpy dtype
    rng : numpy.random.Generator

    Returns
    -------
    callable
        Computes, into preallocated arrays,
        :math:`A = X W`, :math:`Z = H W^\top`, :math:`dZ^\top H`,
        :math:`dH = dZ W` and :math:`X^\top dA`.
    """
    X = rng.uniform(0, 1, (batch_size, n_features)).astype(dtype)
    W = rng.normal(0, 0.1, (n_features, n_hidden)).astype(dtype)
    A = np.empty((batch_size, n_hidden), dtype)
    Z = np.empty((batch_size, n_features), dtype)
    dW_decoder = np.empty((n_features, n_hidden), dtype)
    dW = np.empty((n_features, n_hidden), dtype)

    def products():
        np.matmul(X, W, out=A)
        np.matmul(A, W.T, out=Z)
        np.matmul(Z.T, A, out=dW_decoder)
        np.matmul(Z, W, out=A)
        np.matmul(X.T, A, out=dW)

    return products


def median_times(functions, repeats):
    """Median seconds of each function, timed in interleaved rounds.

    Parameters
    ----------
    functions : dict of str to callable
    repeats : int
        Timed rounds, after two rounds of warm-up.

    Returns
    -------
    dict of str to float
    """
    times = {name: [] for name in functions}
    for round_ in range(repeats + 2):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            if round_ >= 2:
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def step_peak_bytes(function):
    """Peak bytes allocated while ``function`` runs (tracemalloc).

    Parameters
    ----------
    function : callable

    Returns
    -------
    int
    """
    function()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure_size(n_features, n_hidden, batch_size, dtype, repeats,
                 n_batches):
    """Every figure of one row of the table.

    Parameters
    ----------
    n_features, n_hidden, batch_size : int
    dtype : numpy dtype
    repeats : int
    n_batches : int
        Batches in the timed epoch.

    Returns
    -------
    dict
    """
    rng = np.random.default_rng(0)
    params = init_parameters(n_features, n_hidden, rng=rng, dtype=dtype)
    X = rng.uniform(0, 1, (batch_size, n_features)).astype(dtype)
    step = TrainingStep(n_features, n_hidden, batch_size, dtype)
    optimizer = Adam(1e-3)
    update_params = {name: value.copy() for name, value in params.items()}

    def adam_update():
        optimizer.step(update_params, step.grads)

    times = median_times({
        "mm": bare_products(n_features, n_hidden, batch_size, dtype, rng),
        "step": lambda: step(params, X, 0.1),
        "step_lam0": lambda: step(params, X, 0.0),
        "reference": lambda: objective_and_gradients(params, X, 0.1),
        "adam": adam_update,
    }, repeats)

    data = rng.uniform(0, 1, (n_batches * batch_size, n_features))
    data = data.astype(dtype)
    epochs = {}
    for name in ("adam", "sgd"):
        model = ContractiveAutoencoder(
            n_hidden, 0.1, optimizer=name, n_epochs=1,
            batch_size=batch_size, random_state=0).fit(data)
        model._fast_step = model._make_fast_step(data)
        epochs[name] = median_times(
            {"epoch": lambda: model._run_epoch(data, 2)},
            max(3, repeats // 6))["epoch"]

    parameters_bytes = sum(value.nbytes for value in params.values())
    activations_bytes = (2 * batch_size * (n_features + n_hidden)
                         * np.dtype(dtype).itemsize)
    return {
        "dtype": np.dtype(dtype).name, "n_hidden": n_hidden, **times,
        "epoch_adam": epochs["adam"], "epoch_sgd": epochs["sgd"],
        "n_batches": n_batches,
        "peak": step_peak_bytes(lambda: step(params, X, 0.1)),
        "reference_peak": step_peak_bytes(
            lambda: objective_and_gradients(params, X, 0.1)),
        "workspace": step.workspace_bytes(),
        "bound": 2 * parameters_bytes + activations_bytes,
    }


def format_table(rows):
    """The benchmark's table, ratios to the bare products.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`measure_size`.

    Returns
    -------
    str
    """
    header = ("dtype        H    mm ms    step   lam=0    +pen     ref"
              "    adam ep.adam  ep.sgd peak KiB  ref KiB held MiB"
              "  bound")
    lines = [header, "-" * len(header)]
    for row in rows:
        mm = row["mm"]
        epoch_mm = mm * row["n_batches"]
        held = (row["workspace"] + row["peak"]) / 2**20
        figures = [
            row["step"] / mm, row["step_lam0"] / mm,
            100 * (row["step"] / row["step_lam0"] - 1),
            row["reference"] / mm, row["adam"] / mm,
            row["epoch_adam"] / epoch_mm, row["epoch_sgd"] / epoch_mm]
        lines.append(
            f"{row['dtype']:<8} {row['n_hidden']:>5} {mm * 1e3:>8.2f} "
            + " ".join(f"{figure:>7.3f}" for figure in figures)
            + f" {row['peak'] / 2**10:>8.1f} "
            f"{row['reference_peak'] / 2**10:>8.0f} {held:>8.1f} "
            f"{row['bound'] / 2**20:>6.1f}")
    lines.append("")
    lines.append(
        "mm: the five products alone. Ratios to mm: step, lam=0, ref "
        "(objective_and_gradients),\nadam (the optimiser update alone); "
        "ep.adam and ep.sgd: one fit epoch with that\noptimiser against "
        "its steps' products. +pen: step over lam=0, in %. peak: bytes a\n"
        "step allocates; held: its buffers (gradients included) plus its "
        "peak; bound: twice\nthe parameters plus one batch's activations.")
    return "\n".join(lines)


def explicit_jacobian_step(params, X, lam):
    r"""The objective's gradients with the penalty taken through J itself.

    What a step costs if the contraction is computed from the explicit
    Jacobian tensor instead of its closed form (the benchmark's
    comparison); the reconstruction part is
    :func:`numpycae.functional.objective_and_gradients` with lambda 0.

    Parameters
    ----------
    params : dict of str to ndarray
        A tied or untied sigmoid model.
    X : ndarray of shape (n_samples, n_features)
    lam : float

    Returns
    -------
    objective : float
    grads : dict of str to ndarray

    Notes
    -----
    With :math:`J_{nji} = s'(a_{nj}) W_{ij}` and
    :math:`P = \frac{1}{n} \sum_{nji} J_{nji}^2`, the chain rule through J
    gives

    .. math::

        \frac{\partial P}{\partial a_{nj}}
            = \frac{2}{n} s''(a_{nj}) \sum_i J_{nji} W_{ij}, \qquad
        \frac{\partial P}{\partial W_{ij}}\Big|_\text{direct}
            = \frac{2}{n} \sum_n J_{nji} \, s'(a_{nj}).
    """
    lam = float(lam)
    n_samples = X.shape[0]
    objective, grads, _ = objective_and_gradients(params, X, 0.0)
    W = params["W"]
    H = 1.0 / (1.0 + np.exp(-(X @ W + params["b"])))
    slope = H * (1.0 - H)
    curvature = slope * (1.0 - 2.0 * H)

    J = slope[:, :, np.newaxis] * W.T[np.newaxis, :, :]
    penalty = np.sum(J * J) / n_samples
    dJ = (2.0 * lam / n_samples) * J

    dA = curvature * np.sum(dJ * W.T[np.newaxis, :, :], axis=2)
    dW_direct = np.sum(dJ * slope[:, :, np.newaxis], axis=0).T

    grads["W"] = grads["W"] + X.T @ dA + dW_direct
    grads["b"] = grads["b"] + np.sum(dA, axis=0)
    return objective + lam * float(penalty), grads


def measure_explicit(n_features, batch_size, n_hidden, repeats):
    """Time and memory of the explicit-Jacobian step against the fast one.

    Parameters
    ----------
    n_features, batch_size, n_hidden : int
    repeats : int

    Returns
    -------
    dict
    """
    rng = np.random.default_rng(0)
    params = init_parameters(n_features, n_hidden, rng=rng)
    X = rng.uniform(0, 1, (batch_size, n_features))
    step = TrainingStep(n_features, n_hidden, batch_size)
    times = median_times({
        "fast": lambda: step(params, X, 0.1),
        "explicit": lambda: explicit_jacobian_step(params, X, 0.1),
    }, repeats)
    return {
        "size": (n_features, batch_size, n_hidden), **times,
        "fast_peak": step_peak_bytes(lambda: step(params, X, 0.1)),
        "explicit_peak": step_peak_bytes(
            lambda: explicit_jacobian_step(params, X, 0.1)),
    }


def format_explicit(result):
    """Two lines comparing the explicit Jacobian with the closed form.

    Parameters
    ----------
    result : dict
        As returned by :func:`measure_explicit`.

    Returns
    -------
    str
    """
    D, n, H = result["size"]
    return (
        f"explicit Jacobian (n={n}, H={H}, D={D}, float64): "
        f"{result['explicit'] * 1e3:.1f} ms and "
        f"{result['explicit_peak'] / 2**20:.1f} MiB per step, against "
        f"{result['fast'] * 1e3:.2f} ms and "
        f"{result['fast_peak'] / 2**10:.1f} KiB for the closed form "
        f"({result['explicit'] / result['fast']:.0f} times the time)")
