import threading

import keras
import numpy as np
import pytest

from mlcore.inference import Recognizer
from mlcore.model import Architecture, load_model, save_model, saved_model_path
from mlcore.progress import ProgressLog, ProgressReporter
from mlcore.training import TrainConfig, split_training_set, train

TINY = TrainConfig(arch=Architecture(conv_blocks=0, dense_units=32, dropout=0.0, batch_norm=False),
                   batch_size=64, epochs=2, train_fraction=0.05, augment=False, validation_size=1000)


def test_progress_reports_each_batch_own_loss_and_each_epoch_in_order(mnist):
    log = ProgressLog()
    result = train(TINY, mnist, callbacks=[ProgressReporter(log.apply, flush_seconds=0)])
    batches, epochs, state = log.snapshot()
    steps = state["steps"]
    assert [row["step"] for row in batches] == list(range(1, 2 * steps + 1))
    assert np.all(np.diff([row["epoch"] for row in batches]) > 0)
    assert [row["epoch"] for row in epochs] == [1.0, 2.0] and not any(row["partial"] for row in epochs)
    assert result.history["val_accuracy"] == [row["val_accuracy"] for row in epochs]
    # Each row is that batch's own loss: weighted by batch size, they average to Keras's epoch loss.
    sizes = [min(TINY.batch_size, state["samples"] - b * TINY.batch_size) for b in range(steps)]
    for epoch in (0, 1):
        losses = [row["loss"] for row in batches[epoch * steps:(epoch + 1) * steps]]
        assert np.average(losses, weights=sizes) == pytest.approx(epochs[epoch]["loss"], rel=1e-4)
        assert np.std(losses) > 0.01, "per-batch losses vary; a running mean would be smooth"
    assert state["images_per_second"] > 0


def test_a_stop_in_the_first_epoch_says_the_weights_at_the_stop_were_kept(mnist):
    stop = threading.Event()
    log = ProgressLog()
    result = train(TINY, mnist, callbacks=[ProgressReporter(log.apply, flush_seconds=0), StopAt(stop, 0, 9)],
                   stop=stop)
    _, epochs, state = log.snapshot()
    assert result.stopped_early and result.kept.at_stop
    assert result.kept.epoch == 1 and result.kept.position == pytest.approx(10 / state["steps"])
    assert len(epochs) == 1 and epochs[0]["partial"] and epochs[0]["epoch"] == pytest.approx(10 / state["steps"])
    assert "at the stop" in result.kept.describe() and "into epoch 1" in result.kept.describe()


class StopAt(keras.callbacks.Callback):
    """Presses Stop during epoch `epoch`, batch `batch`, and counts the batches that follow."""

    def __init__(self, event, epoch, batch):
        super().__init__()
        self.event, self.at = event, (epoch, batch)
        self.after_stop = 0
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.event.is_set():
            self.after_stop += 1
        if (self.epoch, batch) == self.at:
            self.event.set()


def test_stop_ends_within_one_batch_and_keeps_the_best_weights(mnist):
    stop = threading.Event()
    config = TrainConfig(**{**TINY.__dict__, "epochs": 5})
    presser = StopAt(stop, epoch=2, batch=3)
    result = train(config, mnist, callbacks=[presser], stop=stop)
    assert result.stopped_early
    assert presser.after_stop <= 1
    assert len(result.history["loss"]) == 3
    split = split_training_set(mnist, config)
    kept = Recognizer(result.model).accuracy(split.x_val, split.y_val)
    assert kept == pytest.approx(max(result.history["val_accuracy"]), abs=1e-6)
    assert result.best_epoch == int(np.argmax(result.history["val_accuracy"])) + 1
    if not result.kept.at_stop:
        assert result.kept.epoch == result.best_epoch and f"end of epoch {result.best_epoch}" in result.kept.describe()


def test_saved_model_scores_what_the_run_reported(mnist, tmp_path):
    result = train(TINY, mnist)
    reported = Recognizer(result.model).accuracy(mnist.x_test, mnist.y_test)
    path = save_model(result.model, saved_model_path("my run", tmp_path), {"test_accuracy": reported})
    assert path.name == "my_run.keras"
    assert Recognizer(load_model(path)).accuracy(mnist.x_test, mnist.y_test) == pytest.approx(reported)


def test_saved_names_are_sanitised_and_never_overwrite(tmp_path):
    assert saved_model_path("../../etc/passwd", tmp_path).name == "etc_passwd.keras"
    assert saved_model_path("my model!", tmp_path).name == "my_model.keras"
    with pytest.raises(ValueError, match="shipped"):
        saved_model_path("mnist_cnn")
    (tmp_path / "taken.keras").write_bytes(b"")
    with pytest.raises(ValueError, match="already saved"):
        saved_model_path("taken", tmp_path)
    with pytest.raises(ValueError):
        saved_model_path("///", tmp_path)
