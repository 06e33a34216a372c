import threading
import time

import keras
import numpy as np
import pytest

from mlcore.inference import Recognizer
from mlcore.jobs import FINISHED, QUEUED, STOPPED, JobManager
from mlcore.model import Architecture, load_model, save_model, saved_model_path
from mlcore.training import ProgressLog, TrainConfig, split_training_set, train

TINY = TrainConfig(arch=Architecture(conv_blocks=0, dense_units=32, dropout=0.0, batch_norm=False),
                   batch_size=64, epochs=2, train_fraction=0.05, augment=False, validation_size=1000)


def test_progress_is_reported_per_batch_and_per_epoch_in_order(mnist):
    log = ProgressLog(batch_every=5)
    result = train(TINY, mnist, callbacks=[log])
    batches, epochs, state = log.snapshot()
    steps, every = state["steps"], log.batch_every
    assert 1 <= every <= 5 and steps // every >= 10, "at least ten training points per epoch"
    assert [row["step"] for row in batches] == list(range(every, 2 * steps + 1, every))
    assert np.all(np.diff([row["epoch"] for row in batches]) > 0)
    assert [row["epoch"] for row in epochs] == [1, 2]
    assert all({"loss", "accuracy", "val_loss", "val_accuracy"} <= set(row) for row in epochs)
    assert result.history["val_accuracy"] == [row["val_accuracy"] for row in epochs]


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


def test_concurrency_limit_queues_the_extra_job(mnist):
    manager = JobManager(mnist, max_running=1)
    first = manager.submit(TINY, owner="a")
    second = manager.submit(TINY, owner="b")
    time.sleep(0.2)
    assert second.status == QUEUED and manager.queue_position(second) == 1
    assert manager.running_count() <= 1
    for job in (first, second):
        while job.active:
            time.sleep(0.1)
    assert first.status == second.status == FINISHED
    assert second.progress.state["started"] >= first.progress.state["started"] + first.result.seconds * 0.9


def test_jobs_of_a_session_that_is_gone_stop(mnist):
    manager = JobManager(mnist, max_running=1)
    blocker = manager.submit(TrainConfig(**{**TINY.__dict__, "epochs": 3}), owner="a")
    orphan = manager.submit(TINY, owner="gone", owner_alive=lambda: False)
    while blocker.active or orphan.active:
        time.sleep(0.1)
    assert orphan.status == STOPPED and orphan.result is None
    assert blocker.status == FINISHED


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
