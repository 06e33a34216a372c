"""Fine-tuning a model on labelled drawings: the method (real model, real MNIST) and its job (a real worker)."""

import os

import numpy as np
import pytest

from mlcore.fine_tune import (MIN_DRAWINGS, MIN_TRAIN, FineTuneConfig, fine_tune, held_out_size, held_out_split,
                              read_drawings, write_drawings)
from mlcore.inference import Recognizer
from mlcore.jobs import FINISHED, JobManager
from mlcore.model import Architecture
from mlcore.synthetic import outlined_digits
from mlcore.training import TrainConfig, train
from tests.test_jobs import wait_for


def test_fifty_bubble_digits_teach_the_model_their_style_without_forgetting_mnist(mnist, recognizer):
    drawings_x, drawings_y = outlined_digits(50, seed=11)
    fresh_x, fresh_y = outlined_digits(200, seed=12)  # other drawings of the style, never trained on
    weights_before = [w.copy() for w in recognizer.model.get_weights()]
    fresh_before = recognizer.accuracy(fresh_x, fresh_y)
    assert fresh_before < 0.5, "the shipped model misreads bubble digits"

    result = fine_tune(recognizer.model, drawings_x, drawings_y, mnist, FineTuneConfig())

    fresh_after = Recognizer(result.model).accuracy(fresh_x, fresh_y)
    assert fresh_after > 0.75
    assert result.after.held_out >= 0.8 > result.before.held_out
    assert result.before.mnist_test == pytest.approx(recognizer.metadata["test_accuracy"])
    assert result.after.mnist_test >= result.before.mnist_test - 0.003
    assert len(result.held_out) == 10 and np.all(np.bincount(drawings_y[result.held_out], minlength=10) == 1)
    assert result.changed and all(c.index in result.held_out and c.before != c.after for c in result.changed)
    assert sum(c.after == c.label for c in result.changed) > sum(c.before == c.label for c in result.changed)
    assert result.model.name == f"{recognizer.model.name}_fine_tuned"
    assert all(np.array_equal(a, b) for a, b in zip(weights_before, recognizer.model.get_weights())), \
        "the chosen model itself is left as it was"


def test_held_out_share_is_stratified_by_label_and_keeps_one_of_each_to_train():
    labels = np.array([3] * 10 + [5] * 5 + [7])
    train_idx, held = held_out_split(labels, 0.2, seed=1, minimum=0)
    assert sorted(np.concatenate([train_idx, held])) == list(range(len(labels)))
    assert np.bincount(labels[held], minlength=10)[[3, 5, 7]].tolist() == [3, 1, 0], "ceil(0.2 x 16) = 4"
    _, held_when_each_label_once = held_out_split(np.arange(10), 0.2, minimum=0)
    assert len(held_when_each_label_once) == 2


@pytest.mark.parametrize("drawings, held", [(20, 10), (30, 10), (50, 10), (51, 11), (100, 20), (1500, 300)])
def test_at_least_ten_drawings_or_a_fifth_are_held_out(drawings, held):
    labels = np.arange(drawings) % 10
    assert held_out_size(drawings) == held
    train_idx, held_out = held_out_split(labels, 0.2)
    assert len(held_out) == held and len(train_idx) == drawings - held >= MIN_TRAIN
    counts = np.bincount(labels[held_out], minlength=10)
    assert counts.max() - counts.min() <= 1, "spread over the digits"
    assert set(labels[train_idx]) == set(range(10)), "every digit keeps drawings to learn from"


def test_nineteen_drawings_are_too_few_to_hold_out_ten_and_learn_from_ten():
    assert MIN_DRAWINGS == 20
    with pytest.raises(ValueError, match="at least 20 labelled drawings \\(10 held out to compare before and after, "
                                         "10 to learn from\\), got 19"):
        write_drawings("unused.npz", *outlined_digits(19, seed=3))


@pytest.mark.parametrize("images, labels, message", [
    (np.zeros((MIN_DRAWINGS - 1, 28, 28), np.uint8), np.zeros(MIN_DRAWINGS - 1, int), "at least"),
    (np.zeros((12, 28, 28), np.float32), np.zeros(12, int), "uint8"),
    (np.zeros((12, 28, 28), np.uint8), np.full(12, 10), "0-9"),
])
def test_unusable_drawings_are_refused_with_a_reason(recognizer, mnist, images, labels, message):
    with pytest.raises(ValueError, match=message):
        fine_tune(recognizer.model, images, labels, mnist)



def test_drawings_cross_to_the_worker_as_a_checked_npz_and_nothing_else_is_read(tmp_path):
    x, y = outlined_digits(MIN_DRAWINGS, seed=3)
    path = write_drawings(tmp_path / "drawings.npz", x, y)
    read_x, read_y = read_drawings(path)
    assert np.array_equal(read_x, x) and np.array_equal(read_y, y)
    assert [p.name for p in tmp_path.iterdir()] == ["drawings.npz"], "no temporary file left behind"
    np.savez(tmp_path / "other.npz", x=x, y=y, extra=np.zeros(3))
    with pytest.raises(ValueError, match="not drawings"):
        read_drawings(tmp_path / "other.npz")
    np.savez(tmp_path / "pickled.npz", x=np.array([object()] * MIN_DRAWINGS, dtype=object), y=y)
    with pytest.raises(ValueError):
        read_drawings(tmp_path / "pickled.npz")


