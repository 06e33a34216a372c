"""The marks of a written number that are not digits: its decimal point and a leading minus sign.

Both are found by shape and place among the digits, as a reader finds them, not by the network
(which knows only digits): a point is a dot low between two digits, a minus a flat dash at
mid-height before the first digit.
"""

from __future__ import annotations

import cv2
import numpy as np

from mlcore.pen_taps import Stroke
from mlcore.preprocess import INK_THRESHOLD, length_to_width, typical_stroke_width
from mlcore.segment import Box, union_box

DOT_SIDE = 0.3
"""A mark no longer than this share of the digits' median height on its longer side..."""
DOT_MIN_SIDE = 0.075
"""...and at least this share, or DOT_MIN_STROKE of the ink's typical stroke width when that is less
(smaller marks are grain, not a point: a point put down by the pen that wrote the digits is about
one stroke wide, 0.04 of the digits' height for a 12 px pen on 300 px digits: a photo's "3.5" read 35)..."""
DOT_MIN_STROKE = 0.8
DOT_ASPECT = 2.5
"""...and no more than this many times longer than wide..."""
DOT_LENGTH = 3.0
"""...and than its widest stroke (a blob, a tap or a small ring; a small digit written between big
ones is a line drawn around: "1984" with its 9 a third as tall read 1.84)..."""
DOT_LOW = 0.6
"""...whose centre lies below this share of the row of digits (from its top)..."""
DOT_ON_LINE = 0.65
"""...and below this share of the height of each of the two digits either side of it (from their
tops: a point sits on the line the digits stand on; a speck of ink beside one digit's middle is no
point), is a decimal point."""
DOT_DARK = 0.5
"""A decimal point is, at its darkest, at least this share as dark as the digits' strokes (their
95th percentile of ink): MNIST digits carry faint specks (darkest 52-75 of 255 where strokes reach
255), which were read as points between touching digits ("9815" read 98.15); a pen's dot is as dark
as its strokes."""
DOT_APART = 0.07
"""A dot with no other mark within this share of the digits' median height of its columns is set
apart before the digits are found (`loose_dots`): the tip of a stroke broken off by a pen lift
lies a few pixels from its digit (3-6 px in `mlcore.number_samples`' broken strokes, about 0.03 of
the height) and is left to join it. A tap of the pen on the canvas (`mlcore.pen_taps`) is set apart
from any mark it does not touch and whose columns it does not share: a point tapped 8 px from a 3 was
joined to it ("3.5" read 35)."""
ROUND_APART = 0.04
"""A round dot (ROUND_FILL, ROUND_ASPECT) in a picture whose strokes are not known (a photo) needs
only this share of the digits' median height of paper to its neighbours' columns: a photo's "2.7"
read 27. Not on the canvas, where a point put down on purpose is a tap and a round dot that is not
is more often a pen lift's broken-off end (5 false points in 480 numbers, `decimal_points`)..."""
ROUND_FILL = (0.65, 0.9)
"""...a round dot filling between these shares of its box (a disc fills 0.79)..."""
ROUND_ASPECT = 1.3
"""...and no longer than this many times its width."""
TAP_MARGIN = 3
"""A mark is the ink of a tap when its box lies within the tap's box grown by this many px (the
canvas's antialiased edge)."""

COMMA_SIDE = 0.55
"""A comma is a mark no longer than this share of the digits' median height (and too long or too
slim for a dot, DOT_SIDE and DOT_ASPECT), taller than wide..."""
COMMA_LOW = 0.6
"""...whose top lies below this share of the row of digits (from its top: it hangs from the line the
digits stand on), between two digit-tall marks and apart from them (DOT_APART), and is no longer
than COMMA_LENGTH of its widest stroke (a dot and a short tail; a small 9 between big digits is no
comma)."""
COMMA_LENGTH = 4.5

