"""Issue 3, section 3: model files round-trip bit for bit, load never
unpickles, bad files are refused with an error naming them, and saving is
atomic."""

import io
import json
import os
import pickle
import re
import zipfile

import numpy as np
import pytest

from numpycae import ContractiveAutoencoder, load_model
from numpycae.estimator import HYPERPARAMETERS
from numpycae.model_files import FORMAT_VERSION, ModelFileError


@pytest.fixture
def data():
    return np.random.default_rng(0).uniform(size=(30, 8))


def fitted(data, **options):
    settings = dict(n_hidden=4, lam=0.3, n_epochs=2, batch_size=7,
                    random_state=0, learning_rate=0.01)
    settings.update(options)
    return ContractiveAutoencoder(**settings).fit(data)


@pytest.fixture
def model_file(tmp_path, data):
    path = tmp_path / "model.npz"
    fitted(data, tied=False).save(path)
    return path


def entries(path):
    """Every array of an npz file, read without pickles."""
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def rewrite(path, **changes):
    """Write the archive at ``path`` again with some entries changed
    (None removes an entry)."""
    arrays = entries(path)
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


def refused(path, message=""):
    """load_model(path) must raise a ModelFileError naming the file."""
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    text = str(caught.value)
    assert str(path) in text, text
    assert re.search(message, text), text
    return text


# -- round trip ----------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tied", [True, False])
def test_round_trip_is_bit_for_bit(tmp_path, data, dtype, tied):
    model = fitted(data.astype(dtype), tied=tied)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")

    assert loaded.params_.keys() == model.params_.keys()
    for name, value in model.params_.items():
        assert loaded.params_[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded.params_[name], value)
    assert loaded.get_params() == model.get_params()
    assert loaded.history_ == model.history_
    for method in ("transform", "reconstruct", "jacobian_norms"):
        np.testing.assert_array_equal(getattr(loaded, method)(data),
                                      getattr(model, method)(data))
    assert loaded.evaluate(data) == model.evaluate(data)


@pytest.mark.parametrize("random_state", [None, 0, 12345, np.int64(7)])
def test_every_hyperparameter_round_trips_through_json(tmp_path, data,
                                                       random_state):
    options = dict(n_hidden=3, lam=0.125, tied=False, loss="squared_error",
                   decoder="linear", activation="tanh", optimizer="momentum",
                   learning_rate=0.003, momentum=0.5, n_epochs=1,
                   batch_size=5, random_state=random_state, verbose=0,
                   weight_decay=0.01, sparsity_weight=0.0,
                   sparsity_target=0.1, corruption="gaussian",
                   corruption_level=0.2, higher_order_weight=0.5,
                   higher_order_sigma=0.3, n_corrupted=2)
    assert set(options) == set(HYPERPARAMETERS)
    ContractiveAutoencoder(**options).fit(data).save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz").get_params()
    assert loaded == options
    assert type(loaded["random_state"]) is type(
        None if random_state is None else 0)
    saved = json.loads(str(entries(tmp_path / "m.npz")["hyperparameters"]))
    assert saved["random_state"] == (None if random_state is None
                                     else int(random_state))


def test_saved_file_holds_version_hyperparameters_and_history(model_file):
    arrays = entries(model_file)
    assert int(arrays["format_version"]) == FORMAT_VERSION
    assert sorted(arrays) == sorted(
        ["format_version", "hyperparameters", "param.W", "param.b",
         "param.c", "param.W_prime", "history.epoch", "history.objective",
         "history.reconstruction", "history.penalty",
         "history.jacobian_norm", "history.seconds"])
    np.testing.assert_array_equal(arrays["history.epoch"], [1, 2])


def test_saved_file_is_readable_by_others(model_file):
    # mkstemp creates owner-only files; a saved model gets the usual mode.
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(model_file).st_mode & 0o777 == 0o666 & ~umask


# -- no pickles ----------------------------------------------------------

