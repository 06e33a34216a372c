"""Fine-tuning: teach a trained model a new handwriting without making it forget MNIST.

A copy of the model continues training, at a low learning rate for a few epochs, on the
drawings mixed with a share of MNIST's training images ("rehearsal": replaying old data is the
plainest guard against catastrophic forgetting, Robins 1995, Connection Science 7(2)). The
drawings are oversampled so every batch holds about `drawings_share` of them. A held-out share
of the drawings (stratified by label when possible) and the MNIST test set are read before and
after, to show what changed.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from mlcore.data import Mnist
from mlcore.inference import Recognizer
from mlcore.model import Architecture
from mlcore.training import TrainConfig, TrainResult, copy_model, train

MIN_HELD_OUT = 10
"""At least this many drawings (or `holdout_fraction` of them, whichever is more) are held out:
with fewer, one drawing read differently moves the before/after score by more than 10 points."""
MIN_TRAIN = 10
"""At least this many drawings are left to learn from."""
MIN_DRAWINGS = MIN_HELD_OUT + MIN_TRAIN
"""Fewer drawings than this leave too little to both learn from and check on."""


@dataclass(frozen=True)
class FineTuneConfig:
    """How to fine-tune: low learning rate, few epochs, a small MNIST share replayed alongside."""

    optimizer: str = "sgd"
    """SGD with momentum moves the weights more gently than Adam's normalised steps (on bubble digits,
    one run each on a loaded machine, Adam 1e-4 lost 0.47 points of MNIST test accuracy, SGD 0.32)."""
    learning_rate: float = 5e-3
    epochs: int = 3
    batch_size: int = 64
    mnist_images: int = 6000
    """MNIST training images replayed with the drawings (taken after `validation_size` held back)."""
    drawings_share: float = 0.1
    """About this share of each batch is drawings (oversampled to reach it; never less than once each).
    Measured on 50 bubble digits and the shipped model (99.65 %), MNIST test points lost: 3,000 images
    at 20 % 0.50, 6,000 at 15 % 0.32, 6,000 at 10 % 0.22, 10,000 at 10 % 0.21 (and twice the time);
    held-out drawings 40 % -> 90 % in each."""
    holdout_fraction: float = 0.2
    min_held_out: int = MIN_HELD_OUT
    """Drawings held out are `max(min_held_out, ceil(holdout_fraction x N))` (`held_out_size`)."""
    augment: bool = True
    freeze_batch_norm: bool = True
    """Keep BatchNormalization layers in inference mode with their MNIST statistics, the usual
    advice for fine-tuning (Keras guide "Transfer learning & fine-tuning")."""
    freeze_features: bool = False
    """Train only the layers from the first Dense layer on (the classifier head); the convolutions,
    the feature extractor, keep their MNIST weights. Off: measured once, it lost more MNIST accuracy
    (0.62 points) and learnt less (held-out 80 %) than training every layer."""
    interpolation: float = 0.85
    """The final weights are `interpolation` x the fine-tuned ones + the rest x the starting ones
    (WiSE-FT, Wortsman et al., "Robust fine-tuning of zero-shot models", CVPR 2022): a step back
    towards the start that keeps most of what was learnt and gives back part of what was forgotten.
    Measured on bubble digits and the shipped model, seeds 0, 1, 2 (loaded machine): MNIST test points
    lost 0.23/0.23/0.39 at 1.0, 0.18/0.16/0.29 at 0.9, 0.15/0.13/0.27 at 0.85, 0.12/0.13/0.25 at 0.8;
    held-out drawings 90/90/90 % at 1.0, 80/90/90 % at 0.85; 200 other bubble digits 89-91 % at 1.0, 85 % at 0.85."""
    validation_size: int = 1000
    """MNIST training images held back to report validation accuracy per epoch."""
    seed: int = 0


@dataclass(frozen=True)
class Scores:
    """Accuracy (0-1) on the held-out drawings and on the 10,000-image MNIST test set."""

    held_out: float
    mnist_test: float


@dataclass(frozen=True, eq=False)
class ChangedAnswer:
    """A held-out drawing the model reads differently after fine-tuning."""

    index: int
    """Position in the `drawings_x` given to `fine_tune`."""
    label: int
    before: int
    after: int
    image: np.ndarray
    """The drawing, (28, 28) uint8, ink = 255."""

    @property
    def fixed(self) -> bool:
        """Misread before, read right after."""
        return self.after == self.label


@dataclass(frozen=True)
class FineTuneSummary:
    """What a fine-tuning run reports besides its model: small, picklable, shown side by side."""

    before: Scores
    after: Scores
    drawings: int
    """Drawings given; `held_out` of them were kept out of training to score on."""
    held_out: int
    changed: tuple[ChangedAnswer, ...]
    source: str = ""
    """Where the drawings came from, in words ("your drawings", "the class dataset")."""
    start_model: str = ""
    """The name of the model that was fine-tuned."""
    epochs: int = 0
    """Epochs the run was asked for."""
    stopped_at: float | None = None
    """Where a run stopped by the user ended, in epochs (1.47: 47 % into epoch 2); None if it finished.
    Fine-tuning keeps the weights it has when it ends (blended with the start, `interpolation`), so a
    stopped run keeps the weights at the stop, and "after" scores those."""

    @property
    def stopped_epoch(self) -> tuple[int, float] | None:
        """(1-based epoch, share of it done) where the run stopped, or None if it finished."""
        if self.stopped_at is None:
            return None
        epoch = max(math.ceil(self.stopped_at), 1)
        return epoch, self.stopped_at - (epoch - 1)


@dataclass
class FineTuneResult:
    model: keras.Model
    before: Scores
    after: Scores
    held_out: np.ndarray
    """int64 indices into the drawings, the ones kept out of training and used for the scores."""
    changed: list[ChangedAnswer]
    training: TrainResult
    seconds: float
    test_predicted: np.ndarray
    """(10000,) int64: the fine-tuned model's answers on the MNIST test set."""
    epochs: int = 0
    stopped_at: float | None = None
    """In epochs, where a stopped run ended (see `FineTuneSummary.stopped_at`); None if it finished."""

    def summary(self, source: str = "", start_model: str = "", drawings: int | None = None) -> FineTuneSummary:
        return FineTuneSummary(self.before, self.after, drawings if drawings is not None else -1,
                               len(self.held_out), tuple(self.changed), source, start_model,
                               self.epochs, self.stopped_at)