DASH_FLAT = 2.0
"""A minus is at least this many times wider than tall..."""
DASH_WIDE = (0.18, 1.3)
"""...between these shares of the tallest mark's height wide..."""
DASH_MIDDLE = (0.25, 0.8)
"""...with its centre between these shares of the row of tall marks (from its top)..."""
MINUS_LEFT = 1 / 3
"""At least this share of a minus lies left of every digit-tall mark; the rest may pass under the
first digit's top (a minus written close to a 7 or a 2)..."""
MINUS_FIRST_LEFT = 0.5
"""A minus drawn before any digit (the pen's first stroke) may run further into the first digit:
this share of it lies left of every other stroke's ink in its rows. A thick pen's "-7", its minus a
pen width into the 7's stem, had 62 % of it left of the stem and read 7, green. A 7's crossbar comes
after the 7, and a 4's bar drawn first meets its other stroke at its left end."""
MINUS_UNDER = (0.3, 0.65)
"""A minus whose right end passes under the first digit has its centre between these shares of that
digit's height (from its top)."""
PLUS_TALL = 0.8
"""A plus sign's upright is at most this share of the tallest digit's height (a 7's stroke, crossed
by its bar, is a digit's height)."""
DASH_TALL_MARK = 0.5
"""...and wholly left of every mark at least this share as tall as the tallest (the digits)."""


def _marks(ink: np.ndarray) -> np.ndarray:
    """Every mark (8-connected ink) of `ink` (uint8 HxW): rows of x, y, w, h, area."""
    _, _, stats, _ = cv2.connectedComponentsWithStats((ink > INK_THRESHOLD).astype(np.uint8), connectivity=8)
    return stats[1:]


def decimal_points(boxes: list[Box], marks: np.ndarray,
                   taps: list[Box] | tuple[Box, ...] | None = None) -> list[tuple[int, Box]]:
    """The dots low between the digits at `boxes` in `marks` (uint8 ink; see DOT_SIDE, DOT_MIN_SIDE,
    DOT_ASPECT, DOT_LOW, DOT_ON_LINE, DOT_DARK) that are not part of a digit (inside its box): for
    each, how many digits come before it and its box, left to right. [] when `boxes` is empty.
    On the canvas (the pen's `taps` known), a point is also apart from the digits' marks as
    `loose_dots` are (`_loose`): a stroke's end broken off by a pen lift, a few pixels from its
    digit, was read as a point ("2261", "8188", "1207" and "8771" read 22.61, 81.88, 1.207 and
    87.71, and "1998" 19.99: 5 of 480 numbers with broken strokes, seeds 0-1 of benchmarks.numbers).
    In a photo (`taps` None) it need not be: a photo's round point 2 px from its 2 is one ("12.5")."""
    if not boxes:
        return []
    boxes = sorted(boxes, key=lambda b: b[0] + b[2] / 2)
    height = float(np.median([h for _, _, _, h in boxes]))
    top, bottom = min(y for _, y, _, _ in boxes), max(y + h for _, y, _, h in boxes)
    centres = [x + w / 2 for x, _, w, _ in boxes]
    inked = marks[marks > INK_THRESHOLD]
    dark = DOT_DARK * float(np.percentile(inked, 95)) if inked.size else 0.0
    points, every_mark, smallest = [], _marks(marks), _smallest_dot(height, marks)
    for x, y, w, h, _ in every_mark:
        box, middle = (int(x), int(y), int(w), int(h)), y + h / 2
        before = int(np.searchsorted(centres, x + w / 2))
        if (_dot_shaped(box, height, smallest, top, bottom, marks) and 0 < before < len(centres)
                and marks[y : y + h, x : x + w].max() >= dark
                and all(middle >= ny + DOT_ON_LINE * nh for _, ny, _, nh in boxes[before - 1 : before + 1])
                and not any(_inside(box, digit) for digit in boxes)
                and (taps is None or _loose(box, every_mark, height, taps))):
            points.append((before, box))
    return sorted(points)


