"""Fuzzing the picture reader and the model loader with Hypothesis: random and mutated files.

Every file either gives a reading or is refused with the module's own error and a message;
nothing else (no IndexError from a codec, no AttributeError from a sidecar) may escape. The
examples are derandomized, so a CI run is reproducible, and few enough to run in under a minute.
"""

import io
import json
import zipfile

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from mlcore.image_io import UploadError, decode_picture, photo_to_canvas
from mlcore.model import Architecture, ModelError, build_model, load_model, read_metadata, sidecar_path

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

PICTURE_CASES = 1000
RANDOM_CASES = 500
SIDECAR_CASES = 300
ARCHIVE_CASES = 150
FUZZ = dict(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))


def _seed_pictures() -> list[bytes]:
    """Small valid files of every format the Draw page takes, and a few modes of each."""
    digit = np.full((36, 30, 3), 220, np.uint8)
    cv2.polylines(digit, [np.array([[6, 6], [24, 6], [12, 30]])], False, (30, 30, 30), 3)
    rgb = Image.fromarray(digit)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.fromarray(255 - digit[..., 0]))
    files = []
    for picture, format, options in [
        (rgb, "PNG", {}), (rgba, "PNG", {}), (rgb.convert("P"), "PNG", {"transparency": 0}),
        (Image.fromarray((digit[..., 0].astype(np.uint16) * 257)), "PNG", {}), (rgb.convert("1"), "PNG", {}),
        (rgb, "JPEG", {"quality": 60}), (rgb.convert("CMYK"), "JPEG", {}), (rgb, "BMP", {}),
        (rgb, "GIF", {"save_all": True, "append_images": [rgb.rotate(90)]}), (rgb, "WEBP", {}),
        (rgba, "WEBP", {"lossless": True}), (rgb, "TIFF", {}),
    ]:
        buffer = io.BytesIO()
        picture.save(buffer, format=format, **options)
        files.append(buffer.getvalue())
    return files


SEEDS = _seed_pictures()


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A seed file with a few bytes flipped, overwritten, inserted or cut, mostly near its header."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.one_of(st.integers(0, min(80, len(data))), st.integers(0, len(data))))
        action = draw(st.sampled_from(["flip", "overwrite", "insert", "truncate", "delete"]))
        if action == "flip" and position < len(data):
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif action == "overwrite":
            data[position : position + 4] = draw(st.binary(min_size=1, max_size=4))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif action == "truncate":
            del data[position:]
        else:
            del data[position : position + draw(st.integers(1, 32))]
    return bytes(data)


def assert_read_or_refused(data: bytes, recognizer) -> str:
    try:
        reading = recognizer.recognize(photo_to_canvas(decode_picture(data)))
    except UploadError as error:
        assert str(error), "a refusal says why"
        return "refused"
    assert reading.is_blank or 0 <= reading.digit <= 9
    return "read"


@settings(max_examples=PICTURE_CASES, **FUZZ)
@given(data=mutated(SEEDS))
def test_mutated_pictures_are_read_or_refused_with_a_reason(data, recognizer):
    event(assert_read_or_refused(data, recognizer))


MAGIC = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"RIFF\x00\x00\x00\x00WEBP", b"II*\x00"]


@settings(max_examples=RANDOM_CASES, **FUZZ)
@given(magic=st.sampled_from(MAGIC), tail=st.binary(max_size=600))
def test_random_bytes_are_refused_with_a_reason(magic, tail, recognizer):
    assert_read_or_refused(magic + tail, recognizer)


def test_the_seed_pictures_themselves_are_read(recognizer):
    assert all(assert_read_or_refused(data, recognizer) == "read" for data in SEEDS)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "tiny.keras"
    build_model(Architecture(conv_blocks=0, dense_units=4), name="tiny").save(path)
    return path


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
FIELDS = st.dictionaries(st.sampled_from(["test_accuracy", "name", "model_sha256", "layers", "training",
                                          "parameters", "architecture"]), JSON, max_size=5)


@settings(max_examples=SIDECAR_CASES, **FUZZ)
@given(sidecar=st.one_of(JSON.map(json.dumps), FIELDS.map(json.dumps), st.binary(max_size=200)))
def test_any_sidecar_is_validated_as_data(sidecar, tiny_model):
    sidecar_path(tiny_model).write_bytes(sidecar.encode() if isinstance(sidecar, str) else sidecar)
    metadata = read_metadata(tiny_model)
    assert metadata is None or isinstance(metadata, dict)
    if metadata is not None and "test_accuracy" in metadata:
        assert f"{metadata['test_accuracy']:.2%}"  # what the page shows must format


@settings(max_examples=ARCHIVE_CASES, **FUZZ)
@given(data=st.data())
def test_damaged_keras_archives_raise_model_error_naming_the_file(data, tiny_model, tmp_path_factory):
    original = tiny_model.read_bytes()
    damaged = data.draw(mutated([original]))
    if data.draw(st.booleans()):  # or rebuild the archive with one member damaged or gone
        damaged = _rezip(original, data)
    path = tmp_path_factory.mktemp("damaged") / "damaged.keras"
    path.write_bytes(damaged)
    try:
        load_model(path)
    except ModelError as error:
        assert "damaged.keras" in str(error)


def _rezip(original: bytes, data) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            choice = data.draw(st.sampled_from(["keep", "drop", "mutate"]))
            if choice == "keep":
                target.writestr(name, content)
            elif choice == "mutate":
                target.writestr(name, data.draw(mutated([content])) if content else content)
    return buffer.getvalue()