MAX_DRAWINGS = 1500
"""A fine-tuning run uses at most this many drawings (a seeded random sample of a bigger set), so a
large class dataset does not outweigh the MNIST images replayed beside it (it would forget more)."""


def sample_drawings(x: np.ndarray, y: np.ndarray, limit: int = MAX_DRAWINGS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` of the drawings x (N, 28, 28) and labels y (N,), a seeded random sample in
    their original order; all of them when there are no more than `limit`."""
    if len(x) <= limit:
        return x, y
    keep = np.sort(np.random.default_rng(seed).choice(len(x), size=limit, replace=False))
    return x[keep], y[keep]


def held_out_size(drawings: int, fraction: float = 0.2, minimum: int = MIN_HELD_OUT) -> int:
    """How many of `drawings` are held out: `fraction` of them rounded up, and at least `minimum`
    (never all of them)."""
    return max(0, min(max(minimum, math.ceil(fraction * drawings)), drawings - 1))


def held_out_split(labels: np.ndarray, fraction: float, seed: int = 0,
                   minimum: int = MIN_HELD_OUT) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) index arrays, `held_out_size(N, fraction, minimum)` held out, stratified by label.

    Each label's drawings, in a seeded random order, get the keys (i + 0.5) / count; the held-out
    drawings are those with the smallest keys, so every label gives about its share. The last drawing
    of each label is held out only when there is no other choice, so every label keeps one to train.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keys = np.zeros(len(labels))
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        keys[members] = (np.arange(len(members)) + 0.5) / len(members)
        keys[members[-1]] = 2.0
    order = np.lexsort((rng.random(len(labels)), keys))  # ties in a seeded random order
    held_out = np.sort(order[:held_out_size(len(labels), fraction, minimum)]).astype(np.int64)
    return np.setdiff1d(np.arange(len(labels)), held_out), held_out


def fine_tune(
    model: keras.Model,
    drawings_x: np.ndarray,
    drawings_y: np.ndarray,
    mnist: Mnist,
    config: FineTuneConfig = FineTuneConfig(),
    callbacks: list[keras.callbacks.Callback] = (),
    stop: threading.Event | None = None,
    name: str | None = None,
) -> FineTuneResult:
    """Continue training a copy of `model` on the drawings mixed with MNIST; `model` is not changed.

    drawings_x: uint8 (N, 28, 28), the model's input (0 = background); drawings_y: (N,) labels 0-9.
    `callbacks` and `stop` are passed to `mlcore.training.train` (progress log, Stop button).
    Returns the fine-tuned model (named `name`, default `<model>_fine_tuned`), the scores before
    and after, the held-out indices and the held-out drawings whose answer changed. A run stopped
    through `stop` keeps the weights it has at the stop (blended like a finished run's; `stopped_at`).
    Raises ValueError for fewer than MIN_DRAWINGS drawings, wrong shapes or dtypes, or labels out of 0-9.
    """
    started = time.perf_counter()
    drawings_x, drawings_y = _checked(drawings_x, drawings_y)
    train_idx, held_out = held_out_split(drawings_y, config.holdout_fraction, config.seed, config.min_held_out)
    before_held, before_scores, _ = _read(Recognizer(model), drawings_x[held_out], drawings_y[held_out], mnist)
    repeats = _repeats(len(train_idx), config)
    start = _starting_copy(model, name or f"{model.name}_fine_tuned", config.freeze_batch_norm, config.freeze_features)
    extra = (np.repeat(drawings_x[train_idx], repeats, axis=0), np.repeat(drawings_y[train_idx], repeats))
    training = train(train_config(config, mnist_train_size=len(mnist.x_train)), mnist,
                     callbacks=list(callbacks), stop=stop, extra_train=extra, model=start, keep_best=False)
    _interpolate(model, training.model, config.interpolation)
    after_held, after_scores, test_predicted = _read(Recognizer(training.model), drawings_x[held_out],
                                                     drawings_y[held_out], mnist)
    changed = [ChangedAnswer(int(i), int(drawings_y[i]), int(b), int(a), drawings_x[i].copy())
               for i, b, a in zip(held_out, before_held, after_held) if b != a]
    return FineTuneResult(model=training.model, before=before_scores, after=after_scores, held_out=held_out,
                          changed=changed, training=training, seconds=time.perf_counter() - started,
                          test_predicted=test_predicted, epochs=config.epochs,
                          stopped_at=_stopped_at(training))


def _starting_copy(model: keras.Model, name: str, freeze_batch_norm: bool, freeze_features: bool) -> keras.Model:
    """An uncompiled copy, so `train` gives it a fresh optimizer whose schedule starts at our rate."""
    start = copy_model(model, name)
    first_dense = next((i for i, layer in enumerate(start.layers) if isinstance(layer, keras.layers.Dense)), 0)
    for layer in start.layers[:first_dense] if freeze_features else ():
        layer.trainable = False
    for layer in start.layers:
        if freeze_batch_norm and isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False  # Keras 3: a frozen BatchNormalization also runs in inference mode
    return start


def _interpolate(start: keras.Model, tuned: keras.Model, weight: float) -> None:
    """Set `tuned`'s weights to weight * tuned + (1 - weight) * start, layer by layer (same architecture)."""
    if weight >= 1.0:
        return
    for before, after in zip(start.layers, tuned.layers):
        if before.get_weights():
            after.set_weights([(1.0 - weight) * b + weight * a for b, a in zip(before.get_weights(), after.get_weights())])


def _checked(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"drawings must be uint8 (N, 28, 28) images, got {x.dtype} {x.shape}")
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or (len(y) and (y.min() < 0 or y.max() > 9)):
        raise ValueError(f"labels must be {len(x)} integers 0-9, got {y.dtype} {y.shape}")
    if len(x) < MIN_DRAWINGS:
        raise ValueError(f"fine-tuning needs at least {MIN_DRAWINGS} labelled drawings ({MIN_HELD_OUT} held out to "
                         f"compare before and after, {MIN_TRAIN} to learn from), got {len(x)}")
    return x, y.astype(np.uint8)


def _repeats(n_train: int, config: FineTuneConfig) -> int:
    """How many times each training drawing appears so they make about `drawings_share` of the mix."""
    share = min(max(config.drawings_share, 0.0), 0.95)
    return max(1, math.ceil(share * config.mnist_images / ((1 - share) * n_train)))


def train_config(config: FineTuneConfig, arch: Architecture = Architecture(),
                 mnist_train_size: int = 60_000) -> TrainConfig:
    """The `TrainConfig` a fine-tuning run trains with (`arch` only describes the model; it is not built)."""
    available = mnist_train_size - config.validation_size
    return TrainConfig(
        arch=arch, optimizer=config.optimizer, learning_rate=config.learning_rate, batch_size=config.batch_size,
        epochs=config.epochs, train_fraction=min(1.0, config.mnist_images / available),
        augment=config.augment, validation_size=config.validation_size, seed=config.seed,
    )


def _read(reader: Recognizer, x: np.ndarray, y: np.ndarray, mnist: Mnist) -> tuple[np.ndarray, Scores, np.ndarray]:
    """Answers on the drawings, the scores, and the answers on the MNIST test set."""
    answers = reader.predict_batch(x).argmax(axis=1) if len(x) else np.zeros(0, np.int64)
    held = float(np.mean(answers == y)) if len(y) else math.nan
    test_predicted = reader.predict_batch(mnist.x_test).argmax(axis=1)
    return answers, Scores(held_out=held, mnist_test=float(np.mean(test_predicted == mnist.y_test))), test_predicted


def write_drawings(path: Path | str, x: np.ndarray, y: np.ndarray) -> Path:
    """Save drawings for a worker as an `.npz` (x: (N, 28, 28) uint8, y: (N,) uint8), atomically.

    Written to a temporary file in the same folder, flushed to disk (fsync), then renamed over `path`.
    """
    path = Path(path)
    x, y = _checked(x, y)
    handle, staged = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, x=x, y=y)
            file.flush()
            os.fsync(file.fileno())
        os.replace(staged, path)
    finally:
        Path(staged).unlink(missing_ok=True)
    return path


def read_drawings(path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) written by `write_drawings`, checked; no pickles are loaded. Raises ValueError."""
    with np.load(path, allow_pickle=False) as archive:
        if set(archive.files) != {"x", "y"}:
            raise ValueError(f"{Path(path).name} holds {sorted(archive.files)}, not drawings x and y")
        return _checked(archive["x"], archive["y"])


def _stopped_at(training) -> float | None:
    """Where a run the user stopped ended, in epochs (`Kept.position`); None when it finished."""
    if not training.stopped_early:
        return None
    return training.kept.position if training.kept is not None else 0.0
