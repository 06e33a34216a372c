"""The pen's strokes and taps on the drawing canvas, from the strokes the canvas sends.

Strokes tell apart what ink alone cannot: two digits written across one another are one blob of
ink but two sets of strokes (`pen_strokes`, read by `mlcore.numbers`), and a tap is a dot a student
put down on purpose.

A dot's shape cannot tell a tapped decimal point from the end of a stroke broken off by a pen lift
a few pixels from its digit (both are small round marks), so a dot close to a digit is left to join
it (`number_signs.DOT_APART`). The canvas can tell: streamlit-drawable-canvas (fabric.js free drawing,
http://fabricjs.com/docs/fabric.Path.html) sends every stroke as a "Path" object with the pen's
`strokeWidth`, the extent of the pen's centre line (`width`, `height`, 0 for a tap) and its anchor
(`left`, `top`, at `originX` / `originY`), in the canvas's CSS pixels. A stroke whose centre line
moved no more than TAP_MOVE of the pen's width is a tap (a dot drawn on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import cv2
import numpy as np

from mlcore.segment import Box

BEZIER_STEPS = 4
"""Points a quadratic Bezier segment of a stroke's path is drawn through (fabric.js smooths the pen's
moves into such segments, each a few px long)."""

TAP_MOVE = 1.0
"""A stroke whose centre line spans at most this share of the pen's width each way is a tap: the
pen put down and lifted in one place, or a dot drawn as a tiny circle or tick (a newcomer's points
drawn as circles 6-16 px across with pens of 11-16 px were joined to their digits at 0.5)."""

_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}


def pen_taps(json_data: dict | None, scale: float = 1.0) -> list[Box]:
    """The boxes (x, y, w, h, in the drawing's pixels: CSS px times `scale`) of the ink each tap of the
    pen left, in the order drawn, from a canvas's `json_data` (`CanvasResult.json_data`). [] for None
    or for anything that is not a canvas's objects (objects it cannot read are skipped)."""
    objects = json_data.get("objects", []) if isinstance(json_data, dict) else []
    taps = []
    for item in objects if isinstance(objects, list) else []:
        box = _tap_box(item) if isinstance(item, dict) and item.get("type") in ("Path", "path") else None
        if box is not None:
            x, y, w, h = box
            taps.append((round(x * scale), round(y * scale), max(1, round(w * scale)), max(1, round(h * scale))))
    return taps


def _tap_box(path: dict) -> tuple[float, float, float, float] | None:
    """The box (CSS px) of a Path object's ink when it is a tap, else None."""
    values = [path.get(name) for name in ("left", "top", "width", "height", "strokeWidth")]
    if not all(isinstance(v, Real) and v == v and abs(v) < 1e6 for v in values):
        return None
    left, top, width, height, pen = values
    scale_x, scale_y = path.get("scaleX", 1), path.get("scaleY", 1)
    if not (isinstance(scale_x, Real) and isinstance(scale_y, Real)) or pen <= 0:
        return None
    width, height = width * scale_x, height * scale_y
    if max(width, height) > TAP_MOVE * pen:
        return None
    centre_x = left + (0.5 - _ORIGIN.get(path.get("originX"), 0.0)) * width
    centre_y = top + (0.5 - _ORIGIN.get(path.get("originY"), 0.0)) * height
    side_x, side_y = width + pen, height + pen
    return centre_x - side_x / 2, centre_y - side_y / 2, side_x, side_y


@dataclass(frozen=True)
class Stroke:
    """One stroke of the pen: its box (x, y, w, h, in the drawing's pixels) and its ink there (uint8, h x w)."""

    box: Box
    ink: np.ndarray

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> "Stroke | None":
        """The stroke whose ink is `mask` (uint8 HxW, a whole drawing's size), cut to its box; None when blank."""
        points = cv2.findNonZero((mask > 0).astype(np.uint8))
        if points is None:
            return None
        x, y, w, h = cv2.boundingRect(points)
        return cls((x, y, w, h), mask[y : y + h, x : x + w])


def pen_strokes(json_data: dict | None, shape: tuple[int, int], scale: float = 1.0) -> list[Stroke]:
    """Each stroke of the pen, in the order drawn, from a canvas's `json_data`: each Path object's `path`
    ("M", "Q" and "L" commands in canvas CSS px, fabric.js free drawing) drawn with its `strokeWidth`,
    in the drawing's pixels (CSS px times `scale`) within `shape` (height, width). [] for None or
    anything that is not a canvas's objects (paths it cannot read, or wholly off the drawing, are
    skipped)."""
    objects = json_data.get("objects", []) if isinstance(json_data, dict) else []
    strokes = []
    for item in objects if isinstance(objects, list) else []:
        points = _path_points(item) if isinstance(item, dict) and item.get("type") in ("Path", "path") else None
        pen = item.get("strokeWidth") if points is not None else None
        if points is not None and isinstance(pen, Real) and 0 < pen < 1e4:
            stroke = _drawn(np.array(points) * scale, max(1, round(pen * scale)), shape)
            if stroke is not None:
                strokes.append(stroke)
    return strokes


def _drawn(line: np.ndarray, pen: int, shape: tuple[int, int]) -> Stroke | None:
    """The stroke along `line` ((N, 2) float x, y in px) drawn `pen` px wide, cut to its box within
    `shape` (height, width); None when it lies wholly outside."""
    margin = pen // 2 + 2
    x0, y0 = np.maximum(np.floor(line.min(axis=0)).astype(int) - margin, 0)
    x1, y1 = np.minimum(np.ceil(line.max(axis=0)).astype(int) + margin, [shape[1], shape[0]])
    if x1 <= x0 or y1 <= y0:
        return None
    ink = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.polylines(ink, [np.round(line - [x0, y0]).astype(np.int32)], False, 255, pen, cv2.LINE_AA)
    stroke = Stroke.from_mask(ink)
    if stroke is None:
        return None
    x, y, w, h = stroke.box
    return Stroke((x + x0, y + y0, w, h), stroke.ink)


def _path_points(path: dict) -> list[tuple[float, float]] | None:
    """The points (CSS px) a Path object's centre line runs through, or None when its `path` is not a
    list of "M", "L" and "Q" commands with finite numbers (or the object is moved or scaled)."""
    commands = path.get("path")
    if not isinstance(commands, list) or path.get("scaleX", 1) != 1 or path.get("scaleY", 1) != 1:
        return None
    points: list[tuple[float, float]] = []
    for command in commands:
        if not (isinstance(command, list) and command and command[0] in ("M", "L", "Q")):
            return None
        values = command[1:]
        if len(values) != (4 if command[0] == "Q" else 2) or not all(
                isinstance(v, Real) and v == v and abs(v) < 1e6 for v in values):
            return None
        if command[0] == "Q" and points:
            start, control, end = np.array(points[-1]), np.array(values[:2]), np.array(values[2:])
            for t in np.linspace(0, 1, BEZIER_STEPS + 1)[1:]:
                points.append(tuple((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t ** 2 * end))
        else:
            points.append((float(values[-2]), float(values[-1])))
    return points or None
