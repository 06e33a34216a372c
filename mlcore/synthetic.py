"""Canvas-style digits: strokes of constant width, as the drawing canvas renders a mouse path.

MNIST was written with pens on paper; people in the app draw with a mouse, in one stroke width,
often small, off-centre, slanted or rotated, with 1s that have a flag and 7s that have a bar.
This renders such digits from single-stroke outlines (OpenCV's Hershey vector fonts and a few
hand-made templates for the variants the fonts lack) to measure, and train for, that style.
"""

from __future__ import annotations

import cv2
import numpy as np

from mlcore.preprocess import canvas_to_mnist

CANVAS_SIDE = 280
HERSHEY_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SIMPLEX | cv2.FONT_ITALIC,
    cv2.FONT_HERSHEY_COMPLEX | cv2.FONT_ITALIC,
)


def _arc(cx, cy, rx, ry, start_deg, end_deg, n=28):
    t = np.radians(np.linspace(start_deg, end_deg, n))
    return list(zip(cx + rx * np.cos(t), cy + ry * np.sin(t)))


TEMPLATES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_arc(0.5, 0.5, 0.3, 0.5, -90, 275)]],
    1: [
        [[(0.5, 0), (0.5, 1)]],
        [[(0.3, 0.22), (0.5, 0), (0.5, 1)]],
        [[(0.3, 0.22), (0.5, 0), (0.5, 1)], [(0.3, 1), (0.7, 1)]],
        # continental 1s: a long flag, reaching far down the left, with and without a base
        [[(0.12, 0.38), (0.58, 0), (0.58, 1)]],
        [[(0.15, 0.3), (0.6, 0), (0.6, 1)], [(0.3, 1), (0.85, 1)]],
        [[(0.22, 0.36), (0.62, 0), (0.56, 1)]],
    ],
    2: [
        [_arc(0.5, 0.28, 0.3, 0.28, 180, 405) + [(0.15, 1), (0.85, 1)]],
        # a 2 with a loop at the bottom left
        [_arc(0.5, 0.28, 0.3, 0.28, 180, 405) + [(0.22, 0.96)]
         + _arc(0.22, 0.84, 0.12, 0.12, 90, -270) + [(0.88, 0.97)]],
        # a 2 whose neck is a straight diagonal and whose base waves
        [_arc(0.5, 0.3, 0.32, 0.3, 170, 360) + [(0.12, 1), (0.5, 0.92), (0.9, 1)]],
    ],
    3: [
        [_arc(0.5, 0.25, 0.28, 0.25, 200, 450) + _arc(0.5, 0.75, 0.3, 0.25, 270, 500)],
        # a 3 with a flat top: a bar, a diagonal down to the middle, then the lower bowl
        [[(0.15, 0), (0.82, 0), (0.42, 0.42)] + _arc(0.5, 0.7, 0.33, 0.3, 270, 510)],
        [[(0.2, 0.02), (0.8, 0), (0.45, 0.4), (0.55, 0.4)] + _arc(0.5, 0.7, 0.3, 0.3, 280, 500)],
    ],
    4: [
        [[(0.7, 1), (0.7, 0), (0.1, 0.65), (0.9, 0.65)]],
        [[(0.25, 0), (0.15, 0.6), (0.85, 0.6)], [(0.65, 0.1), (0.65, 1)]],
        # open 4 with an upright left arm, and a closed 4 drawn as a triangle
        [[(0.2, 0), (0.2, 0.58), (0.88, 0.58)], [(0.7, 0), (0.7, 1)]],
        [[(0.62, 0), (0.1, 0.62), (0.9, 0.62)], [(0.62, 0), (0.64, 1)]],
    ],
    5: [[[(0.8, 0), (0.25, 0), (0.22, 0.45)] + _arc(0.5, 0.68, 0.32, 0.3, 220, 500)]],
    6: [[[(0.75, 0), (0.45, 0.15), (0.22, 0.5)] + _arc(0.5, 0.72, 0.3, 0.28, 180, 540)]],
    7: [
        [[(0.1, 0), (0.9, 0), (0.4, 1)]],
        [[(0.1, 0), (0.9, 0), (0.4, 1)], [(0.35, 0.5), (0.8, 0.5)]],
        [[(0.1, 0.15), (0.1, 0), (0.9, 0), (0.45, 1)]],
        # a 7 with an upright stem, with and without a bar
        [[(0.1, 0), (0.88, 0), (0.6, 0.45), (0.55, 1)]],
        [[(0.1, 0), (0.88, 0), (0.6, 0.45), (0.55, 1)], [(0.35, 0.48), (0.85, 0.48)]],
    ],
    8: [[_arc(0.5, 0.25, 0.25, 0.25, 90, 450) + _arc(0.5, 0.75, 0.3, 0.25, 270, -90)]],
    9: [
        [_arc(0.5, 0.28, 0.3, 0.28, 0, 360) + [(0.8, 1)]],
        [_arc(0.5, 0.28, 0.3, 0.28, 0, 360) + [(0.78, 0.7), (0.5, 1)]],
        # a straight upright stem, and a stem that curls to the left at the foot
        [_arc(0.45, 0.28, 0.3, 0.28, 0, 360) + [(0.75, 1)]],
        [_arc(0.5, 0.28, 0.3, 0.28, 0, 360) + _arc(0.45, 0.7, 0.35, 0.3, 0, 120)],
    ],
}
"""Single-stroke outlines in the unit square (x right, y down), several styles per digit; each
style is a list of strokes, each stroke a polyline."""

