"""Taking the printed lines of lined and grid paper out of a photo's ink, keeping the writing.

A photo of digits written on an exercise book's page carries its ruled lines into the cleaned
ink: read as they are, they join the digits into one web (taken for texture) or a margin line
becomes a 1. The standard way to find them is a morphological opening with a long, one pixel
thin line as the structuring element (OpenCV's tutorial "Extract horizontal and vertical lines
by using morphological operations"): only runs of ink at least that long survive, and no digit's
stroke is that long. A line that runs across the whole picture and is far thinner than the
writing is printed, and goes (a digit's stroke is as thick as the others). Where a digit's stroke crossed a line, the gap left is closed again by a
closing across the line's thickness.

A page photographed a few degrees off square has tilted lines: at the Write a number page's
700 px a 2° tilt moves a line by 12 px across the picture, so no one-pixel-high run is long enough.
So the lines' tilt is measured first, with OpenCV's probabilistic Hough transform
(cv2.HoughLinesP: Matas, Galambos & Kittler 2000) on the ink, from the long segments within MAX_TILT
of level (or of upright); the ink is turned by it, cleaned as above, and only the pixels the
cleaning took away (or filled in) are taken back into the untouched picture, so a level page goes
through exactly as before and the writing is not blurred by turning it twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mlcore.preprocess import typical_stroke_width

LINE_SPAN = 0.5
"""Lines are looked for as runs of ink at least this share of the picture long..."""
RULE_SPAN = 0.85
"""...and a printed line runs across at least this share of it (lines of lined paper, grid
paper, a margin line: all run from edge to edge; a digit's bar does not, even cropped tight)..."""
RULE_TO_STROKE = 0.4
"""...and is at most this share of the writing's typical stroke width thick: a tight crop of a
bold 5 has three bars across the picture, but as thick as its other strokes."""


MAX_TILT = 6.0
"""Lines tilted up to this many degrees from level (or upright) are found."""
MIN_TILT = 0.3
"""A tilt under this many degrees is level: over 700 px it moves a line by under 4 px, which the
search for long runs takes in its stride."""
HOUGH_GAP = 0.02
"""Hough segments may bridge gaps of this share of the picture's width (a line broken by writing)."""


def without_ruled_lines(ink: np.ndarray) -> np.ndarray:
    """The ink (H x W uint8, 0 = paper) without lined or grid paper's printed lines (see RULE_SPAN,
    RULE_TO_STROKE), level or tilted up to MAX_TILT degrees; unchanged when there are none."""
    tilt = ruling_tilt(ink)
    if abs(tilt) < MIN_TILT:
        return _without_level_lines(ink)
    height, width = ink.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0)
    level = cv2.warpAffine(ink, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    cleaned = _without_level_lines(level)
    if cleaned is level:
        return ink
    changed = (cleaned != level).astype(np.uint8) * 255
    back = cv2.warpAffine(cleaned, turn, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    where = cv2.warpAffine(changed, turn, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP) > 0
    return np.where(where, back, ink).astype(np.uint8)


def ruling_tilt(ink: np.ndarray) -> float:
    """The tilt (degrees; positive: the lines fall to the right, as image rows count down) of the
    long straight lines in the ink (H x W uint8), 0.0 when there are none: the length-weighted
    median angle of the probabilistic Hough transform's segments at least LINE_SPAN of the picture
    long and within MAX_TILT of level, or failing those, of upright."""
    height, width = ink.shape
    mask = (ink > 0).astype(np.uint8) * 255
    for length, upright in ((LINE_SPAN * width, False), (LINE_SPAN * height, True)):
        segments = cv2.HoughLinesP(mask, 1, np.pi / 720, threshold=max(10, int(0.6 * length)),
                                   minLineLength=max(10, int(length)), maxLineGap=max(2, int(HOUGH_GAP * width)))
        if segments is None:
            continue
        x1, y1, x2, y2 = segments.reshape(-1, 4).astype(np.float64).T
        if upright:  # measured from upright, so that a line falling right has the rows' sign
            angles = -np.degrees(np.arctan2(x2 - x1, y2 - y1))
        else:
            angles = np.degrees(np.arctan2(y2 - y1, x2 - x1))
        angles = (angles + 90) % 180 - 90
        near = np.abs(angles) <= MAX_TILT
        if near.any():
            weights = np.hypot(x2 - x1, y2 - y1)[near]
            order = np.argsort(angles[near])
            cumulative = np.cumsum(weights[order])
            return float(angles[near][order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return 0.0


def _without_level_lines(ink: np.ndarray) -> np.ndarray:
    """`without_ruled_lines` for lines that run level (and upright)."""
    rows, columns = _lines(ink), _lines(ink.T)
    if not rows and not columns:
        return ink
    long_lines = np.zeros(ink.shape, bool)
    for line in rows:
        long_lines |= line.mask
    for line in columns:
        long_lines |= line.mask.T
    writing = ((ink > 0) & ~long_lines).astype(np.uint8)  # an opening drops the lines' frayed edges left in it
    writing = cv2.morphologyEx(writing, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    thinnest = RULE_TO_STROKE * typical_stroke_width(writing)
    cleaned = ink
    for lines, transposed in ((rows, False), (columns, True)):
        rules = [line for line in lines if line.span >= RULE_SPAN and line.thickness <= thinnest]
        if not rules:
            continue
        remove = np.logical_or.reduce([line.mask for line in rules])
        thickness = max(1, round(float(np.median([line.thickness for line in rules]))))
        cleaned = _removed(cleaned.T, remove, thickness).T if transposed else _removed(cleaned, remove, thickness)
    return np.ascontiguousarray(cleaned)


@dataclass(frozen=True)
class _Line:
    """A horizontal line in the ink: its pixels (H x W bool), thickness (rows) and span (share of the width)."""

    mask: np.ndarray
    thickness: int
    span: float


def _lines(ink: np.ndarray) -> list[_Line]:
    """The horizontal lines in the ink: each band of rows holding runs of ink at least LINE_SPAN of
    the width long (a morphological opening by a 1 px high bar that long)."""
    length = max(3, int(LINE_SPAN * ink.shape[1]))
    bar = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    runs = cv2.morphologyEx((ink > 0).astype(np.uint8), cv2.MORPH_OPEN, bar) > 0
    edges = np.flatnonzero(np.diff(np.r_[0, runs.any(axis=1).astype(np.int8), 0]))
    lines = []
    for start, stop in zip(edges[::2], edges[1::2]):
        mask = np.zeros(ink.shape, bool)
        mask[start:stop] = runs[start:stop]
        lines.append(_Line(mask, int(stop - start), float(np.mean(mask.any(axis=0)))))
    return lines


def _removed(ink: np.ndarray, line: np.ndarray, thickness: int) -> np.ndarray:
    """The ink without the horizontal lines' pixels (`line`, H x W bool), the gaps they leave in the
    strokes that crossed them filled again: a closing by a vertical bar a little taller than the
    lines are thick, kept only where the lines were."""
    without = np.where(line, 0, ink).astype(np.uint8)
    bar = cv2.getStructuringElement(cv2.MORPH_RECT, (1, thickness + 2))
    return np.where(line, cv2.morphologyEx(without, cv2.MORPH_CLOSE, bar), without).astype(np.uint8)
