"""The training engine: plain `model.fit` with callbacks, for the command line and the app alike."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from mlcore.augment import augment_batch
from mlcore.data import Mnist
from mlcore.model import Architecture, build_model
from mlcore.progress import ProgressReporter

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
    kept: Kept | None = None


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


@keras.saving.register_keras_serializable(package="digits")
class SteerableCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, SGDR, ICLR 2017; as `keras.optimizers.schedules.CosineDecay`)
    whose base rate can be changed while the network trains.

    lr(step) = base * ((1 - alpha) * 0.5 * (1 + cos(pi * p)) + alpha), p = clip((step - start) / decay_steps, 0, 1).
    `base`, `start` and `decay_steps` are TensorFlow variables read inside the compiled training
    step, so `steer` and `restart` take effect at the next batch without retracing.
    """

    def __init__(self, base: float, decay_steps: int, alpha: float = 0.02, start: int = 0):
        self.alpha = float(alpha)
        self.base = tf.Variable(float(base), trainable=False, dtype=tf.float32)
        self.start = tf.Variable(float(start), trainable=False, dtype=tf.float32)
        self.decay_steps = tf.Variable(float(max(decay_steps, 1)), trainable=False, dtype=tf.float32)

    def __call__(self, step):
        progress = tf.clip_by_value((tf.cast(step, tf.float32) - self.start) / self.decay_steps, 0.0, 1.0)
        cosine = 0.5 * (1.0 + tf.cos(np.pi * progress))
        return self.base * ((1.0 - self.alpha) * cosine + self.alpha)

    def steer(self, base: float) -> None:
        """A new base learning rate, from the next batch on (the decay goes on where it is)."""
        self.base.assign(float(base))

    def restart(self, base: float, at_step: int, decay_steps: int) -> None:
        """A warm restart: decay from `base` again, over `decay_steps` steps from step `at_step`."""
        self.base.assign(float(base))
        self.start.assign(float(at_step))
        self.decay_steps.assign(float(max(decay_steps, 1)))

    def get_config(self) -> dict:
        return {"base": float(self.base.numpy()), "decay_steps": int(self.decay_steps.numpy()),
                "alpha": self.alpha, "start": int(self.start.numpy())}


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    schedule = SteerableCosine(config.learning_rate, total_steps, alpha=0.02)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(schedule)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(schedule)
    raise ValueError(f"unknown optimizer {config.optimizer!r}: choose from {OPTIMIZERS}")


def steerable_schedule(model: keras.Model) -> SteerableCosine | None:
    """The learning-rate schedule of a model compiled by `compiled_model` (None for any other).

    Keras 3 exposes a schedule only through the optimizer's private `_learning_rate`
    (`optimizer.learning_rate` evaluates it at the current step).
    """
    schedule = getattr(getattr(model, "optimizer", None), "_learning_rate", None)
    return schedule if isinstance(schedule, SteerableCosine) else None


def compiled_model(config: TrainConfig, steps_per_epoch: int, name: str = "mnist_cnn") -> keras.Model:
    model = build_model(config.arch, name=name)
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch * config.epochs),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def copy_model(model: keras.Model, name: str) -> keras.Model:
    """A copy of `model` (same layers, its current weights, no optimizer) named `name`; `model` is untouched.

    `keras.models.clone_model` builds new layers from the config; `set_weights` copies the
    weights, BatchNormalization's moving statistics included.
    """
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return keras.Model(clone.inputs, clone.outputs, name=name)


@dataclass(frozen=True)
class Kept:
    """Which weights a run kept: those at the end of its best epoch, or those at a mid-epoch stop.

    `position` is in epochs (2.0 = the end of epoch 2; 0.47 = 47 % into epoch 1); `epoch` is the
    1-based epoch they belong to; `val_accuracy` is their validation accuracy.
    """

    position: float
    epoch: int
    at_stop: bool
    val_accuracy: float

    def describe(self) -> str:
        """In words, for the page: what was kept and where."""
        if self.at_stop:
            return (f"kept the weights at the stop, {self.position - (self.epoch - 1):.0%} into epoch "
                    f"{self.epoch} (validation accuracy {self.val_accuracy:.2%})")
        return f"kept the weights from the end of epoch {self.epoch} (validation accuracy {self.val_accuracy:.2%})"


