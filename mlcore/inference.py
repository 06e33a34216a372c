"""Recognising digits: one drawing in about a millisecond, or a whole dataset in batches.

`model.predict` builds a data pipeline on every call (about 50-80 ms for one image); calling the
model through a traced `tf.function` runs the same network directly (about 1 ms). Batches go in
slices of 128 to keep activation memory small. (XLA would save another 0.2 ms per drawing but
costs about 75 MB of memory per loaded model.)
"""

from __future__ import annotations

import functools
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mlcore.calibration import expected_calibration_error, fit_temperature, logits_from_probabilities, softmax
from mlcore.model import DEFAULT_MODEL_PATH, load_model, read_metadata
from mlcore.novelty import MahalanobisDetector, looks_like_several_digits
from mlcore.preprocess import TOO_SMALL, Trace, trace

UNSURE_BELOW = 0.6
"""Below this top (calibrated) probability the app says it is not sure."""
SMALL_DRAWING = 0.5
"""A drawing whose longer side is under this share of the canvas is small: "draw it bigger"."""
REFERENCE_CANVAS_DIGITS, REFERENCE_CANVAS_SEED = 600, 3
"""Canvas-style digits (besides MNIST's 5,000-image validation split) that the checks are fitted on;
a seed of their own, apart from the training (1), validation (2) and evaluation sets."""

SEVERAL_DIGITS = "several_digits"
NOT_A_DIGIT = "not_a_digit"
LOW_CONFIDENCE = "low_confidence"
_CONFUSABLE_HINTS = {
    frozenset((1, 7)): "A 7 has a flat top bar; a 1 has at most a short flag.",
    frozenset((4, 9)): "A 4 is open at the top or has a pointed top; a 9 has a round loop.",
    frozenset((3, 5)): "A 5 starts with a flat bar on top; a 3 with a curve.",
    frozenset((5, 6)): "A 6 closes its lower loop; a 5 leaves it open.",
    frozenset((0, 6)): "A 6 has a stem rising from its loop.",
}


def article(digit: int) -> str:
    """"an" before 8 (as it is spoken), "a" before the other digits."""
    return "an" if digit == 8 else "a"


def a_digit(digit: int) -> str:
    """"a 7", "an 8"."""
    return f"{article(digit)} {digit}"


@dataclass(frozen=True)
class Recognition:
    """What the model read in a drawing; `digit` is None when the canvas holds no digit."""

    trace: Trace
    probabilities: np.ndarray | None = None
    """The ten calibrated probabilities (softmax of logits / temperature), or None when blank."""
    doubt: str | None = None
    """Why the app will not simply answer: SEVERAL_DIGITS, NOT_A_DIGIT, LOW_CONFIDENCE or None."""

    @property
    def is_blank(self) -> bool:
        return self.probabilities is None

    @property
    def digit(self) -> int | None:
        return None if self.probabilities is None else int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        return 0.0 if self.probabilities is None else float(np.max(self.probabilities))

    @property
    def is_unsure(self) -> bool:
        """True when the app should say "I don't know" or "not sure" rather than just answer."""
        return not self.is_blank and self.doubt is not None

    @property
    def is_one_digit(self) -> bool:
        """False when the drawing does not look like one digit at all (its answer is meaningless)."""
        return not self.is_blank and self.doubt not in (SEVERAL_DIGITS, NOT_A_DIGIT)

    @property
    def runner_up(self) -> int | None:
        return None if self.probabilities is None else int(np.argsort(self.probabilities)[-2])

    @property
    def reason(self) -> str | None:
        """One sentence for the student on why the app is unsure, with a hint that fits the case."""
        if self.doubt == SEVERAL_DIGITS:
            return "That looks like several digits side by side. Draw one digit at a time."
        if self.doubt == NOT_A_DIGIT:
            return ("That doesn't look like one digit: it is far from every digit the network knows. "
                    "Draw a single digit, 0 to 9.")
        if self.doubt == LOW_CONFIDENCE:
            return f"Not sure: it could also be {a_digit(self.runner_up)}. {self._hint()}"
        return None

    @property
    def photo_reason(self) -> str | None:
        """`reason` worded for a photo rather than a drawing; for a blank one, why it holds no digit."""
        if self.is_blank:
            if self.trace.blank_reason == TOO_SMALL:
                return ("No digit found in the picture: the only marks in it are too small to be a digit. "
                        "Take the photo closer, so that the digit fills most of it.")
            return "No digit found in the picture: it looks blank. Is the digit dark enough, and in the picture?"
        if self.doubt == SEVERAL_DIGITS:
            return ("That looks like several digits side by side; this page reads one digit at a time. "
                    "The Write a number page reads whole numbers.")
        if self.doubt == NOT_A_DIGIT:
            return ("That doesn't look like one digit: what the picture holds is far from every digit the "
                    "network knows. Take a photo of a single digit, 0 to 9, filling most of the picture.")
        if self.doubt == LOW_CONFIDENCE:
            return f"Not sure: it could also be {a_digit(self.runner_up)}. {self._hint(photo=True)}"
        return None

    def _hint(self, photo: bool = False) -> str:
        ink_h, ink_w = self.trace.ink.shape[:2]
        drawn_h, drawn_w = self.trace.cropped.shape[:2]
        if max(drawn_h / ink_h, drawn_w / ink_w) < SMALL_DRAWING:
            return "Take the photo closer, so the digit fills it." if photo else "Try drawing it bigger."
        pair = frozenset((self.digit, self.runner_up))
        fallback = ("A sharper, evenly lit photo may help." if photo
                    else "Try drawing it more clearly, like a printed digit.")
        return _CONFUSABLE_HINTS.get(pair, fallback)

    @property
    def image(self) -> np.ndarray | None:
        """The 28x28 image the model saw."""
        return self.trace.image


