"""The picture reader, on the pictures of issue 10 and on every mode Pillow opens."""

import io

import cv2

import numpy as np
import pytest
from PIL import Image

from mlcore.image_io import MAX_SIDE, UploadError, clean_ink, decode_picture, photo_to_canvas
from .photos import (ONE, SEVEN, bold_tight_seven, encoded, ink_on_transparent, png_bytes,
                          sixteen_bit_three)


def read(recognizer, data: bytes):
    return recognizer.recognize(photo_to_canvas(decode_picture(data)))


@pytest.mark.parametrize("width,height", [(400, 10), (10, 400), (4000, 20)])
def test_row1_a_long_thin_strip_is_refused_with_a_reason(width, height):
    with pytest.raises(UploadError, match=f"{width}×{height} pixels, too long and thin"):
        decode_picture(png_bytes(np.full((height, width), 255, np.uint8)))


def test_row2_a_16_bit_grey_png_reads_as_its_8_bit_twin(recognizer):
    assert Image.open(io.BytesIO(sixteen_bit_three())).mode == "I;16"
    sixteen, eight = read(recognizer, sixteen_bit_three()), read(recognizer, sixteen_bit_three(bits=8))
    assert (sixteen.digit, eight.digit) == (3, 3)
    assert sixteen.confidence > 0.9


@pytest.mark.parametrize("points,digit", [(SEVEN, 7), (ONE, 1)])
def test_row3_white_ink_on_a_transparent_background(recognizer, points, digit):
    reading = read(recognizer, png_bytes(ink_on_transparent(points)))
    assert reading.digit == digit and reading.confidence > 0.9


def test_row3_black_ink_on_a_transparent_background_reads_the_same(recognizer):
    assert read(recognizer, png_bytes(ink_on_transparent(SEVEN, ink=0))).digit == 7


def test_row4_a_bold_seven_whose_ink_covers_most_of_a_tight_crop(recognizer):
    seven = bold_tight_seven()
    assert (seven < 118).mean() >= 0.55
    assert read(recognizer, png_bytes(seven)).digit == 7
    assert read(recognizer, png_bytes(255 - seven)).digit == 7, "the same, light on dark"


def seven_picture(ink=(30, 30, 30), paper=(230, 230, 230)):
    picture = np.empty((280, 280, 3), np.uint8)
    picture[:] = paper
    cv2.polylines(picture, [SEVEN], False, ink, 18, cv2.LINE_AA)
    return picture


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "CMYK", "LA", "I", "F"])
def test_every_mode_pillow_opens_reads_the_seven(recognizer, mode):
    picture = Image.fromarray(seven_picture()).convert(mode)
    format = {"CMYK": "TIFF", "I": "TIFF", "F": "TIFF"}.get(mode, "PNG")
    assert read(recognizer, encoded(picture, format)).digit == 7


def test_a_palette_picture_with_a_transparent_background(recognizer):
    picture = Image.fromarray((ink_on_transparent(SEVEN)[..., 3] > 127).astype(np.uint8), mode="L").convert("P")
    picture.putpalette([0, 0, 0, 255, 255, 255])  # index 0: black, made transparent; index 1: white ink
    data = encoded(picture, "PNG", transparency=0)
    reopened = Image.open(io.BytesIO(data))
    assert reopened.mode == "P" and reopened.info["transparency"] == 0
    assert read(recognizer, data).digit == 7


def test_an_exif_rotated_jpeg_is_turned_upright(recognizer):
    sideways = Image.fromarray(seven_picture()).rotate(90, expand=True)  # the camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90 degrees clockwise to view
    data = encoded(sideways, "JPEG", exif=exif, quality=90)
    assert decode_picture(data).shape == (280, 280)
    assert read(recognizer, data).digit == 7


def test_an_animated_gif_is_read_from_its_first_frame(recognizer):
    seven, blank = Image.fromarray(seven_picture()), Image.new("RGB", (280, 280), (230, 230, 230))
    one = np.full((280, 280, 3), 230, np.uint8)
    cv2.polylines(one, [ONE], False, (30, 30, 30), 18)
    data = encoded(seven, "GIF", save_all=True, append_images=[Image.fromarray(one), blank], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    assert read(recognizer, data).digit == 7


def test_coloured_ink_on_tinted_paper(recognizer):
    for ink, paper in [((30, 60, 190), (245, 235, 170)), ((200, 30, 40), (220, 240, 250))]:
        assert read(recognizer, png_bytes(seven_picture(ink, paper))).digit == 7


def test_a_hard_shadow_across_a_seven_leaves_its_ink_whole(recognizer):
    picture = seven_picture().astype(np.float32)
    picture[:, 140:] *= 0.35  # the phone's shadow over the right half: paper at 35 % of its brightness
    reading = read(recognizer, png_bytes(picture.astype(np.uint8)))
    assert reading.digit == 7
    ink = clean_ink(picture.astype(np.uint8)[..., 0])
    assert ink[:, 150:].max() > 0 and (ink > 0).mean() < 0.15, "the stroke in the shadow kept, the shadow not ink"


def test_a_blank_page_has_no_digit(recognizer):
    noisy = np.clip(np.random.default_rng(0).normal(220, 4, (300, 300)), 0, 255).astype(np.uint8)
    assert read(recognizer, png_bytes(noisy)).is_blank


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"hello, this is text", "not a picture"),
    (b"\x00" * (11 * 1024 * 1024), "MB"),
    (png_bytes(np.zeros((4, 4), np.uint8)), "too small"),
])
def test_what_is_not_a_readable_picture_is_refused_with_a_reason(data, reason):
    with pytest.raises(UploadError, match=reason):
        decode_picture(data)


def test_a_truncated_picture_is_refused():
    whole = png_bytes(seven_picture())
    with pytest.raises(UploadError, match="damaged"):
        decode_picture(whole[: len(whole) // 2])
    jpeg = encoded(Image.fromarray(seven_picture()), "JPEG")
    with pytest.raises(UploadError, match="damaged"):
        decode_picture(jpeg[: len(jpeg) // 2])


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = encoded(Image.new("1", (MAX_SIDE * 4, MAX_SIDE * 4)), "PNG")  # a few kB, 268 megapixels
    assert len(bomb) < 100_000
    with pytest.raises(UploadError, match="pixels a side"):
        decode_picture(bomb)
    wide = encoded(Image.new("L", (MAX_SIDE + 1, 400)), "PNG")
    with pytest.raises(UploadError, match="pixels a side"):
        decode_picture(wide)
