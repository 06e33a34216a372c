"""Reading a whole written number: segment the drawing into digits, read each like a drawn digit."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import cv2
import numpy as np

from mlcore.inference import NOT_A_DIGIT, SEVERAL_DIGITS, Recognition, Recognizer
from mlcore.number_signs import (colons_between_digits, commas_between_digits, dashes_between_digits,
                                 decimal_points, loose_dots, minus_sign, minus_stroke, plus_stroke)
from mlcore.pen_taps import Stroke
from mlcore.preprocess import INK_THRESHOLD, ink_intensity, typical_stroke_width
from mlcore.segment import (CANT_SEPARATE, LINE_GAP_CLOSE, Box, Lattice, Segment, lines_of_writing, over_segment,
                            union_box)
from mlcore.whole_digit import load_whole_digit_check, span_shape

PAD = 0.15
"""Black border around each digit's crop, as a share of its longer side, so that no stroke
touches the edge of the little canvas it is read from."""


@dataclass(frozen=True)
class DigitReading:
    """One digit of the number: where it is, and what the model read there."""

    box: Box
    recognition: Recognition
    whole_chance: float = 1.0
    """The chance that the piece is one whole digit (`mlcore.whole_digit`; 1.0 without the check)."""
    cut_out: bool = False
    """Whether the piece was cut out of ink it touches (a cut at its left or right)."""
    may_be_two: bool = False
    """Whether the piece is a mark of its own, on a drawing, that the whole-digit check doubts
    (`whole_chance` under MERGED_UNSURE_BELOW): maybe two digits written across one another."""

    @property
    def digit(self) -> int:
        return int(self.recognition.digit)

    @property
    def confidence(self) -> float:
        """The chance that the box holds this digit: the network's, times the chance that the piece
        is one whole digit when it was cut out of ink it touches (the top of a 2 cut off a 0 it
        touched read "7 97%" at a whole-digit chance of 0.03) or `may_be_two`."""
        return self.recognition.confidence * (self.whole_chance if self.cut_out or self.may_be_two else 1.0)

    @property
    def may_be_a_part(self) -> bool:
        """Whether the piece was cut out of touching ink and its `confidence` is under CUT_SURE_FROM:
        a part of a digit, parts of two, or a digit misread."""
        return self.cut_out and self.confidence < CUT_SURE_FROM

    @property
    def is_unsure(self) -> bool:
        """Whether the digit is read unsure (`Recognition.is_unsure`), `may_be_a_part` or `may_be_two`."""
        return self.recognition.is_unsure or self.may_be_a_part or self.may_be_two


@dataclass(frozen=True)
class NumberReading:
    """The digits read in a drawing, left to right; `problem` says why no number is given."""

    ink: np.ndarray
    digits: list[DigitReading] = field(default_factory=list)
    problem: str | None = None
    problem_boxes: list[Box] = field(default_factory=list)
    point: int | None = None
    """How many digits come before the decimal point, when the number has one ("3.14": 1)."""
    point_box: Box | None = None
    """Where the decimal point is (x, y, w, h in the ink's pixels), when there is one."""
    minus_box: Box | None = None
    """Where the minus sign before the number is, when there is one ("-7")."""

    @property
    def is_blank(self) -> bool:
        return not self.digits and self.problem is None

    def names(self, digit: DigitReading) -> bool:
        """Whether the problem names this digit's mark (boxed in red: no digit, no confidence)."""
        return digit.box in self.problem_boxes

    def is_guess(self, digit: DigitReading) -> bool:
        """Whether the digit was read from a mark like no digit that the problem does not name: its
        digit is the network's nearest guess, and its confidence means nothing."""
        return not digit.recognition.is_one_digit and not self.names(digit)

    def colour(self, digit: DigitReading) -> str:
        """The colour of the digit's box: "red" for a mark the problem names, "amber" for one read
        unsure or as a guess (`DigitReading.is_unsure`), else "green"."""
        return "red" if self.names(digit) else "amber" if digit.is_unsure else "green"

    def label(self, digit: DigitReading) -> str:
        """What the digit's box is labelled: its digit and confidence ("7 98%", "7 >99%": `percent`);
        "?" for a mark the problem names; its digit and "?" for a guess (`is_guess`: "0?")."""
        if self.names(digit):
            return "?"
        return f"{digit.digit}?" if self.is_guess(digit) else f"{digit.digit} {percent(digit.confidence)}"

    @property
    def text(self) -> str | None:
        """The number as written ("2026", leading zeros kept), or None when there is none."""
        return self._written(lambda digit: str(digit.digit))

    @property
    def shown_text(self) -> str | None:
        """`text` as the page shows it: each guess (`is_guess`) as "?" ("7?" for a 7 and a face), so that
        no guess passes for a digit read."""
        return self._written(lambda digit: "?" if self.is_guess(digit) else str(digit.digit))

    def _written(self, character) -> str | None:
        if self.problem or not self.digits:
            return None
        digits = "".join(character(d) for d in self.digits)
        number = digits if self.point is None else f"{digits[: self.point]}.{digits[self.point :]}"
        return number if self.minus_box is None else f"-{number}"

    @property
    def confidence(self) -> float:
        """The chance that every digit is right, if the digits' readings were independent."""
        return float(np.prod([d.confidence for d in self.digits])) if self.digits else 0.0


def percent(share: float, decimals: int = 0) -> str:
    """A share (0-1) as a percent with `decimals` decimals that never claims certainty: "98%", and
    ">99%" (">99.9%" with one decimal) for any share that would round to 100% (a network's 0.996 is
    not a sure answer), "<1%" ("<0.1%") for any that would round to 0%."""
    step = 10.0 ** -(decimals + 2)
    if share >= 1 - 0.5 * step:
        return f">{1 - step:.{decimals}%}"
    return f"<{step:.{decimals}%}" if share < 0.5 * step else f"{share:.{decimals}%}"


def digit_canvas(crop: np.ndarray) -> np.ndarray:
    """One digit's ink crop (uint8 HxW) on a square black canvas with a margin, for `trace`."""
    h, w = crop.shape
    side = max(28, int(max(h, w) * (1 + 2 * PAD)) + 2)
    canvas = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    canvas[top : top + h, left : left + w] = crop
    return canvas


OVERLAPPED = (f"{CANT_SEPARATE}: two digits are written one over the other. "
              "Write them side by side, with a little space between.")
CROSSED = (f"{CANT_SEPARATE}: the strokes boxed in red look like two digits written into or across one "
           "another (or is it a letter?). Write digits 0 to 9 side by side, with a little space between.")
"""The strokes of one mark part into two digits that share its columns (`_checked_by_strokes`); a letter's
strokes can too (an H's bar and one side read 4, the other side 1), so the words leave room for one,
and so do they for digits run two pen widths into each other ("12": a newcomer found "across" wrong)."""
NOT_ONE_DIGIT = ("I can't read this as a number: {places} {verb} like one digit (two digits "
                 "written across one another, or a letter or a sign?). Write digits 0 to 9 side by side, with a "
                 "little space between.")
RUN_TOGETHER = (f"{CANT_SEPARATE}: the strokes boxed in red look like two digits, or a digit and another mark, "
                "run into one (touching, or written across one another). Write only digits, side by side, with a "
                "little space between.")
TUCKED_BELOW = 0.75
"""Two pieces in one box that each read as a digit are two digits when both are at least this share
of their union's height (a digit inside another's box, not a broken-off end)."""

MAX_STROKES = 6
"""A mark of more pen strokes than this is not parted into two digits by its strokes (`_checked_by_strokes`:
2**(n-1) - 1 ways to part n strokes)."""
CROSSED_COLUMNS = 0.3
"""Two groups of strokes are crossed digits only when their centre lines share at least this share of
the narrower's columns (`_shared_columns`): a 0 drawn as two arcs shares a stroke's width, so none;
the crossed pairs of benchmarks.numbers share 0.35 to 0.9 of their boxes' columns."""
OVERHANG_COLUMNS = 0.5
"""...but under this share, two digits that the ink was cut into as well are touching, one's stroke
run under the other (3 touching pairs of `benchmarks.numbers` at seeds 0-1, sharing 0.34-0.42); the 5
crossed pairs cut into the same two digits there shared 0.45-0.66 ("8421" at 0.53 read 8427)."""
STROKES_SURE = 0.9
"""Each group of strokes must read as its digit at this confidence at least (and without doubt) to
count as one of two digits written into one another. Halves of a 0 drawn in two strokes read "1" and
"7" at 63-96 %, one of them under 0.9: 9 of 60 such zeros were refused once the novelty check read two
layers, none with this. A 4 drawn as an L and a stem still is, 3 of 60 (the L reads "6" at 96-98 %).
At 0.98, 8 of 120 crossed MNIST pairs read as a wrong number at seed 1 (3 at 0.9; benchmarks.numbers).
Against no bar, 0.9 reads one more touching MNIST pair wrong at seed 0 (3 of 120), crossed pairs the same."""
STROKE_INSIDE = 0.9
"""A stroke belongs to a mark when this share of its ink lies in the mark's box."""
MAX_ATOMS = 4
"""A digit is made of at most this many pieces of the over-segmentation (`over_segment`)."""
MAX_WIDTH = 1.5
"""Pieces joined into one digit are at most this share of the number's height wide."""
NOVEL_COST = 2.0
"""Score (in log-probability) lost by a piece the novelty check finds like no digit..."""
SEVERAL_COST = 6.0
"""...or that holds separate marks side by side (two digits)."""
SHORT_BELOW, SHORT_COST = 0.7, 8.0
"""A digit less tall than SHORT_BELOW of the number's height loses SHORT_COST per unit of height
short of it (a broken-off end, a flag, a dot is not a digit). At 15, a digit 40 % as tall as the
others was joined to its neighbour ("2026" read 226); at 10, once the novelty check read two layers,
"1984" read 184 (the small 9 joined to the 8). 8 changes nothing else measured (benchmarks.numbers,
seeds 0-1, 120 numbers per row, against 10)."""
WIDE_ABOVE, WIDE_COST = 0.95, 6.0
"""A digit wider than WIDE_ABOVE times its height loses WIDE_COST per unit of aspect beyond it: two
touching digits read as one are wide (measured on benchmarks.numbers, seed 0: touching pairs
63/70 % -> 71/73 % read whole with 0.95 and 6.0 instead of 1.2 and 4.0; a stricter 0.85 splits wide
single digits and loses 5-10 points on gaps and broken strokes)."""
CUT_SURE_FROM = 0.7
"""A digit cut out of ink it touches is shown unsure (`DigitReading.may_be_a_part`) when its
`confidence` is under this: such a cut can be wrong, so it needs more than a lone digit's
inference.UNSURE_BELOW. Measured on benchmarks.numbers numbers (seeds 0-1, 120 numbers per cell,
MNIST and drawn, gaps, touching pairs and broken strokes): of 24 digits read wrong in numbers of the
right length, 7 were cut out; 3 of those were shown green, at 51-68 % (the rule before, a
whole-digit chance under 0.2, caught none of them). It shows 19 of the 887 green cut-out digits read
right amber (2 %); 0.8 would show 30."""
CUT_COST = 1.5
"""Score lost per stroke width of ink that a cut between two digits crosses."""
GAP_COST = 8.0
"""Score lost by joining pieces across blank paper, per unit of gap (as a share of the number's
height): a pen lift leaves a small gap, people leave more between digits."""
THIN_BELOW, THIN_COST = 0.8, 4.0
"""A digit narrower than THIN_BELOW stroke widths loses THIN_COST (a sliver is no 1)."""
WHOLE_FLOOR = 1e-4
"""The least chance of being one whole digit a piece is given (`mlcore.whole_digit`: a score at
most 9.2 lower)."""
MERGED_BELOW = 0.05
"""A mark of its own read as a digit with less than this chance of being one whole digit is taken
for two digits written across one another, and no number is given (`_run_together`)..."""
MERGED_CUT_BELOW = 0.002
"""...and so is a piece cut out of touching ink with less than this chance (a cut through crossed
strokes leaves pieces of both digits). Measured on benchmarks.numbers, seed 0, 240 numbers per
layout: 95 of the 205 crossed pairs read as a wrong number are refused instead, and so are 11 of the
33 numbers with gaps, touching pairs or broken strokes read wrong; none of the 686 read right is
lost (a mark of its own at 0.1: 3 lost; every piece at 0.02: 4 lost). Photos are left out: a bold
printed 0 has a whole-digit chance of 0.013 (the check never saw a photo's ink)."""
MERGED_UNSURE_BELOW = 0.3
"""A mark of its own on a drawing read as a digit with less than this chance of being one whole digit
(but not under MERGED_BELOW, which refuses it) is shown unsure (`DigitReading.may_be_two`): a digit
written right over another often reads as one digit ("9" over "4" read "4 71%", green). Measured on
benchmarks.numbers, seeds 0-1, 120 numbers per cell: of the 77 crossed pairs read as a wrong number
with every digit green, 16 now show the blob amber; 7 of the 1,382 numbers read right with gaps,
touching pairs or broken strokes gain an amber digit (0.2: 11 and 5; 0.5: 22 and 15)."""
CLOSE_BELOW = 0.9
"""A piece read at less than this confidence (or unsure) is read again with its pen lifts closed
(`_with_pen_lifts_closed`), and the closed reading kept when it is another digit, surer. An 8 whose loop is
open on the left reads as a 3 at 71 %, an 8 once closed. Measured on benchmarks.numbers (seed 0,
120 numbers per row, the novelty check at its 98th percentile): broken strokes drawn 95.8 -> 96.7 %
right, nothing else changed."""
PEN_LIFT = 0.5
"""Gaps in a piece's strokes up to about this many stroke widths are closed when it is read again
(`_with_pen_lifts_closed`). Measured on benchmarks.numbers, seeds 2 and 3, 240 numbers per row, with
the number's height taken after a digit's pieces are put together: broken strokes 213 / 221 ->
215 / 228 read whole (MNIST / drawn), gaps 232 / 239 -> 231 / 239, touching and overlapping pairs
unchanged, crossed pairs refused 91 / 118 -> 91 / 119."""
CLEAR_WHOLE = 0.5
"""A digit read with confidence and at least this chance of being one whole digit is clear: two lines
written close together (LINE_GAP_CLOSE) are two when each line's digits are all clear and the
drawing's, read as one line, are not ("12" right over "34" read 33)."""
SPECK_COST = 2.0
"""Score lost by ignoring a piece too small to read (a speck that joins no digit)."""


def read_number(recognizer: Recognizer, rgba: np.ndarray,
                taps: list[Box] | tuple[Box, ...] | None = None,
                strokes: list[Stroke] | None = None) -> NumberReading:
    """Split a drawing (RGBA/RGB/grey uint8, any size, either ink colour) into digits and read them.

    Recognition-based segmentation (Casey & Lecolinet 1996, section 4; LeCun et al. 1998,
    section V): the drawing is over-segmented (`over_segment`), every run of up to MAX_ATOMS
    neighbouring pieces is read by the model in one batch, and dynamic programming picks the
    grouping of pieces into digits with the best total score: each digit's calibrated
    log-probability, less costs for a digit the novelty check rejects, one too short or too wide
    for the number's height, ink cut through between digits, and blank gaps inside a digit.
    Two digits written one over the other (apart, `_overlapped_pair`, or crossed into one mark that
    the whole-digit check finds far from one digit, `_run_together`), and a drawing whose marks are
    mostly not like any digit, give no number but a `problem` saying why, with the marks' boxes. A
    minus sign before the number and a decimal point are found by shape and place
    (`mlcore.number_signs`): "-3.5". Writing on several lines (`lines_of_writing`; closer lines when
    each reads clearly on its own, `_close_lines`) gives no number, each line boxed (on a drawing only:
    in a photo, a face's eyes and mouth are two bands of ink too).
    `taps`: boxes (in `rgba`'s pixels) of the canvas's pen taps (`mlcore.pen_taps`), dots put down on
    purpose, which are set apart from a digit however close to it they are; None when the drawing's
    strokes are not known, as in a photo (then a dot close to a digit may be a point too, `decimal_points`).
    `strokes`: the pen's strokes (`pen_taps.pen_strokes`, in `rgba`'s pixels), when known: a mark
    whose strokes make two digits is two digits written across or into one another (`_checked_by_strokes`).
    """
    ink = ink_intensity(rgba)
    lines = lines_of_writing(ink)
    if len(lines) < 2:
        lines = _close_lines(recognizer, ink)
    if lines:
        return NumberReading(ink=ink, problem=SEVERAL_LINES.format(count=len(lines)), problem_boxes=lines)
    reading = _checked_by_strokes(recognizer, _read(recognizer, ink, taps=taps, strokes=strokes), strokes or [])
    if reading.problem:
        return reading
    return _with_point(_doubted_whole(_run_together(_only_digits(reading, most=True))), reading.ink, taps)


def _checked_by_strokes(recognizer: Recognizer, reading: NumberReading, strokes: list[Stroke]) -> NumberReading:
    """The reading checked against its pen strokes (`pen_strokes`): a mark whose strokes part into two
    groups that each read as a digit without doubt and are each nearly as tall as the mark
    (TUCKED_BELOW, as `_overlapped_pair` asks of pieces apart) holds two digits.
    - Groups that share the mark's columns (CROSSED_COLUMNS) were written across one another: no
      number (CROSSED, the two digits boxed). Crossed digits make one blob of ink that often reads
      as one digit without doubt ("4" over "9" read 9 at 99 %); only the strokes tell them apart.
      Unless they share under OVERHANG_COLUMNS and the ink was cut into those same two digits, each
      read without doubt (`is_unsure`): then the reading stands (a 6 whose loop ran under a touching 3
      was refused: 3 of 240 touching drawn numbers). A 4 written across a 9 and cut into a 4 at 13 %
      and a 9 is still refused.
    - Groups side by side were written into one another, and the ink was read wrong: the mark, read
      as one digit, is one of the two (the other was lost: a 1 written into a 0's stroke read
      "0 >99%"), or, cut in two, is not those two (a cut through the meeting strokes: "56" read 55).
      The mark is read as the strokes' two digits (`_parted`); so is a mark with a piece like no digit
      (a guess: a 2 run into a 1's foot made one mark that read as no digit; a 5 cut off a 6, "?6").
    A digit drawn in several strokes parts into a tall stroke and short ones (a 4's arm, a 5's flag,
    a 7's bar), or into two sides that read as 1s (a 0's halves, drawn apart: not taken; two 1s crossed
    make an X, no digit). Unchanged when it has a problem or no strokes are known."""
    if reading.problem or len(strokes) < 2:
        return reading
    parted = []
    for box, read, members in _marks_read(reading.digits):
        partings = _two_digits_of(recognizer, box, [s for s in strokes if _mostly_inside(s, box)])
        cut_clearly = all(not reading.digits[k].is_unsure for k in members)
        for parting in partings:
            agreed = parting.digits == read and cut_clearly and parting.shared < OVERHANG_COLUMNS
            if parting.shared >= CROSSED_COLUMNS and not agreed:
                return replace(reading, digits=[], problem=CROSSED, problem_boxes=list(parting.boxes))
        guessed = not all(reading.digits[k].recognition.is_one_digit for k in members)
        misread = [parting for parting in partings
                   if guessed or (parting.digits != read if len(read) == 2 else read[0] in parting.digits)]
        if misread:
            parted.append((members, max(misread, key=lambda parting: min(r.confidence for r in parting.readings))))
    taken: set[int] = set()
    for members, parting in sorted(parted, key=lambda item: -item[0][0]):  # from the right: indices hold
        if taken.isdisjoint(members):
            taken.update(members)
            reading = _parted(reading, members, parting)
    return reading


class StrokeParting(NamedTuple):
    """A mark's strokes parted in two groups that each read as a digit (`_two_digits_of`)."""

    boxes: tuple[Box, Box]
    """The groups' boxes, left to right (x, y, w, h in the drawing's pixels)."""
    readings: tuple[Recognition, Recognition]
    """What each group reads as, left to right."""
    shared: float
    """The share of the narrower group's columns that both span (`_shared_columns`)."""

    @property
    def digits(self) -> tuple[int, int]:
        return tuple(int(r.digit) for r in self.readings)


def _parted(reading: NumberReading, members: tuple[int, ...], parting: StrokeParting) -> NumberReading:
    """`reading` with its digits at indices `members` (one or two neighbours) replaced by the two that
    `parting`'s strokes read, each counted as cut out of ink it touches; a decimal point after them
    keeps its place."""
    first, last = members[0], members[-1]
    digits = [DigitReading(box, recognition, cut_out=True) for box, recognition in zip(parting.boxes, parting.readings)]
    point = reading.point
    if point is not None and point > first:
        point += 2 - len(members)
    return replace(reading, digits=reading.digits[:first] + digits + reading.digits[last + 1 :], point=point)


def _marks_read(digits: list[DigitReading]) -> list[tuple[Box, tuple[int, ...], tuple[int, ...]]]:
    """The whole marks among `digits`, each as its box, the digits read there and their indices: each
    digit not cut out of ink it touches, and each two neighbours cut apart (the cut may have run
    through two digits written into one another)."""
    marks = [(digit.box, (digit.digit,), (k,)) for k, digit in enumerate(digits) if not digit.cut_out]
    for k, (left, right) in enumerate(zip(digits, digits[1:])):
        if left.cut_out and right.cut_out:
            marks.append((union_box(left.box, right.box), (left.digit, right.digit), (k, k + 1)))
    return marks


def _two_digits_of(recognizer: Recognizer, box: Box, strokes: list[Stroke]) -> list[StrokeParting]:
    """Every way to part `strokes` (at most MAX_STROKES) in the mark at `box` into two groups that are
    each nearly as tall as the mark (TUCKED_BELOW) and read as a digit without doubt (STROKES_SURE),
    not both 1s."""
    if not 2 <= len(strokes) <= MAX_STROKES:
        return []
    x, y, w, h = box
    crops = [_in_box(stroke, box) for stroke in strokes]
    rows = [(max(sy, y), min(sy + sh, y + h)) for _, sy, _, sh in (stroke.box for stroke in strokes)]  # in the box
    groups = []
    for split in range(1, 2 ** (len(crops) - 1)):  # every way to part the strokes in two
        sides = [[k for k in range(len(crops)) if (split >> k & 1) == side] for side in (1, 0)]
        heights = [max(rows[k][1] for k in ks) - min(rows[k][0] for k in ks) for ks in sides]
        if min(heights) >= TUCKED_BELOW * h:  # no short part: a 4's arm, a 5's flag, a 7's bar
            groups.append([np.max([crops[k] for k in ks], axis=0) for ks in sides])
    if not groups:
        return []
    # The Draw page's stricter check, not `in_number`: with it a 4's L read as a sure 6 (4s drawn as an L
    # and a stem refused as crossed: 6 of 1,140 multi-stroke digits, 3 with the stricter one).
    readings = recognizer.recognize_batch([digit_canvas(half) for halves in groups for half in halves])
    pen = typical_stroke_width(np.max(crops, axis=0) > INK_THRESHOLD)
    found = []
    for row, halves in enumerate(groups):
        pair = readings[2 * row : 2 * row + 2]
        sure = all(r.is_one_digit and not r.is_unsure and r.confidence >= STROKES_SURE for r in pair)
        if sure and {r.digit for r in pair} != {1}:
            boxes = [cv2.boundingRect(cv2.findNonZero((half > INK_THRESHOLD).astype(np.uint8))) for half in halves]
            order = sorted(range(2), key=lambda k: boxes[k][0] + boxes[k][2] / 2)
            found.append(StrokeParting(tuple((x + boxes[k][0], y + boxes[k][1], boxes[k][2], boxes[k][3]) for k in order),
                                       tuple(pair[k] for k in order), _shared_columns(*boxes, pen)))
    return found


def _shared_columns(a: Box, b: Box, pen: float) -> float:
    """The share of the narrower box's columns that both boxes' centre lines span (each box less half
    the `pen` width, px, on either side)."""
    shared = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) - pen
    return shared / max(1.0, min(a[2], b[2]) - pen)


