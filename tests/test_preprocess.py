import io

import cv2
import numpy as np
import pytest
from PIL import Image

from mlcore.image_io import MAX_MEGABYTES, MAX_PIXELS, UploadError, decode_picture, photo_to_canvas
from mlcore.preprocess import DIGIT_BOX, canvas_to_mnist, trace
from mlcore.synthetic import render_digit


def canvas(side=280, ink=255, background=0):
    image = np.full((side, side, 4), background, dtype=np.uint8)
    image[..., 3] = 255
    return image, ink


def draw_seven(side=280, ink=255, background=0, scale=1.0, offset=(0, 0), width=18):
    image, ink = canvas(side, ink, background)
    points = np.array([[80, 60], [200, 60], [120, 230]], dtype=float) * scale * side / 280
    points += np.array(offset) * side / 280
    cv2.polylines(image, [points.astype(np.int32)], False, (ink, ink, ink, 255),
                  max(1, round(width * side / 280)), cv2.LINE_AA)
    return image


def centre_of_mass(image):
    ys, xs = np.indices(image.shape)
    return (image * ys).sum() / image.sum(), (image * xs).sum() / image.sum()


@pytest.mark.parametrize("scale,offset", [(1.0, (0, 0)), (0.4, (-40, -30)), (0.5, (120, 110)), (1.1, (-10, -15))])
def test_digit_is_centred_by_mass_and_fits_a_20px_box(scale, offset):
    image = canvas_to_mnist(draw_seven(scale=scale, offset=offset))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    cy, cx = centre_of_mass(image)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    ys, xs = np.nonzero(image > 0.05)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 == pytest.approx(DIGIT_BOX, abs=1)


def test_blank_canvas_is_none():
    image, _ = canvas()
    assert canvas_to_mnist(image) is None
    assert trace(image).blank_reason == "The canvas is empty."


def test_a_dot_is_not_a_digit():
    image, _ = canvas()
    cv2.circle(image, (140, 140), 10, (255, 255, 255, 255), -1)
    assert canvas_to_mnist(image) is None
    assert "too small" in trace(image).blank_reason


def test_ink_colour_does_not_matter():
    white_on_black = canvas_to_mnist(draw_seven())
    black_on_white = canvas_to_mnist(draw_seven(ink=0, background=255))
    assert np.abs(white_on_black - black_on_white).max() < 1e-6


def test_transparent_background_uses_the_alpha_channel():
    opaque = draw_seven()
    transparent = opaque.copy()
    transparent[..., 3] = opaque[..., 0]
    transparent[..., :3] = 0
    assert np.abs(canvas_to_mnist(transparent) - canvas_to_mnist(opaque)).max() < 1e-6


@pytest.mark.parametrize("side", [140, 400, 560])
def test_any_canvas_size_gives_the_same_digit(side):
    reference = canvas_to_mnist(draw_seven())
    other = canvas_to_mnist(draw_seven(side=side))
    correlation = np.corrcoef(reference.ravel(), other.ravel())[0, 1]
    assert correlation > 0.9


def test_trace_keeps_every_step():
    steps = trace(render_digit(3, np.random.default_rng(0)))
    assert steps.ink.shape == (280, 280)
    assert max(steps.scaled.shape) == DIGIT_BOX
    assert steps.boxed.shape == (28, 28) and steps.image.shape == (28, 28)


def test_rejects_what_is_not_an_image():
    with pytest.raises(ValueError):
        canvas_to_mnist(np.zeros((280, 280, 2), dtype=np.uint8))
    with pytest.raises(ValueError):
        canvas_to_mnist(np.zeros((4, 4, 4), dtype=np.uint8))


def test_uploaded_pictures_are_read_or_refused_with_a_reason():
    photo = draw_seven(ink=30, background=230)
    buffer = io.BytesIO()
    Image.fromarray(photo[..., :3]).save(buffer, format="JPEG")
    decoded = decode_picture(buffer.getvalue())
    assert decoded.shape == (280, 280) and decoded.dtype == np.uint8
    assert np.corrcoef(canvas_to_mnist(photo_to_canvas(decoded)).ravel(),
                       canvas_to_mnist(draw_seven()).ravel())[0, 1] > 0.9
    with pytest.raises(UploadError, match="not a picture"):
        decode_picture(b"\x89PNG\r\n\x1a\n truncated")
    huge = io.BytesIO()
    Image.new("1", (MAX_PIXELS // 4000 + 1, 4000)).save(huge, format="PNG")
    with pytest.raises(UploadError, match="megapixels: too many"):
        decode_picture(huge.getvalue())
    with pytest.raises(UploadError, match="MB"):
        decode_picture(b"\x00" * (MAX_MEGABYTES * 2**20 + 1))


def test_a_photo_on_unevenly_lit_paper_becomes_a_clean_canvas():
    columns = np.linspace(150, 240, 560)[None, :].repeat(560, axis=0)
    seven = draw_seven(side=560)[..., 0] > 127
    photo = np.where(seven, columns - 110, columns).astype(np.uint8)
    rgba = cv2.cvtColor(photo, cv2.COLOR_GRAY2RGBA)
    assert canvas_to_mnist(rgba) is not None
    cleaned = photo_to_canvas(rgba)
    assert cleaned.shape == (280, 280, 4)
    correlation = np.corrcoef(canvas_to_mnist(cleaned).ravel(), canvas_to_mnist(draw_seven()).ravel())[0, 1]
    assert correlation > 0.8
    black_on_transparent = np.zeros((280, 280, 4), dtype=np.uint8)
    black_on_transparent[..., 3] = draw_seven()[..., 0]
    assert canvas_to_mnist(photo_to_canvas(black_on_transparent)) is not None
    assert canvas_to_mnist(photo_to_canvas(np.full((100, 100, 4), 255, np.uint8))) is None
