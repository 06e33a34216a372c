"""Over-segmenting a written number into pieces that make up its digits.

Recognition-based segmentation (Casey & Lecolinet, "A survey of methods and strategies in
character segmentation", IEEE PAMI 18(7), 1996, section 4; LeCun et al., "Gradient-based
learning applied to document recognition", Proc. IEEE 86(11), 1998, section V, heuristic
over-segmentation): this module proposes pieces, `mlcore.numbers` lets the model choose how they
group into digits. Here:
- connected components of the ink (`cv2.connectedComponentsWithStats`); pieces stacked over each
  other (a 5's flag, an 8 drawn as two loops) merged; far specks dropped;
- every piece wide enough to hold two touching digits cut at each valley of the ink crossed by a
  top-to-bottom path (a slanted form of the vertical projection profile's minima);
- two digit-sized pieces sharing columns are merged and named in `Lattice.pairs`: one
  digit written in two strokes, or two digits one inside the other's box, which the reader tells
  apart (`mlcore.numbers.read_number` refuses the second rather than guess).

Everything works on an ink image (uint8 HxW, 0 = no ink, see `preprocess.ink_intensity`) and
returns boxes in its pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import cv2
import numpy as np

from mlcore.preprocess import INK_THRESHOLD, is_dot, typical_stroke_width

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
CUT_CANDIDATE_WIDTH = 0.4
"""A piece at least this share of its height wide may hold two touching digits (two 1s touching
are about this narrow); the reader decides whether it does."""
CUT_MARGIN = 0.12
"""Each side of a cut keeps at least this share of the piece's height (and a stroke width)."""
CUT_SPACING = 0.35
"""Candidate cuts of one piece are at least this share of its height apart."""
PLATEAU = 0.25
"""Columns whose cut crosses at most this many stroke widths more than the cheapest nearby make
one valley floor; the cut is taken in its middle."""
INK_POWER = 2.0
"""A cut path pays each ink pixel's darkness (0-1) to this power: faint seam pixels cost little."""
WIDTH_SCALE = (0.5, 3.0)
"""A stroke's ink costs a cut path between these multiples of its darkness, by how much thinner or
thicker than the typical stroke it is (`_width_scale`; measured on benchmarks.numbers, touching pairs
of drawn digits at seeds 0 / 1 / 2: 86.7 / 89.2 / 92.5 % -> 93.3 / 98.3 / 98.3 %)."""
MAX_CUT = 2.0
"""A candidate cut crosses at most this many stroke widths of ink (touching digits meet at one
stroke or two; the reader's score and `mlcore.numbers.CUT_COST` weigh the rest)."""

LINE_GAP = 0.08
"""Bands of ink one over the other are separate lines of writing when blank rows at least this share
of the taller band's height lie between them (a pen lift or a faint stroke leaves a few pixels)..."""
LINE_GAP_CLOSE = 0.02
"""Bands this close (as LINE_GAP) may be two lines written close together; `mlcore.numbers` reads them
as two when each reads as a number with confidence on its own and together they do not."""
LINE_TALL = 0.5
"""...and each is at least this share as tall as the tallest band (a stray mark above the digits is
no line)."""

Box = tuple[int, int, int, int]
"""(x, y, width, height) in the ink image's pixels."""


def lines_of_writing(ink: np.ndarray, gap: float = LINE_GAP) -> list[Box]:
    """The boxes of the lines of writing in `ink` (uint8 HxW, 0 = no ink), top to bottom: bands of
    rows with ink, those less than `gap` (a share of the tallest band's height) apart joined, those
    less tall than LINE_TALL of the tallest left out (the horizontal projection profile's blank runs,
    Casey & Lecolinet 1996, section 3.1). One box for a number written on one line; [] for a blank
    image."""
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    if not rows.size:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    bands = [[int(rows[start]), int(rows[end])] for start, end in zip(np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1])]
    tallest = max(bottom - top + 1 for top, bottom in bands)
    joined = [bands[0]]
    for top, bottom in bands[1:]:
        if top - joined[-1][1] - 1 < gap * tallest:
            joined[-1][1] = bottom
        else:
            joined.append([top, bottom])
    tallest = max(bottom - top + 1 for top, bottom in joined)
    lines = []
    for top, bottom in joined:
        if bottom - top + 1 >= LINE_TALL * tallest:
            columns = np.flatnonzero((ink[top : bottom + 1] > INK_THRESHOLD).any(axis=0))
            lines.append((int(columns[0]), top, int(columns[-1] - columns[0] + 1), bottom - top + 1))
    return lines


@dataclass(frozen=True)
class Segment:
    """One digit's ink: its box in the drawing and its pixels (uint8 HxW, only this digit's ink)."""

    box: Box
    ink: np.ndarray