def loose_dots(ink: np.ndarray, taps: list[Box] | tuple[Box, ...] | None = None) -> list[Box]:
    """Boxes of the dots in `ink` (uint8 HxW, ink bright) that may be a decimal point: shaped as
    DOT_SIDE, DOT_MIN_SIDE and DOT_ASPECT say (against the digit-tall marks' median height), low in
    their row (DOT_LOW), with other marks on both sides and apart from them (`_loose`, with the pen's
    `taps`: boxes in `ink`'s pixels, None when the strokes are not known).
    Set apart before the digits are found, so that a point written close to a digit is not joined
    to it; `decimal_points` then decides among them."""
    marks = _marks(ink)
    if len(marks) < 3:
        return []
    tall, top, bottom = _digit_row(marks)
    height = float(np.median(tall[:, 3]))
    smallest = _smallest_dot(height, ink)
    return [box for box in _boxes(marks)
            if _dot_shaped(box, height, smallest, top, bottom, ink) and _loose(box, marks, height, taps)]


def minus_sign(ink: np.ndarray) -> Box | None:
    """The box of a minus sign written before a number in `ink` (uint8 HxW, ink bright), or None:
    a flat dash at mid-height (DASH_FLAT, DASH_WIDE, DASH_MIDDLE) whose left part (MINUS_LEFT) lies
    left of every digit-tall mark (DASH_TALL_MARK), with no other mark above or below it there. Its
    right end may pass under the first digit's top when it lies at that digit's middle (MINUS_UNDER:
    a minus written close to a 7 or a 2 was joined to it, "-7" read 7 at 99.6 %; a 3's foot broken
    off by a pen lift lies low). A 5's flag or a 7's bar drawn apart from the rest lies over the digit's own
    columns, and so does a 3's middle broken off by pen lifts: no minus."""
    marks, tall, dashes = _dashes(ink)
    if not len(tall):
        return None
    _, top, _, height, _ = tall[np.argmin(tall[:, 0])]  # the first digit (x, y, w, h, area)
    first_digit = int(tall[:, 0].min())
    return next((dash for dash in dashes if dash[0] + MINUS_LEFT * dash[2] <= first_digit
                 and (dash[0] + dash[2] <= first_digit
                      or MINUS_UNDER[0] <= (dash[1] + dash[3] / 2 - top) / height <= MINUS_UNDER[1])
                 and _alone_in_its_columns((dash[0], dash[1], min(dash[2], first_digit - dash[0]), dash[3]), marks)),
                None)


def minus_stroke(strokes: list[Stroke]) -> Stroke | None:
    """The pen stroke that is a minus sign written before a number, known from the canvas's `strokes`
    (`pen_taps.pen_strokes`, in the order drawn), or None: a flat stroke (DASH_FLAT, DASH_WIDE of the
    tallest stroke) at mid-height of the other strokes' row (DASH_MIDDLE) whose left part (MINUS_LEFT)
    lies left of every other stroke or, drawn first, whose left part (MINUS_FIRST_LEFT) lies left of
    the other strokes' ink in its rows. Unlike `minus_sign` it may touch the first digit: a minus drawn
    into a 1 made it a 4 ("-13.7" read 43.7, green). A plus sign (`plus_stroke`) is looked for first."""
    if len(strokes) < 2:
        return None
    tallest = max(stroke.box[3] for stroke in strokes)
    for k, stroke in enumerate(strokes):
        others = [other for other in strokes if other is not stroke]
        top = min(other.box[1] for other in others)
        bottom = max(other.box[1] + other.box[3] for other in others)
        x, y, w, h = stroke.box
        if not _dash_shaped(stroke.box, tallest, top, bottom):
            continue
        if x + MINUS_LEFT * w <= min(other.box[0] for other in others):
            return stroke
        if k == 0 and x + MINUS_FIRST_LEFT * w <= min(_leftmost_ink(other, y, y + h) for other in others):
            return stroke
    return None


