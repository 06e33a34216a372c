"""Reading a whole written number: segment the drawing into digits, read each like a drawn digit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from mlcore.inference import NOT_A_DIGIT, SEVERAL_DIGITS, Recognition, Recognizer
from mlcore.preprocess import INK_THRESHOLD, ink_intensity
from mlcore.segment import Box, Lattice, Segment, over_segment

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


MAX_ATOMS = 4
"""A digit is made of at most this many pieces of the over-segmentation (`over_segment`)."""
MAX_WIDTH = 1.5
"""Pieces joined into one digit are at most this share of the number's height wide."""
NOVEL_COST = 2.0
"""Score (in log-probability) lost by a piece the novelty check finds like no digit..."""
SEVERAL_COST = 6.0
"""...or that holds separate marks side by side (two digits)."""
SHORT_BELOW, SHORT_COST = 0.7, 15.0
"""A digit less tall than SHORT_BELOW of the number's height loses SHORT_COST per unit of height
short of it (a broken-off end, a flag, a dot is not a digit)."""
WIDE_ABOVE, WIDE_COST = 1.2, 4.0
"""A digit wider than WIDE_ABOVE times its height loses WIDE_COST per unit of aspect beyond it."""
CUT_COST = 1.5
"""Score lost per stroke width of ink that a cut between two digits crosses."""
GAP_COST = 8.0
"""Score lost by joining pieces across blank paper, per unit of gap (as a share of the number's
height): a pen lift leaves a small gap, people leave more between digits."""
THIN_BELOW, THIN_COST = 0.8, 4.0
"""A digit narrower than THIN_BELOW stroke widths loses THIN_COST (a sliver is no 1)."""
SPECK_COST = 2.0
"""Score lost by ignoring a piece too small to read (a speck that joins no digit)."""


def read_number(recognizer: Recognizer, rgba: np.ndarray) -> NumberReading:
    """Split a drawing (RGBA/RGB/grey uint8, any size, either ink colour) into digits and read them.

    Recognition-based segmentation (Casey & Lecolinet 1996, section 4; LeCun et al. 1998,
    section V): the drawing is over-segmented (`over_segment`), every run of up to MAX_ATOMS
    neighbouring pieces is read by the model in one batch, and dynamic programming picks the
    grouping of pieces into digits with the best total score: each digit's calibrated
    log-probability, less costs for a digit the novelty check rejects, one too short or too wide
    for the number's height, ink cut through between digits, and blank gaps inside a digit.
    """
    ink = ink_intensity(rgba)
    lattice = over_segment(ink)
    if lattice.problem:
        return NumberReading(ink=ink, problem=lattice.problem, problem_boxes=lattice.problem_boxes)
    if lattice.is_blank:
        return NumberReading(ink=ink)
    return NumberReading(ink=ink, digits=_best_grouping(recognizer, lattice))


def _spans(lattice: Lattice) -> list[tuple[int, int]]:
    """(first, last) atoms of every candidate digit: one atom, or neighbours no wider than a digit."""
    spans = []
    for first in range(len(lattice.atoms)):
        for last in range(first, min(len(lattice.atoms), first + MAX_ATOMS)):
            x0 = lattice.atoms[first].box[0]
            x1 = max(a.box[0] + a.box[2] for a in lattice.atoms[first : last + 1])
            if last > first and x1 - x0 > MAX_WIDTH * lattice.line_height:
                break
            spans.append((first, last))
    return spans


def _score(recognition: Recognition, piece: Segment, line_height: float, stroke: float) -> float:
    """How well a piece reads as one digit: log-probability less the costs of `read_number`."""
    score = float(np.log(max(recognition.confidence, 1e-6)))
    if recognition.doubt == SEVERAL_DIGITS:
        score -= SEVERAL_COST
    elif recognition.doubt == NOT_A_DIGIT:
        score -= NOVEL_COST
    _, _, w, h = piece.box
    score -= SHORT_COST * max(0.0, SHORT_BELOW - h / line_height)
    score -= WIDE_COST * max(0.0, w / h - WIDE_ABOVE)
    if w < THIN_BELOW * stroke:
        score -= THIN_COST
    return score