def _in_box(stroke: Stroke, box: Box) -> np.ndarray:
    """The stroke's ink in `box` (x, y, w, h): uint8 h x w, blank where the stroke is not."""
    x, y, w, h = box
    ink = np.zeros((h, w), np.uint8)
    sx, sy, sw, sh = stroke.box
    left, top, right, bottom = max(x, sx), max(y, sy), min(x + w, sx + sw), min(y + h, sy + sh)
    if left < right and top < bottom:
        ink[top - y : bottom - y, left - x : right - x] = stroke.ink[top - sy : bottom - sy, left - sx : right - sx]
    return ink


def _mostly_inside(stroke: Stroke, box: Box) -> bool:
    """Whether at least STROKE_INSIDE of a stroke's ink lies in `box` (x, y, w, h)."""
    total = np.count_nonzero(stroke.ink > INK_THRESHOLD)
    return total > 0 and np.count_nonzero(_in_box(stroke, box) > INK_THRESHOLD) >= STROKE_INSIDE * total


def _close_lines(recognizer: Recognizer, ink: np.ndarray) -> list[Box]:
    """The boxes of the lines of writing in `ink` at least LINE_GAP_CLOSE apart (`lines_of_writing`)
    when each reads on its own as a number whose every digit is clear (`_is_clear`), else []: the
    halves of digits that lost a band of ink across the line are no clear digits, nor are a face's
    eyes and mouth."""
    close = lines_of_writing(ink, gap=LINE_GAP_CLOSE)
    if len(close) > 1 and all(_is_clear(_read(recognizer, _only_in(ink, line))) for line in close):
        return close
    return []


