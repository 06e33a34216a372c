"""Splitting a written number into its digits.

The classic recipe for handwritten numbers (Casey & Lecolinet, "A survey of methods and
strategies in character segmentation", IEEE PAMI 18(7), 1996): connected components of the ink
(`cv2.connectedComponentsWithStats`), then
- pieces of one digit merged: pieces stacked over each other (a 5's flag, an 8 drawn as two
  loops, a stroke broken by a pen lift) and small marks close to a digit (dots, broken ends);
- touching digits cut where the ink narrows: the top-to-bottom path crossing the least ink
  (a slanted form of the vertical projection profile's minimum), taken when it crosses about one
  stroke and leaves a digit-tall piece on each side. (Asking the model whether the halves read
  better than the whole does not work: a CNN trained on whole digits reads halves of a 0 as two
  confident 1s.)
- two digit-sized pieces side by side in one box (one written inside or over the other) are not
  guessed at: the segmentation says it cannot separate them.

Everything works on an ink image (uint8 HxW, 0 = no ink, see `preprocess.ink_intensity`) and
returns boxes in its pixel coordinates. Reading the digits is `mlcore.numbers`' job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import cv2
import numpy as np

from mlcore.preprocess import INK_THRESHOLD, typical_stroke_width

CANT_SEPARATE = "I can't separate these"

NOISE_SIDE = 0.12
"""Pieces whose longer side is under this share of the tallest piece, far from any digit, are
stray marks and ignored."""
SMALL_SIDE = 0.4
"""Pieces less tall than this share of the tallest piece are dots, bars, flags or broken ends
when they lie close to a digit."""
CLOSE_GAP = 0.3
"""How close (as a share of the tallest piece) a small piece must be to join a digit."""
STACKED_OVERLAP = 0.5
"""Pieces sharing more than this share of the narrower one's columns belong to one digit..."""
SIDE_BY_SIDE = 0.65
"""...unless both are at least this share of their union's height: then they are two digits
written one inside the other's box."""
ONE_DIGIT_WIDTH = 1.0
"""Two pieces side by side are one broken digit only if together they are no wider than this
share of their height..."""
BROKEN_OVERLAP = 0.15
"""...and they share more than this share of the narrower one's columns..."""
BROKEN_GAP = 0.05
"""...or the gap between them is under this share of the tallest piece (a pen lift; people
leave more space than that between digits)."""
CUT_CANDIDATE_WIDTH = 0.95
"""A piece wider than this share of its height may be two touching digits (95 % of single
digits, MNIST's or drawn, are narrower; a 1 touching a narrow digit is missed)."""
MUST_CUT_WIDTH = 1.5
"""A piece wider than this share of its height is never one digit."""
CUT_MARGIN = 0.2
"""Each side of a cut keeps at least this share of the piece's height (and a stroke width)."""
THIN_CUT = 1.3
"""A cut crosses at most this many stroke widths of ink: two digits touch at one stroke, while
a cut through a 0 or an 8 crosses two or three."""
PART_HEIGHT = 0.75
"""Both sides of a cut are at least this share of the piece's height (two digits side by side),
so that no loop, bar, flag or stem end is cut off a digit..."""
PART_HEIGHT_WIDE = 0.5
"""...or this share, for a piece too wide to be one digit."""

Box = tuple[int, int, int, int]
"""(x, y, width, height) in the ink image's pixels."""


@dataclass(frozen=True)
class Segment:
    """One digit's ink: its box in the drawing and its pixels (uint8 HxW, only this digit's ink)."""

    box: Box
    ink: np.ndarray


@dataclass(frozen=True)
class Segmentation:
    """The digits of a drawing, left to right; `problem` says why there are none to read."""

    digits: list[Segment] = field(default_factory=list)
    problem: str | None = None
    problem_boxes: list[Box] = field(default_factory=list)
    stroke_width: float = 0.0

    @property
    def is_blank(self) -> bool:
        return not self.digits and self.problem is None


@dataclass
class _Group:
    mask: np.ndarray  # bool, whole image size
    box: Box

    @property
    def x0(self): return self.box[0]

    @property
    def x1(self): return self.box[0] + self.box[2]

    @property
    def y0(self): return self.box[1]

    @property
    def y1(self): return self.box[1] + self.box[3]

    @property
    def width(self): return self.box[2]

    @property
    def height(self): return self.box[3]