def _best_grouping(recognizer: Recognizer, lattice: Lattice) -> list[DigitReading]:
    """The digits of the best-scoring grouping of the lattice's atoms (dynamic programming)."""
    spans = _spans(lattice)
    pieces = [lattice.join(first, last) for first, last in spans]
    readings = recognizer.recognize_batch([digit_canvas(piece.ink) for piece in pieces])
    height = max(lattice.line_height, 1.0)
    count = len(lattice.atoms)
    best = np.full(count + 1, -np.inf)
    best[0] = 0.0
    back: list[tuple[int, int] | None] = [None] * (count + 1)
    for k, ((first, last), piece, reading) in enumerate(zip(spans, pieces, readings)):
        if not np.isfinite(best[first]):
            continue
        if reading.is_blank:
            if first != last:
                continue
            score = -SPECK_COST
        else:
            score = _score(reading, piece, height, lattice.stroke_width)
        score -= sum(GAP_COST * max(0.0, lattice.gap(j)) / height
                     for j in range(first, last) if lattice.cuts[j] < 0)
        if last + 1 < count and lattice.cuts[last] >= 0:
            score -= CUT_COST * lattice.cuts[last]
        if best[first] + score > best[last + 1]:
            best[last + 1] = best[first] + score
            back[last + 1] = (first, k)
    digits = []
    end = count
    while end > 0:
        first, k = back[end]
        if not readings[k].is_blank:
            digits.append(DigitReading(pieces[k].box, readings[k]))
        end = first
    return digits[::-1]


DIGIT_TALL = 0.5
"""Marks at least this share of the tallest mark's height are digit-tall; two of them stand side
by side when a gap of at least DIGIT_GAP of the tallest mark's height separates them..."""
DIGIT_GAP = 0.08
"""...(people leave space between digits; the two edges of a bold stroke whose middle the
cleaning lost are closer)."""


def read_single_digit(recognizer: Recognizer, ink: np.ndarray) -> Recognition:
    """The one digit in a photo's cleaned ink (uint8 HxW, 0 = paper, see `image_io.clean_photo`),
    read as a drawing is; its doubt is SEVERAL_DIGITS when digit-tall marks stand side by side
    (`side_by_side_marks`), as on the Write a number page."""
    reading = recognizer.recognize(cv2.cvtColor(ink, cv2.COLOR_GRAY2RGBA))
    if not reading.is_blank and reading.doubt != SEVERAL_DIGITS and side_by_side_marks(ink) > 1:
        reading = replace(reading, doubt=SEVERAL_DIGITS)
    return reading


def side_by_side_marks(ink: np.ndarray) -> int:
    """How many digit-tall separate marks stand side by side in the ink (uint8 HxW, 0 = none).

    Separate marks only: touching digits are not cut here (a wide 0 is not two digits), and
    marks over or close to each other (a 5's flag, a broken 4) count once.
    """
    count, _, stats, _ = cv2.connectedComponentsWithStats((ink > INK_THRESHOLD).astype(np.uint8), connectivity=8)
    marks = stats[1:]
    if len(marks) < 2:
        return len(marks)
    tallest = marks[:, cv2.CC_STAT_HEIGHT].max()
    tall = marks[marks[:, cv2.CC_STAT_HEIGHT] >= DIGIT_TALL * tallest]
    columns: list[tuple[int, int]] = []
    for x, width in sorted((int(m[0]), int(m[2])) for m in tall):
        if columns and x - columns[-1][1] < DIGIT_GAP * tallest:  # overlapping or too close: one digit
            columns[-1] = (columns[-1][0], max(columns[-1][1], x + width))
        else:
            columns.append((x, x + width))
    return len(columns)


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

