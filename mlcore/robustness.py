"""Where it breaks: sweeps of one transformation over 28x28 images, read by a model in batches.

Each sweep changes images step by step (rotation, shift, scale, stroke thickness, noise, an
occluding bar) with OpenCV, the same way for every image, so the curves of two models are
comparable. Images are float32 (N, 28, 28) in [0, 1], white ink on black, as the models read them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

Predict = Callable[[np.ndarray], np.ndarray]
"""(N, 28, 28) float images in [0, 1] -> (N, 10) probabilities, e.g. `Recognizer.predict_batch`."""

NOISE_SEED = 0
INK_NEARLY_GONE = 0.15
"""A step whose 28x28 input holds less than this share of the untouched image's ink (sum of pixel
values) has almost nothing left to read: shrunk to x0.3 or thinned by 4 px, most digits keep under
a tenth of their ink and are read as 1, which says nothing about what the network thinks a 1 is."""


@dataclass(frozen=True)
class Sweep:
    """One transformation and the strengths it is tried at; `values` includes the untouched image."""

    name: str
    axis_title: str
    values: tuple[float, ...]
    transform: Callable[[np.ndarray, float], np.ndarray]
    describe: Callable[[float], str]
    """A step in words with its unit, e.g. "turned 50° clockwise (−50°)"."""
    compact: Callable[[float], str]
    """A step in a few characters with its unit, e.g. "−50°"."""
    identity: float = 0.0

    @property
    def identity_index(self) -> int:
        """The index of the untouched image among `values`."""
        return int(np.argmin(np.abs(np.asarray(self.values, float) - self.identity)))

    @property
    def coarse_values(self) -> tuple[float, ...]:
        """Every other step, keeping the untouched image's; all steps when there are 12 or fewer."""
        if len(self.values) <= 12:
            return self.values
        start = int(np.argmin(np.abs(np.asarray(self.values, float) - self.identity))) % 2
        return self.values[start::2]

    def apply(self, images: np.ndarray, value: float) -> np.ndarray:
        """The transformed copies of (N, 28, 28) float images, clipped to [0, 1]."""
        images = np.asarray(images, np.float32).reshape(-1, 28, 28)
        return np.clip(self.transform(images, value), 0, 1).astype(np.float32)