@pytest.fixture(scope="module")
def tiny_recognizer(mnist):
    config = TrainConfig(arch=Architecture(conv_blocks=0, dense_units=32, dropout=0.0, batch_norm=False),
                         batch_size=64, epochs=2, train_fraction=0.05, augment=False, validation_size=1000)
    return Recognizer(train(config, mnist, name="tiny").model)


QUICK = FineTuneConfig(epochs=1, mnist_images=1000)


def test_a_fine_tuning_job_runs_in_a_worker_and_reports_what_the_server_measures(tmp_path, mnist, tiny_recognizer):
    manager = JobManager(max_running=1, work_dir=tmp_path)
    x, y = outlined_digits(30, seed=5)
    weights_before = [w.copy() for w in tiny_recognizer.model.get_weights()]
    job = manager.submit_fine_tune(tiny_recognizer, x, y, QUICK, owner="a", number=4, source="bubble digits")
    assert {"drawings.npz", "start.keras"} <= {p.name for p in job.folder.iterdir()}, "the worker's inputs are files"
    wait_for(lambda: not job.active, "the fine-tuning run to end")
    outcome = job.outcome
    assert outcome.status == FINISHED, outcome.reason
    assert job.progress.state["pid"] != os.getpid()
    assert job.progress.snapshot()[0], "its curves reached the page"
    summary = outcome.fine_tune
    _, held = held_out_split(y, QUICK.holdout_fraction, QUICK.seed)  # 1 of the 3 drawings of each digit
    assert (summary.drawings, summary.held_out, summary.source, summary.start_model) == (30, 10, "bubble digits", "tiny")
    # the scores it reports are what the server measures with the models it holds
    assert summary.before.mnist_test == pytest.approx(tiny_recognizer.accuracy(mnist.x_test, mnist.y_test))
    assert summary.before.held_out == pytest.approx(tiny_recognizer.accuracy(x[held], y[held]))
    tuned = outcome.recognizer
    assert summary.after.mnist_test == pytest.approx(tuned.accuracy(mnist.x_test, mnist.y_test))
    assert summary.after.mnist_test == pytest.approx(outcome.test_accuracy)
    assert summary.after.held_out == pytest.approx(tuned.accuracy(x[held], y[held]))
    before_answers = tiny_recognizer.predict_batch(x[held]).argmax(axis=1)
    after_answers = tuned.predict_batch(x[held]).argmax(axis=1)
    assert [(c.before, c.after) for c in summary.changed] == [
        (int(b), int(a)) for b, a in zip(before_answers, after_answers) if b != a]
    assert all(np.array_equal(c.image, x[c.index]) for c in summary.changed)
    assert tuned.model.name == "run_4" and tuned.metadata["training"]["fine_tuned_from"] == "tiny"
    assert all(np.array_equal(a, b) for a, b in zip(weights_before, tiny_recognizer.model.get_weights()))
    job.discard()
    assert not job.folder.exists()


def test_too_few_drawings_queue_nothing_and_leave_no_files(tmp_path, tiny_recognizer):
    manager = JobManager(max_running=1, work_dir=tmp_path)
    x, y = outlined_digits(MIN_DRAWINGS - 1, seed=5)
    with pytest.raises(ValueError, match=f"at least {MIN_DRAWINGS}"):
        manager.submit_fine_tune(tiny_recognizer, x, y, QUICK, owner="a")
    assert manager.running_count() == 0 and list(tmp_path.iterdir()) == []


def test_a_big_set_of_drawings_is_sampled_down_in_its_order_and_a_small_one_kept_whole():
    from mlcore.fine_tune import sample_drawings

    x = np.zeros((5000, 28, 28), np.uint8)
    x[:, 0, 0], x[:, 0, 1] = np.arange(5000) % 256, np.arange(5000) // 256  # each drawing knows its index
    y = (np.arange(5000) % 10).astype(np.uint8)
    sx, sy = sample_drawings(x, y, limit=1500)
    index = sx[:, 0, 0].astype(int) + 256 * sx[:, 0, 1].astype(int)
    assert len(sx) == 1500 and len(set(index)) == 1500 and (np.diff(index) > 0).all()
    np.testing.assert_array_equal(sy, y[index])
    assert sample_drawings(x[:40], y[:40], limit=1500)[0].shape == (40, 28, 28)


def test_a_stopped_fine_tune_says_where_it_stopped_and_scores_the_weights_it_kept(mnist, tiny_recognizer):
    """Stop pressed during batch 5 of epoch 2: the weights at the stop are kept (blended), and "after" scores them."""
    import threading

    import keras

    stop = threading.Event()

    class PressStop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 4:
                stop.set()

    x, y = outlined_digits(30, seed=5)
    result = fine_tune(tiny_recognizer.model, x, y, mnist, FineTuneConfig(epochs=3, mnist_images=1000),
                       callbacks=[PressStop()], stop=stop)
    assert result.training.stopped_early and len(result.training.history["loss"]) == 2
    summary = result.summary("bubbles", "tiny", len(x))
    epoch, share = summary.stopped_epoch
    assert epoch == 2 and 0 < share < 1 and summary.epochs == 3
    held = result.held_out
    assert summary.after.held_out == pytest.approx(Recognizer(result.model).accuracy(x[held], y[held]))
    finished = fine_tune(tiny_recognizer.model, x, y, mnist, QUICK).summary()
    assert finished.stopped_at is None and finished.stopped_epoch is None
