"""Taking the printed lines of lined and grid paper out of a photo's ink, keeping the writing.

A photo of digits written on an exercise book's page carries its ruled lines into the cleaned
ink: read as they are, they join the digits into one web (taken for texture) or a margin line
becomes a 1. The standard way to find them is a morphological opening with a long, one pixel
thin line as the structuring element (OpenCV's tutorial "Extract horizontal and vertical lines
by using morphological operations"): only runs of ink at least that long survive, and no digit's
stroke is that long. A direction counts as ruled when at least RULED_LINES such lines run across
the picture; then its lines go, and so does a lone margin line across the other direction no
thicker than the rules. Where a digit's stroke crossed a line, the gap left is closed again by a
closing across the line's thickness.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from mlcore.preprocess import typical_stroke_width

LINE_SPAN = 0.5
"""A ruled line runs across at least this share of the picture (a digit's bar is far shorter in a
photo of a number; a tight crop of one digit has no three such bars)."""
RULED_LINES = 3
"""A direction with this many lines or more is ruled (lined paper: rows; grid paper: both)."""
MARGIN_SPAN = 0.9
"""A single line across the other direction that runs this far across is a margin line..."""
MARGIN_THICKNESS = 2.0
"""...when it is at most this many times as thick as the ruled lines (a digit's stroke is thicker),
or, where no rules are seen, ..."""
MARGIN_TO_STROKE = 0.4
"""...at most this share of the writing's typical stroke width."""


def without_ruled_lines(ink: np.ndarray) -> np.ndarray:
    """The ink (H x W uint8, 0 = paper) without lined or grid paper's printed lines; unchanged when
    the paper is not ruled."""
    rows, columns = _lines(ink), _lines(ink.T)
    ruled = [lines for lines in (rows, columns) if len(lines) >= RULED_LINES]
    if ruled:
        thinnest_writing = MARGIN_THICKNESS * max(1.0, float(np.median([line.thickness for lines in ruled
                                                                         for line in lines])))
    else:  # no rules seen (too faint to be ink, say): a lone margin line is far thinner than the writing
        long_lines = np.zeros(ink.shape, bool)
        for lines, transposed in ((rows, False), (columns, True)):
            for line in lines:
                long_lines |= line.mask.T if transposed else line.mask
        thinnest_writing = MARGIN_TO_STROKE * typical_stroke_width((ink > 0) & ~long_lines)
    cleaned = ink
    for lines, transposed in ((rows, False), (columns, True)):
        remove = np.zeros(ink.T.shape if transposed else ink.shape, bool)
        for line in lines:
            if len(lines) >= RULED_LINES or (line.span >= MARGIN_SPAN and line.thickness <= thinnest_writing):
                remove |= line.mask
        if remove.any():
            cleaned = _removed(cleaned.T, remove, _thickness(lines)).T if transposed else _removed(cleaned, remove, _thickness(lines))
    return np.ascontiguousarray(cleaned)


def _thickness(lines: list["_Line"]) -> int:
    return max(1, round(float(np.median([line.thickness for line in lines]))))


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
