"""The chance that a piece of a written number is exactly one whole digit: not half of one, not
two joined, not a broken-off end.

The reader of whole numbers (`mlcore.numbers`) groups the pieces of an over-segmented drawing
into digits by how well each group reads. The digit network only knows digits, so half of a 0
reads as a confident 1 and two touching digits may read as one. LeCun et al. ("Gradient-based
learning applied to document recognition", Proc. IEEE 86(11), 1998, section V.B) train the
recognizer to answer "none of the above" on such pieces; here a small separate network does that
job, for any digit model the app has: it sees the piece's 28x28 image (as the digit network does)
and the piece's place in the lattice (`span_shape`), and gives the chance that it is one whole
digit. It is trained on the pieces of numbers composed from MNIST training digits and drawn digits
(`python -m mlcore.train_whole_digit`), never on the test digits the benchmark composes from.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mlcore.segment import Lattice, Segment

WHOLE_DIGIT_PATH = Path(__file__).resolve().parent.parent / "models" / "checks" / "whole_digit.keras"
"""Kept apart from `models/`, where the Train page's saves are listed."""
SHAPE_FEATURES = 10
"""How many numbers `span_shape` gives per piece."""

_log = logging.getLogger(__name__)


def span_shape(lattice: Lattice, first: int, last: int, piece: Segment) -> list[float]:
    """What the 28x28 image of atoms `first`..`last` (`piece`, their join) does not show: its
    aspect (log width/height), its height and width as shares of the number's height, the ink the
    cuts at its left and right cross (in stroke widths, 0 at blank paper) and whether they are cuts,
    the blank gaps inside it (share of the height), the ink cut through inside it, and how many
    cuts or gaps it spans. SHAPE_FEATURES numbers."""
    _, _, w, h = piece.box
    height = max(lattice.line_height, 1.0)
    left, right = lattice.sides(first, last)
    inner = range(first, last)
    gaps = sum(max(0.0, lattice.gap(j)) for j in inner if lattice.cuts[j] < 0) / height
    cut = sum(lattice.cuts[j] for j in inner if lattice.cuts[j] >= 0)
    return [float(np.log(max(w, 1) / max(h, 1))), h / height, w / height, max(left, 0.0), float(left >= 0),
            max(right, 0.0), float(right >= 0), gaps, cut, float(last - first)]


def build_whole_digit_net(shape_scale: tuple[np.ndarray, np.ndarray] | None = None) -> keras.Model:
    """The network: two conv blocks on the image, its 64 features joined with the standardised
    shape features (`span_shape`), one hidden layer, and a sigmoid: P(one whole digit).
    `shape_scale`: (mean, variance) of the shape features, to standardise them inside the model."""
    image = keras.Input((28, 28, 1), name="image")
    shape = keras.Input((SHAPE_FEATURES,), name="shape")
    x = keras.layers.Conv2D(16, 3, activation="relu", padding="same")(image)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    mean, variance = shape_scale if shape_scale is not None else (np.zeros(SHAPE_FEATURES), np.ones(SHAPE_FEATURES))
    scaled = keras.layers.Normalization(mean=mean, variance=variance, name="shape_scale")(shape)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Concatenate()([x, scaled]))
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model([image, shape], keras.layers.Dense(1, activation="sigmoid", name="whole")(x),
                       name="whole_digit")


class WholeDigitCheck:
    """A loaded whole-digit network with a traced forward pass (safe to call from many threads)."""

    def __init__(self, model: keras.Model):
        self.model = model
        self._forward = tf.function(self._call, input_signature=[
            tf.TensorSpec((None, 28, 28, 1), tf.float32), tf.TensorSpec((None, SHAPE_FEATURES), tf.float32)])

    def _call(self, images: tf.Tensor, shapes: tf.Tensor) -> tf.Tensor:
        return self.model([images, shapes], training=False)[:, 0]

    def chances(self, images28: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        """P(one whole digit), float (N,), for N 28x28 images in [0, 1] and their (N, SHAPE_FEATURES) shapes."""
        if not len(images28):
            return np.zeros(0, np.float32)
        images = np.asarray(images28, np.float32).reshape(-1, 28, 28, 1)
        return self._forward(tf.constant(images), tf.constant(np.asarray(shapes, np.float32))).numpy()


@functools.lru_cache(maxsize=1)
def load_whole_digit_check(path: Path | str = WHOLE_DIGIT_PATH) -> WholeDigitCheck | None:
    """The shipped check (loaded once, with Keras safe mode), or None when its file is missing or
    damaged: numbers are then read without it (as before it existed), and the log says why."""
    try:
        return WholeDigitCheck(keras.saving.load_model(path, compile=False, safe_mode=True))
    except Exception as error:  # a missing file or any of the many errors of a damaged archive
        _log.warning("whole-digit check not loaded from %s (%s): numbers are read without it", path, error)
        return None
