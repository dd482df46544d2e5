r"""``python -m numpycae train``: the main job.

Trains a tied contractive autoencoder on the embedded MNIST sample (or on an
IDX data folder), then writes into the output folder:

``model.npz``
    the trained model (:func:`numpycae.load_model` reads it back);
``reconstructions.png``
    held-out digits above their reconstructions;
``filters.png``
    the first 100 columns of ``W`` as image tiles;
``training_curves.png``
    objective, reconstruction, penalty and mean ``||J||_F`` per epoch;
``scores.json``
    the held-out scores printed at the end.

With ``--compare-plain`` a plain autoencoder (``lam = 0``), otherwise
trained alike, is trained too and reported side by side.

With ``--checkpoint`` each model also writes ``checkpoint.npz`` (or
``plain_checkpoint.npz``) after every epoch; after a crash or a Ctrl-C,
the same command with ``--resume`` continues from it and ends with the
model an uninterrupted run would have given, bit for bit.
"""

import json
import os
import sys
import tempfile
import time

import numpy as np

DEFAULTS = {
    "hidden": 500,
    "lam": 0.1,
    "loss": "cross_entropy",
    "epochs": 40,
    "batch_size": 32,
    "learning_rate": 0.002,
    "optimizer": "adam",
    "seed": 0,
    "out": "cae-output",
    "test_size": 0.2,
}


def add_parser(subparsers):
    """Register the ``train`` sub-command and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
    """
    parser = subparsers.add_parser(
        "train", help="train a CAE and write the model and its figures",
        description=(
            "Train a tied contractive autoencoder on the embedded MNIST "
            "sample (or an IDX folder), write model.npz, "
            "reconstructions.png, filters.png, training_curves.png and "
            "scores.json into the output folder, and print held-out "
            "scores."))
    add_shared_options(parser, DEFAULTS)
    parser.add_argument("--lam", type=float, default=DEFAULTS["lam"],
                        help="weight of the contraction penalty per example "
                             "(default: %(default)s)")
    parser.add_argument("--loss", default=DEFAULTS["loss"],
                        choices=["cross_entropy", "squared_error"],
                        help="reconstruction loss (default: %(default)s)")
    parser.add_argument("--untied", action="store_true",
                        help="give the decoder its own weight matrix")
    parser.add_argument("--optimizer", default=DEFAULTS["optimizer"],
                        choices=["sgd", "momentum", "adam"],
                        help="(default: %(default)s)")
    parser.add_argument("--compare-plain", action="store_true",
                        help="also train a plain autoencoder (lam = 0) "
                             "alike and report both")
    parser.add_argument("--quiet", action="store_true",
                        help="print only the final scores")
    parser.add_argument("--checkpoint", action="store_true",
                        help="write OUT/checkpoint.npz after every epoch")
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint.npz, written by "
                             "an earlier run with --checkpoint and the "
                             "same options (--epochs may grow); implies "
                             "--checkpoint")


def add_shared_options(parser, defaults):
    """Options that ``train`` and ``compare`` share: data, sizes, output.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    defaults : dict
        Default values under the keys ``hidden``, ``epochs``,
        ``batch_size``, ``learning_rate``, ``seed`` and ``out``.
    """
    parser.add_argument(
        "--data", metavar="FOLDER",
        help="folder of IDX files (train-images-idx3-ubyte, ...); default: "
             "the embedded 5,000-digit MNIST sample")
    parser.add_argument("--hidden", type=int, default=defaults["hidden"],
                        help="number of hidden units (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=defaults["epochs"],
                        help="passes over the training data "
                             "(default: %(default)s)")
    parser.add_argument("--batch-size", type=int,
                        default=defaults["batch_size"],
                        help="examples per step (default: %(default)s)")
    parser.add_argument("--learning-rate", type=float,
                        default=defaults["learning_rate"],
                        help="step size (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=defaults["seed"],
                        help="seed of the split, the initial weights, the "
                             "shuffling and any noise "
                             "(default: %(default)s)")
    parser.add_argument("--out", default=defaults["out"], metavar="FOLDER",
                        help="output folder (default: %(default)s)")
    parser.add_argument("--max-train", type=int, default=None, metavar="N",
                        help="use at most N training digits (quick runs)")


