"""Pictures of a network's insides, each composed as one RGB image for a single `st.image`:
grids of feature maps, learnt filters, dense units, and saliency laid over a drawing.

Everything is drawn on black, like the digits themselves (white ink on black).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

GAP = 3
GAP_COLOUR = 255
POSITIVE = np.array([255, 140, 0], np.float32)
"""Orange: a positive weight or attribution."""
NEGATIVE = np.array([30, 144, 255], np.float32)
"""Blue: a negative one."""


def heat(values01: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] -> (H, W, 3) uint8 RGB, OpenCV's "inferno" colour map (black to yellow)."""
    grey = np.clip(values01 * 255, 0, 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(grey, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)


def diverging(values: np.ndarray) -> np.ndarray:
    """(H, W) signed values scaled to [-1, 1] -> RGB: orange for positive, blue for negative, black for 0."""
    values = np.clip(values, -1, 1)[..., None]
    colour = np.where(values > 0, values * POSITIVE, -values * NEGATIVE)
    return colour.astype(np.uint8)


def tile(tiles: list[np.ndarray], columns: int, cell: int) -> np.ndarray:
    """RGB tiles enlarged to `cell` px (pixels kept square) in a grid with white gaps."""
    columns = max(1, min(columns, len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    grid = np.full((rows * (cell + GAP) - GAP, columns * (cell + GAP) - GAP, 3), GAP_COLOUR, np.uint8)
    for n, picture in enumerate(tiles):
        top, left = (n // columns) * (cell + GAP), (n % columns) * (cell + GAP)
        grid[top : top + cell, left : left + cell] = cv2.resize(picture, (cell, cell), interpolation=cv2.INTER_NEAREST)
    return grid


def feature_map_grid(maps: np.ndarray, columns: int = 8, cell: int = 56) -> np.ndarray:
    """(H, W, C) feature maps -> one picture of C maps, all on one scale (the layer's largest value is
    yellow, 0 is black), so a map that stays dark found nothing."""
    top = float(maps.max())
    scaled = maps / top if top > 0 else np.zeros_like(maps)
    return tile([heat(scaled[:, :, c]) for c in range(maps.shape[-1])], columns, cell)


def filter_grid(filters: np.ndarray, columns: int = 8, cell: int = 42) -> np.ndarray:
    """(N, k, k) convolution kernels, each on its own scale: orange weights add, blue ones subtract."""
    tiles = []
    for kernel in filters:
        top = float(np.abs(kernel).max())
        tiles.append(diverging(kernel / top if top > 0 else kernel))
    return tile(tiles, columns, cell)


def unit_grid(values: np.ndarray, columns: int = 16, cell: int = 22) -> np.ndarray:
    """(U,) activations of a dense layer as a grid of U coloured squares, read row by row."""
    top = float(values.max())
    scaled = values / top if top > 0 else np.zeros_like(values)
    return tile([heat(np.full((1, 1), v)) for v in scaled], columns, cell)


def grey(image28: np.ndarray, side: int) -> np.ndarray:
    """A float [0, 1] grey image as RGB uint8, enlarged to `side` px with square pixels."""
    picture = np.clip(image28 * 255, 0, 255).astype(np.uint8)
    picture = cv2.resize(picture, (side, side), interpolation=cv2.INTER_NEAREST)
    return np.repeat(picture[..., None], 3, axis=2)


SIGNED_CLIP_PERCENTILE = 99
"""Signed maps are scaled so the 99th percentile of |value| on the ink is full colour (a few extreme
pixels would otherwise wash every other one out), as is usual for integrated gradients."""


def overlay(image28: np.ndarray, saliency: np.ndarray, signed: bool, side: int = 252) -> np.ndarray:
    """The drawing, dimmed to grey, with a saliency map laid over it; each map on its own scale.

    `saliency`: (28, 28). Unsigned maps in [0, 1] are shown in the inferno colours (black, red,
    yellow). Signed ones (attributions) in orange (for the class) and blue (against it), the colour's
    strength linear in |value| up to its 99th percentile on the ink, so weak attributions leave the
    grey drawing visible and only the pixels that matter are coloured.
    """
    base = grey(image28, side).astype(np.float32) * 0.45
    if signed:
        magnitude = np.abs(saliency)
        ink = magnitude[np.asarray(image28) > 0]
        top = float(np.percentile(ink, SIGNED_CLIP_PERCENTILE)) if ink.size else 0.0
        scaled = np.clip(saliency / top, -1, 1) if top > 0 else np.zeros_like(saliency)
        colour, weight = diverging(np.sign(scaled)).astype(np.float32), np.abs(scaled)
    else:
        colour, weight = heat(saliency).astype(np.float32), np.clip(saliency, 0, 1)
    colour = cv2.resize(colour, (side, side), interpolation=cv2.INTER_NEAREST)
    weight = cv2.resize(weight.astype(np.float32), (side, side), interpolation=cv2.INTER_NEAREST)[..., None]
    return np.clip(base * (1 - weight) + colour * weight, 0, 255).astype(np.uint8)


def strip(images28: np.ndarray, side: int = 48) -> np.ndarray:
    """Several float [0, 1] 28x28 images side by side, white on black, with white gaps."""
    return tile([grey(image, side) for image in images28], len(images28), side)


def labelled_strip(images28: np.ndarray, labels: list[str], side: int = 56, max_columns: int = 7) -> np.ndarray:
    """Float [0, 1] 28x28 images with a label under each, in rows of at most `max_columns` (balanced:
    13 images make rows of 7 and 6), so that on a phone each stays about 50 px wide."""
    count = len(images28)
    columns = count if count <= max_columns else math.ceil(count / math.ceil(count / max_columns))
    label_height = 18
    tiles = []
    for image, label in zip(images28, labels):
        cell = np.zeros((side + label_height, side, 3), np.uint8)
        cell[:side] = grey(image, side)
        cell[side:] = 255
        font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.4
        (width, _), _ = cv2.getTextSize(label, font, scale, 1)
        cv2.putText(cell, label, ((side - width) // 2, side + 13), font, scale, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(cell)
    rows = math.ceil(count / columns)
    height, width = side + label_height, side
    grid = np.full((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP, 3), GAP_COLOUR, np.uint8)
    for n, cell in enumerate(tiles):
        top, left = (n // columns) * (height + GAP), (n % columns) * (width + GAP)
        grid[top : top + height, left : left + width] = cell
    return grid
