"""Training jobs in background threads, with a process-wide limit on how many run at once.

A classroom shares one server: every session may start jobs, but only `max_running` train at a
time (one per two CPU cores by default) and the rest wait in a first-come queue whose position
each session can show. A job whose owner has gone (its browser tab closed) stops by itself.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from mlcore.data import Mnist, fingerprint_test_set
from mlcore.evaluation import confusion_matrix, overall_accuracy
from mlcore.inference import Recognizer
from mlcore.model import describe
from mlcore.training import ProgressLog, TrainConfig, TrainResult, train

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
OWNER_CHECK_SECONDS = 5.0


def default_concurrency() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(eq=False)
class TrainingJob:
    number: int
    config: TrainConfig
    owner: str
    owner_alive: Callable[[], bool] = lambda: True
    status: str = QUEUED
    progress: ProgressLog = field(default_factory=ProgressLog)
    result: TrainResult | None = None
    recognizer: Recognizer | None = None
    test_accuracy: float | None = None
    confusion: np.ndarray | None = None
    error: str | None = None
    submitted: float = field(default_factory=time.time)
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    def stop(self) -> None:
        """Ask the job to end after its current batch (or never to start, if it is queued)."""
        self.stop_requested.set()


class StopWhenOwnerGone(keras.callbacks.Callback):
    """Checks now and then whether the session that started the job still exists."""

    def __init__(self, job: TrainingJob):
        super().__init__()
        self.job = job
        self._next_check = time.monotonic() + OWNER_CHECK_SECONDS

    def on_train_batch_end(self, batch, logs=None):
        if time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + OWNER_CHECK_SECONDS
            if not self.job.owner_alive():
                self.job.stop()


class JobManager:
    """Runs TrainingJobs on their own threads, at most `max_running` at once, first come first served."""

    def __init__(self, mnist: Mnist, max_running: int | None = None):
        self.mnist = mnist
        self.max_running = max_running or default_concurrency()
        self._jobs: list[TrainingJob] = []
        self._slots = threading.Condition()

    def submit(self, config: TrainConfig, owner: str, owner_alive: Callable[[], bool] = lambda: True,
               number: int = 1) -> TrainingJob:
        """Queue a run; `number` is how its owner counts its runs (run 1, run 2, ...)."""
        with self._slots:
            job = TrainingJob(number, config, owner, owner_alive)
            self._jobs.append(job)
        threading.Thread(target=self._run, args=(job,), name=f"training-job-{job.number}", daemon=True).start()
        return job

    def queue_position(self, job: TrainingJob) -> int | None:
        """1 for the next job to start, None when the job is not waiting."""
        with self._slots:
            waiting = [j for j in self._jobs if j.status == QUEUED]
            return waiting.index(job) + 1 if job in waiting else None

    def running_count(self) -> int:
        with self._slots:
            return sum(j.status == RUNNING for j in self._jobs)

    def _run(self, job: TrainingJob) -> None:
        if not self._wait_for_slot(job):
            return
        try:
            job.result = train(job.config, self.mnist, callbacks=[job.progress, StopWhenOwnerGone(job)],
                               stop=job.stop_requested, name=f"run_{job.number}")
            self._evaluate(job)
            job.status = STOPPED if job.result.stopped_early else FINISHED
        except Exception as error:  # a failed run is reported on its page, never crashes the app
            job.error = f"{type(error).__name__}: {error}"
            job.status = FAILED
            traceback.print_exc()
        finally:
            with self._slots:
                self._jobs.remove(job)
                self._slots.notify_all()

    def _evaluate(self, job: TrainingJob) -> None:
        """Score the trained model on the test set and describe it in the shipped model's sidecar
        format, in the background, before the job reports done."""
        result = job.result
        recognizer = Recognizer(result.model)
        predicted = recognizer.predict_batch(self.mnist.x_test).argmax(axis=1)
        job.confusion = confusion_matrix(self.mnist.y_test, predicted)
        job.test_accuracy = overall_accuracy(job.confusion)
        recognizer.metadata = describe(
            result.model, job.config.arch, test_accuracy=job.test_accuracy,
            validation_accuracy=max(result.history.get("val_accuracy", [0.0])),
            training={**job.config.as_dict(), "best_epoch": result.best_epoch,
                      "seconds": round(result.seconds, 1), "stopped_early": result.stopped_early},
            mnist_test_sha256=fingerprint_test_set(self.mnist))
        recognizer.prepare_checks()
        recognizer.metadata["calibration"] = recognizer.calibration_record()
        job.recognizer = recognizer

    def _wait_for_slot(self, job: TrainingJob) -> bool:
        with self._slots:
            while not self._may_start(job):
                if job.stop_requested.is_set() or not job.owner_alive():
                    job.status = STOPPED
                    self._jobs.remove(job)
                    self._slots.notify_all()
                    return False
                self._slots.wait(timeout=1.0)
            job.status = RUNNING
            return True

    def _may_start(self, job: TrainingJob) -> bool:
        running = sum(j.status == RUNNING for j in self._jobs)
        first_waiting = next(j for j in self._jobs if j.status == QUEUED)
        return running < self.max_running and first_waiting is job
