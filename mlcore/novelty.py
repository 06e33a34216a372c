"""Telling "one digit" from everything else a student may draw.

Two checks, each with a reason a student can act on:

* Several digits side by side: the ink splits into two or more separate marks of about the
  digit's height next to each other ("10", "42"). A plain connected-component count (OpenCV) on
  the canvas, before the drawing is squeezed into 28x28.
* Not like any digit: the Mahalanobis distance of the network's features to the nearest digit
  class (Lee et al., "A Simple Unified Framework for Detecting Out-of-Distribution Samples and
  Adversarial Attacks", NeurIPS 2018: class means, one shared covariance per layer, several layers
  combined), in the last feature map and the last hidden layer. Letters, scribbles, crosses and
  lines land far from every class even when the softmax says 100 %. The threshold is a high
  quantile of the scores of held-out digits, so few digits exceed it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import cv2
import numpy as np

from mlcore.preprocess import INK_THRESHOLD

SIDE_BY_SIDE_MIN_HEIGHT = 0.45
"""A mark counts as a digit of its own when it is at least this share of the ink's height."""
SIDE_BY_SIDE_MAX_OVERLAP = 0.2
"""Two marks are side by side when their columns overlap by less than this share of the narrower..."""
DIGIT_GAP = 0.08
"""...and a gap of at least this share of the tallest mark's height separates them (people leave
space between digits; a digit drawn in two strokes, or the two edges of a bold stroke whose middle
a photo's cleaning lost, are closer). A share of the height, not pixels: printed digits in a photo
of a number stand a few pixels apart once the photo is scaled to the canvas."""
MIN_MARK_SHARE = 0.04
"""Marks with less than this share of the ink are specks and ignored."""
SCORE_QUANTILE = 0.97
"""The threshold is this quantile of the reference digits' scores (MNIST's validation split and
canvas-style digits, in-sample). Measured on held-out sets (10,000 MNIST test digits, 1,000
canvas-style digits, 1,200 non-digits of other seeds), it refuses 3.6 % of MNIST's and 1.5 % of
canvas-style digits and flags 89.6 % of non-digits (letters 94.5 %); the last hidden layer alone
refused 5.3 % and 0.7 % and flagged 86.0 % (letters 88.5 %). At 0.98: 2.6 %, 0.7 % and 86.1 %
(letters 89.5 %). The two checks miss different letters: a narrow A and a T, written like a 4 and a
7, pass this one at most pens and were caught by the last hidden layer alone (by 3-21 %)."""
IN_NUMBER_QUANTILE = 0.99
"""In a written number a mark is far likelier a digit than on the Draw page, where students try
letters on purpose: there a mark is no digit above this quantile of the reference digits' scores,
or above SCORE_QUANTILE's when the network is less sure of it than SURE_IN_NUMBER
(`MahalanobisDetector.is_novel_in_number`). Held out: MNIST test digits refused 3.6 % -> 1.9 %,
letters flagged 94.5 % -> 92 %, A's 74 % -> 54 %, all non-digits 89.6 % -> 84.3 %. Four-digit
numbers read whole (`python -m benchmarks.numbers`, seeds 0 and 1, gaps, touching and broken
strokes): of MNIST digits 82.5-91.7 % -> 90.0-94.2 %, of drawn digits 88.3-96.7 % -> 92.5-97.5 %;
read as a wrong number 28 -> 30 of 2,400. The 99th percentile alone read 2-3 points more right and
five times as many more wrong (38)."""
SURE_IN_NUMBER = 0.99
"""A mark in a number between the two thresholds is still a digit when its calibrated top
probability is at least this: far-ish marks that the network is sure of are mostly real digits
(median 99.97 % on the MNIST test digits flagged) and letters mostly not (median 90 %)."""
SHRINKAGE = 1e-3
"""Added to the covariance's diagonal (relative to its mean variance) so it always inverts."""


