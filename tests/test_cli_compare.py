"""Tests of ``python -m numpycae compare`` on its tiny setting (seconds)."""

import json
import struct

import numpy as np
import pytest
from matplotlib.image import imread

from numpycae.__main__ import COMMANDS, main
from numpycae.cli_compare import RIVALS, findings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIGURES = ["contraction_curves.png", "spectra.png", "tangents.png",
           "filters.png", "robustness.png"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    capture = pytest.MonkeyPatch()
    lines = []
    capture.setattr("builtins.print",
                    lambda *items, **_: lines.append(" ".join(
                        str(item) for item in items)))
    try:
        status = main(["compare", "--tiny", "--out", str(out)])
    finally:
        capture.undo()
    assert status == 0
    return out, "\n".join(lines)


def test_compare_is_registered():
    assert COMMANDS["compare"].__name__ == "numpycae.cli_compare"


def test_table_has_one_row_per_model(tiny_run):
    _, output = tiny_run
    header = next(line for line in output.splitlines()
                  if line.startswith("model ") and "SAT %" in line)
    table = output.split(header)[1].strip().splitlines()[:len(RIVALS)]
    assert [row.split("  ")[0] for row in table] == [r.label for r in RIVALS]
    for row in table:
        numbers = [float(value) for value in row.split()[-5:]]
        assert all(np.isfinite(numbers))
    assert "hyper-parameters: for each rival, the strongest value" in output
    assert "tuning: CAE+H" in output


def test_findings_are_stated_with_their_numbers(tiny_run):
    _, output = tiny_run
    stated = [line for line in output.splitlines()
              if line.strip().startswith(("[reproduced]",
                                          "[NOT reproduced]"))]
    assert len(stated) == 6
    assert all("AE" in line and any(ch.isdigit() for ch in line)
               for line in stated)


@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_real_pngs(tiny_run, name):
    out, _ = tiny_run
    with open(out / name, "rb") as stream:
        header = stream.read(24)
    assert header[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", header[16:24])
    assert width >= 300 and height >= 150
    pixels = imread(out / name)
    assert np.ptp(pixels[..., :3]) > 0.5, "the figure is blank"


def test_results_file_holds_every_row_and_the_tuning_log(tiny_run):
    out, _ = tiny_run
    results = json.loads((out / "results.json").read_text())
    assert list(results["rows"]) == [rival.label for rival in RIVALS]
    assert {entry["model"] for entry in results["tuning"]} == {
        rival.label for rival in RIVALS[1:]}
    assert len(results["contraction"]["CAE"]) == len(results["radii"])


def test_findings_follow_the_numbers():
    # Hand-made rows: the CAE wins on norm and SAT but not on the spectrum,
    # and the AE's curve rises: each claim must read the numbers.
    def row(norm, sat, rank, start, peak, peak_radius):
        return {"jacobian_norm": norm, "saturation": sat,
                "effective_rank": rank, "contraction_start": start,
                "contraction_peak": peak,
                "contraction_peak_radius": peak_radius}
    rows = {"AE": row(5.0, 0.2, 10.0, 0.5, 0.6, 3.0),
            "AE + weight decay": row(4.0, 0.1, 12.0, 0.4, 0.4, 0.1),
            "CAE": row(2.0, 0.5, 11.0, 0.1, 0.3, 8.0)}
    verdicts = [holds for _, holds, _ in findings(rows)]
    assert verdicts == [True, True, False, True, True, False]


def test_presets_are_used_and_said_with_no_tune(tmp_path, capsys):
    assert main(["compare", "--tiny", "--no-tune", "--quiet", "--out",
                 str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "hyper-parameters: presets (--no-tune)" in output
    assert "CAE+H" in output and "lam=0.3, gamma=0.3" in output


@pytest.mark.parametrize("option, message", [
    (["--hidden", "0"], "--hidden must be >= 1, got 0"),
    (["--tolerance", "-1"], "--tolerance must be >= 0.0, got -1.0"),
    (["--max-train", "3"], "--max-train must be >= 10, got 3"),
])
def test_bad_options_give_clear_errors(tmp_path, capsys, option, message):
    status = main(["compare", "--out", str(tmp_path), *option])
    assert status == 2
    assert message in capsys.readouterr().err


def test_tiny_does_not_hide_a_bad_option(tmp_path, capsys):
    # --tiny replaces the sizes, but only after the given ones are checked.
    from numpycae.__main__ import main

    status = main(["compare", "--tiny", "--hidden", "0", "--out",
                   str(tmp_path)])
    assert status == 2
    assert "--hidden must be >= 1, got 0" in capsys.readouterr().err


def test_compare_refuses_a_file_as_output_folder(tmp_path, capsys):
    from numpycae.__main__ import main

    target = tmp_path / "taken"
    target.write_text("keep me")
    status = main(["compare", "--tiny", "--out", str(target)])
    assert status == 2
    assert "--out must be a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_compare_names_batch_size_for_small_data(tmp_path, capsys):
    from numpycae.__main__ import main

    status = main(["compare", "--max-train", "20", "--out", str(tmp_path),
                   "--quiet"])
    assert status == 2
    assert ("--batch-size must be at most the number of digits a model is "
            "fitted on (16), got 64") in capsys.readouterr().err
