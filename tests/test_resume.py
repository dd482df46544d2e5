"""Issue 3, sections 2 and 4: training that survives faults. A diverging
run stops with a clear error and finite parameters, Ctrl-C leaves a usable
model, and a run resumed from a checkpoint ends bit for bit where an
uninterrupted run ends."""

import os

import numpy as np
import pytest

import numpycae.model_files as model_files
import numpycae.optim as optim
from numpycae import ContractiveAutoencoder, load_model
from numpycae.model_files import ModelFileError
from numpycae.validation import DivergenceError


@pytest.fixture
def data():
    return np.random.default_rng(0).uniform(size=(30, 8))


def settings(**options):
    values = dict(n_hidden=4, lam=0.3, batch_size=7, random_state=0,
                  learning_rate=0.01)
    values.update(options)
    return values


def assert_same_training(first, second):
    """Same parameters bit for bit, same history but for the timings."""
    assert first.params_.keys() == second.params_.keys()
    for name, value in first.params_.items():
        assert second.params_[name].dtype == value.dtype
        np.testing.assert_array_equal(second.params_[name], value)
    for key in first.history_:
        if key != "seconds":
            assert first.history_[key] == second.history_[key], key


def snapshots_before_each_batch(monkeypatch):
    """Record a copy of the parameters each time a batch's objective is
    computed: entry k holds the parameters after k completed steps."""
    snapshots = []
    original = ContractiveAutoencoder._batch_objective

    def recording(self, X_batch):
        snapshots.append({name: value.copy()
                          for name, value in self.params_.items()})
        return original(self, X_batch)

    monkeypatch.setattr(ContractiveAutoencoder, "_batch_objective",
                        recording)
    return snapshots


# -- checkpoints and resuming --------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("tied", [True, False])
def test_resumed_training_equals_an_uninterrupted_run(tmp_path, data,
                                                      optimizer, tied):
    options = settings(optimizer=optimizer, tied=tied)
    straight = ContractiveAutoencoder(n_epochs=5, **options).fit(data)

    checkpoint = tmp_path / "run.ckpt.npz"
    ContractiveAutoencoder(n_epochs=2, **options).fit(
        data, checkpoint=checkpoint)
    resumed = ContractiveAutoencoder(n_epochs=5, **options).fit(
        data, resume=checkpoint)

    assert_same_training(straight, resumed)
    assert resumed.history_["epoch"] == [1, 2, 3, 4, 5]


def test_resuming_in_float32_keeps_the_dtype(tmp_path, data):
    data = data.astype(np.float32)
    straight = ContractiveAutoencoder(n_epochs=3, **settings()).fit(data)
    checkpoint = tmp_path / "run.npz"
    ContractiveAutoencoder(n_epochs=1, **settings()).fit(
        data, checkpoint=checkpoint)
    resumed = ContractiveAutoencoder(n_epochs=3, **settings()).fit(
        data, resume=checkpoint, checkpoint=checkpoint)
    assert_same_training(straight, resumed)
    assert load_model(checkpoint).W_.dtype == np.float32


def test_a_checkpoint_is_written_after_every_epoch(tmp_path, data,
                                                   monkeypatch):
    written = []
    original = model_files.np.savez

    def counting(stream, **arrays):
        written.append(arrays["history.epoch"].tolist())
        return original(stream, **arrays)

    monkeypatch.setattr(model_files.np, "savez", counting)
    checkpoint = tmp_path / "run.npz"
    model = ContractiveAutoencoder(n_epochs=3, **settings(
        optimizer="adam")).fit(data, checkpoint=checkpoint)
    assert written == [[1], [1, 2], [1, 2, 3]]
    # A checkpoint is also a model file: load_model reads it.
    loaded = load_model(checkpoint)
    np.testing.assert_array_equal(loaded.W_, model.W_)
    assert os.listdir(tmp_path) == ["run.npz"]


