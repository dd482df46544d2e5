"""Tests of the main job, ``python -m numpycae train``, on a tiny setting."""

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from numpycae import load_model
from numpycae.__main__ import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """Width and height from a PNG file's IHDR chunk."""
    with open(path, "rb") as stream:
        header = stream.read(24)
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def job_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    status = main(["train", "--hidden", "16", "--epochs", "2",
                   "--max-train", "300", "--out", str(out),
                   "--compare-plain", "--quiet"])
    assert status == 0
    return out


def test_main_job_writes_models_that_load(job_output):
    cae = load_model(job_output / "model.npz")
    plain = load_model(job_output / "plain_model.npz")
    assert cae.W_.shape == (784, 16) and cae.lam == 0.1
    assert plain.lam == 0.0
    assert len(cae.history_["objective"]) == 2


@pytest.mark.parametrize("name", ["reconstructions.png", "filters.png",
                                  "training_curves.png"])
@pytest.mark.parametrize("prefix", ["", "plain_"])
def test_main_job_figures_are_real_images(job_output, name, prefix):
    import matplotlib.image

    width, height = png_size(job_output / (prefix + name))
    assert width >= 300 and height >= 150
    pixels = matplotlib.image.imread(job_output / (prefix + name))
    assert pixels.shape[:2] == (height, width)
    assert np.ptp(pixels[..., :3]) > 0.5, "the figure is blank"


def test_main_job_reports_held_out_scores(job_output):
    scores = json.loads((job_output / "scores.json").read_text())
    assert set(scores) == {"contractive (CAE)", "plain (AE)"}
    for row in scores.values():
        assert row["reconstruction"] > 0 and row["jacobian_norm"] > 0
        assert 0 <= row["saturation"] <= 1


def test_main_job_prints_the_score_table(tmp_path, capsys):
    main(["train", "--hidden", "8", "--epochs", "1", "--max-train", "100",
          "--out", str(tmp_path), "--quiet"])
    output = capsys.readouterr().out
    assert "Held-out scores on 1000 digits" in output
    assert "contractive (CAE)" in output and "mean ||J||_F" in output


def test_bad_option_gives_a_clear_error(tmp_path, capsys):
    status = main(["train", "--hidden", "0", "--out", str(tmp_path),
                   "--quiet"])
    assert status == 2
    assert "--hidden must be >= 1, got 0" in capsys.readouterr().err


def test_module_runs_as_a_program(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "numpycae", "train", "--help"],
        capture_output=True, text=True, check=True)
    assert "--compare-plain" in completed.stdout


@pytest.mark.parametrize("options, message", [
    (["--max-train", "-5"], "--max-train must be >= 1, got -5"),
    (["--max-train", "0"], "--max-train must be >= 1, got 0"),
    (["--max-train", "20", "--batch-size", "32"],
     r"--batch-size must be at most the number of training digits \(20\), "
     r"got 32"),
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
])
def test_bad_sizes_are_named_by_their_option(tmp_path, capsys, options,
                                             message):
    import re

    status = main(["train", "--out", str(tmp_path), "--quiet"] + options)
    assert status == 2
    assert re.search(message, capsys.readouterr().err)


def test_unwritable_output_is_refused_before_training(tmp_path, capsys):
    # A file where the folder should be: refused at once, nothing trained.
    target = tmp_path / "taken"
    target.write_text("not a folder")
    status = main(["train", "--out", str(target), "--quiet"])
    assert status == 2
    assert "--out must be a folder" in capsys.readouterr().err
    assert target.read_text() == "not a folder"

    status = main(["train", "--out", "", "--quiet"])
    assert status == 2
    assert "--out must name a folder" in capsys.readouterr().err


def test_negative_seed_is_named_by_its_option(tmp_path, capsys):
    status = main(["train", "--seed", "-1", "--out", str(tmp_path),
                   "--quiet"])
    assert status == 2
    assert "--seed must be >= 0, got -1" in capsys.readouterr().err