def _warp(images: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return np.stack([cv2.warpAffine(image, matrix, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0)
                     for image in images])


def rotate(images: np.ndarray, degrees: float) -> np.ndarray:
    """Turn anticlockwise by `degrees` about the image centre."""
    return _warp(images, cv2.getRotationMatrix2D((13.5, 13.5), degrees, 1.0))


def shift(images: np.ndarray, pixels: float) -> np.ndarray:
    """Move right by `pixels` (left when negative); ink pushed over the edge is lost."""
    return _warp(images, np.float32([[1, 0, pixels], [0, 1, 0]]))


def scale(images: np.ndarray, factor: float) -> np.ndarray:
    """Grow (factor > 1) or shrink about the image centre."""
    return _warp(images, cv2.getRotationMatrix2D((13.5, 13.5), 0, factor))


def thickness(images: np.ndarray, steps: float) -> np.ndarray:
    """Thicker strokes (dilation, steps > 0) or thinner ones (erosion, steps < 0), 3x3 cross, |steps| times."""
    kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    operation = cv2.dilate if steps > 0 else cv2.erode
    count = int(abs(steps))
    if count == 0:
        return images.copy()
    return np.stack([operation(image, kernel, iterations=count) for image in images])


def thicker_pen(images: np.ndarray, pixels: float) -> np.ndarray:
    """The pen `pixels` wider (narrower when negative): `thickness` by pixels / 2 steps, since each
    step adds or removes one pixel on both edges of a stroke."""
    return thickness(images, pixels / 2)


def noise(images: np.ndarray, sigma: float) -> np.ndarray:
    """Add Gaussian noise of standard deviation `sigma` (the same noise for every call with that sigma)."""
    rng = np.random.default_rng(NOISE_SEED)
    return images + sigma * rng.standard_normal(images.shape).astype(np.float32)


def occlude(images: np.ndarray, height: float) -> np.ndarray:
    """Black out a horizontal bar `height` pixels tall across the middle of the image."""
    covered = images.copy()
    rows = int(round(height))
    top = 14 - rows // 2
    covered[:, top : top + rows, :] = 0
    return covered


def _minus(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _minus(value)


def _rotation(degrees: float) -> str:
    turn = "anticlockwise" if degrees > 0 else "clockwise"
    return f"turned {abs(degrees):g}° {turn} ({_signed(degrees)}°)"


def _shift(pixels: float) -> str:
    return f"moved {abs(pixels):g} px {'right' if pixels > 0 else 'left'} ({_signed(pixels)} px)"


def _scale(factor: float) -> str:
    return f"{'shrunk' if factor < 1 else 'enlarged'} to ×{factor:g}"


def _pen(pixels: float) -> str:
    return f"with the pen {abs(pixels):g} px {'thicker' if pixels > 0 else 'thinner'} ({_signed(pixels)} px)"


def _noise(sigma: float) -> str:
    return f"with noise of standard deviation {sigma:g} (on pixels from 0 to 1)"


def _bar(height: float) -> str:
    return f"with a {height:g} px bar across the middle"


SWEEPS: dict[str, Sweep] = {
    "rotation": Sweep("rotation", "turn in degrees (+ turns it left, − right)", tuple(range(-60, 61, 5)), rotate,
                      _rotation, lambda v: f"{_signed(v)}°"),
    "shift": Sweep("shift", "shift in pixels (+ moves it right, − left)", tuple(range(-10, 11)), shift, _shift,
                   lambda v: f"{_signed(v)} px"),
    "scale": Sweep("scale", "scale (× size)", tuple(np.round(np.arange(0.3, 1.75, 0.1), 2)), scale, _scale,
                   lambda v: f"×{v:g}", 1.0),
    "thickness": Sweep("thickness", "pen width (px added, on the 28×28 input)", tuple(range(-4, 7, 2)),
                       thicker_pen, _pen, lambda v: f"{_signed(v)} px"),
    "noise": Sweep("noise", "noise (standard deviation)", tuple(np.round(np.arange(0, 0.51, 0.05), 2)), noise,
                   _noise, lambda v: f"σ {v:g}"),
    "occluding bar": Sweep("occluding bar", "bar across the middle (px)", tuple(range(0, 15)), occlude, _bar,
                           lambda v: f"{v:g} px"),
}


@dataclass(frozen=True)
class SweepReading:
    """What a model reads in one image at every step of a sweep."""

    values: np.ndarray
    """(steps,) the transformation's strengths."""
    images: np.ndarray
    """(steps, 28, 28) float32 the transformed images."""
    probabilities: np.ndarray
    """(steps, 10) the model's probabilities."""
    identity_index: int = 0
    """The step that is the untouched image."""

    @property
    def ink_share(self) -> np.ndarray:
        """(steps,) each step's ink (sum of pixel values) as a share of the untouched image's."""
        ink = self.images.reshape(len(self.images), -1).sum(axis=1).astype(np.float64)
        untouched = ink[self.identity_index]
        return ink / untouched if untouched > 0 else np.zeros_like(ink)

    @property
    def ink_nearly_gone(self) -> np.ndarray:
        """(steps,) bool: under INK_NEARLY_GONE of the untouched image's ink is left."""
        return self.ink_share < INK_NEARLY_GONE

    @property
    def original_digit(self) -> int:
        """The answer for the untouched image."""
        return int(self.digits[self.identity_index])

    def first_changes(self) -> list[int | None]:
        """Walking outward from the untouched image, on the lower side then the upper side: the index
        of the first step whose answer differs from the untouched image's, or None if none does (or
        the side has no steps). Sweeps starting at the untouched image give [None, i]."""
        digits, start = self.digits, self.identity_index
        sides = (range(start - 1, -1, -1), range(start + 1, len(digits)))
        return [next((i for i in side if digits[i] != digits[start]), None) for side in sides]

    @property
    def digits(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    def flips(self) -> list[int]:
        """Indices i where the answer differs from the one at step i - 1."""
        digits = self.digits
        return [int(i) for i in np.flatnonzero(digits[1:] != digits[:-1]) + 1]


def sweep_one(predict: Predict, image28: np.ndarray, sweep: Sweep) -> SweepReading:
    """One image through every step of `sweep`, all steps in one batch."""
    image = np.asarray(image28, np.float32).reshape(1, 28, 28)
    images = np.concatenate([sweep.apply(image, value) for value in sweep.values])
    return SweepReading(np.asarray(sweep.values, np.float32), images, predict(images), sweep.identity_index)


def accuracy_curve(predict: Predict, images28: np.ndarray, labels: np.ndarray, sweep: Sweep,
                   values: tuple[float, ...] | None = None) -> np.ndarray:
    """(len(values),) share of `images28` (uint8 0-255 or float in [0, 1]) read as `labels` after
    the transformation at each of `values` (default: all the sweep's steps)."""
    images = np.asarray(images28, np.float32)
    if np.asarray(images28).dtype == np.uint8:
        images = images / 255.0
    return np.array([np.mean(predict(sweep.apply(images, value)).argmax(axis=1) == labels)
                     for value in (sweep.values if values is None else values)])