def _is_clear(reading: NumberReading) -> bool:
    """Whether a reading is a number whose every digit is read with confidence as one whole digit."""
    return not reading.problem and bool(reading.digits) and all(
        d.recognition.is_one_digit and not d.recognition.is_unsure and d.whole_chance >= CLEAR_WHOLE
        for d in reading.digits)


def _only_in(ink: np.ndarray, box: Box) -> np.ndarray:
    """`ink` with everything outside `box` (x, y, w, h) blanked."""
    x, y, w, h = box
    kept = np.zeros_like(ink)
    kept[y : y + h, x : x + w] = ink[y : y + h, x : x + w]
    return kept


def _read(recognizer: Recognizer, ink: np.ndarray, marks: np.ndarray | None = None,
          taps: list[Box] | tuple[Box, ...] | None = None, strokes: list[Stroke] | None = None) -> NumberReading:
    """The best grouping into digits of `ink` (uint8 HxW) after a leading minus sign and the dots that
    may be a decimal point are set apart (`minus_sign`, `loose_dots`), or a `problem`: a dash after a
    digit, a comma or a colon between digits (`_signs_between`), a plus sign before or between digits
    drawn with the pen (`plus_stroke`), an overlapped pair; marks are not
    yet judged. Signs are looked for in `marks` (uint8, the size of `ink`; `ink` itself when None);
    the pen's `taps` are dots however close to a digit (`loose_dots`); a minus touching the first
    digit is found among the pen's `strokes` when they are known (`minus_stroke`)."""
    refused = _signs_between(ink, ink if marks is None else marks, taps)
    if refused:
        return refused
    plus = plus_stroke(strokes or [])
    if plus is not None:
        return NumberReading(ink=ink, problem=PLUS_SIGN, problem_boxes=[plus])
    minus = minus_sign(ink if marks is None else marks)
    drawn_minus, digits_ink = minus_stroke(strokes or []) if minus is None else None, ink
    if drawn_minus is not None:  # touching the first digit: only its own ink is taken away
        minus, digits_ink = None, _without_stroke(ink, drawn_minus, strokes)
    lattice = over_segment(_without(digits_ink, ([minus] if minus else []) + loose_dots(ink, taps)))
    if lattice.is_blank:
        return NumberReading(ink=ink)
    overlapped = _overlapped_pair(recognizer, lattice)
    if overlapped:
        return NumberReading(ink=ink, problem=OVERLAPPED, problem_boxes=list(overlapped))
    return NumberReading(ink=ink, digits=_best_grouping(recognizer, lattice),
                         minus_box=drawn_minus.box if drawn_minus is not None else minus)