def prepare_output_folder(out):
    """Create the output folder and make sure files can be written there.

    Checked before training, so that a long run does not end by failing to
    save its model.

    Parameters
    ----------
    out : str
        Value of ``--out``.

    Raises
    ------
    ValueError
        If ``out`` is empty, names an existing file, or is a folder that
        cannot be created or written to.
    """
    if not out:
        raise ValueError("--out must name a folder, got an empty string")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(
            f"--out must be a folder, but {out!r} is an existing file")
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise ValueError(
            f"--out {out!r} cannot be written to ({error.strerror}); "
            f"choose another folder") from None


def check_sizes(args, X_train):
    """Check the size options against the data, naming the options.

    Parameters
    ----------
    args : argparse.Namespace
        Uses ``batch_size``, ``hidden`` and ``epochs``.
    X_train : ndarray of shape (n_train, n_features)
        Training digits after ``--max-train``.

    Raises
    ------
    ValueError
        If an option is below 1, or ``--batch-size`` exceeds the number of
        training digits.
    """
    for option, value in [("--batch-size", args.batch_size),
                          ("--hidden", args.hidden),
                          ("--epochs", args.epochs)]:
        if value is not None and value < 1:
            raise ValueError(f"{option} must be >= 1, got {value}")
    if args.batch_size > len(X_train):
        raise ValueError(
            f"--batch-size must be at most the number of training digits "
            f"({len(X_train)}), got {args.batch_size}")


def load_data(args):
    """Training and held-out digits, scaled to [0, 1].

    Parameters
    ----------
    args : argparse.Namespace
        Uses ``data``, ``seed`` and ``max_train``.

    Returns
    -------
    X_train : ndarray of shape (n_train, n_features), float32
    X_test : ndarray of shape (n_test, n_features), float32
    image_shape : tuple of int
    description : str
    """
    from .datasets import load_idx_folder, load_mnist_sample
    from .datasets import train_test_split

    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    if args.data is None:
        X, y = load_mnist_sample()
        X_train, X_test, _, _ = train_test_split(
            X, y, test_size=DEFAULTS["test_size"], random_state=args.seed)
        image_shape = (28, 28)
        description = "embedded MNIST sample"
    else:
        folder = load_idx_folder(args.data)
        X_train, X_test = folder["X_train"], folder["X_test"]
        image_shape = folder["image_shape"]
        description = f"IDX folder {args.data}"
    if args.max_train is not None:
        if args.max_train < 1:
            raise ValueError(
                f"--max-train must be >= 1, got {args.max_train}")
        X_train = X_train[:args.max_train]
    return X_train, X_test, image_shape, description


def build_model(args, lam):
    """A :class:`~numpycae.ContractiveAutoencoder` set up from the options.

    Parameters
    ----------
    args : argparse.Namespace
    lam : float

    Returns
    -------
    ContractiveAutoencoder
    """
    from .estimator import ContractiveAutoencoder

    return ContractiveAutoencoder(
        n_hidden=args.hidden, lam=lam, tied=not args.untied, loss=args.loss,
        optimizer=args.optimizer, learning_rate=args.learning_rate,
        n_epochs=args.epochs, batch_size=args.batch_size,
        random_state=args.seed, verbose=0 if args.quiet else 1)


def held_out_scores(model, X_test, seconds):
    """Scores of a trained model on held-out digits.

    Parameters
    ----------
    model : ContractiveAutoencoder
    X_test : ndarray of shape (n_test, n_features)
    seconds : float
        Training time.

    Returns
    -------
    dict of str to float
        ``reconstruction`` (mean per-digit loss), ``jacobian_norm`` (mean
        ``||J_h(x)||_F``), ``penalty`` (mean ``||J_h(x)||_F^2``),
        ``saturation`` (fraction of codes below 0.05 or above 0.95) and
        ``seconds``.
    """
    scores = model.evaluate(X_test)
    H = model.transform(X_test)
    return {
        "lam": float(model.lam),
        "reconstruction": scores["reconstruction"],
        "jacobian_norm": scores["jacobian_norm"],
        "penalty": scores["penalty"],
        "saturation": float(np.mean((H < 0.05) | (H > 0.95))),
        "seconds": seconds,
    }


