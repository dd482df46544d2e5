r"""Run every tutorial in ``tutorials/`` as a test.

How a tutorial is run
---------------------
The ```` ```python ```` blocks of one Markdown file are extracted in order
and executed in one namespace, in a fresh temporary working directory,
with matplotlib's Agg backend (set in ``conftest.py``). Warnings are
errors, as everywhere in the suite. Blocks fenced as ``bash`` or ``text``
are not run.

The size switch
---------------
A line of a python block that ends in ``# tutorial-size: SMALL``, such as::

    n_epochs = 20  # tutorial-size: 2

is an assignment whose right-hand side the test replaces by ``SMALL``
(here ``n_epochs = 2``), so each tutorial runs on tiny data in a few
seconds while its text keeps the real sizes. Set the environment variable
``NUMPYCAE_TUTORIAL_FULL=1`` to run at the sizes written.

Printed output
--------------
A ```` ```text ```` block that follows a python block with only blank lines
between is that block's expected output: what it printed when the
tutorial was written. The test compares it with what the block prints now,
word by word, numbers to within a relative 1e-3 (numbers below 1e-5 in
magnitude, such as the relative errors of a gradient check, are rounding
noise and need only both be below 1e-5). Output that depends on the
machine is introduced by a sentence instead, and is not compared. When a
tutorial's sizes were shrunk, its output is not compared either.

To print each block's output while writing a tutorial (``--quick``
shrinks the sizes; ``--write`` pastes each block's output into the
``text`` block right after it, at the written sizes)::

    PYTHONPATH=. python3 tests/test_tutorials.py tutorials/01-*.md
"""

import contextlib
import io
import math
import os
import re
import sys
from pathlib import Path

import pytest

import numpycae  # noqa: F401  (imported before a test changes directory)

TUTORIAL_DIR = Path(__file__).resolve().parent.parent / "tutorials"
TUTORIALS = sorted(TUTORIAL_DIR.glob("[0-9][0-9]-*.md"))

FENCE = re.compile(r"^```(\w*)\s*$")
SIZE_LINE = re.compile(
    r"^(?P<target>\s*\w+) = (?P<value>.+?)\s+# tutorial-size: (?P<small>.+?)$"
)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
NUMBER_RTOL = 1e-3
NOISE_LEVEL = 1e-5


def extract_blocks(markdown):
    """Split a tutorial into its python blocks and their expected outputs.

    Parameters
    ----------
    markdown : str

    Returns
    -------
    list of (str, str or None, tuple of int or None)
        For each python block in order: its code, the text of the
        ``text`` block right after it (or None), and the range of lines
        of that text (or None).
    """
    blocks = []
    lines = markdown.splitlines()
    position = 0
    previous_python_end = None
    while position < len(lines):
        match = FENCE.match(lines[position])
        if match is None:
            if lines[position].strip():
                previous_python_end = None
            position += 1
            continue
        language = match.group(1)
        end = position + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        body = "\n".join(lines[position + 1:end]) + "\n"
        if language == "python":
            blocks.append([body, None, None])
            previous_python_end = end
        elif language == "text" and previous_python_end is not None:
            blocks[-1][1:] = [body, (position + 1, end)]
            previous_python_end = None
        else:
            previous_python_end = None
        position = end + 1
    return [tuple(block) for block in blocks]


def shrink(code):
    """Replace each ``# tutorial-size: SMALL`` assignment by its small value.

    Parameters
    ----------
    code : str

    Returns
    -------
    code : str
    n_replaced : int
    """
    out = []
    n_replaced = 0
    for line in code.splitlines():
        match = SIZE_LINE.match(line)
        if match is not None:
            line = f"{match['target']} = {match['small']}"
            n_replaced += 1
        elif "# tutorial-size" in line:
            raise ValueError(
                f"malformed size line (expected 'name = value  "
                f"# tutorial-size: small'): {line!r}")
        out.append(line)
    return "\n".join(out) + "\n", n_replaced


