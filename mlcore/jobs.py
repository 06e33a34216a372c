"""Training jobs: a server-wide first-come queue in front of worker processes that do the training.

A classroom shares one server: every session may start jobs, but only `max_running` train at a
time (one per two CPU cores by default) and the rest wait in a queue whose position each session
can show. A job whose owner has gone (its browser tab closed) stops by itself.

Where a run executes is behind a small interface (`TrainingBackend` starts a run and returns a
`RunHandle`: its progress events, a command channel, its end). `ProcessBackend` runs each job in
its own spawned process from the standard library's `concurrent.futures.ProcessPoolExecutor`;
a deployment that outgrows one machine can implement the same two methods over Ray, Dask or
Celery (see the README). The server never trains: it relays progress, forwards Stop, and loads
the finished model from the `.keras` file the worker wrote, with Keras safe mode.

A finished job publishes one frozen `RunOutcome` in a single assignment, so a page that reads a
job while it ends sees either no outcome or all of it.
"""

from __future__ import annotations

import atexit
import collections
import logging
import multiprocessing
import multiprocessing.spawn
import os
import queue
import shutil
import tempfile
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from mlcore import worker
from mlcore.data import MNIST_PATH
from mlcore.fine_tune import FineTuneConfig, FineTuneSummary, train_config, write_drawings
from mlcore.inference import Recognizer
from mlcore.model import Architecture, save_model
from mlcore.progress import ProgressLog
from mlcore.training import Kept, TrainConfig
from mlcore.worker import FineTuneSpec, RunReport, RunRequest

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
RECENT_RUNS = 20
"""How many of the last runs' lengths `JobManager.expected_wait` takes the median of."""
OWNER_CHECK_SECONDS = 5.0
WORKER_DIED = "the training process ended unexpectedly (killed or out of memory)"


def default_concurrency() -> int:
    """One training run per two CPU cores, at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


class WorkerDied(RuntimeError):
    """The process running a job ended without a result (killed, out of memory, crashed)."""


class RunHandle(Protocol):
    """One run in progress, wherever it executes."""

    def events(self, timeout: float) -> list[dict]:
        """Progress events that arrived since the last call, waiting up to `timeout` s for the first."""

    def send(self, command: dict) -> None:
        """Pass a command to the run (`{"command": "stop"}`; see `mlcore.worker`)."""

    def done(self) -> bool:
        """Whether the run has ended, one way or another."""

    def report(self) -> RunReport:
        """The run's report once done; raises WorkerDied, or the exception the run raised."""

    def close(self) -> None:
        """Release the run's processes and channels."""


class TrainingBackend(Protocol):
    """Starts runs: the one thing a distributed engine must provide to take over training."""

    def start(self, request: RunRequest) -> RunHandle: ...


def _without_main_module(get_preparation_data: Callable[[str], dict]) -> Callable[[str], dict]:
    """`multiprocessing.spawn.get_preparation_data`, less the parent's `__main__` module.

    A spawned child re-runs the parent's `__main__` before anything else (multiprocessing's "safe
    importing of main module"; `spawn.prepare` reads `init_main_from_path` or `init_main_from_name`
    from this data). Under Streamlit, `__main__` is whichever page script started last, in any
    session: a page (its canvas component, its widgets) cannot run outside a Streamlit server, so
    the worker died at start. Swapping `sys.modules["__main__"]` around the start was not enough:
    Streamlit sets it at the start of every script run, in that run's thread, and a student's
    stroke landing in between made a run fail before its first batch (seen in one E2E run). Our
    workers need nothing from `__main__`: what they run is `mlcore.worker`, imported by name.
    """
    def preparation_data(name: str) -> dict:
        data = get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    preparation_data.without_main_module = True
    return preparation_data


if not getattr(multiprocessing.spawn.get_preparation_data, "without_main_module", False):
    multiprocessing.spawn.get_preparation_data = _without_main_module(multiprocessing.spawn.get_preparation_data)