def _signs_between(ink: np.ndarray, marks: np.ndarray,
                   taps: list[Box] | tuple[Box, ...] | None = None) -> NumberReading | None:
    """No number, the signs boxed, when `marks` (uint8 ink, the size of `ink`) has a dash, a comma or
    a colon between its digits (`dashes_between_digits`, `commas_between_digits`,
    `colons_between_digits`): a sum, a date, a time or a number in another notation, which must not
    silently vanish from what is read. None when it has none. `taps`: the pen's (colons' dots)."""
    for find, problem in ((dashes_between_digits, DASH_BETWEEN), (commas_between_digits, COMMA_BETWEEN),
                          (lambda marks: colons_between_digits(marks, taps), COLON_BETWEEN)):
        between = find(marks)
        if between:
            return NumberReading(ink=ink, problem=problem, problem_boxes=between)
    return None


def _without_stroke(ink: np.ndarray, stroke: Stroke, strokes: list[Stroke]) -> np.ndarray:
    """A copy of `ink` with the stroke's own ink blanked where none of the other `strokes` inked it:
    a minus drawn into a 6's loop must not cut the loop ("-6" read -5)."""
    x, y, w, h = stroke.box
    own = stroke.ink > INK_THRESHOLD
    for other in strokes:
        if other is not stroke:
            own &= _in_box(other, stroke.box) <= INK_THRESHOLD
    ink = ink.copy()
    ink[y : y + h, x : x + w][own] = 0
    return ink


