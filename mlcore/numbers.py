"""Reading a whole written number: segment the drawing into digits, read each like a drawn digit."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from mlcore.inference import Recognition, Recognizer
from mlcore.preprocess import ink_intensity
from mlcore.segment import Box, Segment, Segmentation, segment, split_in_two

PAD = 0.15
"""Black border around each digit's crop, as a share of its longer side, so that no stroke
touches the edge of the little canvas it is read from."""


@dataclass(frozen=True)
class DigitReading:
    """One digit of the number: where it is, and what the model read there."""

    box: Box
    recognition: Recognition

    @property
    def digit(self) -> int:
        return int(self.recognition.digit)

    @property
    def confidence(self) -> float:
        return self.recognition.confidence


@dataclass(frozen=True)
class NumberReading:
    """The digits read in a drawing, left to right; `problem` says why no number is given."""

    ink: np.ndarray
    digits: list[DigitReading] = field(default_factory=list)
    problem: str | None = None
    problem_boxes: list[Box] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not self.digits and self.problem is None

    @property
    def text(self) -> str | None:
        """The number as written ("2026", leading zeros kept), or None when there is none."""
        if self.problem or not self.digits:
            return None
        return "".join(str(d.digit) for d in self.digits)

    @property
    def confidence(self) -> float:
        """The chance that every digit is right, if the digits' readings were independent."""
        return float(np.prod([d.confidence for d in self.digits])) if self.digits else 0.0


def digit_canvas(crop: np.ndarray) -> np.ndarray:
    """One digit's ink crop (uint8 HxW) on a square black canvas with a margin, for `trace`."""
    h, w = crop.shape
    side = max(28, int(max(h, w) * (1 + 2 * PAD)) + 2)
    canvas = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top : top + h, left : left + w] = crop
    return canvas


def read_number(recognizer: Recognizer, rgba: np.ndarray) -> NumberReading:
    """Split a drawing (RGBA/RGB/grey uint8, any size, either ink colour) into digits and read them.
    """
    ink = ink_intensity(rgba)
    parts: Segmentation = segment(ink)
    if parts.problem:
        return NumberReading(ink=ink, problem=parts.problem, problem_boxes=parts.problem_boxes)
    readings = [reading for part in parts.digits for reading in _read_part(recognizer, part)]
    return NumberReading(ink=ink, digits=readings)


def _read_part(recognizer: Recognizer, part: Segment) -> list[DigitReading]:
    """The digit in one segment; or two, when the model doubts the piece and reads both sides of
    its thinnest cut without doubt (two touching digits: recognition-based segmentation, Casey &
    Lecolinet 1996, section 4)."""
    recognition = recognizer.recognize(digit_canvas(part.ink))
    if recognition.is_blank:
        return []
    halves = split_in_two(part) if recognition.is_unsure else None
    if halves is not None:
        sides = [recognizer.recognize(digit_canvas(half.ink)) for half in halves]
        if not any(side.is_blank or side.is_unsure for side in sides):
            return [DigitReading(half.box, side) for half, side in zip(halves, sides)]
    return [DigitReading(part.box, recognition)]


def read_single_digit(recognizer: Recognizer, ink: np.ndarray) -> Recognition:
    """The one digit in a photo's cleaned ink (uint8 HxW, 0 = paper, see `image_io.clean_photo`),
    read as a drawing is (several digits side by side: `novelty.looks_like_several_digits`)."""
    return recognizer.recognize(cv2.cvtColor(ink, cv2.COLOR_GRAY2RGBA))


def boxes_picture(reading: NumberReading) -> np.ndarray:
    """The drawing (RGB uint8, ink white on black) with each digit's box and reading drawn on it,
    and the boxes that could not be separated in red."""
    picture = cv2.cvtColor(reading.ink, cv2.COLOR_GRAY2RGB)
    scale = max(0.5, reading.ink.shape[0] / 400)
    for number, digit in enumerate(reading.digits):
        x, y, w, h = digit.box
        colour = (60, 200, 90) if not digit.recognition.is_unsure else (255, 190, 40)
        cv2.rectangle(picture, (x, y), (x + w, y + h), colour, 2)
        label = f"{digit.digit} {digit.confidence:.0%}"
        cv2.putText(picture, label, (x + 2, max(14, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 2, cv2.LINE_AA)
    for x, y, w, h in reading.problem_boxes:
        cv2.rectangle(picture, (x, y), (x + w, y + h), (255, 60, 60), 3)
    return picture

