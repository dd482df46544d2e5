"""Saving never writes a file that load_model refuses, and bad targets
(folders, missing folders, bytes paths) get clear answers."""

import os

import numpy as np
import pytest

from numpycae import ContractiveAutoencoder, load_model
from numpycae.model_files import ModelFileError


@pytest.fixture
def X():
    return np.random.default_rng(0).uniform(size=(40, 6)).astype(
        np.float32)


def fitted(X):
    return ContractiveAutoencoder(n_hidden=3, n_epochs=2, batch_size=4,
                                  random_state=0).fit(X)


def truncate_W(model):
    model.W_ = model.W_[:, :2]


def put_nan_in_W(model):
    model.W_[0, 0] = np.nan


@pytest.mark.parametrize("spoil, message", [
    (lambda model: setattr(model, "n_hidden", 5),
     r"contradict its hyper-parameters \(n_hidden=5"),
    (lambda model: setattr(model, "tied", False),
     r"W_prime absent\) contradict .*tied=False"),
    (put_nan_in_W, r"param\['W'\] holds NaN"),
    (truncate_W, r"param\['W'\] has 2 columns but param\['b'\]"),
    (lambda model: setattr(model, "history_", None),
     r"its history has entries \[\]"),
    (lambda model: delattr(model, "history_"),
     r"its history has entries \[\]"),
    (lambda model: model.history_.update(loss=["a", 1]),
     r"its history has entries"),
    (lambda model: model.history_.update(objective=[np.nan, 1.0]),
     r"history entry 'objective' is not a finite"),
])
def test_save_refuses_a_model_load_would_refuse_and_keeps_the_good_file(
        tmp_path, X, spoil, message):
    path = tmp_path / "good.npz"
    model = fitted(X)
    model.save(path)
    before = path.read_bytes()

    spoil(model)
    with pytest.raises(ModelFileError,
                       match=r"^refusing to save .*good\.npz.*" + message):
        model.save(path)

    assert path.read_bytes() == before
    assert load_model(path).n_hidden == 3
    assert os.listdir(tmp_path) == ["good.npz"]


def test_checkpoint_writer_runs_the_same_checks(tmp_path, X):
    model = fitted(X)
    model.n_hidden = 4
    path = tmp_path / "checkpoint.npz"

    with pytest.raises(ModelFileError,
                       match=r"^refusing to save .*checkpoint\.npz.*"
                             r"n_hidden=4"):
        model._write_checkpoint(path, {"shape": [40, 6]})

    assert not path.exists()


def test_checkpoint_writer_refuses_nan_optimizer_state(tmp_path, X):
    model = ContractiveAutoencoder(n_hidden=3, n_epochs=1, batch_size=4,
                                   random_state=0, optimizer="adam")
    path = tmp_path / "checkpoint.npz"
    model.fit(X, checkpoint=path)
    before = path.read_bytes()
    state = model._optimizer.state_dict()
    key = next(key for key, value in state.items() if np.ndim(value) == 2)
    model._optimizer.load_state_dict(
        {**state, key: np.full_like(state[key], np.nan)})

    with pytest.raises(ModelFileError,
                       match=rf"^refusing to save .*optimizer entry "
                             rf"'{key}' is not a finite"):
        model._write_checkpoint(path, {"shape": [40, 6]})

    assert path.read_bytes() == before


def test_load_model_accepts_a_bytes_path(tmp_path, X):
    path = tmp_path / "model.npz"
    fitted(X).save(os.fsencode(path))

    model = load_model(os.fsencode(path))

    assert model.W_.shape == (6, 3)


def test_load_model_refuses_a_non_path_with_a_type_error():
    with pytest.raises(TypeError, match=r"path must be a str, bytes or "
                                        r"os.PathLike, got 3"):
        load_model(3)


def test_save_to_a_directory_names_it_and_says_it_is_one(tmp_path, X):
    with pytest.raises(IsADirectoryError,
                       match=rf"{tmp_path}: it is a directory"):
        fitted(X).save(tmp_path)

    assert os.listdir(tmp_path) == []


def test_fit_refuses_a_directory_checkpoint_before_training(tmp_path, X):
    model = ContractiveAutoencoder(n_hidden=3, n_epochs=2, batch_size=4)

    with pytest.raises(IsADirectoryError,
                       match=rf"{tmp_path}: it is a directory"):
        model.fit(X, checkpoint=tmp_path)

    assert getattr(model, "W_", None) is None


def test_save_into_a_missing_folder_names_the_folder(tmp_path, X):
    target = tmp_path / "absent" / "model.npz"

    with pytest.raises(FileNotFoundError,
                       match=rf"the folder {tmp_path / 'absent'} does not "
                             rf"exist"):
        fitted(X).save(target)