def plus_stroke(strokes: list[Stroke]) -> Box | None:
    """The box of a plus sign written before or between digits, known from the canvas's `strokes`, or
    None: a flat stroke at the digits' mid-height (as `minus_stroke` asks of a minus) that another
    stroke crosses at its middle (`_crosses`), no taller than PLUS_TALL of the digits. Without it a
    plus before the number was taken for a minus and its upright for a 1 ("+7" read -17), and a small
    one between digits was lost ("7+2" read 72)."""
    if len(strokes) < 3:
        return None
    tallest = max(stroke.box[3] for stroke in strokes)
    for bar in strokes:
        for upright in strokes:
            others = [other for other in strokes if other is not bar and other is not upright]
            if upright is bar or not others or not _crosses(upright, bar.box):
                continue
            top, bottom = min(o.box[1] for o in others), max(o.box[1] + o.box[3] for o in others)
            if _dash_shaped(bar.box, tallest, top, bottom) and upright.box[3] <= PLUS_TALL * max(o.box[3] for o in others):
                return union_box(bar.box, upright.box)
    return None


def _crosses(stroke: Stroke, dash: Box) -> bool:
    """Whether `stroke` runs across the middle of `dash` (x, y, w, h), above and below it: a plus sign's
    upright (a "+7" read -17)."""
    x, y, w, h = stroke.box
    return dash[0] + dash[2] / 4 <= x + w / 2 <= dash[0] + 3 * dash[2] / 4 and y < dash[1] and y + h > dash[1] + dash[3]


def _leftmost_ink(stroke: Stroke, top: int, bottom: int) -> float:
    """The leftmost column (px) of `stroke`'s ink in rows `top` to `bottom`; infinity if it has none there."""
    x, y, _, _ = stroke.box
    rows = stroke.ink[max(0, top - y) : max(0, bottom - y)]
    columns = np.nonzero((rows > 0).any(axis=0))[0] if rows.size else []
    return x + float(columns[0]) if len(columns) else np.inf


def dashes_between_digits(ink: np.ndarray) -> list[Box]:
    """Boxes of the flat dashes at mid-height (shaped as a minus sign is) in `ink` (uint8 HxW, ink
    bright) after a digit-tall mark, with no other mark above or below them (a piece of a digit
    broken by pen lifts, a 7's bar or a 3's middle, has the rest of its digit there): "4-2", "12-3",
    "12-" are no one number (a sum, a range, a date), and the dash must not silently vanish (a dash
    after the last digit was joined to it: "77-" read 77)."""
    marks, tall, dashes = _dashes(ink)
    between = []
    for x, y, w, h in dashes:
        if (tall[:, 0] + tall[:, 2] <= x).any() and _alone_in_its_columns((x, y, w, h), marks):
            between.append((x, y, w, h))
    return between


def commas_between_digits(ink: np.ndarray) -> list[Box]:
    """Boxes of the commas in `ink` (uint8 HxW, ink bright; COMMA_SIDE, COMMA_LOW) with digit-tall
    marks on both sides, apart from every mark as `loose_dots` are (a stroke's end broken off by a pen
    lift lies a few pixels from its digit, and is no comma): "3,5" is a decimal comma in much of
    the world and "1,984" a thousands separator in the rest, so the comma must not silently vanish
    (it was joined to the next digit: "3,5" read 35)."""
    marks = _marks(ink)
    if len(marks) < 3:
        return []
    tall, top, bottom = _digit_row(marks)
    height = float(np.median(tall[:, 3]))
    commas, smallest = [], _smallest_dot(height, ink)
    for x, y, w, h, _ in marks:
        box = (int(x), int(y), int(w), int(h))
        if (DOT_MIN_SIDE * height <= h <= COMMA_SIDE * height and w <= h and y >= top + COMMA_LOW * (bottom - top)
                and not _dot_shaped(box, height, smallest, top, bottom, ink) and _loose(box, marks, height)
                and _compact(ink, box, COMMA_LENGTH)
                and (tall[:, 0] + tall[:, 2] <= x).any() and (tall[:, 0] >= x + w).any()):
            commas.append(box)
    return commas