class ProcessRun:
    """A run in its own spawned worker process (`ProcessPoolExecutor` with one worker, one task).

    The pool is shut down (without waiting) right after the task is submitted, so its worker
    exits after this one run and its memory goes back to the system; `max_tasks_per_child=1`
    would do the same but makes Python 3.11 spawn a spare worker as the first one exits. If the
    worker dies (kill -9, the kernel's OOM killer) the pool breaks, and only this run's pool.
    """

    def __init__(self, request: RunRequest, context: multiprocessing.context.BaseContext):
        self._events = context.Queue()
        self._commands = context.Queue()
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=worker.init_worker,
                                         initargs=(self._events, self._commands))
        self._future = self._pool.submit(worker.run, request)  # starts the worker process
        self._processes = dict(self._pool._processes or {})  # the pool forgets them on shutdown
        self._pool.shutdown(wait=False)
        _live_runs.add(self)

    def events(self, timeout: float) -> list[dict]:
        found = []
        try:
            found.append(self._events.get(timeout=timeout) if timeout > 0 else self._events.get_nowait())
            while True:
                found.append(self._events.get_nowait())
        except queue.Empty:
            return found
        except (OSError, EOFError, ValueError):  # the channel broke with its worker
            return found

    def send(self, command: dict) -> None:
        self._commands.put(command)

    def done(self) -> bool:
        return self._future.done()

    def report(self) -> RunReport:
        try:
            return self._future.result()
        except BrokenProcessPool as error:
            raise WorkerDied(WORKER_DIED) from error

    def kill(self) -> None:
        """End the worker at once (the server is shutting down)."""
        for process in self._processes.values():
            process.kill()

    def close(self) -> None:
        _live_runs.discard(self)
        self._pool.shutdown(wait=True, cancel_futures=True)
        for channel in (self._events, self._commands):
            channel.cancel_join_thread()
            channel.close()


_live_runs: weakref.WeakSet[ProcessRun] = weakref.WeakSet()


def _kill_live_runs() -> None:
    """At server exit, end running workers instead of waiting for their runs to finish.

    `concurrent.futures` joins its pools at interpreter exit (a `threading` exit hook), which
    would keep a stopped server alive until every run had finished; hooks run newest first, so
    this one, registered later, goes before it.
    """
    for run in list(_live_runs):
        run.kill()


if hasattr(threading, "_register_atexit"):
    threading._register_atexit(_kill_live_runs)


class ProcessBackend:
    """Runs each job in a fresh process started with `spawn` (TensorFlow is not fork-safe)."""

    def __init__(self, start_method: str = "spawn"):
        self.context = multiprocessing.get_context(start_method)

    def start(self, request: RunRequest) -> RunHandle:
        return ProcessRun(request, self.context)


@dataclass(frozen=True)
class RunOutcome:
    """How a job ended, published once. `recognizer` is None unless the run produced a model."""

    status: str
    reason: str | None = None
    recognizer: Recognizer | None = None
    history: dict = field(default_factory=dict)
    kept: Kept | None = None
    seconds: float = 0.0
    samples_per_second: float = 0.0
    test_accuracy: float | None = None
    confusion: np.ndarray | None = None
    model_file: Path | None = None
    """The worker's `.keras` file, with its optimizer state (to train further)."""
    optimizer_steps: int = 0
    """The optimizer's step count at the end (it carries on when a run is continued)."""
    progress: ProgressLog | None = None
    """The run's curves (a continued run's chart starts with them)."""

    initial_epoch: int = 0
    """Epochs trained before this run (by the run it continued)."""
    fine_tune: FineTuneSummary | None = None
    """A fine-tuning run's scores before and after, and the held-out drawings whose answer changed."""

    @property
    def epochs_run(self) -> int:
        """Epochs this run trained (a stopped epoch counts)."""
        return len(self.history.get("loss", []))


