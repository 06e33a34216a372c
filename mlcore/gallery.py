"""Paging through images and drawing a page of them as one picture."""

from __future__ import annotations

import math

import cv2
import numpy as np

CELL = 56
CAPTION = 14


def matching_indices(labels: np.ndarray, digit: int | None) -> np.ndarray:
    return np.arange(len(labels)) if digit is None else np.flatnonzero(labels == digit)


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def page_of(indices: np.ndarray, page: int, per_page: int) -> np.ndarray:
    """The `page`-th (from 0) slice of `indices`; an out-of-range page is clamped."""
    page = min(max(page, 0), page_count(len(indices), per_page) - 1)
    return indices[page * per_page : (page + 1) * per_page]


def compose_grid(images: np.ndarray, captions: list[str], columns: int = 10, cell: int = CELL) -> np.ndarray:
    """One RGB picture of many images, each enlarged to `cell` px, white ink on black as everywhere in
    the app, with a caption strip below (dark text on white).

    Drawing a page as a single image renders in milliseconds where a hundred widgets would not.
    """
    columns = max(1, min(columns, len(images)))
    rows = max(1, math.ceil(len(images) / columns))
    height = cell + CAPTION
    grid = np.full((rows * height, columns * cell, 3), 255, dtype=np.uint8)
    for n, (image, caption) in enumerate(zip(images, captions)):
        top, left = (n // columns) * height, (n % columns) * cell
        tile = cv2.resize(image, (cell - 2, cell - 2), interpolation=cv2.INTER_NEAREST)
        grid[top + 1 : top + cell - 1, left + 1 : left + cell - 1] = tile[..., None]
        cv2.putText(grid, caption, (left + 2, top + cell + CAPTION - 4), cv2.FONT_HERSHEY_PLAIN,
                    0.75, (90, 90, 90), 1, cv2.LINE_AA)
    return grid