def colons_between_digits(ink: np.ndarray, taps: list[Box] | tuple[Box, ...] | None = None) -> list[Box]:
    """Boxes of the colons in `ink` (uint8 HxW, ink bright): two dots (DOT_SIDE, DOT_MIN_SIDE,
    DOT_ASPECT) one over the other, between digit-tall marks and apart from them as `loose_dots`
    are, with the pen's `taps` ("12:30", a time; its lower dot was read as a decimal point and the
    upper one joined to the 2: 12.30)."""
    marks = _marks(ink)
    if len(marks) < 4:
        return []
    tall, _, _ = _digit_row(marks)
    height = float(np.median(tall[:, 3]))
    smallest = _smallest_dot(height, ink)
    dots = [box for box in _boxes(marks)
            if _dot_sized(box, height, smallest, ink) and _loose(box, marks, height, taps)]
    dots.sort(key=lambda box: box[1])
    colons = []
    for k, upper in enumerate(dots):
        for lower in dots[k + 1 :]:
            if upper[0] < lower[0] + lower[2] and lower[0] < upper[0] + upper[2]:
                x0, x1 = min(upper[0], lower[0]), max(upper[0] + upper[2], lower[0] + lower[2])
                colons.append((x0, upper[1], x1 - x0, lower[1] + lower[3] - upper[1]))
    return colons


def _is_round(box, marks: np.ndarray) -> bool:
    """Whether the mark of `marks` (rows of x, y, w, h, area) at `box` is a round dot (ROUND_FILL,
    ROUND_ASPECT)."""
    x, y, w, h = box
    area = marks[(marks[:, 0] == x) & (marks[:, 1] == y) & (marks[:, 2] == w) & (marks[:, 3] == h), 4]
    return bool(area.size) and max(w, h) <= ROUND_ASPECT * max(1, min(w, h)) and \
        ROUND_FILL[0] <= area[0] / max(1, w * h) <= ROUND_FILL[1]


def _boxes(marks: np.ndarray) -> list[Box]:
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in marks]


def _is_tapped(mark: Box, taps) -> bool:
    """Whether a mark's box lies within one of the pen's `taps` (boxes) grown by TAP_MARGIN."""
    x, y, w, h = mark
    return any(tx - TAP_MARGIN <= x and ty - TAP_MARGIN <= y and x + w <= tx + tw + TAP_MARGIN
               and y + h <= ty + th + TAP_MARGIN for tx, ty, tw, th in taps)


def _loose(box, marks: np.ndarray, height: float, taps: list[Box] | tuple[Box, ...] | None = None) -> bool:
    """Whether a mark (x, y, w, h) has marks longer than DOT_SIDE of `height` on both sides and none
    of them within DOT_APART of `height` of its columns: none in its columns, for one of the pen's
    `taps`; ROUND_APART for a round dot when the strokes are not known (`taps` None: a photo; on
    the canvas a dot put down on purpose is a tap, and a round dot that is not is more often a
    stroke's end broken off by a pen lift)."""
    x, y, w, h = box
    others = marks[(marks[:, 2:4].max(axis=1) > DOT_SIDE * height) & ((marks[:, 0] != x) | (marks[:, 1] != y))]
    if taps is not None:
        gap = 0.0 if _is_tapped(box, taps) else DOT_APART * height
    else:
        gap = (ROUND_APART if _is_round(box, marks) else DOT_APART) * height
    return bool((others[:, 0] + others[:, 2] <= x).any() and (others[:, 0] >= x + w).any()
                and not ((others[:, 0] < x + w + gap) & (others[:, 0] + others[:, 2] > x - gap)).any())


