"""Tests of ContractiveAutoencoder and the training loop."""

import re

import numpy as np
import pytest

from numpycae import ContractiveAutoencoder, load_model
from numpycae.training import HISTORY_KEYS, minibatch_indices

EPOCH_LINE = re.compile(
    r"^\[ContractiveAutoencoder\] epoch (\d+)/(\d+), objective (\S+), "
    r"reconstruction (\S+), penalty (\S+), mean \|\|J\|\|_F (\S+), "
    r"(\S+) s$")


@pytest.fixture
def data():
    return np.random.default_rng(0).uniform(size=(30, 8))


def small_model(**options):
    settings = dict(n_hidden=4, lam=0.3, n_epochs=3, batch_size=7,
                    random_state=0, learning_rate=0.01)
    settings.update(options)
    return ContractiveAutoencoder(**settings)


def test_fit_returns_self_and_learned_shapes(data):
    model = small_model()
    assert model.fit(data) is model
    assert model.W_.shape == (8, 4) and model.b_.shape == (4,)
    assert model.c_.shape == (8,) and model.W_prime_ is None
    assert model.transform(data).shape == (30, 4)
    assert model.inverse_transform(model.transform(data)).shape == (30, 8)
    assert model.jacobian(data[:2]).shape == (2, 4, 8)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("tied", [True, False])
def test_same_seed_same_parameters_bit_for_bit(data, optimizer, tied):
    first = small_model(optimizer=optimizer, tied=tied).fit(data)
    second = small_model(optimizer=optimizer, tied=tied).fit(data)
    for name, value in first.params_.items():
        np.testing.assert_array_equal(value, second.params_[name])
    other = small_model(optimizer=optimizer, tied=tied,
                        random_state=1).fit(data)
    assert not np.array_equal(first.W_, other.W_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_data_dtype_is_kept(data, dtype):
    model = small_model().fit(data.astype(dtype))
    for value in model.params_.values():
        assert value.dtype == dtype
    assert model.transform(data.astype(dtype)).dtype == dtype


def test_training_lowers_the_objective(data):
    model = small_model(n_epochs=40, learning_rate=0.05).fit(data)
    objective = model.history_["objective"]
    assert objective[-1] < 0.9 * objective[0]


def test_verbose_prints_one_fixed_format_line_per_epoch(data, capsys):
    model = small_model(verbose=1).fit(data)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        match = EPOCH_LINE.match(line)
        assert match, line
        assert int(match.group(1)) == epoch and int(match.group(2)) == 3
        # The printed numbers are the history's, rounded.
        assert float(match.group(3)) == pytest.approx(
            model.history_["objective"][epoch - 1], abs=5e-5)


def test_history_holds_every_quantity_per_epoch(data):
    model = small_model().fit(data)
    assert tuple(model.history_) == HISTORY_KEYS
    assert model.history_["epoch"] == [1, 2, 3]
    for key in HISTORY_KEYS:
        assert len(model.history_[key]) == 3
    for obj, rec, pen in zip(model.history_["objective"],
                             model.history_["reconstruction"],
                             model.history_["penalty"]):
        assert obj == pytest.approx(rec + 0.3 * pen, rel=1e-12)


def test_epoch_visits_every_row_once_in_batches_of_the_remainder():
    # F10: 5 rows in batches of 2 give 2, 2 and 1.
    batches = minibatch_indices(5, 2, np.random.default_rng(0))
    assert [len(rows) for rows in batches] == [2, 2, 1]
    assert sorted(np.concatenate(batches)) == [0, 1, 2, 3, 4]


def test_tied_and_untied_parameter_counts():
    # F8: 4 features, 3 hidden: tied 12 + 3 + 4 = 19, untied 19 + 12 = 31.
    X = np.random.default_rng(0).uniform(size=(6, 4))
    for tied, expected in [(True, 19), (False, 31)]:
        model = ContractiveAutoencoder(n_hidden=3, tied=tied, n_epochs=1,
                                       batch_size=2, random_state=0).fit(X)
        assert sum(v.size for v in model.params_.values()) == expected


def test_tied_decoder_follows_W_after_every_step(data):
    model = small_model(n_epochs=2).fit(data)
    H = model.transform(data)
    expected = 1 / (1 + np.exp(-(H @ model.W_.T + model.c_)))
    np.testing.assert_allclose(model.inverse_transform(H), expected,
                               rtol=1e-12)


def test_save_load_round_trip(tmp_path, data):
    model = small_model(tied=False).fit(data.astype(np.float32))
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    for name, value in model.params_.items():
        np.testing.assert_array_equal(loaded.params_[name], value)
        assert loaded.params_[name].dtype == value.dtype
    assert loaded.get_params() == model.get_params()
    assert loaded.history_ == model.history_
    np.testing.assert_array_equal(loaded.transform(data),
                                  model.transform(data))


def test_saved_tied_model_holds_one_matrix(tmp_path, data):
    # F8: a tied model's file has W and no decoder matrix.
    small_model().fit(data).save(tmp_path / "tied.npz")
    with np.load(tmp_path / "tied.npz") as archive:
        params = [key for key in archive.files if key.startswith("param.")]
    assert sorted(params) == ["param.W", "param.b", "param.c"]


def test_evaluate_reports_means(data):
    model = small_model().fit(data)
    scores = model.evaluate(data)
    assert scores["objective"] == pytest.approx(
        scores["reconstruction"] + 0.3 * scores["penalty"], rel=1e-12)
    np.testing.assert_allclose(scores["jacobian_norm"],
                               np.mean(model.jacobian_norms(data)))


@pytest.mark.parametrize("option, value, message", [
    ("n_hidden", 0, "n_hidden must be >= 1, got 0"),
    ("lam", -0.5, "lam must be >= 0.0, got -0.5"),
    ("learning_rate", 0.0, "learning_rate must be > 0.0, got 0.0"),
    ("loss", "hinge", "loss must be one of"),
    ("batch_size", 31, r"batch_size must be <= n_samples \(30\), got 31"),
    ("optimizer", "lbfgs", "optimizer must be one of"),
])
def test_bad_hyperparameters_are_named(data, option, value, message):
    with pytest.raises(ValueError, match=message):
        small_model(**{option: value}).fit(data)


def test_unfitted_model_says_so(data):
    with pytest.raises(RuntimeError, match="not fitted yet"):
        small_model().transform(data)


def test_fit_accepts_and_ignores_y(data):
    # scikit-learn's convention: fit(X, y) works and y changes nothing.
    with_y = small_model().fit(data, np.arange(len(data)))
    without = small_model().fit(data)
    np.testing.assert_array_equal(with_y.W_, without.W_)


def test_set_params_sets_and_refuses_unknown_names():
    model = small_model()
    assert model.set_params(lam=0.7, n_hidden=5) is model
    assert model.get_params()["lam"] == 0.7 and model.n_hidden == 5
    with pytest.raises(ValueError, match=r"unknown hyper-parameter\(s\) "
                                         r"\['lamda'\]"):
        model.set_params(lamda=1.0)


def test_divergence_message_points_at_rate_data_and_penalty():
    from numpycae import DivergenceError

    X = np.full((8, 3), 1e300)
    model = ContractiveAutoencoder(n_hidden=2, lam=0.5, batch_size=4,
                                   loss="squared_error", decoder="linear",
                                   n_epochs=1, random_state=0)
    with pytest.raises(DivergenceError, match=r"smaller learning_rate.*"
                       r"scale of X \(largest value 1e\+300\).*lam=0\.5"):
        model.fit(X)
