"""What runs inside a training worker process: one run, start to finish, then the process exits.

The server starts each run in a fresh *spawned* process (TensorFlow is not fork-safe), so the
memory a run allocates goes back to the system when it ends and a crash of the run (kill -9, out
of memory) cannot take the server with it. The worker talks to the server through two queues
handed over when the process starts (`init_worker`): progress events out (see
`mlcore.progress`), commands in. It trains with the same engine as the command line
(`mlcore.training.train`), scores the model on the test set, and writes it as a `.keras` file
with its sidecar, which the server loads with Keras safe mode like any saved model.

This module imports TensorFlow only inside `run`, so that starting a worker stays cheap until it
has work.
"""

from __future__ import annotations

import os
import queue
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlcore.fine_tune import FineTuneConfig
    from mlcore.training import Kept, TrainConfig

WORKER_NICENESS = 10
"""How much lower than the server a worker is scheduled (see `os.nice`): drawing stays responsive."""

STOP, PAUSE, RESUME, LEARNING_RATE = "stop", "pause", "resume", "learning_rate"

_events: Any = None
_commands: Any = None


def init_worker(events, commands) -> None:
    """Process-pool initializer: lower the priority, keep the queues, tell the server who we are."""
    global _events, _commands
    _events, _commands = events, commands
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        os.nice(WORKER_NICENESS)
    except OSError:
        pass
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    events.put({"kind": "worker", "pid": os.getpid()})


def _exit_with_parent(parent: int) -> None:
    """End this worker if the server that started it is gone (killed, crashed): no orphaned training."""
    import time

    while os.getppid() == parent:
        time.sleep(2.0)
    os._exit(1)


@dataclass(frozen=True)
class FineTuneSpec:
    """A fine-tuning run's inputs, as files in the job's folder (no big arrays through the queue)."""

    model_path: str
    """The `.keras` model to start from (it is not changed)."""
    drawings_path: str
    """An `.npz` written by `mlcore.fine_tune.write_drawings`."""
    config: FineTuneConfig
    source: str = ""
    """Where the drawings came from, in words, for the page."""


@dataclass(frozen=True)
class RunRequest:
    """Everything a worker needs for one run; picklable, so it crosses the process boundary."""

    config: TrainConfig
    name: str
    output_path: str
    """Where the worker writes the trained model (`.keras`; its sidecar goes next to it)."""
    dataset_path: str
    flush_seconds: float = 0.25
    continue_from: str | None = None
    """A `.keras` file (with optimizer state) to train further, instead of a new network."""
    initial_epoch: int = 0
    fine_tune: FineTuneSpec | None = None
    """Fine-tune a model on drawings (`mlcore.fine_tune`) instead of training one on MNIST."""


@dataclass(frozen=True)
class RunReport:
    """What a worker sends back at the end: where the model is, and how the run went."""

    model_path: str
    history: dict[str, list[float]]
    kept: Kept | None
    seconds: float
    stopped_early: bool
    samples_per_second: float
    test_accuracy: float
    confusion: Any
    metadata: dict = field(default_factory=dict)
    optimizer_steps: int = 0
    fine_tune: Any = None
    """A fine-tuning run's `mlcore.fine_tune.FineTuneSummary` (scores before and after, changed answers)."""