def _alone_in_its_columns(dash: Box, marks: np.ndarray) -> bool:
    """Whether no mark but the dash itself shares the columns of `dash` (x, y, w, h: the dash's box, or
    its left part; the rest of a digit it was broken off, a 3's middle bar or a 7's, would lie above
    or below it)."""
    x, y, w, _ = dash
    others = marks[(marks[:, 0] != x) | (marks[:, 1] != y)]
    return not ((others[:, 0] < x + w) & (others[:, 0] + others[:, 2] > x)).any()


def _dashes(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Box]]:
    """The marks of `ink` and its digit-tall ones (rows of x, y, w, h, area), and the boxes of its
    flat dashes at mid-height (DASH_FLAT, DASH_WIDE, DASH_MIDDLE), left to right."""
    marks = _marks(ink)
    if len(marks) < 2:
        return marks, marks[:0], []
    tallest = int(marks[:, 3].max())
    tall, top, bottom = _digit_row(marks)
    dashes = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in marks
              if _dash_shaped((x, y, w, h), tallest, top, bottom)]
    return marks, tall, sorted(dashes)


def _dash_shaped(box, tallest: float, top: float, bottom: float) -> bool:
    """Whether a mark's box (x, y, w, h) is a flat dash (DASH_FLAT) as wide as a minus next to digits
    `tallest` px tall (DASH_WIDE), at mid-height of the row from `top` to `bottom` (DASH_MIDDLE)."""
    _, y, w, h = box
    middle = (y + h / 2 - top) / max(1, bottom - top)
    return (w >= DASH_FLAT * h and DASH_WIDE[0] * tallest <= w <= DASH_WIDE[1] * tallest
            and DASH_MIDDLE[0] <= middle <= DASH_MIDDLE[1])


def _digit_row(marks: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The digit-tall marks (DASH_TALL_MARK of the tallest) among `marks`, and their row's top and bottom (px)."""
    tall = marks[marks[:, 3] >= DASH_TALL_MARK * marks[:, 3].max()]
    return tall, int(tall[:, 1].min()), int((tall[:, 1] + tall[:, 3]).max())


def _dot_shaped(box, height: float, smallest: float, top: float, bottom: float, ink: np.ndarray) -> bool:
    """Whether a mark's box (x, y, w, h) in `ink` is a dot low in the row from `top` to `bottom` of
    digits of median `height` (`_dot_sized`, DOT_LOW)."""
    _, y, _, h = box
    return _dot_sized(box, height, smallest, ink) and y + h / 2 >= top + DOT_LOW * (bottom - top)


def _smallest_dot(height: float, ink: np.ndarray) -> float:
    """The shortest longer side (px) of a dot next to digits of median `height` (px) in `ink` (uint8
    HxW): DOT_MIN_SIDE of the height, or DOT_MIN_STROKE of the ink's typical stroke width when less."""
    return min(DOT_MIN_SIDE * height, DOT_MIN_STROKE * typical_stroke_width(ink > INK_THRESHOLD))


def _dot_sized(box, height: float, smallest: float, ink: np.ndarray) -> bool:
    """Whether a mark's box (x, y, w, h) in `ink` has a dot's size and shape next to digits of median
    `height` (DOT_SIDE, DOT_ASPECT, DOT_LENGTH; at least `smallest` px, `_smallest_dot`), wherever it lies."""
    _, _, w, h = box
    return (smallest <= max(w, h) <= DOT_SIDE * height and max(w, h) <= DOT_ASPECT * max(1, min(w, h))
            and _compact(ink, box, DOT_LENGTH))


def _compact(ink: np.ndarray, box, most: float) -> bool:
    """Whether the ink in `box` (x, y, w, h) is no longer than `most` times its widest stroke
    (`preprocess.length_to_width`)."""
    x, y, w, h = box
    return length_to_width(ink[y : y + h, x : x + w] > INK_THRESHOLD) <= most


def _inside(mark: Box, box: Box) -> bool:
    """Whether `mark` lies within `box`."""
    x, y, w, h = mark
    return box[0] <= x and box[1] <= y and x + w <= box[0] + box[2] and y + h <= box[1] + box[3]
