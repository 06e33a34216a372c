"""Reading a whole written number: segment the drawing into digits, read each like a drawn digit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from mlcore.inference import Recognition, Recognizer
from mlcore.preprocess import INK_THRESHOLD, ink_intensity
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
    point: int | None = None
    """How many digits come before the decimal point, when a photo's number has one ("3.14": 1)."""

    @property
    def is_blank(self) -> bool:
        return not self.digits and self.problem is None

    @property
    def text(self) -> str | None:
        """The number as written ("2026", leading zeros kept), or None when there is none."""
        if self.problem or not self.digits:
            return None
        digits = "".join(str(d.digit) for d in self.digits)
        return digits if self.point is None else f"{digits[: self.point]}.{digits[self.point :]}"

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


DOT_SIDE = 0.3
"""A mark no longer than this share of the digits' median height on its longer side..."""
DOT_MIN_SIDE = 0.06
"""...and at least this share (smaller marks are grain, not a point)..."""
DOT_ASPECT = 2.5
"""...and no more than this many times longer than wide..."""
DOT_LOW = 0.6
"""...whose centre lies below this share of the row of digits (from its top), between two digits'
centres, is a decimal point."""
NOT_ONLY_DIGITS = ("I can't read this as a number: the {places} from the left {verb} like a digit (a letter, a "
                   "bracket or another sign?), and I won't guess it. Photograph only the digits.")
SEVERAL_POINTS = ("I can't read this as a number: there are {count} dots low between its digits, and a number has "
                  "at most one decimal point. Photograph one number at a time.")


def read_photo_number(recognizer: Recognizer, rgba: np.ndarray, marks: np.ndarray | None = None) -> NumberReading:
    """`read_number` for a photo's cleaned ink (`image_io.clean_photo(...).canvas`), which may hold
    more than digits: a mark that is not like any digit (a letter, a bracket: the recognizer's
    NOT_A_DIGIT or SEVERAL_DIGITS) makes the photo no number, the marks named and boxed, rather than
    a number with a made-up digit in it; a dot low between two digits is read as the decimal point
    ("3.14"), and two or more such dots make it no number. `marks` (uint8, the size of `rgba`) is
    the ink before small marks were dropped (`CleanPhoto.marks`), where dots are looked for."""
    reading = read_number(recognizer, rgba)
    if reading.problem or not reading.digits:
        return reading
    strange = [place for place, digit in enumerate(reading.digits, 1) if not digit.recognition.is_one_digit]
    if strange and len(strange) == len(reading.digits):
        return reading  # nothing like a digit at all: the page says so as it does for a drawing
    if strange:
        places = " and ".join(_ordinal(place) for place in strange) + (" marks" if len(strange) > 1 else " mark")
        return replace(reading, problem=NOT_ONLY_DIGITS.format(places=places, verb="don't look" if len(strange) > 1
                                                                  else "doesn't look"),
                       problem_boxes=[reading.digits[place - 1].box for place in strange])
    points = decimal_points(reading, reading.ink if marks is None else marks)
    if len(points) > 1:
        return replace(reading, problem=SEVERAL_POINTS.format(count=len(points)), problem_boxes=[box for _, box in points])
    return replace(reading, point=points[0][0]) if points else reading


def decimal_points(reading: NumberReading, marks: np.ndarray) -> list[tuple[int, Box]]:
    """The dots low between a reading's digits in `marks` (uint8 ink, the reading's size; see
    DOT_SIDE, DOT_MIN_SIDE, DOT_ASPECT, DOT_LOW): for each, how many digits come before it and its
    box (x, y, w, h), left to right."""
    boxes = [digit.box for digit in reading.digits]
    height = float(np.median([h for _, _, _, h in boxes]))
    top, bottom = min(y for _, y, _, _ in boxes), max(y + h for _, y, _, h in boxes)
    centres = sorted(x + w / 2 for x, _, w, _ in boxes)
    count, _, stats, _ = cv2.connectedComponentsWithStats((marks > INK_THRESHOLD).astype(np.uint8), connectivity=8)
    points = []
    for x, y, w, h, _ in stats[1:]:
        centre_x, centre_y = x + w / 2, y + h / 2
        before = int(np.searchsorted(centres, centre_x))
        if (DOT_MIN_SIDE * height <= max(w, h) <= DOT_SIDE * height and max(w, h) <= DOT_ASPECT * max(1, min(w, h))
                and centre_y >= top + DOT_LOW * (bottom - top) and 0 < before < len(centres)):
            points.append((before, (int(x), int(y), int(w), int(h))))
    return sorted(points)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def read_single_digit(recognizer: Recognizer, ink: np.ndarray) -> Recognition:
    """The one digit in a photo's cleaned ink (uint8 HxW, 0 = paper, see `image_io.clean_photo`),
    read as a drawing is (several digits side by side: `novelty.looks_like_several_digits`)."""
    return recognizer.recognize(cv2.cvtColor(ink, cv2.COLOR_GRAY2RGBA))


def boxes_picture(reading: NumberReading) -> np.ndarray:
    """The drawing (RGB uint8, ink white on black) with each digit's box and reading drawn on it,
    and the boxes that could not be separated in red. Each label sits on a dark patch above its box,
    or below it when it would cover the label before (digits close together), so none overlap."""
    picture = cv2.cvtColor(reading.ink, cv2.COLOR_GRAY2RGB)
    scale = max(0.5, reading.ink.shape[0] / 400)
    placed: list[tuple[int, int, int, int]] = []
    for digit in reading.digits:
        x, y, w, h = digit.box
        colour = (60, 200, 90) if not digit.recognition.is_unsure else (255, 190, 40)
        cv2.rectangle(picture, (x, y), (x + w, y + h), colour, 2)
        label = f"{digit.digit} {digit.confidence:.0%}"
        (width, height), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        x = max(0, min(x, picture.shape[1] - width - 4))  # the label stays inside the picture
        above = (x, max(0, y - height - base - 4), width + 4, height + base + 4)
        below = (x, min(picture.shape[0] - height - base - 4, y + h + 2), width + 4, height + base + 4)
        spot = next((box for box in (above, below) if not any(_overlaps(box, other) for other in placed)), above)
        placed.append(spot)
        left, top, box_w, box_h = spot
        cv2.rectangle(picture, (left, top), (left + box_w, top + box_h), (0, 0, 0), -1)
        cv2.putText(picture, label, (left + 2, top + height + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 2, cv2.LINE_AA)
    for x, y, w, h in reading.problem_boxes:
        cv2.rectangle(picture, (x, y), (x + w, y + h), (255, 60, 60), 3)
    return picture


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