class KeepBest(keras.callbacks.Callback):
    """Remembers the weights with the best validation accuracy and restores them at the end.

    Keras validates once more when a run is stopped mid-epoch; those are the weights at the stop,
    and they are kept only if they beat every finished epoch (`kept.at_stop` then says so).
    With `restore=False` the last weights stay, and `kept` describes them (the last epoch's end,
    or the stop).
    """

    def __init__(self, monitor: str = "val_accuracy", restore: bool = True):
        super().__init__()
        self.monitor = monitor
        self.restore = restore
        self.best = -np.inf
        self.best_epoch = -1
        self.best_weights = None
        self.kept: Kept | None = None
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and (value > self.best or not self.restore):
            steps = self.params.get("steps") or self._batches or 1
            at_stop = self._batches < steps
            self.best, self.best_epoch = value, epoch
            self.kept = Kept(epoch + (self._batches / steps if at_stop else 1.0), epoch + 1, at_stop, float(value))
            if self.restore:
                self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.restore and self.best_weights is not None:
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


def train(
    config: TrainConfig,
    mnist: Mnist,
    callbacks: list[keras.callbacks.Callback] = (),
    stop: threading.Event | None = None,
    strategy: tf.distribute.Strategy | None = None,
    name: str = "mnist_cnn",
    extra_train: tuple[np.ndarray, np.ndarray] | None = None,
    model: keras.Model | None = None,
    initial_epoch: int = 0,
    keep_best: bool = True,
) -> TrainResult:
    """Train a network on MNIST and return it with the best validation epoch's weights.

    `strategy` is any `tf.distribute` strategy (e.g. `MirroredStrategy` on several GPUs); the
    batch size is the global one, split across its replicas. `extra_train` (images, labels) are
    added to the training split, e.g. canvas-style digits. A compiled `model` (with its optimizer
    state) continues from epoch `initial_epoch` for `config.epochs` more epochs; an uncompiled one
    (loaded from a file: fine-tuning) gets a fresh optimizer. Its architecture wins over `config.arch`.
    `keep_best=False` keeps the last weights instead of the best validation epoch's (fine-tuning:
    MNIST validation would favour the epoch that learnt least of the new drawings).
    """
    keras.utils.set_random_seed(config.seed)
    split = split_training_set(mnist, config)
    x_train, y_train = split.x_train, split.y_train
    if extra_train is not None:
        x_train, y_train = np.concatenate([x_train, extra_train[0]]), np.concatenate([y_train, extra_train[1]])
    train_data = make_dataset(x_train, y_train, config.batch_size, config.augment, config.seed)
    val_data = make_dataset(split.x_val, split.y_val, 1000)
    steps = int(np.ceil(len(x_train) / config.batch_size))
    if model is None:
        with (strategy or tf.distribute.get_strategy()).scope():
            model = compiled_model(config, steps, name)
    elif getattr(model, "optimizer", None) is None:  # a loaded (or copied) model to fine-tune: a fresh optimizer and schedule
        model.compile(optimizer=make_optimizer(config, steps * config.epochs),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    elif (schedule := steerable_schedule(model)) is not None:
        schedule.restart(config.learning_rate, int(model.optimizer.iterations.numpy()), steps * config.epochs)
    for callback in callbacks:
        if isinstance(callback, ProgressReporter):
            callback.samples, callback.batch_size, callback.initial_epoch = len(x_train), config.batch_size, initial_epoch
    best, stopper = KeepBest(restore=keep_best), StopWhenAsked(stop or threading.Event())
    started = time.perf_counter()
    history = model.fit(train_data, validation_data=val_data, initial_epoch=initial_epoch,
                        epochs=initial_epoch + config.epochs, verbose=0,
                        shuffle=False,  # make_dataset shuffles; Keras would ignore it with a warning
                        callbacks=[*callbacks, stopper, best])
    seconds = time.perf_counter() - started
    epochs_run = len(history.history.get("loss", []))
    return TrainResult(
        model=model,
        history=history.history,
        best_epoch=best.best_epoch + 1 if keep_best else initial_epoch + epochs_run,
        seconds=seconds,
        stopped_early=stopper.stopped,
        samples_per_second=len(x_train) * epochs_run / seconds if seconds else 0.0,
        kept=best.kept,
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
