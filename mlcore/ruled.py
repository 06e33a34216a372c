"""Taking the printed lines of lined and grid paper out of a photo's ink, keeping the writing.

A photo of digits written on an exercise book's page carries its ruled lines into the cleaned
ink: read as they are, they join the digits into one web (taken for texture) or a margin line
becomes a 1. The standard way to find them is a morphological opening with a long, one pixel
thin line as the structuring element (OpenCV's tutorial "Extract horizontal and vertical lines
by using morphological operations"): only runs of ink at least that long survive, and no digit's
stroke is that long. A line that runs across the whole picture and is far thinner than the
writing is printed, and goes (a digit's stroke is as thick as the others). Where a digit's stroke crossed a line, the gap left is closed again by a
closing across the line's thickness.
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


def without_ruled_lines(ink: np.ndarray) -> np.ndarray:
    """The ink (H x W uint8, 0 = paper) without lined or grid paper's printed lines (see RULE_SPAN,
    RULE_TO_STROKE); unchanged when there are none."""
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
