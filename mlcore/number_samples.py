"""Written numbers made from single digits, to test and measure segmentation.

Each number is composed on a wide black canvas from MNIST test digits or canvas-style drawn
digits (`mlcore.synthetic.render_digit`), written the way people write: uneven sizes, digits off
a common baseline, slant (from the digit sources), and one of four layouts:
- "gaps": every digit apart;
- "touching": one neighbouring pair touches (ink to ink, by one to a few pixels);
- "broken": every digit has one or two gaps erased out of its strokes (pen lifts, faint ink);
- "overlapping": one digit written inside (at least half over) its neighbour's box, their
  strokes apart;
- "crossing": the same, but the strokes may cross into one blob.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mlcore.synthetic import render_digit

KINDS = ("gaps", "touching", "broken", "overlapping", "crossing")
SOURCES = ("mnist", "drawn")
HEIGHT, WIDTH = 250, 700
REDRAWS = 20
"""How many other ways of writing its second digit an overlapping pair tries before other digits."""


@dataclass(frozen=True)
class NumberSample:
    """A written number: its ink (uint8 HxW, white on black), its digits, layout and source."""

    ink: np.ndarray
    digits: str
    kind: str
    source: str
    owners: np.ndarray | None = None
    """Which digit each ink pixel belongs to (uint8 HxW: 0 = paper, k = the k-th digit from the
    left, 1-based; where two digits' strokes cross, the right one)."""
    layers: tuple[np.ndarray, ...] = ()
    """Each digit's own ink, left to right (uint8 HxW each, whole where strokes cross): the strokes the
    canvas would know, one per digit."""

    @property
    def rgba(self) -> np.ndarray:
        """As the canvas sends it: white strokes on an opaque black background."""
        rgba = np.zeros((*self.ink.shape, 4), dtype=np.uint8)
        rgba[..., :3] = self.ink[..., None]
        rgba[..., 3] = 255
        return rgba


def make_number(rng: np.random.Generator, length: int, kind: str, source: str,
                mnist_images: np.ndarray | None = None, mnist_labels: np.ndarray | None = None) -> NumberSample:
    """One written number of `length` digits (1-6; at least 2 for the layouts of a pair: touching,
    overlapping, crossing). MNIST sources need the test images and labels."""
    if kind not in KINDS or source not in SOURCES:
        raise ValueError(f"unknown kind {kind!r} or source {source!r}")
    digits = rng.integers(0, 10, size=length)
    height = rng.uniform(0.4, 0.62) * HEIGHT * (6 / max(length, 4)) ** 0.5
    glyphs = [_glyph(int(d), rng, source, height * rng.uniform(0.85, 1.12), mnist_images, mnist_labels)
              for d in digits]
    if kind == "broken":
        glyphs = [_break_strokes(g, rng) for g in glyphs]
    special = int(rng.integers(0, max(length - 1, 1)))
    composed = _compose(glyphs, rng, kind, special)
    for _ in range(REDRAWS):  # no way to overlap these two without their strokes crossing: redraw the second
        if composed is not None:
            break
        glyphs[special + 1] = _glyph(int(digits[special + 1]), rng, source, height * rng.uniform(0.85, 1.12),
                                     mnist_images, mnist_labels)
        composed = _compose(glyphs, rng, kind, special)
    if composed is None:  # these two digits hardly ever fit one inside the other: other digits
        return make_number(rng, length, kind, source, mnist_images, mnist_labels)
    ink, owners, layers = composed
    return NumberSample(ink=ink, digits="".join(map(str, digits)), kind=kind, source=source, owners=owners,
                        layers=layers)


def _glyph(digit, rng, source, height, mnist_images, mnist_labels) -> np.ndarray:
    if source == "mnist":
        choices = np.flatnonzero(mnist_labels == digit)
        image = mnist_images[rng.choice(choices)]
    else:
        image = render_digit(digit, rng, side=280)[..., 0]
    points = cv2.findNonZero((image > 25).astype(np.uint8))
    x, y, w, h = cv2.boundingRect(points)
    crop = image[y : y + h, x : x + w]
    scale = height / h
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)


