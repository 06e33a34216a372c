"""Things people draw in the digit box that are not one digit, rendered as canvas strokes.

Letters (from OpenCV's Hershey vector fonts), random scribbles, flat lines, X's, A's, shapes and
pairs of digits side by side ("10", "42"), all in the canvas's constant pen width, white on black,
the way `mlcore.synthetic` renders digits. They are for measuring, and tuning, when the app
should answer "that doesn't look like one digit"; they never go into a network's training set.

Letters that are also digit shapes (O, I, l, S, Z, B, G, g, q, ...) are left out: a student who
draws an O gets a 0, and that is right.
"""

from __future__ import annotations

import cv2
import numpy as np

from mlcore.synthetic import CANVAS_SIDE, HERSHEY_FONTS, _random_linear, _random_offset, _to_uint8, render_digit
from mlcore.preprocess import canvas_to_mnist

LETTERS = "ACEFHKMNPRTUVWXYacefhkmnprtuvwxy#&@%+=?!"
"""Letters and signs drawn as non-digits. Left out because they are drawn like digits: O o Q D
(0), I i l j J (1), Z z (2), S s (5), b G (6), B (8), g q (9), L and d (too close to a 1 or a 6 in
some fonts)."""

KINDS = ("letter", "scribble", "line", "cross", "a_shape", "shape", "pair")
"""The kinds of non-digit, in the order `non_digit_canvases` cycles through them."""


