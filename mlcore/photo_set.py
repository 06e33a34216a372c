"""Generated photos of digits, the way people bring them: printed on paper and photographed.

Each photo starts from a digit's ink (an MNIST test image, or a canvas-style stroke drawing from
`mlcore.synthetic`), printed in an ink colour onto a paper texture, and then takes one kind of
damage a phone or scanner does: a hard shadow edge across the digit, uneven light, blur, heavy
JPEG compression, a perspective view, a tight crop with the ink touching the edge, a small digit
on a large page, light ink on a dark board, coloured ink on tinted paper. Every photo also has
mild sensor noise and a slightly uneven paper. The set is seeded: the same seed, the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from mlcore.synthetic import render_digit

KINDS = ("clean", "shadow", "gradient", "blur", "jpeg", "perspective", "tight crop",
         "loose crop", "light on dark", "coloured")


@dataclass(frozen=True)
class Photo:
    """One generated photo: its encoded file bytes, the digit it shows and the damage it took."""

    data: bytes
    label: int
    kind: str
    source: str


def photo_set(per_kind: int, seed: int, mnist_images: np.ndarray, mnist_labels: np.ndarray) -> list[Photo]:
    """`per_kind` photos of each kind in KINDS, half from MNIST test images, half canvas-style."""
    rng = np.random.default_rng(seed)
    photos = []
    for kind in KINDS:
        for index in range(per_kind):
            if index % 2 == 0:
                pick = int(rng.integers(len(mnist_images)))
                ink, label, source = _mnist_ink(mnist_images[pick], rng), int(mnist_labels[pick]), "mnist"
            else:
                label = int(rng.integers(10))
                ink, source = render_digit(label, rng)[..., 0].astype(np.float32) / 255, "canvas"
            photos.append(Photo(make_photo(ink, kind, rng), label, kind, source))
    return photos


def make_photo(ink: np.ndarray, kind: str, rng: np.random.Generator) -> bytes:
    """An encoded photo (PNG, or JPEG for the "jpeg" kind) of `ink` (float HxW in [0, 1])."""
    ink = _crop_to_ink(ink, margin=0.0)
    digit_height = int(rng.integers(90, 240)) if kind != "loose crop" else int(rng.integers(40, 70))
    ink = _resize(ink, digit_height / ink.shape[0])
    margin = (rng.uniform(0.0, 0.04) if kind == "tight crop" else rng.uniform(0.25, 0.8)) * digit_height
    if kind == "loose crop":
        margin = rng.uniform(2.0, 4.0) * digit_height
    ink = np.pad(ink, [(round(margin * rng.uniform(0.5, 1.5)),) * 2, (round(margin * rng.uniform(0.5, 1.5)),) * 2])
    if kind == "tight crop":
        ink = _cut_into_ink(ink, rng)
    h, w = ink.shape
    paper, ink_colour = _paper_and_ink(kind, rng, (h, w))
    alpha = ink[..., None]
    image = paper * (1 - alpha) + ink_colour * alpha
    image *= _lighting(kind, rng, (h, w))[..., None]
    if kind == "blur":
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(1.5, 3.5) * digit_height / 150)
    else:
        image = cv2.GaussianBlur(image, (0, 0), 0.7)
    if kind == "perspective":
        image = _perspective(image, rng)
    image += rng.normal(0, rng.uniform(1, 5), image.shape)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    if kind == "jpeg":
        picture.save(buffer, format="JPEG", quality=int(rng.integers(8, 35)))
    else:
        picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _mnist_ink(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit at 10x its size, smooth-edged, as float ink in [0, 1]."""
    big = cv2.resize(image, (280, 280), interpolation=cv2.INTER_CUBIC)
    return np.clip(cv2.GaussianBlur(big, (0, 0), 2.0).astype(np.float32) / 255 * 1.3, 0, 1)


def _crop_to_ink(ink: np.ndarray, margin: float) -> np.ndarray:
    ys, xs = np.nonzero(ink > 0.1)
    pad = round(margin * ink.shape[0])
    return ink[max(0, ys.min() - pad) : ys.max() + 1 + pad, max(0, xs.min() - pad) : xs.max() + 1 + pad]


def _cut_into_ink(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop that touches the ink on every side and cuts a little into it on some."""
    ys, xs = np.nonzero(ink > 0.3)
    h, w = ink.shape
    cut = lambda: int(rng.integers(0, 4))  # noqa: E731
    top, bottom = min(ys.min() + cut(), h // 3), max(ys.max() + 1 - cut(), 2 * h // 3)
    left, right = min(xs.min() + cut(), w // 3), max(xs.max() + 1 - cut(), 2 * w // 3)
    return ink[top:bottom, left:right]


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _paper_and_ink(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """An RGB paper texture (float 0-255) and one ink colour."""
    if kind == "light on dark":
        base = np.array([rng.uniform(20, 70)] * 3) + rng.uniform(-8, 8, 3)
        ink = np.array([rng.uniform(190, 250)] * 3)
    elif kind == "coloured":
        base = np.array([rng.uniform(200, 250), rng.uniform(190, 245), rng.uniform(140, 230)])[rng.permutation(3)]
        ink = np.array([[30, 60, 190], [200, 30, 40], [30, 130, 60], [90, 40, 140]][rng.integers(4)], float)
    else:
        base = np.array([rng.uniform(185, 250)] * 3) + rng.uniform(-10, 5, 3)
        ink = np.array([rng.uniform(10, 90)] * 3) + rng.uniform(-10, 10, 3)
    grain = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), 3) * rng.uniform(5, 20)
    paper = np.clip(base[None, None, :] + grain[..., None], 0, 255)
    return paper.astype(np.float32), np.clip(ink, 0, 255).astype(np.float32)


def _lighting(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A multiplicative light map: a hard shadow edge, a gradient, or mild unevenness."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle)
    if kind == "shadow":
        edge = rng.uniform(-0.25, 0.25) * min(h, w)
        softness = rng.uniform(0.5, 3.0)
        shade = 1 / (1 + np.exp(-(along - edge) / softness))
        return 1 - (1 - rng.uniform(0.30, 0.55)) * shade
    if kind == "gradient":
        span = np.abs(along).max() or 1
        low = rng.uniform(0.45, 0.75)
        return low + (1 - low) * (along / span + 1) / 2
    span = np.abs(along).max() or 1
    return 1 - rng.uniform(0, 0.12) * (along / span + 1) / 2


def _perspective(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    moved = corners + rng.uniform(-0.15, 0.15, (4, 2)).astype(np.float32) * np.float32([w, h])
    matrix = cv2.getPerspectiveTransform(corners, moved)
    paper = float(np.median(image))
    return cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_CONSTANT,
                               borderValue=(paper, paper, paper))
