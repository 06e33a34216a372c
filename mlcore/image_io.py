"""Reading a picture of a digit that a user uploads: any common format, checked before decoding."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 4096


class UploadError(ValueError):
    """The upload is not a picture this app can read; the message says why, for the user."""


def decode_picture(data: bytes) -> np.ndarray:
    """RGBA uint8 pixels of an uploaded PNG, JPEG, BMP, GIF or WebP file."""
    if len(data) > MAX_BYTES:
        raise UploadError(f"That file is {len(data) / 2**20:.1f} MB; pictures up to {MAX_BYTES // 2**20} MB are read.")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if max(picture.size) > MAX_SIDE:
                raise UploadError(f"That picture is {picture.width}×{picture.height} pixels; "
                                  f"up to {MAX_SIDE} pixels a side are read.")
            return np.asarray(picture.convert("RGBA"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise UploadError("That file is not a picture this app can read (or it is damaged).") from error
