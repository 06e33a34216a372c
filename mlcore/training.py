"""The training engine: plain `model.fit` with callbacks, for the command line and the app alike."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from mlcore.augment import augment_batch
from mlcore.data import Mnist
from mlcore.model import Architecture, build_model

OPTIMIZERS = ("adam", "sgd", "rmsprop")


@dataclass(frozen=True)
class TrainConfig:
    arch: Architecture = Architecture()
    optimizer: str = "adam"
    learning_rate: float = 2e-3
    batch_size: int = 128
    epochs: int = 12
    train_fraction: float = 1.0
    augment: bool = True
    validation_size: int = 5000
    seed: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TrainResult:
    model: keras.Model
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float
    stopped_early: bool
    samples_per_second: float


@dataclass(frozen=True)
class Split:
    """Training and validation arrays, carved from MNIST's training set (the test set stays unseen)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def split_training_set(mnist: Mnist, config: TrainConfig) -> Split:
    order = np.random.default_rng(config.seed).permutation(len(mnist.x_train))
    val, train = order[: config.validation_size], order[config.validation_size :]
    train = train[: max(config.batch_size, round(len(train) * config.train_fraction))]
    return Split(mnist.x_train[train], mnist.y_train[train], mnist.x_train[val], mnist.y_train[val])


def as_model_input(images: np.ndarray | tf.Tensor) -> tf.Tensor:
    """uint8 (N, 28, 28) images to the model's float32 (N, 28, 28, 1) in [0, 1]."""
    return tf.cast(images, tf.float32)[..., tf.newaxis] / 255.0


def make_dataset(x, y, batch_size: int, augment: bool = False, shuffle_seed: int | None = None):
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle_seed is not None:
        data = data.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size).map(
        lambda images, labels: (as_model_input(images), labels), num_parallel_calls=tf.data.AUTOTUNE
    )
    if augment:
        data = data.map(lambda i, l: (augment_batch(i), l), num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(total_steps, 1), alpha=0.02)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(schedule)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(schedule)
    raise ValueError(f"unknown optimizer {config.optimizer!r}: choose from {OPTIMIZERS}")


def compiled_model(config: TrainConfig, steps_per_epoch: int, name: str = "mnist_cnn") -> keras.Model:
    model = build_model(config.arch, name=name)
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch * config.epochs),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class KeepBest(keras.callbacks.Callback):
    """Remembers the weights of the epoch with the best validation accuracy and restores them."""

    def __init__(self, monitor: str = "val_accuracy"):
        super().__init__()
        self.monitor = monitor
        self.best = -np.inf
        self.best_epoch = -1
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and value > self.best:
            self.best, self.best_epoch = value, epoch
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class StopWhenAsked(keras.callbacks.Callback):
    """Ends training after the current batch once `event` is set (the page's Stop button)."""

    def __init__(self, event: threading.Event):
        super().__init__()
        self.event = event
        self.stopped = False

    def on_train_batch_end(self, batch, logs=None):
        if self.event.is_set():
            self.model.stop_training = True
            self.stopped = True


@dataclass
class ProgressLog(keras.callbacks.Callback):
    """Thread-safe record of a run as it happens: a row every few batches and one per epoch.

    The page reads it from another thread; a row every `batch_every` batches (at least ten per
    epoch) keeps the per-batch cost negligible.
    """

    batch_every: int = 20
    batches: list[dict] = field(default_factory=list)
    epochs: list[dict] = field(default_factory=list)
    state: dict = field(default_factory=dict)

    def __post_init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self.batch_every = max(1, min(self.batch_every, self.params["steps"] // 10))
        with self._lock:
            self.state.update(started=time.time(), epochs=self.params["epochs"],
                              steps=self.params["steps"], epoch=0, batch=0)

    def on_epoch_begin(self, epoch, logs=None):
        with self._lock:
            self.state.update(epoch=epoch, batch=0)

    def on_train_batch_end(self, batch, logs=None):
        steps_done = self.state["epoch"] * self.state["steps"] + batch + 1
        with self._lock:
            self.state.update(batch=batch + 1, steps_done=steps_done,
                              elapsed=time.perf_counter() - self._start)
        if steps_done % self.batch_every == 0:
            row = {"step": steps_done, "epoch": self.state["epoch"] + (batch + 1) / self.state["steps"],
                   "loss": float(logs["loss"]), "accuracy": float(logs["accuracy"])}
            with self._lock:
                self.batches.append(row)

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
        with self._lock:
            self.epochs.append(row)

    def snapshot(self) -> tuple[list[dict], list[dict], dict]:
        with self._lock:
            return list(self.batches), list(self.epochs), dict(self.state)


def train(
    config: TrainConfig,
    mnist: Mnist,
    callbacks: list[keras.callbacks.Callback] = (),
    stop: threading.Event | None = None,
    strategy: tf.distribute.Strategy | None = None,
    name: str = "mnist_cnn",
    extra_train: tuple[np.ndarray, np.ndarray] | None = None,
    start_from: keras.Model | None = None,
) -> TrainResult:
    """Train a network on MNIST and return it with the best validation epoch's weights.

    `strategy` is any `tf.distribute` strategy (e.g. `MirroredStrategy` on several GPUs); the
    batch size is the global one, split across its replicas. `extra_train` (images, labels) are
    added to the training split, e.g. canvas-style digits. `start_from` is a model to go on
    training (fine-tuning; its architecture wins over `config.arch`) instead of a fresh one.
    """
    keras.utils.set_random_seed(config.seed)
    split = split_training_set(mnist, config)
    x_train, y_train = split.x_train, split.y_train
    if extra_train is not None:
        x_train, y_train = np.concatenate([x_train, extra_train[0]]), np.concatenate([y_train, extra_train[1]])
    train_data = make_dataset(x_train, y_train, config.batch_size, config.augment, config.seed)
    val_data = make_dataset(split.x_val, split.y_val, 1000)
    steps = int(np.ceil(len(x_train) / config.batch_size))
    with (strategy or tf.distribute.get_strategy()).scope():
        if start_from is None:
            model = compiled_model(config, steps, name)
        else:
            model = start_from
            model.compile(optimizer=make_optimizer(config, steps * config.epochs),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    keep_best, stopper = KeepBest(), StopWhenAsked(stop or threading.Event())
    started = time.perf_counter()
    history = model.fit(train_data, validation_data=val_data, epochs=config.epochs, verbose=0,
                        shuffle=False,  # make_dataset shuffles; Keras would ignore it with a warning
                        callbacks=[*callbacks, stopper, keep_best])
    seconds = time.perf_counter() - started
    epochs_run = len(history.history.get("loss", []))
    return TrainResult(
        model=model,
        history=history.history,
        best_epoch=keep_best.best_epoch + 1,
        seconds=seconds,
        stopped_early=stopper.stopped,
        samples_per_second=len(x_train) * epochs_run / seconds if seconds else 0.0,
    )


PRESETS: dict[str, TrainConfig] = {
    "Tiny MLP": TrainConfig(
        arch=Architecture(conv_blocks=0, dense_units=128, dropout=0.2, batch_norm=False),
        learning_rate=1e-3, epochs=5, augment=False),
    "Small CNN (fastest to 99 %)": TrainConfig(
        arch=Architecture(conv_blocks=2, filters=8, dense_units=64, dropout=0.25),
        learning_rate=3e-3, epochs=3, augment=False),
    "The shipped model's architecture": TrainConfig(),
}
"""Starting points for the Train page. The last one is the shipped model's recipe, less the
canvas-style digits that `python -m mlcore.train` adds to its training set."""