def run(request: RunRequest) -> RunReport:
    """Train, score on the test set and save one model; called in the worker by the process pool."""
    import keras
    import numpy as np

    from mlcore.data import fingerprint_test_set, load_mnist
    from mlcore.evaluation import confusion_matrix, overall_accuracy
    from mlcore.inference import Recognizer
    from mlcore.model import describe, save_model
    from mlcore.progress import ProgressReporter
    from mlcore.training import train

    send = _events.put if _events is not None else (lambda event: None)
    mnist = load_mnist(request.dataset_path)
    reporter = ProgressReporter(send, request.flush_seconds)
    stop = threading.Event()
    controls = make_controls(_commands, stop, reporter)
    summary, facts = None, {}
    if request.fine_tune:
        from mlcore.fine_tune import fine_tune, read_drawings

        spec = request.fine_tune
        start = keras.saving.load_model(spec.model_path, compile=False, safe_mode=True)
        drawings_x, drawings_y = read_drawings(spec.drawings_path)
        tuned = fine_tune(start, drawings_x, drawings_y, mnist, spec.config, callbacks=[reporter, controls],
                          stop=stop, name=request.name)
        result, predicted = tuned.training, tuned.test_predicted
        summary = tuned.summary(spec.source, start.name, len(drawings_x))
        facts = {"fine_tuned_from": start.name, "fine_tuned_on": f"{len(drawings_x)} drawings ({spec.source})",
                 "fine_tune": {"held_out": len(tuned.held_out), "before": vars(tuned.before),
                               "after": vars(tuned.after)}}
    else:
        model = None
        if request.continue_from:
            model = keras.saving.load_model(request.continue_from, compile=True, safe_mode=True)
            model.name = request.name  # "+N epochs" makes a new run: every page calls it by that run's name
        result = train(request.config, mnist, callbacks=[reporter, controls], stop=stop, name=request.name,
                       model=model, initial_epoch=request.initial_epoch)
        predicted = Recognizer(result.model).predict_batch(mnist.x_test).argmax(axis=1)
    trained = Recognizer(result.model)
    confusion = confusion_matrix(mnist.y_test, predicted)
    accuracy = overall_accuracy(confusion)
    history = {k: [float(v) for v in values] for k, values in result.history.items()}
    kept = None if summary else result.kept  # fine-tuning blends its weights with the start: its summary says what it kept
    metadata = describe(
        result.model, request.config.arch, test_accuracy=accuracy,
        validation_accuracy=kept.val_accuracy if kept else max(history.get("val_accuracy", [0.0])),
        training={**request.config.as_dict(), "best_epoch": result.best_epoch,
                  "seconds": round(result.seconds, 1), "stopped_early": result.stopped_early, **facts},
        mnist_test_sha256=fingerprint_test_set(mnist), **trained.checks_record())
    path = save_model(result.model, request.output_path, metadata)
    return RunReport(str(path), history, kept, result.seconds, result.stopped_early,
                     result.samples_per_second, accuracy, np.asarray(confusion), metadata,
                     int(result.model.optimizer.iterations.numpy()), summary)


def make_controls(commands, stop: threading.Event, reporter):
    """A Keras callback that obeys the server's commands between batches.

    stop: the run ends after this batch. pause: the worker waits (no batches, no CPU) until
    resume or stop. learning_rate (value): a new base learning rate from the next batch on,
    marked on the chart. Commands may come while paused.
    """
    import time

    import keras

    from mlcore.training import steerable_schedule

    class Controls(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            schedule = steerable_schedule(self.model)
            self._rate = float(schedule.base.numpy()) if schedule is not None else None
            reporter.send({"kind": "control", "paused": False, "learning_rate": self._rate})

        def on_train_batch_end(self, batch, logs=None):
            for command in self._take():
                self.obey(command)

        def _take(self, timeout: float = 0.0) -> list[dict]:
            if commands is None:
                return []
            found = []
            try:
                found.append(commands.get(timeout=timeout) if timeout else commands.get_nowait())
                while True:
                    found.append(commands.get_nowait())
            except queue.Empty:
                return found

        def obey(self, command: dict) -> None:
            kind = command.get("command")
            if kind == STOP:
                stop.set()
            elif kind == LEARNING_RATE:
                self.steer(float(command["value"]))
            elif kind == PAUSE and not stop.is_set():
                self.pause()

        def steer(self, rate: float) -> None:
            schedule = steerable_schedule(self.model)
            if schedule is None or rate <= 0 or rate == self._rate:
                return
            schedule.steer(rate)
            reporter.mark(f"learning rate {self._rate:g} → {rate:g}")
            self._rate = rate
            reporter.send({"kind": "control", "learning_rate": rate})

        def pause(self) -> None:
            reporter.mark("paused")
            reporter.send({"kind": "control", "paused": True})
            began = time.perf_counter()
            paused = True
            while paused:
                for command in self._take(timeout=0.5):
                    kind = command.get("command")
                    if kind in (RESUME, STOP):
                        paused = False
                    if kind in (STOP, LEARNING_RATE):
                        self.obey(command)
            reporter.paused(time.perf_counter() - began)
            reporter.send({"kind": "control", "paused": False})

    return Controls()