def non_digit_canvases(count: int, seed: int, kinds: tuple[str, ...] = KINDS) -> tuple[list[np.ndarray], list[str]]:
    """`count` RGBA uint8 280x280 canvases holding non-digits, and the kind of each.

    The kinds take turns, so every kind has about count / len(kinds) drawings.
    Raises ValueError for an unknown kind.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}: choose from {KINDS}")
    rng = np.random.default_rng(seed)
    labels = [kinds[i % len(kinds)] for i in range(count)]
    return [_RENDERERS[kind](rng) for kind in labels], labels


def non_digit_images(count: int, seed: int, kinds: tuple[str, ...] = KINDS) -> tuple[np.ndarray, list[str]]:
    """The same drawings preprocessed as the app does: uint8 (count, 28, 28), and their kinds."""
    canvases, labels = non_digit_canvases(count, seed, kinds)
    return np.stack([_to_uint8(canvas_to_mnist(c)) for c in canvases]), labels


def _pen(rng) -> int:
    return int(rng.integers(8, 29))


def _to_rgba(gray: np.ndarray) -> np.ndarray:
    rgba = np.zeros((*gray.shape, 4), dtype=np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba


def _draw_strokes(strokes, rng, height=None, side=CANVAS_SIDE) -> np.ndarray:
    """Strokes in the unit square, randomly slanted, sized and placed, drawn with a pen."""
    width = _pen(rng)
    height = height or rng.uniform(0.35, 0.92) * side
    matrix = _random_linear(rng) * height
    moved = [(np.asarray(s, dtype=float) - 0.5) @ matrix.T + rng.normal(0, 0.008 * height, np.shape(s))
             for s in strokes]
    everything = np.concatenate(moved)
    offset = _random_offset(rng, everything.min(0), everything.max(0), side, width)
    canvas = np.zeros((side, side), dtype=np.uint8)
    cv2.polylines(canvas, [np.round(p + offset).astype(np.int32) for p in moved], False, 255, width, cv2.LINE_AA)
    return _to_rgba(canvas)


def _letter(rng) -> np.ndarray:
    char = LETTERS[rng.integers(len(LETTERS))]
    font = HERSHEY_FONTS[rng.integers(len(HERSHEY_FONTS))]
    side = CANVAS_SIDE
    (text_w, text_h), _ = cv2.getTextSize(char, font, 1.0, 1)
    scale = rng.uniform(0.35, 0.85) * side / max(text_h, 1)
    glyph = np.zeros((side * 2, side * 2), dtype=np.uint8)
    origin = (side - round(text_w * scale / 2), side + round(text_h * scale / 2))
    cv2.putText(glyph, char, origin, font, scale, 255, max(1, round(_pen(rng) * 0.8)), cv2.LINE_AA)
    ys, xs = np.nonzero(glyph)
    if len(xs) == 0:
        return _to_rgba(glyph[:side, :side])
    crop = glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    fit = min(1.0, (side - 8) / max(crop.shape))
    crop = cv2.resize(crop, None, fx=fit, fy=fit, interpolation=cv2.INTER_AREA)
    canvas = np.zeros((side, side), dtype=np.uint8)
    top = int(rng.integers(0, side - crop.shape[0] + 1))
    left = int(rng.integers(0, side - crop.shape[1] + 1))
    canvas[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
    return _to_rgba(canvas)


def _scribble(rng) -> np.ndarray:
    """A random smooth scribble: a wandering path with several turns."""
    turns = int(rng.integers(5, 12))
    anchors = rng.uniform(0, 1, (turns, 2))
    t = np.linspace(0, turns - 1, turns * 8)
    path = np.stack([np.interp(t, np.arange(turns), anchors[:, i]) for i in range(2)], axis=1)
    path = cv2.GaussianBlur(path.astype(np.float32)[:, None, :], (1, 9), 0)[:, 0, :]
    return _draw_strokes([path], rng)


def _line(rng) -> np.ndarray:
    """A flat line, up to 35 degrees off horizontal (a steeper one would be a 1)."""
    angle = np.radians(rng.uniform(-35, 35))
    half = np.array([np.cos(angle), np.sin(angle)]) / 2
    strokes = [[tuple(0.5 - half), tuple(0.5 + half)]]
    if rng.random() < 0.3:  # a wavy line
        x = np.linspace(0, 1, 30)
        strokes = [list(zip(x, 0.5 + 0.06 * np.sin(x * rng.uniform(8, 16))))]
    return _draw_strokes(strokes, rng, height=rng.uniform(0.3, 0.9) * CANVAS_SIDE)


def _cross(rng) -> np.ndarray:
    """An X, sometimes with a third stroke (an asterisk)."""
    strokes = [[(0.1, 0), (0.9, 1)], [(0.9, 0), (0.1, 1)]]
    if rng.random() < 0.3:
        strokes.append([(0, 0.5), (1, 0.5)])
    return _draw_strokes(strokes, rng)


def _a_shape(rng) -> np.ndarray:
    """An A: two slanted strokes and a bar, in one stroke or three."""
    top = (rng.uniform(0.4, 0.6), 0)
    bar = rng.uniform(0.45, 0.7)
    if rng.random() < 0.5:
        strokes = [[(0.05, 1), top, (0.95, 1)], [(0.25, bar), (0.75, bar)]]
    else:
        strokes = [[(0.05, 1), top], [top, (0.95, 1)], [(0.25, bar), (0.75, bar)]]
    return _draw_strokes(strokes, rng)


def _shape(rng) -> np.ndarray:
    """A triangle, a square, a star, a hash sign, a spiral or a tick."""
    choice = int(rng.integers(6))
    if choice == 0:
        strokes = [[(0.5, 0), (1, 1), (0, 1), (0.5, 0)]]
    elif choice == 1:
        strokes = [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]]
    elif choice == 2:
        angles = np.radians(np.arange(6) * 144 - 90)
        strokes = [list(zip(0.5 + 0.5 * np.cos(angles), 0.5 + 0.5 * np.sin(angles)))]
    elif choice == 3:
        strokes = [[(0.3, 0), (0.25, 1)], [(0.7, 0), (0.65, 1)], [(0, 0.35), (1, 0.35)], [(0, 0.68), (1, 0.68)]]
    elif choice == 4:
        t = np.linspace(0, 3 * 2 * np.pi, 90)
        r = 0.5 * t / t.max()
        strokes = [list(zip(0.5 + r * np.cos(t), 0.5 + r * np.sin(t)))]
    else:
        strokes = [[(0, 0.55), (0.35, 1), (1, 0)]]
    return _draw_strokes(strokes, rng)


def _pair(rng) -> np.ndarray:
    """Two digits side by side, as in "10" or "42", of about the same height, with a gap."""
    side = CANVAS_SIDE
    height = int(rng.uniform(0.3, 0.7) * side)
    first = int(rng.choice([1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    glyphs = []
    for digit in (first, int(rng.integers(10))):
        ink = render_digit(digit, rng, side=side)[..., 0]
        ys, xs = np.nonzero(ink > 25)
        crop = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        scale = height / crop.shape[0]
        width = max(1, min(side // 2 - 10, round(crop.shape[1] * scale)))
        glyphs.append(cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA))
    gap = int(rng.integers(8, 30))
    total = glyphs[0].shape[1] + gap + glyphs[1].shape[1]
    left = int(rng.integers(0, max(1, side - total)))
    top = int(rng.integers(0, side - height))
    canvas = np.zeros((side, side), dtype=np.uint8)
    for glyph in glyphs:
        right = min(side, left + glyph.shape[1])
        canvas[top : top + height, left:right] = glyph[:, : right - left]
        left = right + gap
        if left >= side:
            break
    return _to_rgba(canvas)


_RENDERERS = {"letter": _letter, "scribble": _scribble, "line": _line, "cross": _cross,
              "a_shape": _a_shape, "shape": _shape, "pair": _pair}