FILL_CANVAS_SHARE = 0.15
"""Share of digits drawn big, filling the canvas from edge to edge (people do)."""


def canvas_style_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` preprocessed canvas-style digits as uint8 28x28 images, with their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count, dtype=np.uint8) % 10
    rng.shuffle(labels)
    images = np.stack([_to_uint8(canvas_to_mnist(render_digit(int(d), rng))) for d in labels])
    return images, labels


def outlined_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` preprocessed "bubble" digits (drawn as a thick outline, hollow inside), uint8 28x28.

    A style children like and MNIST lacks: the shipped model reads about a third of them right.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(count, dtype=np.uint8) % 10
    rng.shuffle(labels)
    images = np.stack([_to_uint8(canvas_to_mnist(render_outlined(int(d), rng))) for d in labels])
    return images, labels


def render_outlined(digit: int, rng: np.random.Generator, side: int = CANVAS_SIDE) -> np.ndarray:
    """One digit as `render_digit` draws it, fattened and then hollowed to its outline (RGBA)."""
    rgba = render_digit(digit, rng, side)
    fat = cv2.dilate(rgba[..., 0], cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
    outline = cv2.morphologyEx(fat, cv2.MORPH_GRADIENT, np.ones((int(rng.integers(7, 12)),) * 2, np.uint8))
    rgba[..., :3] = outline[..., None]
    return rgba


def render_digit(digit: int, rng: np.random.Generator, side: int = CANVAS_SIDE) -> np.ndarray:
    """One digit drawn white on black on a `side`-pixel RGBA canvas, in a random style."""
    width = int(rng.integers(8, 29))
    big = rng.random() < FILL_CANVAS_SHARE
    height = (rng.uniform(0.9, 0.97) if big else rng.uniform(0.35, 0.9)) * side
    if digit == 0 or rng.random() < 0.5:  # the Hershey fonts' zero is slashed
        gray = _render_template(digit, rng, side, height, width)
    else:
        gray = _render_font(digit, rng, side, height, width)
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., :3] = gray[..., None]
    rgba[..., 3] = 255
    return rgba


def _render_template(digit, rng, side, height, width) -> np.ndarray:
    strokes = TEMPLATES[digit][rng.integers(len(TEMPLATES[digit]))]
    matrix = _random_linear(rng) * height
    points = [np.asarray(stroke) - 0.5 for stroke in strokes]
    moved = [p @ matrix.T + rng.normal(0, 0.008 * height, p.shape) for p in points]
    everything = np.concatenate(moved)
    offset = _random_offset(rng, everything.min(0), everything.max(0), side, width)
    canvas = np.zeros((side, side), dtype=np.uint8)
    polylines = [np.round(p + offset).astype(np.int32) for p in moved]
    cv2.polylines(canvas, polylines, False, 255, width, cv2.LINE_AA)
    return canvas


def _render_font(digit, rng, side, height, width) -> np.ndarray:
    font = HERSHEY_FONTS[rng.integers(len(HERSHEY_FONTS))]
    (text_w, text_h), _ = cv2.getTextSize(str(digit), font, 1.0, 1)
    scale = height / max(text_h, 1)
    big = side * 2
    glyph = np.zeros((big, big), dtype=np.uint8)
    thickness = max(1, round(width * 0.8))
    origin = (big // 2 - round(text_w * scale / 2), big // 2 + round(text_h * scale / 2))
    cv2.putText(glyph, str(digit), origin, font, scale, 255, thickness, cv2.LINE_AA)
    matrix = _random_linear(rng)
    ys, xs = np.nonzero(glyph)
    if len(xs) == 0:
        return glyph[:side, :side]
    corners = np.array([[xs.min(), ys.min()], [xs.max(), ys.max()],
                        [xs.min(), ys.max()], [xs.max(), ys.min()]]) - big / 2
    moved = corners @ matrix.T
    offset = _random_offset(rng, moved.min(0), moved.max(0), side, 0)
    affine = np.hstack([matrix, (offset - matrix @ np.array([big / 2, big / 2]))[:, None]])
    return cv2.warpAffine(glyph, affine.astype(np.float32), (side, side), flags=cv2.INTER_LINEAR)


def _random_linear(rng: np.random.Generator) -> np.ndarray:
    angle = np.radians(rng.uniform(-20, 20))
    shear = rng.uniform(-0.35, 0.35)
    aspect = rng.uniform(0.8, 1.2)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rotation @ np.array([[aspect, shear], [0.0, 1.0]])


def _random_offset(rng, low, high, side, margin) -> np.ndarray:
    lo = -low + margin / 2 + 2
    hi = side - high - margin / 2 - 2
    return np.array([rng.uniform(lo[i], max(lo[i], hi[i])) for i in range(2)])


def _to_uint8(image: np.ndarray | None) -> np.ndarray:
    if image is None:
        return np.zeros((28, 28), dtype=np.uint8)
    return np.round(image * 255).astype(np.uint8)