class TrainingJob:
    """One run asked for by one session; read by its pages, driven by the JobManager."""

    def __init__(self, number: int, config: TrainConfig, owner: str,
                 owner_alive: Callable[[], bool] = lambda: True):
        self.number, self.config, self.owner, self.owner_alive = number, config, owner, owner_alive
        self.submitted = time.time()
        self.progress = ProgressLog()
        self.outcome: RunOutcome | None = None
        self._state = QUEUED
        self._stop_requested = threading.Event()
        self._commands: queue.SimpleQueue[dict] = queue.SimpleQueue()
        self._pause_asked = False
        self.fine_tune: FineTuneSpec | None = None
        """Set for a fine-tuning run: its model and drawings, written in `folder`."""
        self.folder: Path | None = None
        """The job's own folder in the manager's work dir (made when the job first needs it)."""

    @property
    def status(self) -> str:
        outcome = self.outcome
        return outcome.status if outcome is not None else self._state

    @property
    def active(self) -> bool:
        return self.outcome is None

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    def stop(self) -> None:
        """Ask the job to end after its current batch (or never to start, if it is queued)."""
        self._stop_requested.set()
        self.send({"command": worker.STOP})

    def pause(self) -> None:
        """Hold the run after its current batch until `resume` (or `stop`)."""
        self._pause_asked = True
        self.send({"command": worker.PAUSE})

    def resume(self) -> None:
        self._pause_asked = False
        self.send({"command": worker.RESUME})

    def set_learning_rate(self, rate: float) -> None:
        """A new base learning rate from the next batch on (the cosine decay goes on); marked on the chart."""
        if not rate > 0:
            raise ValueError(f"a learning rate must be positive, got {rate}")
        self.send({"command": worker.LEARNING_RATE, "value": float(rate)})

    def seconds_left(self) -> float | None:
        """Seconds of training left at the run's current rate (its batches left x batch size / images
        per second); None until the worker has a rate, or while it is paused."""
        state = self.progress.state
        rate, steps = state.get("images_per_second"), state.get("steps")
        if not rate or not steps or self.paused:
            return None
        total = steps * (state.get("epochs", self.config.epochs) - state.get("initial_epoch", 0))
        return max(total - state.get("steps_done", 0), 0) * self.config.batch_size / rate

    @property
    def paused(self) -> bool:
        """Whether the worker has paused (it says so after its current batch)."""
        return bool(self.progress.state.get("paused"))

    @property
    def pausing(self) -> bool:
        """Pause was pressed and the worker has not paused yet (it is starting or finishing a batch)."""
        return self._pause_asked and not self.paused and self.active

    def send(self, command: dict) -> None:
        """Queue a command for the run; it reaches the worker within a fraction of a second."""
        self._commands.put(command)

    def take_commands(self) -> list[dict]:
        found = []
        while True:
            try:
                found.append(self._commands.get_nowait())
            except queue.Empty:
                return found

    def discard(self) -> None:
        """Delete the worker's model file and the job's folder (the loaded model stays usable in memory)."""
        outcome = self.outcome
        if outcome is not None and outcome.model_file is not None:
            shutil.rmtree(outcome.model_file.parent, ignore_errors=True)
        if outcome is not None and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