class Trap:
    """Unpickling this creates a folder: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_load_never_unpickles(tmp_path, model_file):
    marker = tmp_path / "code-ran"
    trap = np.empty(1, dtype=object)
    trap[0] = Trap(str(marker))
    rewrite(model_file, hyperparameters=trap)
    # The trap works: numpy with pickles allowed would run it.
    with np.load(model_file, allow_pickle=True) as archive:
        archive["hyperparameters"]
    assert marker.exists()
    marker.rmdir()

    refused(model_file, "holds Python objects; numpycae never unpickles")
    assert not marker.exists()


def test_a_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(Trap(str(tmp_path / "code-ran"))))
    refused(path, "not a readable numpycae model file")
    assert not (tmp_path / "code-ran").exists()


# -- files that are not ours ---------------------------------------------

def test_random_bytes_and_empty_files_are_refused(tmp_path):
    path = tmp_path / "random.npz"
    path.write_bytes(np.random.default_rng(0).bytes(2000))
    refused(path, "is not a readable numpycae model file")
    path.write_bytes(b"")
    refused(path, "is not a readable numpycae model file")


def test_a_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones((3, 3)), bias=np.zeros(3))
    refused(path, "is not a numpycae model file .*no integer "
                  "format_version")


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    refused(path, "not a readable numpycae model file")


def test_a_zip_with_other_content_is_refused(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    refused(path, "holds 'readme.txt', which is not a .npy array")


def test_a_newer_format_is_refused(model_file):
    rewrite(model_file, format_version=np.array(FORMAT_VERSION + 1))
    refused(model_file, f"has model format {FORMAT_VERSION + 1}, written "
                        f"by a newer numpycae.*upgrade numpycae")


@pytest.mark.parametrize("changes, message", [
    (dict(format_version=np.array(0)), "formats start at 1"),
    (dict(format_version=np.array("1")),
     r"format_version must be an integer, got '1' of dtype <U1"),
    (dict(format_version=np.array(1.0)),
     r"format_version must be an integer, got 1.0 of dtype float64"),
    (dict(hyperparameters=None), "'hyperparameters' is missing"),
    (dict(hyperparameters=np.array("{not json")), "is not valid JSON"),
    (dict(hyperparameters=np.array("[1, 2]")), "not a JSON object"),
    (dict(hyperparameters=np.array(json.dumps({"n_hidden": 4}))),
     "hyper-parameters missing"),
    (dict(**{"param.c": None}), r"param lacks c"),
    (dict(**{"param.b": np.zeros(5)}), r"param\['b'\] has shape \(5,\)"),
    (dict(**{"param.W": np.full((8, 4), np.nan)}), "holds NaN"),
    (dict(**{"param.W": np.zeros((8, 4), dtype=int)}), "must be a float32"),
    (dict(**{"param.W_prime": None}), "contradict its hyper-parameters"),
    (dict(**{"history.seconds": None}), "its history has entries"),
    (dict(**{"history.objective": np.zeros(5)}),
     "'objective' is not a finite 1-D array"),
    (dict(**{"history.epoch": np.array([1, 1])}), "epochs are not 1, 2"),
    (dict(extra=np.zeros(1)), "unexpected entry 'extra'"),
    (dict(**{"optimizer.velocity.W": np.zeros(3)}),
     "optimizer entry 'velocity.W' has shape"),
])
def test_inconsistent_entries_are_refused(model_file, changes, message):
    rewrite(model_file, **changes)
    refused(model_file, message)


def test_invalid_saved_hyperparameters_are_refused(model_file):
    hyper = json.loads(str(entries(model_file)["hyperparameters"]))
    hyper["lam"] = -1.0
    rewrite(model_file, hyperparameters=np.array(json.dumps(hyper)))
    refused(model_file, "holds an invalid hyper-parameter: lam must be >=")


def test_a_header_claiming_more_data_than_present_is_refused(tmp_path,
                                                             model_file):
    # A stranger's header asks for 8 TB; numpycae must not allocate it.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False,
                 "shape": (10 ** 12,)})
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(model_file) as source, \
            zipfile.ZipFile(bomb, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "param.W.npy":
                content = np.lib.format.magic(1, 0) + header.getvalue()[8:]
                content += b"\0" * 64
            target.writestr(name, content)
    refused(bomb, "'param.W' declares 8000000000000 bytes of data but "
                  "holds")


def test_missing_file_and_non_paths_raise_ordinary_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="path must be a str"):
        load_model(42)


# -- truncation and corruption -------------------------------------------

def test_every_truncation_is_refused(model_file):
    content = model_file.read_bytes()
    cut_points = sorted(set(np.linspace(0, len(content) - 1, 60,
                                        dtype=int).tolist()
                            + [len(content) - 1, len(content) - 22]))
    for cut in cut_points:
        model_file.write_bytes(content[:cut])
        refused(model_file, "not a readable numpycae model file|truncated")


def test_corrupted_bytes_are_refused_or_harmless(tmp_path, data):
    # Flipping a byte either makes the file unreadable (CRC-32, headers)
    # or touches metadata no reader uses: never a silently different model.
    model = fitted(data, tied=False)
    path = tmp_path / "model.npz"
    model.save(path)
    content = path.read_bytes()
    n_refused = 0
    for position in range(0, len(content), 7):
        corrupted = bytearray(content)
        corrupted[position] ^= 0x5A
        path.write_bytes(bytes(corrupted))
        try:
            loaded = load_model(path)
        except ModelFileError as error:
            assert str(path) in str(error)
            n_refused += 1
            continue
        for name, value in model.params_.items():
            np.testing.assert_array_equal(loaded.params_[name], value)
        assert loaded.get_params() == model.get_params()
        assert loaded.history_ == model.history_
    # About 83 % of the positions are detected; the rest are zip metadata
    # (timestamps, zip64 extra fields) that change nothing read.
    assert n_refused > 0.5 * len(range(0, len(content), 7))


# -- atomic save ---------------------------------------------------------

def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, data,
                                                       monkeypatch):
    path = tmp_path / "model.npz"
    first = fitted(data, random_state=0)
    first.save(path)
    before = path.read_bytes()

    def savez_then_disk_full(stream, **arrays):
        stream.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", savez_then_disk_full)
    second = fitted(data, random_state=1)
    with pytest.raises(OSError, match="No space left"):
        second.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
    np.testing.assert_array_equal(load_model(path).W_, first.W_)


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, data,
                                                  monkeypatch):
    path = tmp_path / "model.npz"

    def no_rename(source, target):
        raise PermissionError("rename refused")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(PermissionError):
        fitted(data).save(path)
    assert os.listdir(tmp_path) == []


def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, data,
                                                      monkeypatch):
    def interrupted(stream, **arrays):
        stream.write(b"PK")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fitted(data).save(tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_says_so(tmp_path, data):
    with pytest.raises(FileNotFoundError):
        fitted(data).save(tmp_path / "no" / "such" / "model.npz")