def test_a_run_interrupted_by_ctrl_c_resumes_exactly(tmp_path, data,
                                                     monkeypatch):
    options = settings(optimizer="momentum")
    straight = ContractiveAutoencoder(n_epochs=4, **options).fit(data)

    # 30 rows in batches of 7: 5 steps per epoch; stop in epoch 3.
    checkpoint = tmp_path / "run.npz"
    calls = []
    original = ContractiveAutoencoder._batch_objective

    def interrupt_at_step_12(self, X_batch):
        calls.append(1)
        if len(calls) == 12:
            raise KeyboardInterrupt
        return original(self, X_batch)

    monkeypatch.setattr(ContractiveAutoencoder, "_batch_objective",
                        interrupt_at_step_12)
    with pytest.raises(KeyboardInterrupt):
        ContractiveAutoencoder(n_epochs=4, **options).fit(
            data, checkpoint=checkpoint)
    monkeypatch.setattr(ContractiveAutoencoder, "_batch_objective",
                        original)

    model = load_model(checkpoint)
    assert model.history_["epoch"] == [1, 2]
    model.n_epochs = 4
    model.fit(data, resume=checkpoint)
    assert_same_training(straight, model)


def test_a_failed_checkpoint_write_keeps_the_previous_one(tmp_path, data,
                                                          monkeypatch):
    checkpoint = tmp_path / "run.npz"
    original = model_files.np.savez
    writes = []

    def disk_full_at_third_write(stream, **arrays):
        writes.append(1)
        if len(writes) == 3:
            stream.write(b"PK\x03\x04 partial")
            raise OSError(28, "No space left on device")
        return original(stream, **arrays)

    monkeypatch.setattr(model_files.np, "savez", disk_full_at_third_write)
    with pytest.raises(OSError, match="No space left"):
        ContractiveAutoencoder(n_epochs=4, **settings()).fit(
            data, checkpoint=checkpoint)
    assert os.listdir(tmp_path) == ["run.npz"]
    assert load_model(checkpoint).history_["epoch"] == [1, 2]

    monkeypatch.setattr(model_files.np, "savez", original)
    resumed = ContractiveAutoencoder(n_epochs=4, **settings()).fit(
        data, resume=checkpoint)
    straight = ContractiveAutoencoder(n_epochs=4, **settings()).fit(data)
    assert_same_training(straight, resumed)


@pytest.fixture
def checkpoint(tmp_path, data):
    path = tmp_path / "run.npz"
    ContractiveAutoencoder(n_epochs=2, **settings()).fit(
        data, checkpoint=path)
    return path


def test_resume_refuses_other_hyperparameters(data, checkpoint):
    model = ContractiveAutoencoder(n_epochs=5, **settings(lam=0.5,
                                                          batch_size=5))
    with pytest.raises(ModelFileError, match=(
            r"cannot resume from .*run.npz: its hyper-parameters differ "
            r"\(lam=0.3 in the file but 0.5 here; batch_size=7 in the "
            r"file but 5 here\)")):
        model.fit(data, resume=checkpoint)


def test_resume_refuses_other_data(data, checkpoint):
    model = ContractiveAutoencoder(n_epochs=5, **settings())
    with pytest.raises(ModelFileError, match="trained on other data"):
        model.fit(data[::-1], resume=checkpoint)
    with pytest.raises(ModelFileError, match="trained on other data"):
        model.fit(data.astype(np.float32), resume=checkpoint)


def test_resume_refuses_a_plain_model_file(tmp_path, data):
    path = tmp_path / "model.npz"
    ContractiveAutoencoder(n_epochs=1, **settings()).fit(data).save(path)
    with pytest.raises(ModelFileError, match="is a model file, not a "
                                             "checkpoint"):
        ContractiveAutoencoder(n_epochs=3, **settings()).fit(
            data, resume=path)


def test_resume_refuses_fewer_epochs_than_done(data, checkpoint):
    with pytest.raises(ModelFileError, match="it holds 2 epochs, more "
                                             "than n_epochs=1"):
        ContractiveAutoencoder(n_epochs=1, **settings()).fit(
            data, resume=checkpoint)


