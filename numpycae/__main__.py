r"""Command line: ``python -m numpycae COMMAND [options]``.

Commands
--------
train
    Train a tied CAE on the embedded MNIST sample (or an IDX folder), write
    the model and its figures, and report held-out scores.
bench
    Time a training step against its own matrix products.
compare
    Train the CAE and its rivals (AE, weight decay, denoising, sparse,
    CAE+H) alike and compare them as in the paper's Table 1.

Each command lives in its own module and registers itself in
:data:`COMMANDS` through a function that adds its sub-parser.
"""

import argparse
import sys

from . import cli_bench, cli_compare, cli_train

# name -> module with ``add_parser(subparsers)`` and ``run(args)``
COMMANDS = {
    "train": cli_train,
    "bench": cli_bench,
    "compare": cli_compare,
}


def build_parser():
    """The top-level parser with one sub-parser per command.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="python -m numpycae",
        description="Contractive autoencoders in pure NumPy.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in COMMANDS.values():
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Parse ``argv`` and run the chosen command.

    Parameters
    ----------
    argv : list of str, optional
        Defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 for a usage or input error.
    """
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args) or 0
    except (ValueError, TypeError, OSError) as error:
        print(f"numpycae {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
