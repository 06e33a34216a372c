"""Training throughput of the engine against a bare `model.fit`, and time to 99 % test accuracy.

Throughput: the same network, data pipeline and validation, one epoch on 30 % of the training
set, engine and bare runs interleaved so that the machine's noise hits both alike.
"""

from __future__ import annotations

import gc
import threading
import time

import keras
import numpy as np

from mlcore.data import load_mnist
from mlcore.inference import Recognizer
from mlcore.progress import ProgressLog, ProgressReporter
from mlcore.training import PRESETS, TrainConfig, compiled_model, make_dataset, split_training_set, train

FASTEST = "Small CNN (fastest to 99 %)"
TARGET = 0.99


def bare_fit_seconds(config: TrainConfig, mnist) -> tuple[float, int]:
    split = split_training_set(mnist, config)
    data = make_dataset(split.x_train, split.y_train, config.batch_size, config.augment, config.seed)
    val = make_dataset(split.x_val, split.y_val, 1000)
    model = compiled_model(config, int(np.ceil(len(split.x_train) / config.batch_size)))
    start = time.perf_counter()
    model.fit(data, validation_data=val, epochs=config.epochs, verbose=0)
    return time.perf_counter() - start, len(split.x_train) * config.epochs


def engine_seconds(config: TrainConfig, mnist) -> tuple[float, int]:
    log = ProgressLog()
    result = train(config, mnist, callbacks=[ProgressReporter(log.apply)], stop=threading.Event())
    return result.seconds, round(result.samples_per_second * result.seconds)


def throughput(mnist, rounds: int = 4) -> None:
    """Engine and bare runs in ABBA order, garbage collected in between.

    A finished run's input pipeline keeps prefetching until its iterator is collected, which
    would steal the next run's cores; collecting first keeps the runs independent.
    """
    config = TrainConfig(**{**PRESETS[FASTEST].__dict__, "epochs": 1, "train_fraction": 0.3})
    runs = {"engine": engine_seconds, "bare": bare_fit_seconds}
    engine_seconds(config, mnist)  # warm-up: first-run tracing and allocations
    rates = {name: [] for name in runs}
    for round_number in range(rounds):
        order = ["engine", "bare"] if round_number % 2 == 0 else ["bare", "engine"]
        for name in order:
            gc.collect()
            seconds, samples = runs[name](config, mnist)
            rates[name].append(samples / seconds)
    e, b = np.median(rates["engine"]), np.median(rates["bare"])
    print(f"Training throughput, '{FASTEST}', 1 epoch on 30 % of the data, "
          f"{rounds} runs each in ABBA order")
    print("  per-run images/s, engine: " + " ".join(f"{r:.0f}" for r in rates["engine"])
          + "; bare: " + " ".join(f"{r:.0f}" for r in rates["bare"]))
    print(f"  engine (per-batch progress, stop, keep-best):         {e:8.0f} images/s")
    print(f"  bare model.fit, same network and pipeline:           {b:8.0f} images/s")
    print(f"  engine / bare: {e / b:.3f}")


class TestAccuracyClock(keras.callbacks.Callback):
    """Notes the training time (evaluation excluded) when test accuracy first reaches the target."""

    def __init__(self, mnist):
        super().__init__()
        self.mnist, self.training_seconds, self.reached = mnist, 0.0, None
        self.log = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.training_seconds += time.perf_counter() - self._start
        accuracy = Recognizer(self.model).accuracy(self.mnist.x_test, self.mnist.y_test)
        self.log.append((epoch + 1, self.training_seconds, accuracy))
        if self.reached is None and accuracy >= TARGET:
            self.reached = self.training_seconds


def time_to_target(mnist) -> None:
    clock = TestAccuracyClock(mnist)
    train(PRESETS[FASTEST], mnist, callbacks=[clock])
    print(f"Time to {TARGET:.1%} test accuracy with the preset '{FASTEST}' (training time, evaluation excluded)")
    for epoch, seconds, accuracy in clock.log:
        print(f"  epoch {epoch}: {seconds:6.1f} s  test accuracy {accuracy:.2%}")
    print(f"  reached {TARGET:.1%} after {clock.reached:.1f} s" if clock.reached else f"  did not reach {TARGET:.1%}")


def main() -> None:
    mnist = load_mnist()
    throughput(mnist)
    time_to_target(mnist)


if __name__ == "__main__":
    main()