class JobManager:
    """A first-come queue of TrainingJobs, at most `max_running` at once, each run by `backend`."""

    def __init__(self, dataset_path: Path | str = MNIST_PATH, max_running: int | None = None,
                 backend: TrainingBackend | None = None, work_dir: Path | str | None = None):
        self.dataset_path = str(dataset_path)
        self.max_running = max_running or default_concurrency()
        self.backend = backend or ProcessBackend()
        self.work_dir = Path(work_dir) if work_dir else _private_work_dir()
        self._jobs: list[TrainingJob] = []
        self._slots = threading.Condition()
        self._run_seconds: collections.deque[float] = collections.deque(maxlen=RECENT_RUNS)
        """Wall-clock seconds of the last runs, from their start (worker start-up included) to their end."""

    def submit(self, config: TrainConfig, owner: str, owner_alive: Callable[[], bool] = lambda: True,
               number: int = 1, continue_from: RunOutcome | None = None) -> TrainingJob:
        """Queue a run; `number` is how its owner counts its runs (run 1, run 2, ...).

        `continue_from` trains an earlier run's model further, with its optimizer state.
        """
        job = TrainingJob(number, config, owner, owner_alive)
        if continue_from is not None and continue_from.progress is not None:
            job.progress.carry_on(continue_from.progress, f"+{config.epochs} epochs")
        return self._queue(job, continue_from)

    def submit_fine_tune(self, start: Recognizer, drawings_x: np.ndarray, drawings_y: np.ndarray,
                         config: FineTuneConfig, owner: str, owner_alive: Callable[[], bool] = lambda: True,
                         number: int = 1, source: str = "") -> TrainingJob:
        """Queue a run that fine-tunes `start`'s model on labelled drawings mixed with MNIST.

        drawings_x: (N, 28, 28) uint8, drawings_y: (N,) labels 0-9. The model and the drawings are
        written to the job's folder (an `.npz`, atomically) for the worker to read. Raises
        ValueError for drawings `mlcore.fine_tune.fine_tune` would refuse (nothing is queued).
        """
        arch = _architecture(start.metadata)
        job = TrainingJob(number, train_config(config, arch), owner, owner_alive)
        job.folder = self._job_folder(number)
        try:
            drawings = write_drawings(job.folder / "drawings.npz", drawings_x, drawings_y)
            model_path = _copy_model_file(start, job.folder / "start.keras")
        except BaseException:
            shutil.rmtree(job.folder, ignore_errors=True)
            raise
        job.fine_tune = FineTuneSpec(str(model_path), str(drawings), config, source)
        return self._queue(job, None)

    def _queue(self, job: TrainingJob, continue_from: RunOutcome | None) -> TrainingJob:
        with self._slots:
            self._jobs.append(job)
        threading.Thread(target=self._run, args=(job, continue_from),
                         name=f"training-job-{job.owner[:8]}-{job.number}", daemon=True).start()
        return job

    def _job_folder(self, number: int) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"run-{number}-", dir=self.work_dir))

    def queue_position(self, job: TrainingJob) -> int | None:
        """1 for the next job to start, None when the job is not waiting."""
        with self._slots:
            waiting = [j for j in self._jobs if j._state == QUEUED]
            return waiting.index(job) + 1 if job in waiting else None

    def expected_wait(self, job: TrainingJob) -> float | None:
        """Seconds until a queued `job` is likely to start, or None when there is nothing to go on.

        The FIFO queue played forward: each trainer is free when its run's `seconds_left` is up,
        and each run ahead of `job` then takes the median wall-clock time of the last RECENT_RUNS
        runs. None when `job` is not waiting, or when a time is needed and no run has finished yet.
        """
        with self._slots:
            waiting = [j for j in self._jobs if j._state == QUEUED]
            running = [j for j in self._jobs if j._state == RUNNING]
            typical = float(np.median(self._run_seconds)) if self._run_seconds else None
        if job not in waiting:
            return None
        free_in = [typical if left is None else left for left in (j.seconds_left() for j in running)]
        free_in += [0.0] * max(self.max_running - len(free_in), 0)
        if None in free_in:
            return None
        for _ahead in waiting[: waiting.index(job)]:
            if typical is None:
                return None
            soonest = free_in.index(min(free_in))
            free_in[soonest] += typical
        return min(free_in)

    def running_count(self) -> int:
        with self._slots:
            return sum(j._state == RUNNING for j in self._jobs)

    def _run(self, job: TrainingJob, continue_from: RunOutcome | None) -> None:
        outcome = RunOutcome(FAILED, reason="the job ended before it could report")
        try:
            if self._wait_for_slot(job):
                started = time.monotonic()
                outcome = self._drive(job, continue_from)
                if outcome.status == FINISHED:  # a run stopped by hand says nothing of how long runs take
                    with self._slots:
                        self._run_seconds.append(time.monotonic() - started)
            else:
                outcome = RunOutcome(STOPPED, reason="stopped before it started")
        except WorkerDied as error:
            outcome = RunOutcome(FAILED, reason=str(error))
        except BaseException as error:  # any failure is reported on its page; the queue goes on
            outcome = RunOutcome(FAILED, reason=f"{type(error).__name__}: {error}")
            traceback.print_exc()
        finally:
            with self._slots:  # leaving the queue and publishing the outcome are one step to any observer
                if job in self._jobs:
                    self._jobs.remove(job)
                job.outcome = outcome
                self._slots.notify_all()

    def _drive(self, job: TrainingJob, continue_from: RunOutcome | None) -> RunOutcome:
        output = (job.folder or self._job_folder(job.number)) / f"run_{job.number}.keras"
        request = RunRequest(job.config, f"run_{job.number}", str(output), self.dataset_path,
                             continue_from=str(continue_from.model_file) if continue_from else None,
                             initial_epoch=continue_from.initial_epoch + continue_from.epochs_run
                             if continue_from else 0, fine_tune=job.fine_tune)
        handle = self.backend.start(request)
        try:
            next_check = time.monotonic() + OWNER_CHECK_SECONDS
            while not handle.done():
                for event in handle.events(timeout=0.2):
                    job.progress.apply(event)
                for command in job.take_commands():
                    handle.send(command)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + OWNER_CHECK_SECONDS
                    if self._owner_gone(job):
                        job.stop()
            while events := handle.events(timeout=0.3):  # the last events can trail the result
                for event in events:
                    job.progress.apply(event)
            report = handle.report()
        finally:
            handle.close()
        recognizer = Recognizer.load(report.model_path)  # with the checks the worker fitted, from its sidecar
        return RunOutcome(
            status=STOPPED if report.stopped_early else FINISHED, recognizer=recognizer,
            history=report.history, kept=report.kept, seconds=report.seconds,
            samples_per_second=report.samples_per_second, test_accuracy=report.test_accuracy,
            confusion=report.confusion, model_file=Path(report.model_path),
            optimizer_steps=report.optimizer_steps, progress=job.progress,
            initial_epoch=continue_from.initial_epoch + continue_from.epochs_run if continue_from else 0,
            fine_tune=report.fine_tune)

    @staticmethod
    def _owner_gone(job: TrainingJob) -> bool:
        """Whether the job's session has gone; a check that fails counts as gone."""
        try:
            return not job.owner_alive()
        except Exception:
            log.warning("owner check of training job %s failed; stopping it", job.number, exc_info=True)
            return True

    def _wait_for_slot(self, job: TrainingJob) -> bool:
        with self._slots:
            while not self._may_start(job):
                if job.stop_requested or self._owner_gone(job):
                    return False
                self._slots.wait(timeout=1.0)
            job._state = RUNNING
            return True

    def _may_start(self, job: TrainingJob) -> bool:
        running = sum(j._state == RUNNING for j in self._jobs)
        first_waiting = next((j for j in self._jobs if j._state == QUEUED), None)
        return running < self.max_running and first_waiting is job


def _architecture(metadata: dict | None) -> Architecture:
    """The architecture a model's sidecar records (the default one when it records none or a bad one)."""
    try:
        return Architecture(**(metadata or {}).get("architecture", {}))
    except TypeError:
        return Architecture()


def _copy_model_file(start: Recognizer, path: Path) -> Path:
    """`start`'s model as a `.keras` file at `path`: its own file copied, or the model in memory saved."""
    if start.path is not None and Path(start.path).is_file():
        staged = path.with_name(f".{path.name}")
        shutil.copyfile(start.path, staged)
        os.replace(staged, path)
        return path
    return save_model(start.model, path, start.metadata or {})


def _private_work_dir() -> Path:
    """A folder for this server's run files, removed when the server exits."""
    path = Path(tempfile.mkdtemp(prefix="digits-training-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
