"""Pictures built exactly as issue 10 describes them, for the tests of the picture reader."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageFilter

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


def _printed_digit(text: str, width: int, height: int, scale: float, thickness: int) -> np.ndarray:
    """Ink coverage (H x W uint8) of `text` printed in OpenCV's Hershey simplex font, centred."""
    mask = np.zeros((height, width), np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (text_w, text_h), _ = cv2.getTextSize(text, font, scale, thickness)
    cv2.putText(mask, text, ((width - text_w) // 2, (height + text_h) // 2), font, scale, 255, thickness, cv2.LINE_AA)
    return mask


def shadow_photo(digit: int, tilt: float = 6, ink=(35, 35, 45), seed: int = 7, width: int = 900,
                 height: int = 1200) -> bytes:
    """A phone photo (JPEG, quality 80) of a printed digit, tilted by `tilt` degrees, on paper lit
    unevenly (a gradient to 55 %) with a hard shadow edge running diagonally across the digit (the
    shadowed side at 45 %) and out through the picture's top-left border: the reviewer's photos of
    issue 10's follow-up, where the shadow's corner was left as a blob in the cleaned ink."""
    rng = np.random.default_rng(seed)
    mask = _printed_digit(str(digit), width, height, width / 50, max(8, width // 40))
    mask = cv2.warpAffine(mask, cv2.getRotationMatrix2D((width / 2, height / 2), tilt, 1.0), (width, height))
    alpha = (mask.astype(np.float32) / 255)[..., None]
    image = (1 - alpha) * np.array((235, 230, 220), np.float32) + alpha * np.array(ink, np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image *= (0.55 + 0.45 * (xx / width) * 0.6 + 0.45 * (yy / height) * 0.4)[..., None]
    edge = 1 / (1 + np.exp(-(xx - 0.7 * yy - (width * 0.5 - 0.7 * height * 0.5)) / 15))
    image *= (0.45 + 0.55 * edge)[..., None]
    image += rng.normal(0, 6, image.shape)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2.0))
    return encoded(picture, "JPEG", quality=80)


SHADOW_PHOTOS = [(digit, tilt, ink) for digit in range(10) for tilt, ink in [(6, (35, 35, 45)), (-9, (60, 50, 90))]]
"""The reviewer's 20 shadow photos: every digit, tilted both ways, black and blue-black ink."""


def noise_png(side: int = 1780, seed: int = 7) -> bytes:
    """Random RGB noise, every pixel uniform in 0-255: a 9.5 MB PNG at 1780 px."""
    return png_bytes(np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8))


def wood_texture(seed: int = 7) -> bytes:
    """600x800 JPEG of wavy wood grain in brown with grain noise: texture, no digit."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:800, 0:600].astype(np.float32)
    grain = 128 + 60 * np.sin(xx / 9 + 6 * np.sin(yy / 70)) + rng.normal(0, 20, (800, 600))
    wood = np.stack([grain, grain * 0.75, grain * 0.5], -1)
    return encoded(Image.fromarray(np.clip(wood, 0, 255).astype(np.uint8)), "JPEG")


def printed_number(text: str, width: int = 1400, height: int = 500) -> bytes:
    """Dark printed digits side by side on white (PNG)."""
    return png_bytes(255 - _printed_digit(text, width, height, 9, 24))


def big_photo(digit: int, width: int, height: int, format: str = "JPEG") -> bytes:
    """A `width` x `height` photo of a printed digit filling about half its height, drawn small and
    scaled up (so that making a 24-48 MP picture stays cheap), dark on grey-white paper."""
    small_w, small_h = max(8, width // 8), max(8, height // 8)
    mask = _printed_digit(str(digit), small_w, small_h, small_h / 70, max(2, small_h // 25))
    small = (230 - mask.astype(np.float32) * 200 / 255).astype(np.uint8)
    picture = Image.fromarray(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))
    return encoded(picture, format, **({"quality": 85} if format == "JPEG" else {}))


def face_blob() -> bytes:
    """600x800 JPEG of a blurred cartoon face (a skin oval, two dark eyes, a smile): no digit."""
    from PIL import ImageDraw

    face = Image.new("RGB", (600, 800), (235, 225, 210))
    pen = ImageDraw.Draw(face)
    pen.ellipse((100, 150, 500, 650), fill=(210, 160, 130))
    pen.ellipse((190, 300, 260, 360), fill=(40, 30, 30))
    pen.ellipse((340, 300, 410, 360), fill=(40, 30, 30))
    pen.arc((200, 420, 400, 560), 20, 160, fill=(90, 30, 30), width=14)
    return encoded(face.filter(ImageFilter.GaussianBlur(4)), "JPEG")