def _without(ink: np.ndarray, boxes: list[Box]) -> np.ndarray:
    """`ink` with the boxes (x, y, w, h) blanked (a copy when there are any)."""
    if boxes:
        ink = ink.copy()
    for x, y, w, h in boxes:
        ink[y : y + h, x : x + w] = 0
    return ink


def _with_point(reading: NumberReading, marks: np.ndarray,
                taps: list[Box] | tuple[Box, ...] | None = None) -> NumberReading:
    """The reading with its decimal point (`decimal_points` in `marks`, uint8 ink the reading's size;
    `taps`, the pen's, None when unknown),
    drawn back into its ink when cleaning had dropped it as a speck; two or more such dots make it no
    number. Unchanged when it has a problem or nothing in it is like a digit."""
    if reading.problem or not any(digit.recognition.is_one_digit for digit in reading.digits):
        return reading
    points = decimal_points([digit.box for digit in reading.digits], marks, taps)
    if len(points) > 1:
        return replace(reading, problem=SEVERAL_POINTS.format(count=len(points)), problem_boxes=[box for _, box in points])
    if not points:
        return reading
    ink = reading.ink
    if marks is not ink:  # a photo's point was dropped from its cleaned ink as a speck: drawn back
        x, y, w, h = points[0][1]
        ink = ink.copy()
        np.maximum(ink[y : y + h, x : x + w], marks[y : y + h, x : x + w], out=ink[y : y + h, x : x + w])
    return replace(reading, ink=ink, point=points[0][0], point_box=points[0][1])