def test_resume_refuses_a_tampered_generator_state(data, checkpoint):
    with np.load(checkpoint, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["training_state"] = np.array(str(arrays["training_state"])
                                        .replace("PCG64", "MT19937"))
    np.savez(checkpoint, **arrays)
    with pytest.raises(ModelFileError, match="random generator state is "
                                             "unreadable"):
        ContractiveAutoencoder(n_epochs=3, **settings()).fit(
            data, resume=checkpoint)


# -- divergence ----------------------------------------------------------

DIVERGING = dict(loss="squared_error", decoder="linear",
                 activation="linear", optimizer="sgd", learning_rate=1e3)


def test_divergence_stops_with_a_clear_error_and_finite_parameters(
        data, monkeypatch):
    snapshots = snapshots_before_each_batch(monkeypatch)
    model = ContractiveAutoencoder(n_epochs=5, **settings(**DIVERGING))
    with pytest.raises(DivergenceError, match=(
            r"training diverged at epoch 1, batch \d: the objective became "
            r"(inf|nan)\. The model keeps its parameters from before this "
            r"step\. Try a smaller learning_rate than 1000, e\.g\. 100")
    ) as caught:
        model.fit(data)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, FloatingPointError)
    assert (error.epoch, error.batch) == (1, len(snapshots))

    # The parameters are those the failing batch started from: finite.
    for name, value in model.params_.items():
        assert np.isfinite(value).all()
        np.testing.assert_array_equal(value, snapshots[-1][name])
    assert model.history_["epoch"] == []
    assert np.isfinite(model.transform(data)).all()


def test_a_step_that_overflows_the_parameters_is_undone(data, monkeypatch):
    # float32 and a rate of 1e300 (inf in float32): the objective is
    # finite, the step is not.
    snapshots = snapshots_before_each_batch(monkeypatch)
    model = ContractiveAutoencoder(n_epochs=3, **settings(
        optimizer="sgd", learning_rate=1e300))
    with pytest.raises(DivergenceError, match=(
            "epoch 1, batch 1: the step made the parameters NaN or "
            "infinite")):
        model.fit(data.astype(np.float32))
    assert len(snapshots) == 1
    for name, value in model.params_.items():
        np.testing.assert_array_equal(value, snapshots[0][name])


def test_divergence_later_in_training_keeps_completed_epochs(data):
    # Squared error with a linear decoder at rate 1 blows up in epoch 2.
    model = ContractiveAutoencoder(n_epochs=6, **settings(
        **dict(DIVERGING, learning_rate=1.0)))
    with pytest.raises(DivergenceError) as caught:
        model.fit(data)
    assert caught.value.epoch > 1
    assert model.history_["epoch"] == list(range(1, caught.value.epoch))
    assert all(np.isfinite(value).all() for value in model.params_.values())


# -- Ctrl-C --------------------------------------------------------------

def test_ctrl_c_between_steps_leaves_a_usable_model(data, monkeypatch):
    reference = snapshots_before_each_batch(monkeypatch)
    ContractiveAutoencoder(n_epochs=3, **settings(optimizer="adam")).fit(
        data)
    monkeypatch.undo()

    calls = []
    original = ContractiveAutoencoder._batch_objective

    def interrupt_after_7_steps(self, X_batch):
        if len(calls) == 7:
            raise KeyboardInterrupt
        calls.append(1)
        return original(self, X_batch)

    monkeypatch.setattr(ContractiveAutoencoder, "_batch_objective",
                        interrupt_after_7_steps)
    model = ContractiveAutoencoder(n_epochs=3, **settings(optimizer="adam"))
    with pytest.raises(KeyboardInterrupt):
        model.fit(data)

    for name, value in model.params_.items():
        np.testing.assert_array_equal(value, reference[7][name])
    # 5 steps per epoch: epoch 1 completed, epoch 2 interrupted.
    assert model.history_["epoch"] == [1]
    assert model.transform(data).shape == (30, 4)


