"""Canvas pixels to an MNIST-style 28x28 image, made the way MNIST itself was made.

MNIST digits were size-normalised to fit a 20x20 box (aspect ratio kept, anti-aliased) and then
placed in a 28x28 image so that their centre of mass sits at the centre. A drawing only looks
like MNIST to the model after the same treatment, whatever its size, position or ink colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MNIST_SIDE = 28
DIGIT_BOX = 20
INK_THRESHOLD = 25
"""Pixels above this (of 255) count as ink when finding the digit's bounding box."""
MIN_DIGIT_FRACTION = 0.06
"""A mark whose longer side is under this fraction of the canvas is a speck, not a digit."""
MIN_LENGTH_TO_WIDTH = 1.6
"""A mark no longer than this many stroke widths is a dot, not a digit."""
EMPTY = "The canvas is empty."
TOO_SMALL = "That mark is too small to be a digit."
"""`Trace.blank_reason`s (the photo's wording is `Recognition.photo_reason`'s)."""
MAX_STROKE_SHARE = 0.2
"""Strokes wider than this share of the digit's height are thinned: a small digit drawn with a
thick pen would otherwise close its loops into blobs (MNIST strokes are about 0.1-0.15)."""


@dataclass(frozen=True)
class Trace:
    """Every step from canvas to model input; `image` is None when there is no digit to read."""

    ink: np.ndarray
    image: np.ndarray | None = None
    cropped: np.ndarray | None = None
    scaled: np.ndarray | None = None
    boxed: np.ndarray | None = None
    blank_reason: str | None = None

    @property
    def is_blank(self) -> bool:
        return self.image is None


def canvas_to_mnist(rgba: np.ndarray) -> np.ndarray | None:
    """28x28 float32 in [0, 1] (ink = 1) from a canvas image, or None for a blank canvas."""
    return trace(rgba).image


def trace(rgba: np.ndarray) -> Trace:
    """Preprocess a canvas image and keep the intermediate steps for display."""
    ink = ink_intensity(rgba)
    box = _ink_box(ink)
    if box is None:
        return Trace(ink=ink, blank_reason=EMPTY)
    x, y, w, h = box
    mask = (ink[y : y + h, x : x + w] > INK_THRESHOLD).astype(np.uint8)
    if _is_speck(max(w, h), mask, canvas_side=max(ink.shape)):
        return Trace(ink=ink, blank_reason=TOO_SMALL)
    cropped = _thin_thick_strokes(ink[y : y + h, x : x + w], typical_stroke_width(mask))
    scaled = _fit_longer_side(cropped, DIGIT_BOX)
    boxed = _paste_centred(scaled, MNIST_SIDE)
    image = _full_contrast(_centre_of_mass_to_centre(boxed))
    return Trace(ink=ink, image=image, cropped=cropped, scaled=scaled, boxed=boxed)


def ink_intensity(rgba: np.ndarray) -> np.ndarray:
    """How much ink each pixel holds (uint8, 0 = none), for either ink colour.

    A canvas with a transparent background carries the strokes in its alpha channel; an
    opaque one carries them as the contrast against the background colour, which is read off
    the image border so that white-on-black and black-on-white both work.
    """
    image = _as_uint8_image(rgba)
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = cv2.extractChannel(image, 3)
        if cv2.minMaxLoc(alpha)[0] < 255:
            return alpha
    conversion = cv2.COLOR_RGBA2GRAY if image.ndim == 3 and image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
    gray = image if image.ndim == 2 else cv2.cvtColor(image, conversion)
    background = int(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
    return cv2.absdiff(gray, np.full_like(gray, background))


def _as_uint8_image(rgba: np.ndarray) -> np.ndarray:
    image = np.asarray(rgba)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {image.shape}")
    if min(image.shape[:2]) < 8:
        raise ValueError(f"image of {image.shape[1]}x{image.shape[0]} px is too small to draw in")
    if image.dtype != np.uint8:
        scale = 255.0 if image.dtype.kind == "f" and image.max() <= 1.0 else 1.0
        image = np.clip(image * scale, 0, 255).astype(np.uint8)
    return image


def _ink_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of the pixels that count as ink, or None if there are none."""
    points = cv2.findNonZero((ink > INK_THRESHOLD).astype(np.uint8))
    return None if points is None else cv2.boundingRect(points)


def _stroke_width(mask: np.ndarray) -> float:
    """Twice the largest distance from an ink pixel to the background: the widest stroke."""
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return 2.0 * float(cv2.distanceTransform(padded, cv2.DIST_L2, 3).max())


def typical_stroke_width(mask: np.ndarray) -> float:
    """The typical stroke width in pixels of a binary mask: twice its area over its outline's length.

    A stroke of width s and length L has area s*L and an outline about 2L long. Unlike the
    widest stroke, this ignores blobs where strokes meet (thick in MNIST's pen scans): thinning
    by the widest stroke cost about 1.3 % of MNIST test digits written large.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * float(np.count_nonzero(mask)) / outline if outline else 0.0


def _is_speck(longer_side: int, mask: np.ndarray, canvas_side: int) -> bool:
    return longer_side < MIN_DIGIT_FRACTION * canvas_side or is_dot(longer_side, mask)


def is_dot(longer_side: int, mask: np.ndarray) -> bool:
    """Whether a mark (its box's longer side in px, its bool/uint8 mask cropped to the box) is no
    longer than MIN_LENGTH_TO_WIDTH times its widest stroke: a pen dot, not a digit."""
    return longer_side < MIN_LENGTH_TO_WIDTH * _stroke_width(mask.astype(np.uint8))


def length_to_width(mask: np.ndarray) -> float:
    """The longer side of a mark's box over its widest stroke (`mask`: bool/uint8 HxW, the mark cropped
    to its box): about 1 for a blob or a tap, 10 and more for a digit. inf for an empty mask."""
    widest = _stroke_width(mask.astype(np.uint8))
    return max(mask.shape) / widest if widest > 0 else float("inf")


def _thin_thick_strokes(cropped: np.ndarray, stroke_width: float) -> np.ndarray:
    excess = stroke_width - MAX_STROKE_SHARE * max(cropped.shape)
    if excess < 2:
        return cropped
    size = int(excess) | 1
    thinned = cv2.erode(cropped, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    box = _ink_box(thinned)
    if box is None:
        return cropped
    x, y, w, h = box
    return thinned[y : y + h, x : x + w]


def _fit_longer_side(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def _paste_centred(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape
    out = np.zeros((side, side), dtype=image.dtype)
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = image
    return out


def _full_contrast(image: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] with the darkest ink at 1, as in MNIST, so thin pens read as well as thick."""
    image = image.astype(np.float32)
    return image / image.max()


def _centre_of_mass_to_centre(image: np.ndarray) -> np.ndarray:
    moments = cv2.moments(image, binaryImage=False)
    if moments["m00"] == 0:
        return image
    centre = (image.shape[1] - 1) / 2.0
    dx = centre - moments["m10"] / moments["m00"]
    dy = centre - moments["m01"] / moments["m00"]
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, shift, image.shape[::-1], flags=cv2.INTER_LINEAR)