def _only_digits(reading: NumberReading, most: bool, also: list[int] | tuple[int, ...] = ()) -> NumberReading:
    """A reading whose marks are not like any digit (the recognizer's NOT_A_DIGIT or SEVERAL_DIGITS,
    as the Draw page decides "I don't know") made no number, the marks named and boxed, rather than
    a number made up of guesses. `most`: only when more than half of the marks are (a drawing, where
    a digit now and then lands far from the reference digits); else when any is (a photo, which may
    hold letters). `also`: places (1-based) refused whatever the network reads there (a photo's
    brackets). When no mark is like a digit the digits stay, for the page's "I don't know"."""
    unlike = [place for place, digit in enumerate(reading.digits, 1) if not digit.recognition.is_one_digit]
    if reading.digits and len(unlike) == len(reading.digits):
        return reading
    strange = sorted(set(unlike) | set(also))
    if not strange or (most and 2 * len(strange) <= len(reading.digits)):
        return reading
    return _refused(reading, strange, MOSTLY_NO_DIGITS if most else NOT_ONLY_DIGITS)


def _run_together(reading: NumberReading) -> NumberReading:
    """The reading made no number when a mark it read as one digit is likely not one whole digit (its
    `whole_chance` under MERGED_BELOW, or MERGED_CUT_BELOW when it was `cut_out`), those marks boxed in
    red: two digits written across one another (RUN_TOGETHER) or, when no such mark is like any digit
    (a letter, a cross, a tangle of strokes), marks named as no digit (NOT_ONE_DIGIT). Unchanged when
    it already has a problem."""
    if reading.problem:
        return reading
    merged = [place for place, digit in enumerate(reading.digits, 1)
              if digit.whole_chance < (MERGED_CUT_BELOW if digit.cut_out else MERGED_BELOW)]
    if not merged:
        return reading
    if not any(reading.digits[place - 1].recognition.is_one_digit for place in merged):
        return _refused(reading, merged, NOT_ONE_DIGIT)
    return replace(reading, digits=[], problem=RUN_TOGETHER,
                   problem_boxes=[reading.digits[place - 1].box for place in merged])


def _doubted_whole(reading: NumberReading) -> NumberReading:
    """The reading with its marks of their own that the whole-digit check doubts (`whole_chance` under
    MERGED_UNSURE_BELOW) shown unsure (`DigitReading.may_be_two`). For drawings only: the check never
    saw a photo's ink (a bold printed 0 scores 0.013)."""
    if reading.problem:
        return reading
    return replace(reading, digits=[replace(d, may_be_two=True) if not d.cut_out and d.whole_chance < MERGED_UNSURE_BELOW
                                    else d for d in reading.digits])


def _refused(reading: NumberReading, places: list[int], template: str) -> NumberReading:
    """The reading made no number: `template` names the marks at `places` (1-based), boxed in red."""
    named = "the mark" if len(reading.digits) == 1 else \
        "the " + " and ".join(map(ordinal, places)) + (" marks" if len(places) > 1 else " mark") + " from the left"
    verb = "don't look" if len(places) > 1 else "doesn't look"
    it = "them" if len(places) > 1 else "it"
    return replace(reading, problem=template.format(places=named, verb=verb, it=it),
                   problem_boxes=[reading.digits[place - 1].box for place in places])


def _overlapped_pair(recognizer: Recognizer, lattice: Lattice) -> tuple[Box, Box] | None:
    """The boxes of two digit-sized pieces sharing columns (`Lattice.pairs`) that are two digits
    written one inside or over the other, which the app will not guess apart: together they do not
    read as one digit without doubt, or each reads as a digit of its own and neither is much
    shorter than the two together (TUCKED_BELOW). A digit drawn in two strokes (an 8's loops, a 4
    lifted at its bar) reads as itself and its parts are short or like no digit. Marks like no digit,
    together or apart (a face: its outline and its eyes), are left to the novelty check's "I don't know"."""
    if not lattice.pairs:
        return None
    readings = recognizer.recognize_batch([digit_canvas(piece.ink) for pair in lattice.pairs for piece in pair],
                                           in_number=True)
    for row, (union, a, b) in enumerate(lattice.pairs):
        whole, first, second = readings[3 * row : 3 * row + 3]
        tall = min(a.box[3], b.box[3]) >= TUCKED_BELOW * union.box[3]
        like_digits = whole.is_one_digit or first.is_one_digit or second.is_one_digit
        if like_digits and (whole.is_unsure or (tall and not first.is_unsure and not second.is_unsure)):
            return a.box, b.box
    return None


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
    drawn = recognizer.recognize_batch([digit_canvas(piece.ink) for piece in pieces], in_number=True)
    readings = _with_pen_lifts_closed(recognizer, drawn, lattice.stroke_width)
    whole = _log_chance_whole(lattice, spans, pieces, drawn)
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
            score = _score(reading, piece, height, lattice.stroke_width) + whole[k]
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
            cut_out = max(lattice.sides(*spans[k])) >= 0
            digits.append(DigitReading(pieces[k].box, readings[k], float(np.exp(whole[k])), cut_out))
        end = first
    return digits[::-1]