class Recognizer:
    """A loaded model with a traced forward pass, calibrated, and with checks for "not one digit".

    The temperature comes from the model's sidecar (`calibration.temperature`) or is fitted on
    first use; the Mahalanobis check (see `mlcore.novelty`) is fitted on first use, on MNIST's
    5,000-image validation split and some canvas-style digits. Models whose last layer is not a
    softmax Dense layer get calibration on log-probabilities and no feature check.
    """

    def __init__(self, model: keras.Model, metadata: dict | None = None, path: Path | None = None):
        self.model = model
        self.metadata = metadata
        self.path = path
        self.key = f"{path}:{(metadata or {}).get('model_sha256')}" if path else uuid.uuid4().hex
        """Identifies this model in caches of its predictions."""
        self._forward = tf.function(
            self._call, input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)]
        )
        self._forward(tf.zeros((1, 28, 28, 1)))
        self._features = _feature_model(model)
        self._features_and_logits = None
        if self._features is not None:
            self._features_and_logits = tf.function(
                self._call_features, input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)]
            )
            self._features_and_logits(tf.zeros((1, 28, 28, 1)))
        stored = ((metadata or {}).get("calibration") or {}).get("temperature")
        self._temperature: float | None = float(stored) if stored else None
        self._detector: MahalanobisDetector | None = self._stored_detector(metadata)
        self._fit_lock = threading.Lock()

    def _stored_detector(self, metadata: dict | None) -> MahalanobisDetector | None:
        """The novelty check from the sidecar (`novelty`), when it is there and fits this model."""
        record = (metadata or {}).get("novelty")
        if record is None or self._features is None:
            return None
        try:
            return MahalanobisDetector.from_record(record, self._feature_sizes())
        except ValueError:
            return None  # fitted again on first use

    def _feature_sizes(self) -> list[int]:
        """Features per layer the novelty check reads: a feature map's channels twice (mean, max)."""
        return [int(t.shape[-1]) * (2 if len(t.shape) == 4 else 1) for t in self._features.outputs]

    def _call(self, images: tf.Tensor) -> tf.Tensor:
        return self.model(images, training=False)

    def _call_features(self, images: tf.Tensor) -> tuple[tuple[tf.Tensor, ...], tf.Tensor]:
        outputs = self._features(images, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        pooled = [tf.concat([tf.reduce_mean(o, axis=(1, 2)), tf.reduce_max(o, axis=(1, 2))], axis=-1)
                  if len(o.shape) == 4 else o for o in outputs]
        kernel, bias = self.model.layers[-1].kernel, self.model.layers[-1].bias
        return tuple(pooled), tf.matmul(outputs[-1], kernel) + bias

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Recognizer":
        """The model at `path`, or the shipped default when `path` is None."""
        path = Path(path or DEFAULT_MODEL_PATH)
        return cls(load_model(path), read_metadata(path), path)

    def recognize(self, rgba: np.ndarray) -> Recognition:
        """Read the digit in a canvas image (RGBA uint8, any size, either ink colour)."""
        return self.recognize_batch([rgba])[0]

    def recognize_batch(self, images: list[np.ndarray], in_number: bool = False) -> list[Recognition]:
        """`recognize` for several canvas images (each RGBA/RGB/grey uint8, any size) in one model
        call: the way to read many candidate pieces of a written number quickly. `in_number`: the
        images are marks in a written number, which the novelty check doubts less
        (`MahalanobisDetector.is_novel_in_number`)."""
        steps = [trace(image) for image in images]
        drawn = [k for k, step in enumerate(steps) if not step.is_blank]
        readings = [Recognition(trace=step) for step in steps]
        if not drawn:
            return readings
        layers, logits = self.layer_features_and_logits(np.stack([steps[k].image for k in drawn]))
        probabilities = softmax(logits, self.temperature).astype(np.float32)
        novel = np.zeros(len(drawn), bool)
        if self.detector is not None and layers is not None:
            novel = (self.detector.is_novel_in_number(layers, probabilities.max(axis=1)) if in_number
                     else self.detector.is_novel(layers))
        for row, k in enumerate(drawn):
            if looks_like_several_digits(steps[k].ink):
                doubt = SEVERAL_DIGITS
            elif novel[row]:
                doubt = NOT_A_DIGIT
            elif probabilities[row].max() < UNSURE_BELOW:
                doubt = LOW_CONFIDENCE
            else:
                doubt = None
            readings[k] = Recognition(trace=steps[k], probabilities=probabilities[row], doubt=doubt)
        return readings

    def probabilities(self, image28: np.ndarray) -> np.ndarray:
        """The model's own ten probabilities (uncalibrated) for one 28x28 float image in [0, 1]."""
        batch = tf.constant(image28.reshape(1, 28, 28, 1), dtype=tf.float32)
        return self._forward(batch).numpy()[0]

    def predict_batch(self, images28: np.ndarray, batch_size: int = 128) -> np.ndarray:
        """(N, 10) probabilities (uncalibrated) for N 28x28 images: uint8 0-255 or float in [0, 1]."""
        chunks = [self._forward(chunk).numpy() for chunk in _chunks(images28, batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros((0, 10), np.float32)

    def features_and_logits(self, images28: np.ndarray, batch_size: int = 128) -> tuple[np.ndarray | None, np.ndarray]:
        """Penultimate-layer features (N, D) float32 (None if the model has no such layer) and
        logits (N, 10) for N 28x28 images (uint8 0-255 or float in [0, 1])."""
        layers, logits = self.layer_features_and_logits(images28, batch_size)
        return (None if layers is None else layers[-1]), logits

    def layer_features_and_logits(self, images28: np.ndarray,
                                  batch_size: int = 128) -> tuple[list[np.ndarray] | None, np.ndarray]:
        """The features the novelty check reads, one (N, D_l) float32 array per layer (the last
        feature map's channels averaged and maxed over its positions, then the last hidden layer;
        None if the model has no softmax Dense layer), and the logits (N, 10), for N 28x28 images
        (uint8 0-255 or float in [0, 1])."""
        if self._features_and_logits is None:
            return None, logits_from_probabilities(self.predict_batch(images28, batch_size))
        pairs = [self._features_and_logits(chunk) for chunk in _chunks(images28, batch_size)]
        if not pairs:
            return [np.zeros((0, size), np.float32) for size in self._feature_sizes()], np.zeros((0, 10), np.float32)
        layers = [np.concatenate([features[k].numpy() for features, _ in pairs]) for k in range(len(pairs[0][0]))]
        return layers, np.concatenate([logits.numpy() for _, logits in pairs])

    def novelty_scores(self, images28: np.ndarray) -> np.ndarray | None:
        """(N,) the novelty check's score for N 28x28 images (above `detector.threshold` is "not
        like any digit"), or None for models without the check."""
        if self.detector is None:
            return None
        return self.detector.score(self.layer_features_and_logits(images28)[0])

    def accuracy(self, images28: np.ndarray, labels: np.ndarray) -> float:
        """Share of `images28` read as their `labels`."""
        return float(np.mean(self.predict_batch(images28).argmax(axis=1) == labels))

    @property
    def temperature(self) -> float:
        """The calibration temperature T > 0: from the sidecar, or fitted now on held-out digits."""
        if self._temperature is None:
            self.prepare_checks()
        return self._temperature

    @property
    def detector(self) -> MahalanobisDetector | None:
        """The "not like any digit" check, fitted on first use; None for models without features."""
        if self._detector is None and self._features is not None:
            self.prepare_checks()
        return self._detector

    def calibration_record(self) -> dict:
        """What a sidecar keeps of the calibration: the temperature and where it was fitted, with
        the expected calibration error before and after on that split."""
        images, labels = reference_digits()
        _, logits = self.features_and_logits(images[:VALIDATION_SIZE])
        y = labels[:VALIDATION_SIZE]
        return {
            "temperature": round(self.temperature, 4),
            "method": "temperature scaling (Guo et al. 2017)",
            "fitted_on": "MNIST validation split (5,000 images held out of training, seed 0)",
            "ece_before": round(expected_calibration_error(softmax(logits), y), 5),
            "ece_after": round(expected_calibration_error(softmax(logits, self.temperature), y), 5),
        }

    def checks_record(self) -> dict:
        """The sidecar fields that spare every later load the fitting: `calibration` and, for
        models with features, `novelty` (fitted now if missing)."""
        record = {"calibration": self.calibration_record()}
        if self.detector is not None:
            record["novelty"] = {**self.detector.to_record(),
                                 "fitted_on": f"the calibration split and {REFERENCE_CANVAS_DIGITS} canvas-style digits"}
        return record

    def prepare_checks(self) -> None:
        """Fit what is missing of the temperature and the Mahalanobis check (a few seconds, once)."""
        with self._fit_lock:
            if self._temperature is not None and (self._detector is not None or self._features is None):
                return
            images, labels = reference_digits()
            layers, logits = self.layer_features_and_logits(images)
            if self._temperature is None:
                self._temperature = fit_temperature(logits[:VALIDATION_SIZE], labels[:VALIDATION_SIZE])
            if layers is not None and self._detector is None:
                self._detector = MahalanobisDetector.fit(layers, labels)


VALIDATION_SIZE = 5000
"""The first images of `reference_digits` are MNIST's validation split (temperature is fitted there)."""


@functools.lru_cache(maxsize=1)
def validation_digits() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 5,000-image validation split (never trained on by the shipped recipe), where the
    temperature is fitted: uint8 (5000, 28, 28) images and (5000,) labels."""
    from mlcore.data import load_mnist
    from mlcore.training import TrainConfig, split_training_set

    split = split_training_set(load_mnist(), TrainConfig())
    return split.x_val, split.y_val


@functools.lru_cache(maxsize=1)
def reference_digits() -> tuple[np.ndarray, np.ndarray]:
    """Held-out digits for fitting the checks: the validation split (`validation_digits`) followed
    by canvas-style digits. uint8 (N, 28, 28) and (N,) labels."""
    from mlcore.synthetic import canvas_style_digits

    x_val, y_val = validation_digits()
    canvas_x, canvas_y = canvas_style_digits(REFERENCE_CANVAS_DIGITS, REFERENCE_CANVAS_SEED)
    return np.concatenate([x_val, canvas_x]), np.concatenate([y_val, canvas_y])


_PASS_THROUGH = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D, keras.layers.Dropout,
                 keras.layers.SpatialDropout2D, keras.layers.InputLayer)
"""Layers that only pool or pass on a feature map: the novelty check reads the map before them."""


def _feature_model(model: keras.Model) -> keras.Model | None:
    """A model giving the features the novelty check reads: the last feature map (the last 4-D
    output that is not a pooling or dropout layer's), when there is one, and the input of
    `model`'s last layer, when that is a softmax Dense layer (None otherwise)."""
    last = model.layers[-1] if model.layers else None
    if not isinstance(last, keras.layers.Dense) or getattr(last.activation, "__name__", "") != "softmax":
        return None
    maps = [layer for layer in model.layers[:-1]
            if len(layer.output.shape) == 4 and not isinstance(layer, _PASS_THROUGH)]
    try:
        return keras.Model(model.inputs, [maps[-1].output, last.input] if maps else [last.input])
    except (ValueError, AttributeError, TypeError):
        return None


def _chunks(images28: np.ndarray, batch_size: int):
    images = np.asarray(images28)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    for start in range(0, len(images), batch_size):
        yield tf.constant(images[start : start + batch_size, ..., None] / scale, tf.float32)