def segment(ink: np.ndarray) -> Segmentation:
    """Split the ink of a written number into digits, left to right.

    ink: uint8 HxW, 0 = no ink. Raises ValueError for an image that is not 2-D.
    """
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink image, got shape {ink.shape}")
    mask = ink > INK_THRESHOLD
    groups = _components(mask)
    if not groups:
        return Segmentation()
    stroke = typical_stroke_width(mask)
    tallest = max(g.height for g in groups)
    groups, conflict = _merge_stacked(groups, tallest)
    if conflict:
        return Segmentation(problem=f"{CANT_SEPARATE}: two digits are written one over the other. "
                                    "Write them side by side, with a little space between.",
                            problem_boxes=[g.box for g in conflict], stroke_width=stroke)
    groups = _attach_small(groups, tallest)
    groups, conflict = _merge_stacked(groups, tallest)
    if conflict:
        return Segmentation(problem=f"{CANT_SEPARATE}: two digits are written one over the other. "
                                    "Write them side by side, with a little space between.",
                            problem_boxes=[g.box for g in conflict], stroke_width=stroke)
    digits: list[_Group] = []
    for group in sorted(groups, key=lambda g: g.x0):
        digits.extend(_split_touching(group, tallest))
    segments = [Segment(g.box, _crop(ink, g)) for g in digits]
    return Segmentation(digits=segments, stroke_width=stroke)


def _components(mask: np.ndarray) -> list[_Group]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    groups = [_Group(labels == i, tuple(int(v) for v in stats[i, :4])) for i in range(1, count)]
    if not groups:
        return []
    tallest = max(max(g.width, g.height) for g in groups)
    return [g for g in groups if max(g.width, g.height) >= max(2, 0.03 * tallest)]


def _union(a: _Group, b: _Group) -> _Group:
    x0, y0 = min(a.x0, b.x0), min(a.y0, b.y0)
    x1, y1 = max(a.x1, b.x1), max(a.y1, b.y1)
    return _Group(a.mask | b.mask, (x0, y0, x1 - x0, y1 - y0))


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _merge_stacked(groups: list[_Group], tallest: int) -> tuple[list[_Group], list[_Group]]:
    """Merge pieces of one digit; return (groups, the pair written one over the other, or [])."""
    groups = list(groups)
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                a, b = groups[i], groups[j]
                union = _union(a, b)
                shared = _overlap(a.x0, a.x1, b.x0, b.x1)
                if shared >= STACKED_OVERLAP * min(a.width, b.width):
                    if min(a.height, b.height) >= SIDE_BY_SIDE * union.height:
                        return groups, [a, b]
                elif not _broken_apart(a, b, union, shared, tallest):
                    continue
                groups[i] = union
                del groups[j]
                merged = True
                break
            if merged:
                break
    return groups, []


def _broken_apart(a: _Group, b: _Group, union: _Group, shared: int, tallest: int) -> bool:
    """Two pieces side by side that make one digit-shaped whole: a stroke broken by a pen lift."""
    if union.width > ONE_DIGIT_WIDTH * union.height:
        return False
    if _overlap(a.y0, a.y1, b.y0, b.y1) == 0:
        return False
    gap = max(a.x0, b.x0) - min(a.x1, b.x1)
    return shared > BROKEN_OVERLAP * min(a.width, b.width) or gap <= BROKEN_GAP * tallest


def _gap(a: _Group, b: _Group) -> float:
    dx = max(0, max(a.x0, b.x0) - min(a.x1, b.x1))
    dy = max(0, max(a.y0, b.y0) - min(a.y1, b.y1))
    return float(np.hypot(dx, dy))


def _attach_small(groups: list[_Group], tallest: int) -> list[_Group]:
    """Join small pieces to the nearest digit when close; drop far tiny ones (stray marks)."""
    small = [g for g in groups if g.height < SMALL_SIDE * tallest]
    large = [g for g in groups if g.height >= SMALL_SIDE * tallest]
    if not large:
        return groups
    while small:  # the closest first: a flag broken in bits joins bit by bit
        gap, s, k = min((_gap(piece, group), s, k) for s, piece in enumerate(small) for k, group in enumerate(large))
        if gap > CLOSE_GAP * tallest:
            break
        large[k] = _union(large[k], small.pop(s))
    return large + [piece for piece in small if max(piece.width, piece.height) >= NOISE_SIDE * tallest]


