"""Training jobs in real spawned worker processes, with real TensorFlow: the server's side of a run."""

import multiprocessing.spawn
import os
import signal
import sys
import time
import types

import numpy as np
import pytest

from mlcore.inference import Recognizer
from mlcore.jobs import FAILED, FINISHED, QUEUED, RUNNING, STOPPED, WORKER_DIED, JobManager
from mlcore.model import Architecture, load_model
from mlcore.training import TrainConfig

TINY = TrainConfig(arch=Architecture(conv_blocks=0, dense_units=32, dropout=0.0, batch_norm=False),
                   batch_size=64, epochs=2, train_fraction=0.05, augment=False, validation_size=1000)
LONG = TrainConfig(**{**TINY.__dict__, "epochs": 20})
TIMEOUT = 900  # a guard, not a speed test: the machine is shared and a niced worker can wait minutes for a core


def wait_for(condition, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def manager(tmp_path):
    return JobManager(max_running=1, work_dir=tmp_path)


def test_a_run_trains_in_its_own_process_and_comes_back_as_a_safe_keras_file(manager, mnist, tmp_path, monkeypatch):
    # Under Streamlit, `__main__` is whichever page script started last, in any session, at any moment;
    # a spawned child re-runs `__main__` first, and a page cannot run outside a server.
    page = tmp_path / "page.py"
    page.write_text("raise RuntimeError('a page script ran in a worker')\n")
    script = types.ModuleType("__main__")
    script.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", script)
    data = multiprocessing.spawn.get_preparation_data("worker")
    assert "init_main_from_path" not in data and "init_main_from_name" not in data, \
        "whatever __main__ is when a worker starts, the worker is not told to run it"
    job = manager.submit(TINY, owner="a")
    wait_for(lambda: not job.active, "the run to end")
    outcome = job.outcome
    assert outcome.status == FINISHED, outcome.reason
    assert job.progress.state["pid"] != os.getpid()
    assert outcome.model_file.suffix == ".keras" and outcome.model_file.is_file()
    assert outcome.recognizer.model.name == "run_1"
    # the server's copy, loaded with safe mode, scores what the worker reported
    assert outcome.recognizer.accuracy(mnist.x_test, mnist.y_test) == pytest.approx(outcome.test_accuracy)
    assert Recognizer(load_model(outcome.model_file)).accuracy(mnist.x_test, mnist.y_test) == pytest.approx(
        outcome.test_accuracy)
    assert outcome.confusion.sum() == 10_000 and outcome.epochs_run == 2
    # the worker fitted the "I don't know" checks and the server loaded them from the sidecar
    assert outcome.recognizer._detector is not None and outcome.recognizer._temperature is not None
    batches, epochs, _ = job.progress.snapshot()
    assert len(batches) == 2 * job.progress.state["steps"] and [e["index"] for e in epochs] == [1, 2]
    job.discard()
    assert not outcome.model_file.exists()


def test_stop_ends_the_run_early_and_keeps_its_best_epoch(manager):
    job = manager.submit(LONG, owner="a")
    wait_for(lambda: len(job.progress.snapshot()[1]) >= 2, "two epochs")
    job.stop()
    wait_for(lambda: not job.active, "the run to stop")
    outcome = job.outcome
    assert outcome.status == STOPPED and outcome.recognizer is not None
    assert 2 <= outcome.epochs_run < LONG.epochs
    best = max(outcome.history["val_accuracy"])
    assert outcome.kept.val_accuracy == pytest.approx(best)
    assert outcome.kept.epoch == outcome.history["val_accuracy"].index(best) + 1


def test_a_killed_worker_fails_its_run_with_a_reason_and_the_queue_goes_on(manager):
    victim = manager.submit(LONG, owner="a")
    wait_for(lambda: victim.status == RUNNING, "the first run to start")

    def owner_check_that_raises():
        raise RuntimeError("session registry unavailable")

    broken = manager.submit(TINY, owner="b", owner_alive=owner_check_that_raises, number=2)
    after = manager.submit(TINY, owner="c", number=3)
    wait_for(lambda: not broken.active, "the job whose owner check raises to be dropped")
    assert broken.status == STOPPED and broken.outcome.recognizer is None
    assert after.status == QUEUED and manager.queue_position(after) == 1

    wait_for(lambda: victim.progress.snapshot()[0], "the first batches")
    os.kill(victim.progress.state["pid"], signal.SIGKILL)
    wait_for(lambda: not victim.active, "the killed run to be reported")
    assert victim.status == FAILED and victim.outcome.reason == WORKER_DIED

    wait_for(lambda: not after.active, "the next run")
    assert after.status == FINISHED and after.outcome.test_accuracy > 0.5
    assert manager.running_count() == 0


def test_a_queued_run_is_told_about_when_it_starts_once_there_is_something_to_go_on(manager):
    first = manager.submit(LONG, owner="a")
    second, third = manager.submit(TINY, owner="b"), manager.submit(LONG, owner="c")
    wait_for(lambda: first.seconds_left() is not None, "the first run's rate")
    assert manager.expected_wait(first) is None, "a running run waits for nothing"
    assert 0 < manager.expected_wait(second) <= first.seconds_left() * 1.5 + 5
    assert manager.expected_wait(third) is None, "no run has finished: how long one takes is unknown"
    first.stop()
    wait_for(lambda: not second.active and third.status == RUNNING, "the second run to finish")
    fourth, fifth = manager.submit(TINY, owner="d"), manager.submit(TINY, owner="e")
    wait_for(lambda: third.seconds_left() is not None, "the third run's rate")
    # the fourth waits for the third; the fifth for the third and then one typical run (the second's length)
    assert 0 < manager.expected_wait(fourth) < manager.expected_wait(fifth)
    for job in (fifth, fourth, third):  # the queued ones never start
        job.stop()
    wait_for(lambda: not third.active and not fourth.active and not fifth.active, "the queue to empty")
    assert fourth.status == fifth.status == STOPPED and fourth.outcome.recognizer is None


def test_pause_pressed_while_the_worker_starts_says_pausing_then_holds_after_the_first_batch(manager):
    job = manager.submit(LONG, owner="a")
    job.pause()
    assert job.pausing and not job.paused, "the page can say 'pausing' before the worker has a batch"
    wait_for(lambda: job.paused, "the worker to pause")
    assert not job.pausing
    held = len(job.progress.snapshot()[0])
    assert 1 <= held <= 2, f"paused after its first batch or so, not {held} batches later"
    job.resume()
    assert not job.pausing
    wait_for(lambda: len(job.progress.snapshot()[0]) > held, "the run to go on")
    job.stop()
    wait_for(lambda: not job.active, "the run to end")


def test_pause_change_the_learning_rate_resume_then_train_two_more_epochs(manager):
    job = manager.submit(LONG, owner="a")
    wait_for(lambda: len(job.progress.snapshot()[0]) >= 10, "the first batches")
    job.pause()
    wait_for(lambda: job.paused, "the worker to pause")
    held = len(job.progress.snapshot()[0])
    job.set_learning_rate(0.01)
    time.sleep(2.0)
    assert len(job.progress.snapshot()[0]) == held, "no batch trains while paused"
    assert [m["text"] for m in job.progress.marks_snapshot()] == ["paused", "learning rate 0.002 → 0.01"]
    assert job.progress.state["learning_rate"] == 0.01
    job.resume()
    wait_for(lambda: not job.paused and len(job.progress.snapshot()[0]) > held, "the run to go on")
    job.stop()
    wait_for(lambda: not job.active, "the run to end")
    first = job.outcome
    assert first.status == STOPPED

    more = manager.submit(TrainConfig(**{**TINY.__dict__, "epochs": 2}), owner="a", number=2, continue_from=first)
    wait_for(lambda: not more.active, "the continued run")
    second = more.outcome
    assert second.status == FINISHED, second.reason
    steps = more.progress.state["steps"]
    assert second.optimizer_steps == first.optimizer_steps + 2 * steps, "the optimizer's state carried on"
    batches, epochs, _ = more.progress.snapshot()
    earlier = first.progress.snapshot()[0]
    assert batches[: len(earlier)] == earlier, "the chart starts with the first run's curve"
    continued = batches[len(earlier):]
    assert continued[0]["epoch"] > earlier[-1]["epoch"]
    assert [e["index"] for e in epochs[-2:]] == [first.epochs_run + 1, first.epochs_run + 2]
    assert np.mean([b["loss"] for b in continued[:5]]) < np.mean([b["loss"] for b in earlier[:5]]) / 2, \
        "the continued run starts from the trained weights, not from scratch"
    assert more.progress.marks_snapshot()[-1]["text"] == "+2 epochs"
    assert second.recognizer.model.name == "run_2", "the Draw page names the continued run as the Train page does"
