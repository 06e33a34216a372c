"""Pictures built exactly as issue 10 describes them, for the tests of the picture reader."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

SEVEN = np.array([[80, 60], [200, 60], [120, 230]])
ONE = np.array([[140, 40], [140, 240]])
THREE = np.array([[120, 90], [200, 60], [270, 100], [260, 170], [190, 200], [270, 240], [280, 310],
                  [200, 345], [120, 320]])


def png_bytes(pixels: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def encoded(picture: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=format, **options)
    return buffer.getvalue()


def sixteen_bit_three(bits: int = 16) -> bytes:
    """A 3 in 30*257 with a 24 px pen on 400x400 paper at 226*257, as a 16-bit (or 8-bit) PNG."""
    picture = np.full((400, 400), 226, np.float64)
    cv2.polylines(picture, [THREE], False, 30, 24, cv2.LINE_AA)
    if bits == 8:
        return png_bytes(picture.astype(np.uint8))
    return png_bytes((picture * 257).astype(np.uint16))


def ink_on_transparent(points: np.ndarray, ink: int = 255) -> np.ndarray:
    """280x280 RGBA: transparent black background, a polyline in `ink` with pen 20, alpha = coverage."""
    coverage = np.zeros((280, 280), np.uint8)
    cv2.polylines(coverage, [points], False, 255, 20, cv2.LINE_AA)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., :3] = np.where(coverage[..., None] > 0, ink, 0)
    rgba[..., 3] = coverage
    return rgba


def bold_tight_seven() -> np.ndarray:
    """A dark 7 (ink 25) on paper 210 cropped tight to 91x123 px, its ink covering 55 % of the picture."""
    for pen in range(40, 120, 2):
        picture = np.full((600, 600), 210, np.uint8)
        cv2.polylines(picture, [SEVEN + 150], False, 25, pen, cv2.LINE_AA)
        ys, xs = np.nonzero(picture < 200)
        crop = cv2.resize(picture[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], (91, 123),
                          interpolation=cv2.INTER_AREA)
        if (crop < 118).mean() >= 0.55:
            return crop
    raise AssertionError("no pen width gives 55 % ink")