def separate_marks(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x, y, w, h) of the separate marks (8-connected) in a canvas's ink (uint8
    HxW); specks (under MIN_MARK_SHARE of the ink) are dropped."""
    mask = (np.asarray(ink) > INK_THRESHOLD).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    total = stats[1:, cv2.CC_STAT_AREA].sum()
    return [tuple(int(v) for v in stats[i, :4]) for i in range(1, count)
            if stats[i, cv2.CC_STAT_AREA] >= MIN_MARK_SHARE * total]


def looks_like_several_digits(ink: np.ndarray) -> bool:
    """True when the ink holds two or more tall marks side by side, as when "10" is written.

    Tall marks (SIDE_BY_SIDE_MIN_HEIGHT of the ink's height) are gathered into columns left to
    right; a mark joins the column before it when it overlaps it (SIDE_BY_SIDE_MAX_OVERLAP of the
    narrower) or stands closer than DIGIT_GAP of the tallest mark's height. Two columns or more
    are several digits. The Draw page and photos of one digit use this one rule.
    """
    marks = separate_marks(ink)
    if len(marks) < 2:
        return False
    top = min(y for _, y, _, _ in marks)
    bottom = max(y + h for _, y, _, h in marks)
    tall = sorted((m for m in marks if m[3] >= SIDE_BY_SIDE_MIN_HEIGHT * (bottom - top)), key=lambda m: m[0])
    if len(tall) < 2:
        return False
    gap = DIGIT_GAP * max(h for _, _, _, h in tall)
    columns = [(tall[0][0], tall[0][0] + tall[0][2])]
    for x, _, w, _ in tall[1:]:
        left, right = columns[-1]
        overlap = max(0, min(right, x + w) - max(left, x))
        if overlap >= SIDE_BY_SIDE_MAX_OVERLAP * min(w, right - left) or x - right < gap:
            columns[-1] = (left, max(right, x + w))
        else:
            columns.append((x, x + w))
    return len(columns) > 1


@dataclass(frozen=True)
class ClassGaussians:
    """Class-conditional Gaussians with one shared covariance over one layer's features.

    `means` (10, D) float64, `precision` (D, D) the inverse shared covariance; `centre` and
    `spread` standardise the squared distances: the median of the reference digits' distances, and
    their 99th percentile less that median, so that layers of any size weigh alike.
    """

    means: np.ndarray
    precision: np.ndarray
    centre: float = 0.0
    spread: float = 1.0

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray) -> "ClassGaussians":
        """Fit on (N, D) features of digits with their (N,) labels (0-9).

        Raises ValueError if a digit has no examples.
        """
        features = np.asarray(features, dtype=np.float64)
        labels = np.asarray(labels)
        missing = sorted(set(range(10)) - set(labels.tolist()))
        if missing:
            raise ValueError(f"no examples of digits {missing} to fit on")
        means = np.stack([features[labels == k].mean(axis=0) for k in range(10)])
        centred = features - means[labels]
        covariance = centred.T @ centred / len(features)
        covariance += SHRINKAGE * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
        unscaled = cls(means, np.linalg.inv(covariance))
        distances = unscaled.distance(features)
        centre = float(np.median(distances))
        return cls(means, unscaled.precision, centre, max(float(np.quantile(distances, 0.99)) - centre, 1e-9))

    def distance(self, features: np.ndarray) -> np.ndarray:
        """(N,) squared Mahalanobis distance of (N, D) features to the nearest class mean."""
        features = np.atleast_2d(np.asarray(features, dtype=np.float64))
        projected = features @ self.precision
        # |f - m|^2_P = f.P.f - 2 f.P.m + m.P.m, for every class m at once
        self_term = np.einsum("nd,nd->n", projected, features)
        cross = projected @ self.means.T
        mean_term = np.einsum("kd,de,ke->k", self.means, self.precision, self.means)
        return np.maximum(self_term[:, None] - 2 * cross + mean_term[None, :], 0).min(axis=1)

    def standardised(self, features: np.ndarray) -> np.ndarray:
        """(N,) `distance` less `centre`, over `spread`: about 0 for a typical digit, 1 for a rare one."""
        return (self.distance(features) - self.centre) / self.spread

    def to_record(self) -> dict:
        """The fitted layer as JSON-ready data (`_encode`d arrays and the two floats)."""
        return {"means": _encode(self.means), "precision": _encode(self.precision),
                "centre": self.centre, "spread": self.spread}

    @classmethod
    def from_record(cls, record: dict, dimensions: int) -> "ClassGaussians":
        """The layer stored by `to_record`, for `dimensions` features. Raises ValueError when it does
        not fit them, KeyError or TypeError when the record is not one."""
        means, precision = _decode(record["means"]), _decode(record["precision"])
        if means.shape != (10, dimensions) or precision.shape != (dimensions, dimensions):
            raise ValueError(f"a novelty check for other features: means {means.shape}, precision {precision.shape}")
        spread = float(record["spread"])
        if not spread > 0:
            raise ValueError(f"not a stored novelty check: spread {spread}")
        return cls(means, precision, float(record["centre"]), spread)


@dataclass(frozen=True)
class MahalanobisDetector:
    """"Not like any digit": Mahalanobis distances in several layers, standardised and summed.

    Lee et al. 2018 (the module's docstring) fit class Gaussians to several layers' features and
    combine their distances. Here each layer's distance is standardised (`ClassGaussians`) and
    the sum compared with `threshold`, the SCORE_QUANTILE of the reference digits' sums. Low-level
    feature maps see strokes a digit never has (a letter's crossbar, a scribble's loops); the last
    hidden layer sees shapes between digits. `layers` follow the features' order (the last
    feature map pooled, then the last hidden layer).
    """

    layers: tuple[ClassGaussians, ...]
    threshold: float
    in_number_threshold: float = np.inf
    """The IN_NUMBER_QUANTILE of the reference digits' scores: above it, a mark in a number is no digit."""

    @classmethod
    def fit(cls, layer_features: list[np.ndarray], labels: np.ndarray,
            quantile: float = SCORE_QUANTILE) -> "MahalanobisDetector":
        """Fit on each layer's (N, D_l) features of the same N digits with their (N,) labels.

        Raises ValueError if a digit has no examples.
        """
        layers = tuple(ClassGaussians.fit(features, labels) for features in layer_features)
        scores = cls(layers, np.inf).score(layer_features)
        return cls(layers, float(np.quantile(scores, quantile)), float(np.quantile(scores, IN_NUMBER_QUANTILE)))

    def score(self, layer_features: list[np.ndarray]) -> np.ndarray:
        """(N,) the sum of each layer's standardised distance: higher is less like a digit."""
        return sum(layer.standardised(features) for layer, features in zip(self.layers, layer_features, strict=True))

    def is_novel(self, layer_features: list[np.ndarray]) -> np.ndarray:
        """(N,) bool: True where the score is above the threshold."""
        return self.score(layer_features) > self.threshold

    def is_novel_in_number(self, layer_features: list[np.ndarray], confidences: np.ndarray) -> np.ndarray:
        """(N,) bool: `is_novel` for marks in a written number, given their (N,) calibrated top
        probabilities: above `in_number_threshold`, or above `threshold` and under SURE_IN_NUMBER."""
        scores = self.score(layer_features)
        return (scores > self.in_number_threshold) | ((scores > self.threshold) & (confidences < SURE_IN_NUMBER))

    def to_record(self) -> dict:
        """A JSON-ready record of the fitted check, for a model's sidecar (about 180 kB for two
        layers of 128 features): the arrays as base64 of little-endian float32 with their shapes."""
        return {"method": "Mahalanobis distances in the last feature map and the last hidden layer, "
                          "standardised and summed (Lee et al. 2018)",
                "threshold": self.threshold, "in_number_threshold": self.in_number_threshold,
                "layers": [layer.to_record() for layer in self.layers]}

    @classmethod
    def from_record(cls, record: object, dimensions: list[int]) -> "MahalanobisDetector":
        """The check stored by `to_record`, for layers of `dimensions` features each.

        Raises ValueError when the record is not one, or does not fit features of those sizes.
        """
        try:
            layers, threshold = record["layers"], float(record["threshold"])
            in_number = float(record["in_number_threshold"])
            if not isinstance(layers, list) or len(layers) != len(dimensions):
                raise ValueError(f"a novelty check for other features: {len(dimensions)} layers wanted")
            fitted = tuple(ClassGaussians.from_record(layer, size) for layer, size in zip(layers, dimensions))
        except (TypeError, KeyError, base64.binascii.Error) as error:
            raise ValueError(f"not a stored novelty check: {error!r}") from error
        if not (np.isfinite(threshold) and np.isfinite(in_number)):
            raise ValueError(f"not a stored novelty check: thresholds {threshold}, {in_number}")
        return cls(fitted, threshold, in_number)


def _encode(array: np.ndarray) -> dict:
    data = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(data.shape), "float32_base64": base64.b64encode(data.tobytes()).decode("ascii")}


def _decode(record: dict) -> np.ndarray:
    shape = tuple(int(n) for n in record["shape"])
    data = np.frombuffer(base64.b64decode(record["float32_base64"], validate=True), dtype="<f4")
    return data.reshape(shape).astype(np.float64)