def _break_strokes(glyph: np.ndarray, rng) -> np.ndarray:
    """Erase one or two gaps of 3-6 px across the strokes, as a pen lift or faint ink leaves them."""
    glyph = glyph.copy()
    for _ in range(int(rng.integers(1, 3))):
        ink = glyph > 25
        ys, xs = np.nonzero(ink)
        k = rng.integers(len(xs))
        y, x = int(ys[k]), int(xs[k])
        x0, x1 = _run(ink[y], x)
        y0, y1 = _run(ink[:, x], y)
        gap, slack = int(rng.integers(3, 7)), 3
        if x1 - x0 <= y1 - y0:  # the stroke runs up and down here: cut it across, horizontally
            glyph[max(0, y - gap // 2) : y + gap - gap // 2, max(0, x0 - slack) : x1 + slack] = 0
        else:
            glyph[max(0, y0 - slack) : y1 + slack, max(0, x - gap // 2) : x + gap - gap // 2] = 0
    return glyph


def _run(line: np.ndarray, at: int) -> tuple[int, int]:
    """The run of True around index `at` in a 1-D array: [start, end)."""
    start, end = at, at + 1
    while start > 0 and line[start - 1]:
        start -= 1
    while end < len(line) and line[end]:
        end += 1
    return start, end


def _compose(glyphs, rng, kind, special) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]] | None:
    """The glyphs laid out as `kind` says on a HEIGHT x WIDTH canvas: (ink, owners, layers) as in
    `NumberSample`, or None when an overlapping pair finds no place."""
    tallest = max(g.shape[0] for g in glyphs)
    tops = [float((tallest - g.shape[0]) * rng.uniform(0.3, 1.0) + rng.normal(0, 0.05 * tallest)) for g in glyphs]
    tops = [int(round(t - min(tops))) for t in tops]
    lefts = [0]
    for i in range(1, len(glyphs)):
        previous, glyph = glyphs[i - 1], glyphs[i]
        if kind == "touching" and i - 1 == special:
            x = lefts[-1] + _touching_offset(previous, tops[i - 1], glyph, tops[i]) - int(rng.integers(0, 3))
        elif kind in ("overlapping", "crossing") and i - 1 == special:
            offset = _overlapping_offset(previous, tops[i - 1], glyph, tops[i], rng, kind == "crossing")
            if offset is None:
                return None
            x = lefts[-1] + offset
        else:
            x = lefts[-1] + previous.shape[1] + rng.uniform(0.08, 0.35) * tallest
        lefts.append(int(round(x)))
    lefts = [x - min(0, min(lefts)) for x in lefts]  # a touching digit may reach left of its neighbour's start
    bottom = max(t + g.shape[0] for t, g in zip(tops, glyphs))
    right = max(x + g.shape[1] for x, g in zip(lefts, glyphs))
    scene = np.zeros((bottom, right), dtype=np.uint8)
    owners = np.zeros((bottom, right), dtype=np.uint8)
    layers = [np.zeros((bottom, right), dtype=np.uint8) for _ in glyphs]
    for k, (glyph, top, left) in enumerate(zip(glyphs, tops, lefts), 1):
        h, w = glyph.shape
        np.maximum(scene[top : top + h, left : left + w], glyph, out=scene[top : top + h, left : left + w])
        owners[top : top + h, left : left + w][glyph > 25] = k
        layers[k - 1][top : top + h, left : left + w] = glyph
    scale = min(1.0, (WIDTH - 20) / right, (HEIGHT - 10) / bottom)
    if scale < 1:
        size = (max(1, round(right * scale)), max(1, round(bottom * scale)))
        scene, *layers = (cv2.resize(image, size, interpolation=cv2.INTER_AREA) for image in [scene, *layers])
        owners = cv2.resize(owners, size, interpolation=cv2.INTER_NEAREST)
    h, w = scene.shape
    top = int(rng.uniform(3, max(4, HEIGHT - h - 3)))
    left = int(rng.uniform(5, max(6, WIDTH - w - 5)))
    canvas, owned, *placed = (np.zeros((HEIGHT, WIDTH), dtype=np.uint8) for _ in range(2 + len(layers)))
    for image, on_canvas in zip([scene, owners, *layers], [canvas, owned, *placed]):
        on_canvas[top : top + h, left : left + w] = image
    return canvas, owned, tuple(placed)


def _overlapping_offset(left, left_top, right, right_top, rng, may_cross: bool) -> int | None:
    """Where `right` starts so that the boxes share at least half the narrower one's columns;
    unless `may_cross`, only where the inks stay at least 3 px apart. None if there is no such place."""
    narrower = min(left.shape[1], right.shape[1])
    low, high = left.shape[1] - narrower, int(left.shape[1] - 0.5 * narrower)
    places = np.arange(min(low, high), high + 1)
    if not may_cross:
        top = min(left_top, right_top)
        near = np.zeros((max(left_top + left.shape[0], right_top + right.shape[0]) - top, left.shape[1] + 3), np.uint8)
        near[left_top - top : left_top - top + left.shape[0], : left.shape[1]] = left > 25
        near = cv2.dilate(near, np.ones((7, 7), np.uint8)).astype(bool)[right_top - top : right_top - top + right.shape[0]]
        ink = right > 25
        places = [p for p in places if not (near[:, p : p + right.shape[1]] & ink[:, : max(0, near.shape[1] - p)]).any()]
    return int(rng.choice(places)) if len(places) else None


def _touching_offset(left: np.ndarray, left_top: int, right: np.ndarray, right_top: int) -> int:
    """How far right of `left`'s left edge `right` can start with their inks just touching."""
    gaps = []
    for row in range(max(left_top, right_top), min(left_top + left.shape[0], right_top + right.shape[0])):
        on_left = np.flatnonzero(left[row - left_top] > 60)
        on_right = np.flatnonzero(right[row - right_top] > 60)
        if len(on_left) and len(on_right):
            gaps.append(on_left.max() - on_right.min())
    return int(max(gaps)) if gaps else left.shape[1]