def _crop(ink: np.ndarray, group: _Group) -> np.ndarray:
    x, y, w, h = group.box
    return np.where(group.mask[y : y + h, x : x + w], ink[y : y + h, x : x + w], 0).astype(np.uint8)


def _bounded(mask: np.ndarray) -> _Group | None:
    points = cv2.findNonZero(mask.astype(np.uint8))
    if points is None:
        return None
    return _Group(mask, tuple(int(v) for v in cv2.boundingRect(points)))


def _split_touching(group: _Group, tallest: int) -> list[_Group]:
    """The digits in one piece: itself, or its two sides of the thinnest cut, recursively."""
    if group.width < CUT_CANDIDATE_WIDTH * group.height:
        return [group]
    must_cut = group.width > MUST_CUT_WIDTH * group.height and group.height >= PART_HEIGHT * tallest
    stroke = typical_stroke_width(group.mask[group.y0 : group.y1, group.x0 : group.x1])
    found = _thinnest_cut(group, stroke)
    if found is None:
        return [group]
    path, cost = found
    left, right = _sides(group, path)
    if left is None or right is None:
        return [group]
    shorter = min(left.height, right.height) / group.height
    if shorter < (PART_HEIGHT_WIDE if must_cut else PART_HEIGHT):
        return [group]
    if not must_cut and cost > THIN_CUT * stroke:
        return [group]
    return _split_touching(left, tallest) + _split_touching(right, tallest)


def split_in_two(part: Segment) -> tuple[Segment, Segment] | None:
    """`part` cut in two where its ink narrows, if a cut crosses about one stroke and leaves a
    digit-tall piece on each side; None otherwise. Boxes stay in the drawing's coordinates.

    For a reader that checks a piece it doubts: two narrow digits touching (a 1 against a 6) make
    a piece narrower than `_split_touching` will consider cutting.
    """
    group = _bounded(part.ink > INK_THRESHOLD)
    if group is None:
        return None
    stroke = typical_stroke_width(group.mask)
    found = _thinnest_cut(group, stroke)
    if found is None or found[1] > THIN_CUT * stroke:
        return None
    sides = _sides(group, found[0])
    if any(side is None or side.height < PART_HEIGHT * group.height for side in sides):
        return None
    px, py = part.box[:2]
    return tuple(Segment((px + g.x0, py + g.y0, g.width, g.height), _crop(part.ink, g)) for g in sides)


def _thinnest_cut(group: _Group, stroke: float) -> tuple[np.ndarray, float] | None:
    """The top-to-bottom path through the piece's box crossing the least ink, and that ink.

    Dynamic programming over rows, one column left or right per row (a slanted cut), kept at
    least a margin inside the box: the "shortest path" cut of touching characters.
    Returns (path: column of the cut in each row of the box, in image x; ink pixels crossed).
    """
    x, y, w, h = group.box
    margin = int(max(CUT_MARGIN * h, stroke))
    if w - 2 * margin < 1:
        return None
    cost = group.mask[y : y + h, x : x + w].astype(np.float32)
    cost[:, :margin] = np.inf
    cost[:, w - margin :] = np.inf
    total = cost[0].copy()
    moves = np.zeros((h, w), dtype=np.int8)
    for row in range(1, h):
        options = np.stack([np.r_[np.inf, total[:-1]], total, np.r_[total[1:], np.inf]])
        step = np.argmin(options, axis=0)
        moves[row] = step - 1
        total = cost[row] + options[step, np.arange(w)]
    end = int(np.argmin(total))
    if not np.isfinite(total[end]):
        return None
    path = np.empty(h, dtype=np.int32)
    path[-1] = end
    for row in range(h - 1, 0, -1):
        path[row - 1] = path[row] + moves[row, path[row]]
    return path + x, float(total[end])


def _sides(group: _Group, path: np.ndarray) -> tuple[_Group | None, _Group | None]:
    x, y, w, h = group.box
    columns = np.arange(group.mask.shape[1])
    left = np.zeros_like(group.mask)
    left[y : y + h] = columns[None, :] < path[:, None]
    left &= group.mask
    return _bounded(left), _bounded(group.mask & ~left)
