"""Reading a picture of a digit that a user uploads: any common format, checked before decoding."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_MEGABYTES = 10  # the app's one upload limit; .streamlit/config.toml's server.maxUploadSize agrees
MAX_BYTES = MAX_MEGABYTES * 2**20
MAX_SIDE = 4096
PAPER_WINDOW = 255


class UploadError(ValueError):
    """The upload is not a picture this app can read; the message says why, for the user."""


def decode_picture(data: bytes) -> np.ndarray:
    """RGBA uint8 pixels of an uploaded PNG, JPEG, BMP, GIF or WebP file."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"That file is {len(data) / 2**20:.1f} MB; pictures up to {MAX_MEGABYTES} MB are read.")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if max(picture.size) > MAX_SIDE:
                raise UploadError(f"That picture is {picture.width}×{picture.height} pixels; "
                                  f"up to {MAX_SIDE} pixels a side are read.")
            return np.asarray(picture.convert("RGBA"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise UploadError("That file is not a picture this app can read (or it is damaged).") from error


def photo_to_canvas(rgba: np.ndarray, side: int = 280) -> np.ndarray:
    """A photo's digit as clean white-on-black canvas pixels.

    Paper is never evenly lit: the ink is what stands out from the paper around it (estimated
    by a median blur much wider than a stroke, at the canvas's 280 px scale), kept above half
    Otsu's threshold so that shadows and sensor noise do not count as strokes while the strokes'
    soft edges stay.
    """
    opacity = rgba[..., 3:] / 255.0
    on_white = (rgba[..., :3] * opacity + 255 * (1 - opacity)).astype(np.uint8)
    gray = cv2.cvtColor(on_white, cv2.COLOR_RGB2GRAY)
    scale = side / max(gray.shape)
    gray = cv2.resize(gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    paper = cv2.medianBlur(gray, PAPER_WINDOW)
    dark_ink = np.median(gray) >= 128
    ink = cv2.subtract(paper, gray) if dark_ink else cv2.subtract(gray, paper)
    threshold, _ = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink[ink < threshold / 2] = 0
    return cv2.cvtColor(cv2.normalize(ink, None, 0, 255, cv2.NORM_MINMAX), cv2.COLOR_GRAY2RGBA)