def same_output(expected, printed):
    """Whether printed output matches the expected text.

    Parameters
    ----------
    expected, printed : str

    Returns
    -------
    bool
        Words must be equal; numbers equal to within ``NUMBER_RTOL``, or
        both below ``NOISE_LEVEL`` in magnitude.
    """
    expected_words = expected.split()
    printed_words = printed.split()
    if len(expected_words) != len(printed_words):
        return False
    for want, got in zip(expected_words, printed_words):
        want_numbers = [float(x) for x in NUMBER.findall(want)]
        got_numbers = [float(x) for x in NUMBER.findall(got)]
        if NUMBER.sub("#", want) != NUMBER.sub("#", got):
            return False
        for a, b in zip(want_numbers, got_numbers):
            tiny = abs(a) < NOISE_LEVEL and abs(b) < NOISE_LEVEL
            if not (tiny or math.isclose(a, b, rel_tol=NUMBER_RTOL)):
                return False
    return True


def run_tutorial(path, quick=True, echo=False):
    """Execute a tutorial's python blocks in one namespace.

    Parameters
    ----------
    path : pathlib.Path
    quick : bool
        Apply the ``# tutorial-size`` replacements.
    echo : bool
        Print each block's output as it runs.

    Returns
    -------
    list of (int, str or None, str)
        For each block: its number (from 1), its expected output and what
        it printed; expected is None where nothing is to be compared.
    """
    blocks = extract_blocks(path.read_text(encoding="utf-8"))
    runs = []
    shrunk = False
    for code, _, _ in blocks:
        if quick and shrink(code)[1]:
            shrunk = True
    namespace = {"__name__": "__tutorial__"}
    for number, (code, expected, _) in enumerate(blocks, start=1):
        if quick:
            code = shrink(code)[0]
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            exec(compile(code, f"{path.name}, block {number}", "exec"),
                 namespace)
        if echo:
            print(f"--- block {number} ---\n{stdout.getvalue()}", end="")
        runs.append((number, None if shrunk else expected,
                     stdout.getvalue()))
    return runs


def test_the_tutorials_are_found_in_order():
    # A renamed folder or pattern would otherwise leave nothing to run.
    assert [path.name[:3] for path in TUTORIALS][:4] == ["01-", "02-", "03-",
                                                         "04-"]


def test_size_lines_are_rewritten_to_their_small_value():
    code = "n_epochs = 20  # tutorial-size: 2\nlam = 0.1\n"
    assert shrink(code) == ("n_epochs = 2\nlam = 0.1\n", 1)


def test_a_size_comment_that_is_not_an_assignment_is_refused():
    with pytest.raises(ValueError, match="malformed size line"):
        shrink("fit(X, n_epochs=20)  # tutorial-size: 2\n")


def test_output_comparison_tolerates_noise_but_not_drift():
    assert same_output("error 1.000e-10\n", "error 3.2e-11")
    assert same_output("objective 14.168943", "objective 14.16895")
    assert not same_output("objective 14.168943", "objective 7.084")
    assert not same_output("dW 1.0", "db 1.0")


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda path: path.stem)
def test_tutorial_runs_and_prints_its_documented_output(path, tmp_path,
                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    quick = os.environ.get("NUMPYCAE_TUTORIAL_FULL", "") != "1"
    for number, expected, printed in run_tutorial(path, quick=quick):
        if expected is not None:
            assert same_output(expected, printed), (
                f"block {number} of {path.name} printed\n{printed}\n"
                f"but the tutorial shows\n{expected}")


def write_outputs(path, runs):
    """Replace each expected-output block by what its python block printed.

    Parameters
    ----------
    path : pathlib.Path
    runs : list
        As returned by :func:`run_tutorial` with ``quick=False``.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = extract_blocks("\n".join(lines))
    for (_, _, span), (_, _, printed) in reversed(list(zip(blocks, runs))):
        if span is not None:
            lines[span[0]:span[1]] = printed.rstrip("\n").splitlines()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    import matplotlib

    matplotlib.use("Agg")
    options = {name for name in sys.argv[1:] if name.startswith("--")}
    if {"--quick", "--write"} <= options:
        sys.exit("--write pastes the output at the written sizes; drop --quick")
    paths = [Path(name).resolve() for name in sys.argv[1:]
             if not name.startswith("--")]
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        for path in paths:
            runs = run_tutorial(path, quick="--quick" in options, echo=True)
            if "--write" in options:
                write_outputs(path, runs)