def _with_pen_lifts_closed(recognizer: Recognizer, readings: list[Recognition], stroke: float) -> list[Recognition]:
    """The readings, each one read unsure (`Recognition.is_unsure`) or below CLOSE_BELOW read again
    with the gaps in its strokes closed (`cv2.morphologyEx` MORPH_CLOSE, an ellipse PEN_LIFT stroke
    widths across) and replaced when it then reads without doubt (a piece not unsure: as another
    digit, and surer): an 8 whose pen lifted on its left reads as a "3", and as an 8 once the gap is
    closed. Closed, a piece read as the same digit keeps its reading as drawn (a wrong cut's 7 at 63 %
    must stay amber). A sure piece is left as it is. The
    whole-digit check still sees the piece as drawn: closed, a blob of two crossed digits looks whole."""
    unsure = [k for k, reading in enumerate(readings)
              if reading.is_unsure or (not reading.is_blank and reading.confidence < CLOSE_BELOW)]
    if not unsure:
        return readings
    side = max(3, int(round(PEN_LIFT * stroke)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    again = recognizer.recognize_batch([cv2.morphologyEx(readings[k].trace.ink, cv2.MORPH_CLOSE, kernel)
                                        for k in unsure], in_number=True)
    readings = list(readings)
    for k, reading in zip(unsure, again):
        if not reading.is_blank and not reading.is_unsure and (
                readings[k].is_unsure or (reading.digit != readings[k].digit and reading.confidence > readings[k].confidence)):
            readings[k] = reading
    return readings


def _log_chance_whole(lattice: Lattice, spans: list[tuple[int, int]], pieces: list[Segment],
                      readings: list[Recognition]) -> np.ndarray:
    """log P(one whole digit) of every candidate digit (`mlcore.whole_digit`), float (N,); 0 for
    blank pieces, and for all when the check is not there. Added to the digit's log-probability,
    the score is that of "this piece is one whole digit, and it is this digit"."""
    check = load_whole_digit_check()
    chances = np.ones(len(spans))
    drawn = [k for k, reading in enumerate(readings) if not reading.is_blank]
    if check is not None and drawn:
        chances[drawn] = check.chances(np.stack([readings[k].image for k in drawn]),
                                       np.array([span_shape(lattice, *spans[k], pieces[k]) for k in drawn]))
    return np.log(np.clip(chances, WHOLE_FLOOR, 1.0))

NOT_ONLY_DIGITS = ("I can't read this as a number: {places} {verb} like a digit (a letter, a "
                   "bracket or another sign?), and I won't guess {it}. Photograph only the digits.")
BRACKET_THIN = 0.5
"""A bracket is a mark at most this share of its height wide..."""
BRACKET_BOW = 0.05
"""...whose stroke bows out by at least this share of its height, away from the digits it encloses
(the middle of a "(" lies left of its ends; a square bracket's feet, too: about 0.06)..."""
BRACKET_ENDS = 0.15
"""A mark's ends are this share of its rows at its top and at its bottom."""
BRACKET_TALL = 0.95
"""...and which is at least this share as tall as the tallest digit between it and its partner.
Brackets come in mirror pairs at both ends of what they enclose: a pair at the number's ends
is no digit, whatever the model reads there (a "(" is most like a 1). Measured on 1s (`_bow`): of
MNIST's 1,135 test 1s, 5.4 % bow as a "(" does and 3.8 % as a ")", so about 0.2 % of numbers that
start and end with a 1 would be refused; of 1,500 canvas-style 1s, 22 % and 6.9 % (1.5 %)."""
MOSTLY_NO_DIGITS = ("I don't know: {places} {verb} like a digit the network knows, so I won't guess the "
                    "number. Write digits 0 to 9 side by side, with a little space between them: digits that touch "
                    "can look like no digit.")
DASH_BETWEEN = ("I can't read this as one number: there is a dash after a digit (a sum, a range, a date?). "
                "Write one number at a time; a minus sign goes in front.")
SEVERAL_LINES = ("I can't read this as one number: it is written on {count} lines. Write one number on one line, "
                 "or clear the canvas between numbers.")
SEVERAL_LINES_IN_PHOTO = ("I can't read this as one number: it is written on {count} lines. Photograph one number "
                          "at a time.")
PLUS_SIGN = ("I can't read this as a number: is that a plus sign? Write one number alone (a minus sign "
             "before it is read: \"-7\").")
COMMA_BETWEEN = ("I can't read this as a number: there is a comma between its digits. Write a decimal point as a "
                 "dot (3.5), and no comma between thousands (1984).")
COLON_BETWEEN = ("I can't read this as one number: there is a colon between its digits (a time, a ratio?). "
                 "Write one number at a time.")
SEVERAL_POINTS = ("I can't read this as a number: there are {count} dots low between its digits, and a number has "
                  "at most one decimal point. Write one number at a time.")


def read_photo_number(recognizer: Recognizer, rgba: np.ndarray, marks: np.ndarray | None = None) -> NumberReading:
    """`read_number` for a photo's cleaned ink (`image_io.clean_photo(...).canvas`), which may hold
    more than digits: a mark that is not like any digit (a letter, a bracket: the recognizer's
    NOT_A_DIGIT or SEVERAL_DIGITS) makes the photo no number, the marks named and boxed, rather than
    a number with a made-up digit in it; a dot low between two digits is read as the decimal point
    ("3.14"), and two or more such dots, a comma or a colon between digits make it no number.
    `marks` (uint8, the size of `rgba`) is the ink before small marks were dropped
    (`CleanPhoto.marks`), where dots, commas and colons are looked for. Lines of digits one over the
    other make it no number when each line reads clearly on its own (`_close_lines`)."""
    ink = ink_intensity(rgba)
    lines = _close_lines(recognizer, ink)
    if lines:
        return NumberReading(ink=ink, problem=SEVERAL_LINES_IN_PHOTO.format(count=len(lines)), problem_boxes=lines)
    reading = _read(recognizer, ink, marks)  # a colon's dots may be specks cleaned away
    if reading.problem or not reading.digits:
        return reading
    reading = _only_digits(reading, most=False, also=enclosing_brackets(reading))
    return _with_point(reading, reading.ink if marks is None else marks)


def enclosing_brackets(reading: NumberReading) -> list[int]:
    """The places (1-based) of the first and last marks of a reading when they are a pair of brackets
    around the digits between them (see BRACKET_THIN, BRACKET_BOW, BRACKET_TALL), else []."""
    if len(reading.digits) < 3:
        return []
    first, last = reading.digits[0].box, reading.digits[-1].box
    inside = max(h for _, _, _, h in (digit.box for digit in reading.digits[1:-1]))
    if any(w > BRACKET_THIN * h or h < BRACKET_TALL * inside for _, _, w, h in (first, last)):
        return []
    if _bow(reading.digits[0].recognition.trace.ink) >= BRACKET_BOW \
            and _bow(reading.digits[-1].recognition.trace.ink) <= -BRACKET_BOW:
        return [1, len(reading.digits)]
    return []


def _bow(ink: np.ndarray) -> float:
    """How far the mark in `ink` (uint8, one digit's own ink) bows, as a share of its height
    (positive: its middle lies left of its ends, as in "(" and "["): the ink centre of its top and
    bottom BRACKET_ENDS of rows, less that of its middle rows (from 30 % to 70 % of its height)."""
    ys, xs = np.nonzero(ink > INK_THRESHOLD)
    if not ys.size:
        return 0.0
    mask = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] > INK_THRESHOLD
    h = mask.shape[0]

    def centre(start: float, stop: float) -> float:
        _, xs = np.nonzero(mask[int(start * h) : max(int(stop * h), int(start * h) + 1)])
        return float(xs.mean()) if xs.size else np.nan

    ends = (centre(0, BRACKET_ENDS) + centre(1 - BRACKET_ENDS, 1)) / 2
    bow = (ends - centre(0.3, 0.7)) / max(h, 1)
    return 0.0 if np.isnan(bow) else float(bow)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def read_single_digit(recognizer: Recognizer, ink: np.ndarray) -> Recognition:
    """The one digit in a photo's cleaned ink (uint8 HxW, 0 = paper, see `image_io.clean_photo`),
    read as a drawing is (several digits side by side: `novelty.looks_like_several_digits`)."""
    return recognizer.recognize(cv2.cvtColor(ink, cv2.COLOR_GRAY2RGBA))


BOX_COLOURS = {"green": (60, 200, 90), "amber": (255, 190, 40), "red": (255, 60, 60)}
"""RGB of each box colour (`NumberReading.colour`) on `boxes_picture`."""


def boxes_picture(reading: NumberReading, crop: bool = False) -> np.ndarray:
    """The drawing (RGB uint8, ink white on black) with each digit's box and reading drawn on it, the
    decimal point and minus sign ringed in blue, and the boxes the problem names in red (the labels:
    `NumberReading.label`). Each label sits on a dark patch next to its box where it covers no other
    label (`_label_spots`). `crop`: cut the picture down to the digits and their labels, with a
    margin (a photo's cleaned ink is a big square with the number in a band across it)."""
    picture = cv2.cvtColor(reading.ink, cv2.COLOR_GRAY2RGB)
    heights = [h for _, _, _, h in [d.box for d in reading.digits] + list(reading.problem_boxes)]
    band = min(picture.shape[0], 3 * float(np.median(heights))) if heights and crop else picture.shape[0]
    scale = max(0.5, band / 400)
    labels, colours = [], []
    for digit in reading.digits:
        colours.append(BOX_COLOURS[reading.colour(digit)])
        labels.append(reading.label(digit))
        x, y, w, h = digit.box
        cv2.rectangle(picture, (x, y), (x + w, y + h), colours[-1], 2)
    boxes = [d.box for d in reading.digits]
    for sign in (reading.point_box, reading.minus_box):
        if sign is not None:
            x, y, w, h = sign
            radius = max(6, int(0.6 * max(w, h)))
            cv2.circle(picture, (x + w // 2, y + h // 2), radius, (80, 170, 255), 2, cv2.LINE_AA)
            boxes.append((x + w // 2 - radius, y + h // 2 - radius, 2 * radius, 2 * radius))
    sizes = [cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2) for label in labels]
    spots = _label_spots(boxes, [(w + 4, h + base + 4) for (w, h), base in sizes] + [(0, 0)] * (len(boxes) - len(labels)),
                         picture.shape[:2])
    spots = spots[: len(labels)]  # the signs' rings are boxes labels keep off, with no label of their own
    for label, colour, ((_, height), _), (left, top, box_w, box_h) in zip(labels, colours, sizes, spots):
        cv2.rectangle(picture, (left, top), (left + box_w, top + box_h), (0, 0, 0), -1)
        cv2.putText(picture, label, (left + 2, top + height + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 2,
                    cv2.LINE_AA)
    for x, y, w, h in reading.problem_boxes:
        cv2.rectangle(picture, (x, y), (x + w, y + h), BOX_COLOURS["red"], 3)
    if crop and (boxes or reading.problem_boxes):
        shown = boxes + list(spots) + list(reading.problem_boxes)
        margin = int(0.25 * np.median(heights)) if heights else 0
        left = max(0, min(x for x, _, _, _ in shown) - margin)
        top = max(0, min(y for _, y, _, _ in shown) - margin)
        right = min(picture.shape[1], max(x + w for x, _, w, _ in shown) + margin)
        bottom = min(picture.shape[0], max(y + h for _, y, _, h in shown) + margin)
        picture = picture[top:bottom, left:right]
    return np.ascontiguousarray(picture)


def _label_spots(boxes: list[Box], sizes: list[tuple[int, int]], shape: tuple[int, int]) -> list[Box]:
    """Where each box's label goes (x, y, w, h): the first of above, below, above or below shifted
    right by half the label, inside the box's top and bottom, right and left of it, that stays in the
    picture (`shape`: height, width) and covers no label placed before and no other box; failing
    all, the one covering least of them. `sizes`: each label's (w, h) in px."""
    height, width = shape
    placed: list[Box] = []
    for index, ((x, y, w, h), (label_w, label_h)) in enumerate(zip(boxes, sizes)):
        candidates = [(x, y - label_h - 2), (x, y + h + 2), (x + label_w // 2, y - label_h - 2),
                      (x + label_w // 2, y + h + 2), (x - label_w // 2, y - label_h - 2),
                      (x - label_w // 2, y + h + 2), (x, y + 2), (x, y + h - label_h - 2),
                      (x + w + 2, y), (x - label_w - 2, y), (x, y - 2 * label_h - 4), (x, y + h + label_h + 4)]
        others = placed + [box for other, box in enumerate(boxes) if other != index]
        best, best_cover = None, None
        for left, top in candidates:
            spot = (int(np.clip(left, 0, max(0, width - label_w))), int(np.clip(top, 0, max(0, height - label_h))),
                    label_w, label_h)
            cover = sum(_overlap_area(spot, other) for other in placed) * 4 + \
                sum(_overlap_area(spot, other) for other in others[len(placed):])
            if best is None or cover < best_cover:
                best, best_cover = spot, cover
            if cover == 0:
                break
        placed.append(best)
    return placed


def _overlap_area(a: Box, b: Box) -> int:
    return max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])) * max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
