"""A training run's progress as events: sent by a Keras callback, gathered into a record the page reads.

The callback (`ProgressReporter`) runs where the network trains (a worker process, or the same
process for the command line and tests) and hands plain dicts to a `send` function; the record
(`ProgressLog`) applies them in the server. Events are small and picklable:

- ``{"kind": "begin", "epochs", "steps", "samples", "batch_size", "initial_epoch"}``
- ``{"kind": "batches", "rows": [{"step", "epoch", "loss", "accuracy"}], "state": {...}}``
- ``{"kind": "epoch", "row": {"epoch", "index", "partial", "loss", "accuracy", "val_loss", "val_accuracy"}}``
- ``{"kind": "mark", "step", "epoch", "text"}`` (a pause, a learning-rate change)
- ``{"kind": "control", "paused", "learning_rate"}`` (what the run's controls are set to now)
- ``{"kind": "worker", "pid"}``

Per-batch loss: Keras reports the running mean of the loss since the start of the epoch, weighted
by batch size (`Trainer._loss_tracker`, a `keras.metrics.Mean`), so its curve drops at every epoch
boundary. The loss of batch k alone is recovered exactly from two consecutive running means:
``(mean_k * n_1..k - mean_k-1 * n_1..k-1) / n_k``; the same holds for accuracy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import keras


class ProgressReporter(keras.callbacks.Callback):
    """Sends a run's per-batch loss and accuracy, its epochs and its rate to `send`.

    Batch rows are sent in bundles at most every `flush_seconds` (0 sends every batch), so that a
    worker's pipe carries a few messages a second whatever the batch rate.
    """

    def __init__(self, send: Callable[[dict], None], flush_seconds: float = 0.25):
        super().__init__()
        self.send = send
        self.flush_seconds = flush_seconds
        self.samples: int | None = None
        """Training images per epoch; set by `mlcore.training.train`."""
        self.batch_size: int | None = None
        self.initial_epoch = 0
        """The first epoch's index when a run continues an earlier one; set by `train`."""
        self._pending: list[dict] = []
        self._last_flush = 0.0
        self._first_batch_end: float | None = None
        self._steps_done = 0

    def on_train_begin(self, logs=None):
        self._steps = self.params["steps"]
        self._epochs = self.params["epochs"]
        self._initial_epoch = self.initial_epoch
        self._start = time.perf_counter()
        self.send({"kind": "begin", "epochs": self._epochs, "steps": self._steps, "samples": self.samples,
                   "batch_size": self.batch_size, "initial_epoch": self._initial_epoch})

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._seen = 0
        self._batches_done = 0
        self._previous_mean = {"loss": 0.0, "accuracy": 0.0}

    def _batch_samples(self, batch: int) -> int:
        if self.samples is None or self.batch_size is None:
            return 1
        return max(1, min(self.batch_size, self.samples - batch * self.batch_size))

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        n = self._batch_samples(batch)
        seen = self._seen + n
        row = {"step": self._epoch * self._steps + batch + 1, "epoch": self._epoch + (batch + 1) / self._steps}
        for name in ("loss", "accuracy"):
            mean = float(logs.get(name, 0.0))
            row[name] = (mean * seen - self._previous_mean[name] * self._seen) / n
            self._previous_mean[name] = mean
        self._seen = seen
        self._batches_done = batch + 1
        self._steps_done += 1
        now = time.perf_counter()
        if self._first_batch_end is None:
            self._first_batch_end = now
        self._pending.append(row)
        if now - self._last_flush >= self.flush_seconds or batch + 1 == self._steps:
            self._flush(batch, now)

    def _flush(self, batch: int, now: float) -> None:
        timed = self._steps_done - 1  # the first batch includes tracing the graph: not a rate
        rate = (timed * (self.batch_size or 1) / (now - self._first_batch_end)
                if timed > 0 and now > self._first_batch_end else None)
        state = {"epoch": self._epoch, "batch": batch + 1, "steps_done": self._steps_done,
                 "elapsed": now - self._start, "images_per_second": rate}
        self.send({"kind": "batches", "rows": self._pending, "state": state})
        self._pending = []
        self._last_flush = now

    def on_epoch_end(self, epoch, logs=None):
        if self._pending:
            self._flush(self._batches_done - 1, time.perf_counter())
        row = {"epoch": epoch + self._batches_done / self._steps, "index": epoch + 1,
               "partial": self._batches_done < self._steps,
               **{k: float(v) for k, v in (logs or {}).items()}}
        self.send({"kind": "epoch", "row": row})

    def paused(self, seconds: float) -> None:
        """Leave a pause of `seconds` out of the run's rate and elapsed time."""
        self._start += seconds
        if self._first_batch_end is not None:
            self._first_batch_end += seconds

    def mark(self, text: str) -> None:
        """Record a change made during the run (a pause, a new learning rate) at the current batch."""
        epoch = getattr(self, "_epoch", 0)
        done = getattr(self, "_batches_done", 0)
        self.send({"kind": "mark", "step": epoch * self._steps + done, "epoch": epoch + done / self._steps,
                   "text": text})


class ProgressLog:
    """Thread-safe record of a run's events, read by the page while the run goes on.

    `batches` holds one row per training batch (its own loss and accuracy, not Keras's running
    mean), `epochs` one row per validation (an epoch's end, or the stop when it came mid-epoch),
    `marks` the changes made during the run, `state` where the run is now.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.batches: list[dict] = []
        self.epochs: list[dict] = []
        self.marks: list[dict] = []
        self.state: dict = {}

    def apply(self, event: dict) -> None:
        kind = event.get("kind")
        with self._lock:
            if kind == "begin":
                self.state.update({k: v for k, v in event.items() if k != "kind"},
                                  started=time.time(), epoch=event.get("initial_epoch", 0), batch=0,
                                  steps_done=0, images_per_second=None)
            elif kind == "batches":
                self.batches.extend(event["rows"])
                self.state.update(event["state"])
            elif kind == "epoch":
                self.epochs.append(event["row"])
            elif kind == "mark":
                self.marks.append({k: v for k, v in event.items() if k != "kind"})
            elif kind == "control":
                self.state.update({k: v for k, v in event.items() if k != "kind"})
            elif kind == "worker":
                self.state["pid"] = event["pid"]

    def carry_on(self, earlier: ProgressLog, text: str) -> None:
        """Start with an earlier run's curves and a mark where this one continues them."""
        batches, epochs, _ = earlier.snapshot()
        marks = earlier.marks_snapshot()
        end = max([b["epoch"] for b in batches] + [e["epoch"] for e in epochs], default=0.0)
        step = batches[-1]["step"] if batches else 0
        with self._lock:
            self.batches, self.epochs = batches, epochs
            self.marks = [*marks, {"step": step, "epoch": end, "text": text}]

    def snapshot(self) -> tuple[list[dict], list[dict], dict]:
        """Copies of (batches, epochs, state), safe to use while the run goes on."""
        with self._lock:
            return list(self.batches), list(self.epochs), dict(self.state)

    def marks_snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.marks)