def write_figures(model, X_test, image_shape, out, prefix=""):
    """Reconstructions, filters and training curves as PNG files.

    Parameters
    ----------
    model : ContractiveAutoencoder
    X_test : ndarray of shape (n_test, n_features)
    image_shape : tuple of int
    out : str
        Output folder.
    prefix : str, default=""
        Prepended to each file name.

    Returns
    -------
    list of str
        Paths written.
    """
    from .plotting import (
        plot_filters,
        plot_reconstructions,
        plot_training_curves,
        save_figure,
    )

    label = f"lam = {model.lam:g}"
    samples = X_test[:10]
    figures = {
        "reconstructions.png": plot_reconstructions(
            samples, model.reconstruct(samples), image_shape),
        "filters.png": plot_filters(model.W_, image_shape,
                                    n_filters=min(100, model.n_hidden)),
        "training_curves.png": plot_training_curves(
            [(label, model.history_)]),
    }
    paths = []
    for name, figure in figures.items():
        path = os.path.join(out, prefix + name)
        save_figure(figure, path)
        paths.append(path)
    return paths


def fit_with_checkpoints(model, X_train, args, prefix, say):
    """Fit, writing and resuming checkpoints as the options ask.

    Parameters
    ----------
    model : ContractiveAutoencoder
    X_train : ndarray of shape (n_train, n_features)
    args : argparse.Namespace
        Uses ``checkpoint``, ``resume`` and ``out``.
    prefix : str
        Prepended to ``checkpoint.npz``.
    say : callable
        Prints progress unless ``--quiet``.

    Returns
    -------
    int
        0 when training finished; 130 after a Ctrl-C, which is reported
        with the way to resume.

    Raises
    ------
    ValueError
        If ``--resume`` finds no checkpoint, or one written with other
        options (the message says which).
    """
    path = os.path.join(args.out, prefix + "checkpoint.npz")
    keep = args.checkpoint or args.resume
    resume = None
    if args.resume:
        if not os.path.exists(path):
            raise ValueError(
                f"--resume: there is no checkpoint {path} to continue; run "
                f"with --checkpoint first")
        resume = path
        say(f"resuming from {path}")
    try:
        model.fit(X_train, checkpoint=path if keep else None, resume=resume)
    except KeyboardInterrupt:
        hint = (f"; the same command with --resume continues from {path}"
                if keep else "")
        print(f"numpycae train: interrupted{hint}", file=sys.stderr)
        return 130
    return 0


def format_scores(rows):
    """Held-out scores as an aligned text table.

    Parameters
    ----------
    rows : list of (str, dict)
        Model name and its :func:`held_out_scores`.

    Returns
    -------
    str
    """
    header = (f"{'model':<22} {'lam':>6} {'reconstruction':>15} "
              f"{'mean ||J||_F':>13} {'saturated':>10} {'train s':>8}")
    lines = [header, "-" * len(header)]
    for name, scores in rows:
        lines.append(
            f"{name:<22} {scores['lam']:>6g} "
            f"{scores['reconstruction']:>15.3f} "
            f"{scores['jacobian_norm']:>13.3f} "
            f"{scores['saturation']:>10.3f} {scores['seconds']:>8.1f}")
    return "\n".join(lines)


def run(args):
    """Train, write the outputs, print the held-out scores.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0 on success.
    """
    prepare_output_folder(args.out)
    X_train, X_test, image_shape, description = load_data(args)
    check_sizes(args, X_train)
    say = (lambda text: None) if args.quiet else print
    say(f"Training a contractive autoencoder on the {description}: "
        f"{X_train.shape[0]} training and {X_test.shape[0]} held-out "
        f"digits of {X_train.shape[1]} pixels.")

    runs = [("contractive (CAE)", args.lam)]
    if args.compare_plain:
        runs.append(("plain (AE)", 0.0))

    rows = []
    for index, (name, lam) in enumerate(runs):
        prefix = "" if index == 0 else "plain_"
        model = build_model(args, lam)
        say(f"\n{name}: {model.n_hidden} hidden units, lam = {lam:g}")
        start = time.perf_counter()
        status = fit_with_checkpoints(model, X_train, args, prefix, say)
        if status:
            return status
        seconds = time.perf_counter() - start

        model.save(os.path.join(args.out, prefix + "model.npz"))
        written = write_figures(model, X_test, image_shape, args.out, prefix)
        say("wrote " + ", ".join(
            [os.path.join(args.out, prefix + "model.npz")] + written))
        rows.append((name, held_out_scores(model, X_test, seconds)))

    scores_path = os.path.join(args.out, "scores.json")
    with open(scores_path, "w") as stream:
        json.dump(dict(rows), stream, indent=2)
    say(f"wrote {scores_path}")

    print(f"\nHeld-out scores on {X_test.shape[0]} digits (means per "
          f"digit; reconstruction is the {args.loss} summed over pixels):")
    print(format_scores(rows))
    return 0