@dataclass(frozen=True)
class Lattice:
    """A written number over-segmented: its pieces left to right, and between each two neighbours
    either a cut through ink (`cuts[k]` >= 0: the ink the cut crosses, in stroke widths) or
    blank paper (`cuts[k]` == -1)."""

    atoms: list[Segment] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    pairs: list[tuple[Segment, Segment, Segment]] = field(default_factory=list)
    """Pieces merged from two digit-sized pieces sharing columns: (the whole, one, the other)."""
    stroke_width: float = 0.0
    line_height: float = 0.0
    """The tallest mark's height in px, once the pieces of each digit stacked over each other are
    put together (a digit the pen left in two pieces counts whole)."""

    @property
    def is_blank(self) -> bool:
        return not self.atoms

    def join(self, first: int, last: int) -> Segment:
        """Atoms `first` to `last` (inclusive) as one piece, its box in the drawing's pixels."""
        if first == last:
            return self.atoms[first]
        parts = self.atoms[first : last + 1]
        x0, y0 = min(p.box[0] for p in parts), min(p.box[1] for p in parts)
        x1 = max(p.box[0] + p.box[2] for p in parts)
        y1 = max(p.box[1] + p.box[3] for p in parts)
        ink = np.zeros((y1 - y0, x1 - x0), np.uint8)
        for part in parts:
            x, y, w, h = part.box
            region = ink[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
            np.maximum(region, part.ink, out=region)
        return Segment((x0, y0, x1 - x0, y1 - y0), ink)

    def sides(self, first: int, last: int) -> tuple[float, float]:
        """The cuts at the left of atom `first` and the right of atom `last` (ink crossed, in stroke
        widths), each -1 where there is blank paper or the drawing's edge."""
        left = self.cuts[first - 1] if first > 0 else -1.0
        right = self.cuts[last] if last < len(self.cuts) else -1.0
        return left, right

    def gap(self, left: int) -> float:
        """Blank columns between atom `left` and the next one (negative when their boxes overlap)."""
        a, b = self.atoms[left].box, self.atoms[left + 1].box
        return float(b[0] - (a[0] + a[2]))


@dataclass(eq=False)  # compared by identity: a mark is itself
class _Group:
    mask: np.ndarray  # bool, whole image size
    box: Box
    pair: tuple["_Group", "_Group"] | None = None  # two digit-sized pieces merged into this one

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


def over_segment(ink: np.ndarray) -> Lattice:
    """The pieces a written number may be made of, left to right, for `mlcore.numbers` to group.

    Over-segmentation, the first half of recognition-based segmentation (Casey & Lecolinet 1996,
    section 4; LeCun et al., "Gradient-based learning applied to document recognition", Proc.
    IEEE 86(11), 1998, section V "Multiple object recognition: heuristic over-segmentation"):
    connected components, pieces stacked over each other merged (one digit), far specks dropped,
    and every piece wide enough to hold two digits cut at each place where a top-to-bottom path
    crosses little ink. Which pieces make one digit is left to the reader.

    ink: uint8 HxW, 0 = no ink. Raises ValueError for an image that is not 2-D.
    """
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink image, got shape {ink.shape}")
    mask = ink > INK_THRESHOLD
    groups = _components(mask)
    if not groups:
        return Lattice()
    stroke = typical_stroke_width(mask)
    dots = [g for g in groups if _is_pen_dot(g)]
    if len(dots) == len(groups):  # only dots: too small to be digits, nothing to read
        return Lattice()
    tallest = max(g.height for g in groups if g not in dots)
    groups = _drop_specks(_merge_stacked(groups, tallest), tallest, dots)
    atoms: list[_Group] = []
    joins: list[float] = []
    pairs: list[tuple[Segment, Segment, Segment]] = []
    for group in sorted(groups, key=lambda g: (g.x0 + g.x1) / 2):
        if group.pair:  # one digit, or two one over the other: the reader decides
            pairs.append(tuple(Segment(g.box, _crop(ink, g)) for g in (group, *group.pair)))
        pieces, costs = _cut_candidates(group, ink, tallest, stroke)
        if atoms:
            joins.append(-1.0)
        atoms.extend(pieces)
        joins.extend(costs)
    return Lattice(atoms=[Segment(g.box, _crop(ink, g)) for g in atoms], cuts=joins, pairs=pairs,
                   stroke_width=stroke, line_height=float(max(g.height for g in groups)))


def _components(mask: np.ndarray) -> list[_Group]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    groups = [_Group(labels == i, tuple(int(v) for v in stats[i, :4])) for i in range(1, count)]
    if not groups:
        return []
    tallest = max(max(g.width, g.height) for g in groups)
    return [g for g in groups if max(g.width, g.height) >= max(2, 0.03 * tallest)]


def union_box(a: Box, b: Box) -> Box:
    """The smallest box (x, y, w, h, px) holding boxes `a` and `b`."""
    x, y = min(a[0], b[0]), min(a[1], b[1])
    return x, y, max(a[0] + a[2], b[0] + b[2]) - x, max(a[1] + a[3], b[1] + b[3]) - y


def _union(a: _Group, b: _Group) -> _Group:
    return _Group(a.mask | b.mask, union_box(a.box, b.box))


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _merge_stacked(groups: list[_Group], tallest: int) -> list[_Group]:
    """Merge pieces sharing columns into one piece each; a merge of two digit-sized pieces (both at
    least SMALL_SIDE of the tallest) that also share rows (not one stacked on the other, as a 5's
    flag or a 9's loop over its broken stem) remembers them in `pair`: one digit drawn in two strokes
    (an 8's loops, a 4 lifted at its bar) or two digits one inside the other's box, which only the
    reader can tell apart (`mlcore.numbers.read_number`)."""
    groups = list(groups)
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                a, b = groups[i], groups[j]
                shared = _overlap(a.x0, a.x1, b.x0, b.x1)
                if shared < STACKED_OVERLAP * min(a.width, b.width):
                    continue
                union = _union(a, b)
                beside = _overlap(a.y0, a.y1, b.y0, b.y1) >= STACKED_OVERLAP * min(a.height, b.height)
                if beside and min(a.height, b.height) >= SMALL_SIDE * tallest:
                    union.pair = a.pair or b.pair or (a, b)
                else:
                    union.pair = a.pair or b.pair
                groups[i] = union
                del groups[j]
                merged = True
                break
            if merged:
                break
    return groups


def _gap(a: _Group, b: _Group) -> float:
    dx = max(0, max(a.x0, b.x0) - min(a.x1, b.x1))
    dy = max(0, max(a.y0, b.y0) - min(a.y1, b.y1))
    return float(np.hypot(dx, dy))


def _drop_specks(groups: list[_Group], tallest: int, dots: list[_Group]) -> list[_Group]:
    """Drop small marks and the pen `dots` (`_is_pen_dot`; a merged piece is none) far from every
    digit-tall piece (stray specks, a finger brushing the screen); keep the rest as pieces."""
    large = [g for g in groups if g.height >= SMALL_SIDE * tallest and g not in dots]
    return [g for g in groups if g in large or (max(g.width, g.height) >= NOISE_SIDE * tallest and g not in dots)
            or any(_gap(g, other) <= CLOSE_GAP * tallest for other in large)]


def _is_pen_dot(group: _Group) -> bool:
    """Whether a mark is no longer than MIN_LENGTH_TO_WIDTH times its widest stroke: a dot, as the
    Draw page finds one (`preprocess.is_dot`)."""
    x, y, w, h = group.box
    return is_dot(max(w, h), group.mask[y : y + h, x : x + w])


def _crop(ink: np.ndarray, group: _Group) -> np.ndarray:
    x, y, w, h = group.box
    return np.where(group.mask[y : y + h, x : x + w], ink[y : y + h, x : x + w], 0).astype(np.uint8)


def _bounded(mask: np.ndarray) -> _Group | None:
    points = cv2.findNonZero(mask.astype(np.uint8))
    if points is None:
        return None
    return _Group(mask, tuple(int(v) for v in cv2.boundingRect(points)))


def _cut_candidates(group: _Group, ink: np.ndarray, tallest: int, stroke: float) -> tuple[list[_Group], list[float]]:
    """A piece cut at every candidate place: (its parts left to right, each cut's ink in strokes).

    Candidates are the ends of the cheapest top-to-bottom paths (`_path_costs`) that are local
    minima of the (grey-level) ink crossed, at most MAX_CUT strokes, at least CUT_SPACING of the piece's
    height apart: where a vertical projection or a contour valley says two digits may meet.
    """
    if group.width < CUT_CANDIDATE_WIDTH * group.height:
        return [group], []
    stroke = max(1.0, typical_stroke_width(group.mask[group.y0 : group.y1, group.x0 : group.x1]) or stroke)
    found = _path_costs(group, ink, stroke)
    if found is None:
        return [group], []
    total, moves = found
    # One stroke crossed costs about its width times the mean darkness**INK_POWER of the ink, so a
    # cut's cost is measured in strokes whatever the pen's edges; a faint seam costs less.
    inside = group.mask[group.y0 : group.y1, group.x0 : group.x1]
    darkness = ink[group.y0 : group.y1, group.x0 : group.x1][inside].astype(np.float32) / 255.0
    stroke *= max(float(np.mean(darkness ** INK_POWER)), 1e-3)
    spacing = max(2, int(CUT_SPACING * group.height))
    near_min = cv2.erode(np.where(np.isfinite(total), total, 1e9).astype(np.float32)[None],
                         np.ones((1, 2 * spacing + 1), np.uint8), borderType=cv2.BORDER_REPLICATE)[0]
    low = np.isfinite(total) & (total <= MAX_CUT * stroke) & (total <= near_min + PLATEAU * stroke)
    runs = np.split(np.flatnonzero(low), np.flatnonzero(np.diff(np.flatnonzero(low)) > 1) + 1)
    middles = sorted((int(run[len(run) // 2]) for run in runs if len(run)), key=lambda c: total[c])
    ends: list[int] = []
    for end in middles:  # the middle of each valley floor, the cheapest first
        if all(abs(end - other) >= spacing for other in ends):
            ends.append(end)
    if not ends:
        return [group], []
    ends.sort()
    paths = np.maximum.accumulate(np.stack([_backtrack(moves, end) for end in ends]), axis=0) + group.x0
    parts, costs = [], []
    rest = group
    for path, end in zip(paths, ends):
        left, right = _sides(rest.mask, group.y0, path)
        if left is None or right is None:
            continue  # no ink on one side of this path: not a cut
        parts.append(left)
        costs.append(float(total[end]) / stroke)
        rest = right
    return parts + [rest], costs


def _path_costs(group: _Group, ink: np.ndarray, stroke: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The ink crossed by the cheapest top-to-bottom path through the piece's box ending at each
    column, and the moves to trace it back (`_backtrack`).

    Dynamic programming over rows, one column left or right per row (a slanted cut), kept at
    least a margin inside the box: the "shortest path" cut of touching characters (Casey &
    Lecolinet 1996, section 3.2). Each pixel costs its ink darkness (0-1) to the power INK_POWER, a
    grey-level path: where two strokes merely touch, the seam between them is fainter than either
    stroke's core, so the cheapest path runs down the seam rather than through a stroke; times its
    stroke's `_width_scale`, so that every stroke crossed costs about as much. Columns in the margins
    cost infinity.
    """
    x, y, w, h = group.box
    margin = int(max(CUT_MARGIN * h, stroke))
    if w - 2 * margin < 1:
        return None
    mask = group.mask[y : y + h, x : x + w]
    darkness = ink[y : y + h, x : x + w].astype(np.float32) / 255.0
    cost = np.where(mask, darkness ** INK_POWER * _width_scale(mask, stroke), 0).astype(np.float32)
    cost[:, :margin] = np.inf
    cost[:, w - margin :] = np.inf
    total = cost[0].copy()
    moves = np.zeros((h, w), dtype=np.int8)
    for row in range(1, h):
        options = np.stack([np.r_[np.inf, total[:-1]], total, np.r_[total[1:], np.inf]])
        step = np.argmin(options, axis=0)
        moves[row] = step - 1
        total = cost[row] + options[step, np.arange(w)]
    return total, moves


def _width_scale(mask: np.ndarray, stroke: float) -> np.ndarray:
    """Per pixel of `mask` (bool HxW), the typical stroke width over the local one (twice the
    largest distance to paper within a stroke's reach, `cv2.distanceTransform`), clipped to
    WIDTH_SCALE: a path crossing any stroke then pays about one stroke width, thin or thick, so
    cutting a thin 0 twice around its inside costs more than cutting once where it touches a thick 9."""
    distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    np.minimum(distance, max(mask.shape), out=distance)  # a box with no paper in it gets huge distances
    reach = max(3, int(round(stroke)) | 1)
    local = 2 * cv2.dilate(distance, np.ones((reach, reach), np.uint8))
    return np.clip(stroke / np.maximum(local, 1.0), *WIDTH_SCALE).astype(np.float32)


def _backtrack(moves: np.ndarray, end: int) -> np.ndarray:
    """The path (a column of the box in each row) ending at column `end` of the last row."""
    h = len(moves)
    path = np.empty(h, dtype=np.int32)
    path[-1] = end
    for row in range(h - 1, 0, -1):
        path[row - 1] = path[row] + moves[row, path[row]]
    return path


def _sides(mask: np.ndarray, top: int, path: np.ndarray) -> tuple[_Group | None, _Group | None]:
    """The ink of `mask` left and right of a path (its column in each row from `top` down)."""
    columns = np.arange(mask.shape[1])
    left = np.zeros_like(mask)
    left[top : top + len(path)] = columns[None, :] < path[:, None]
    left &= mask
    return _bounded(left), _bounded(mask & ~left)