def test_ctrl_c_inside_a_step_rolls_the_step_back(data, monkeypatch):
    reference = snapshots_before_each_batch(monkeypatch)
    ContractiveAutoencoder(n_epochs=2, **settings(optimizer="sgd")).fit(
        data)
    monkeypatch.undo()

    steps = []
    original = optim.SGD.step

    def half_step_then_interrupt(self, params, grads, out=None):
        if len(steps) == 6:
            # Half the update written where the step writes its result.
            target = params if out is None else out
            np.subtract(params["W"], 1.0, out=target["W"])
            raise KeyboardInterrupt
        steps.append(1)
        return original(self, params, grads, out=out)

    monkeypatch.setattr(optim.SGD, "step", half_step_then_interrupt)
    model = ContractiveAutoencoder(n_epochs=2, **settings(optimizer="sgd"))
    with pytest.raises(KeyboardInterrupt):
        model.fit(data)
    for name, value in model.params_.items():
        np.testing.assert_array_equal(value, reference[6][name])
    assert model.history_["epoch"] == [1]


# -- the main job ----------------------------------------------------------

def train(out, *options):
    from numpycae.__main__ import main

    return main(["train", "--hidden", "8", "--max-train", "60", "--out",
                 str(out), "--quiet", *options])


def test_main_job_resumes_to_the_uninterrupted_model(tmp_path):
    assert train(tmp_path / "straight", "--epochs", "3") == 0
    assert train(tmp_path / "resumed", "--epochs", "1", "--checkpoint") == 0
    assert train(tmp_path / "resumed", "--epochs", "3", "--resume") == 0

    straight = load_model(tmp_path / "straight" / "model.npz")
    resumed = load_model(tmp_path / "resumed" / "model.npz")
    assert_same_training(straight, resumed)
    assert load_model(tmp_path / "resumed" / "checkpoint.npz"
                      ).history_["epoch"] == [1, 2, 3]


def test_main_job_resume_without_checkpoint_says_so(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "1", "--resume") == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_main_job_resume_with_other_options_says_which(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "1", "--checkpoint") == 0
    assert train(tmp_path, "--epochs", "2", "--resume", "--lam", "0.5") == 2
    assert "lam=0.1 in the file but 0.5 here" in capsys.readouterr().err


def test_main_job_ctrl_c_points_to_resume(tmp_path, capsys, monkeypatch):
    def interrupted(self, X_batch):
        raise KeyboardInterrupt

    monkeypatch.setattr(ContractiveAutoencoder, "_batch_objective",
                        interrupted)
    assert train(tmp_path, "--epochs", "1", "--checkpoint") == 130
    assert "with --resume continues from" in capsys.readouterr().err


@pytest.mark.parametrize("edit, message", [
    (lambda z: z.pop("optimizer.second_moment.W"),
     r"missing \['optimizer.second_moment.W'\]"),
    (lambda z: z.pop("optimizer.t"), r"missing \['optimizer.t'\]"),
    (lambda z: z.update({"optimizer.extra.W": z["param.W"]}),
     r"unexpected \['optimizer.extra.W'\]"),
    (lambda z: z.update({"optimizer.t": np.array(-5)}),
     r"'t' \(Adam's step count\) must be an integer scalar"),
    (lambda z: z.update({"optimizer.t": np.array([3])}),
     r"'t' \(Adam's step count\) must be an integer scalar"),
    (lambda z: z.update({"optimizer.second_moment.b":
                         -np.abs(z["optimizer.second_moment.b"]) - 1}),
     "holds negative values"),
])
def test_resume_refuses_an_edited_optimizer_state(tmp_path, edit, message):
    # Without every optimiser entry a resume cannot continue the saved run
    # bit for bit, so an edited checkpoint is refused, naming the entry.
    from numpycae import ModelFileError

    X = np.random.default_rng(0).uniform(size=(40, 12)).astype(np.float32)
    first = ContractiveAutoencoder(n_hidden=5, n_epochs=2, batch_size=8,
                                   random_state=0)
    first.fit(X, checkpoint=tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz") as archive:
        entries = {key: archive[key] for key in archive.files}
    edit(entries)
    np.savez(tmp_path / "edited.npz", **entries)
    model = ContractiveAutoencoder(n_hidden=5, n_epochs=4, batch_size=8,
                                   random_state=0)
    with pytest.raises(ModelFileError, match=message):
        model.fit(X, resume=tmp_path / "edited.npz")
