"""My digits: the collection, its zip round trip, and hostile zips refused with a reason."""

import csv
import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from mlcore.collection import Collection, CollectionFull, LabelledDigit, labelled_drawing
from mlcore.digit_zip import CSV_NAME, MAX_IMAGE_BYTES, DigitZipError, from_zip, to_zip
from mlcore.synthetic import render_digit
from mlcore.preprocess import canvas_to_mnist


def drawing(label: int, seed: int = 0, predicted: int | None = None) -> LabelledDigit:
    """A labelled drawing made the way the Draw page makes one: a rendered canvas stroke, preprocessed."""
    canvas = render_digit(label, np.random.default_rng(seed))
    return labelled_drawing(canvas_to_mnist(canvas), canvas, label,
                            label if predicted is None else predicted, "mnist_cnn")


@pytest.fixture(scope="module")
def digits():
    return [drawing(label, seed) for seed in range(2) for label in range(10)] + [drawing(4, 9, predicted=9)]


def test_collection_counts_deletes_and_clears(digits):
    collection = Collection(digits)
    assert collection.counts().tolist() == [2, 2, 2, 2, 3, 2, 2, 2, 2, 2]
    misread = next(d for d in collection if d.is_misread)
    assert (misread.label, misread.predicted) == (4, 9)
    assert collection.remove(misread.id) and misread.id not in collection
    assert not collection.remove(misread.id)
    assert collection.counts()[4] == 2 and len(collection.with_label(4)) == 2
    x, y = collection.arrays()
    assert x.shape == (20, 28, 28) and x.dtype == np.uint8 and y.dtype == np.uint8
    collection.clear()
    assert len(collection) == 0 and collection.arrays()[0].shape == (0, 28, 28)


def test_the_stored_image_is_the_model_input_in_mnist_layout():
    canvas = render_digit(7, np.random.default_rng(3))
    model_input = canvas_to_mnist(canvas)
    digit = labelled_drawing(model_input, canvas, 7, 1, "mnist_cnn")
    assert digit.image.dtype == np.uint8 and digit.image.max() == 255 and digit.image[0, 0] == 0
    assert np.abs(digit.image / 255.0 - model_input).max() <= 0.5 / 255 + 1e-6
    assert digit.canvas_png.startswith(b"\x89PNG") and digit.time.endswith("+00:00")


def test_a_full_collection_takes_all_or_nothing(digits):
    collection = Collection(digits[:5], limit=8)
    with pytest.raises(CollectionFull, match="room for 3 more"):
        collection.add_all(digits[5:9])
    assert len(collection) == 5
    assert collection.add_all(digits[3:8]) == 3, "digits already there are not added twice"
    assert len(collection) == 8


@pytest.mark.parametrize("bad", [{"label": 10}, {"label": -1}, {"label": True}, {"label": "3"},
                                 {"image": np.zeros((28, 28), np.float32)}, {"image": np.zeros((27, 28), np.uint8)}])
def test_a_digit_refuses_wrong_labels_and_images(bad):
    with pytest.raises(ValueError):
        LabelledDigit(**{"image": np.zeros((28, 28), np.uint8), "label": 3, **bad})


def test_zip_round_trip_keeps_every_field(digits):
    data = to_zip(digits)
    back = from_zip(data)
    assert [d.id for d in back] == [d.id for d in digits]
    for original, copy in zip(digits, back):
        assert np.array_equal(original.image, copy.image)
        assert (copy.label, copy.predicted, copy.model, copy.time, copy.canvas_png) == (
            original.label, original.predicted, original.model, original.time, original.canvas_png)


def test_zip_holds_pngs_a_csv_and_an_npz_in_mnist_layout(digits):
    with zipfile.ZipFile(io.BytesIO(to_zip(digits))) as archive:
        names = set(archive.namelist())
        rows = list(csv.DictReader(io.StringIO(archive.read(CSV_NAME).decode())))
        npz = np.load(io.BytesIO(archive.read("digits.npz")), allow_pickle=False)
        first_png = archive.read(rows[0]["image"])
    assert {f"images/{d.id}.png" for d in digits} | {f"canvas/{d.id}.png" for d in digits} <= names
    assert [int(r["label"]) for r in rows] == [d.label for d in digits]
    assert npz["x"].shape == (len(digits), 28, 28) and npz["x"].dtype == np.uint8
    assert npz["y"].dtype == np.uint8 and npz["y"].tolist() == [d.label for d in digits]
    assert np.array_equal(npz["x"][0], digits[0].image) and first_png.startswith(b"\x89PNG")


def test_digits_without_canvas_or_prediction_round_trip():
    plain = [LabelledDigit(image=np.full((28, 28), 9, np.uint8), label=5)]
    back = from_zip(to_zip(plain))
    assert back[0].canvas_png == b"" and back[0].predicted is None and back[0].label == 5


# Hostile zips ---------------------------------------------------------------------------------

def rebuild(data: bytes, change) -> bytes:
    """A copy of zip `data` whose {name: bytes} went through `change` (which may add or drop names)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files = change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_csv(data: bytes, edit) -> bytes:
    def change(files):
        rows = list(csv.DictReader(io.StringIO(files[CSV_NAME].decode())))
        edit(rows)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return {**files, CSV_NAME: text.getvalue().encode()}
    return rebuild(data, change)


def refused(data: bytes, reason: str, collection: Collection) -> None:
    """The zip is refused with `reason` and the collection it was meant for is left as it was."""
    before = [d.id for d in collection]
    with pytest.raises(DigitZipError, match=reason):
        collection.add_all(from_zip(data))
    assert [d.id for d in collection] == before


@pytest.fixture
def good(digits):
    return to_zip(digits)


@pytest.fixture
def mine(digits):
    return Collection([drawing(1, 42), drawing(2, 42)])


@pytest.mark.parametrize("name", ["../evil.png", "images/../../etc/passwd", "/etc/cron.d/x", "images\\..\\x.png",
                                  "C:/Windows/x.png"])
def test_path_traversal_names_are_refused(good, mine, name):
    refused(rebuild(good, lambda f: {**f, name: b"x"}), "outside the zip's folder", mine)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(good, mine):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("digits.npz", b"\0" * (300 * 2**20))
    assert len(bomb.getvalue()) < 2**20
    refused(rebuild(good, lambda f: {**f, "digits.npz": b"\0" * (300 * 2**20)}), "would unpack to", mine)
    refused(rebuild(good, lambda f: {**f, next(n for n in f if n.startswith("images/")): b"\0" * (MAX_IMAGE_BYTES + 1)}),
            "would unpack to", mine)


def test_a_bomb_whose_header_lies_about_its_size_stops_at_the_declared_size(good, mine):
    data = bytearray(rebuild(good, lambda f: {**f, "README.txt": b"A" * 2**20}))
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == b"README.txt":
            struct.pack_into("<I", data, central + 24, 100)  # claims 100 bytes; holds 1 MiB
        central = data.find(b"PK\x01\x02", central + 4)
    refused(bytes(data), "damaged", mine)


def test_non_image_files_are_refused(good, mine):
    refused(rebuild(good, lambda f: {**f, "notes.txt": b"hello"}), "not a file this app writes", mine)
    refused(rebuild(good, lambda f: {**f, "run.sh": b"rm -rf /"}), "not a file this app writes", mine)
    image = lambda f: next(n for n in f if n.startswith("images/"))  # noqa: E731
    refused(rebuild(good, lambda f: {**f, image(f): b"#!/bin/sh\necho not a picture"}), "is not a PNG picture", mine)
    jpeg = io.BytesIO()
    Image.new("L", (28, 28)).save(jpeg, "JPEG")
    refused(rebuild(good, lambda f: {**f, image(f): jpeg.getvalue()}), "JPEG file, not a PNG", mine)
    big = io.BytesIO()
    Image.new("L", (56, 56)).save(big, "PNG")
    refused(rebuild(good, lambda f: {**f, image(f): big.getvalue()}), "56×56 pixels", mine)
    refused(b"PK\x03\x04 this is not really a zip", "not a zip file", mine)
    refused(b"", "not a zip file", mine)


@pytest.mark.parametrize("label, reason", [("10", "label '10' is not a digit"), ("x", "label 'x' is not a digit"),
                                           ("", "label '' is not a digit"), ("-1", "label '-1'"),
                                           ("3; DROP TABLE digits", "is not a digit")])
def test_wrong_labels_are_refused_even_after_good_rows(good, mine, label, reason):
    def edit(rows):
        rows[-1]["label"] = label
    refused(with_csv(good, edit), reason, mine)


def test_rows_that_do_not_match_their_files_are_refused(good, mine):
    def swap_image(rows):
        rows[0]["image"] = rows[1]["image"]
    refused(with_csv(good, swap_image), "line 2: its image should be", mine)

    def drop_row(rows):
        rows.pop()
    refused(with_csv(good, drop_row), "is not listed in digits.csv", mine)

    def duplicate(rows):
        rows.append(dict(rows[0]))
    refused(with_csv(good, duplicate), "appears twice", mine)

    refused(rebuild(good, lambda f: {k: v for k, v in f.items() if k != CSV_NAME}), "no digits.csv", mine)


def test_too_many_files_or_drawings_are_refused(digits, mine):
    data = to_zip(digits)
    refused(rebuild(data, lambda f: {**f, **{f"canvas/{i:x}.png": b"" for i in range(10_000)}}), "The zip holds 10,045 files. My digits keeps at most 1,000 drawings, and a zip of 1,000 drawings "
            "holds at most 2,005 files .*Upload a zip of at most 1,000 drawings, such as one downloaded from My digits", mine)
    with pytest.raises(DigitZipError, match="more than 20 drawings"):
        from_zip(data, max_digits=20)
    assert len(from_zip(data, max_digits=21)) == 21


def test_a_zip_too_big_for_the_collection_adds_nothing(digits):
    almost_full = Collection([drawing(0, 100 + i) for i in range(5)], limit=20)
    with pytest.raises(CollectionFull, match="room for 15 more"):
        almost_full.add_all(from_zip(to_zip(digits)))
    assert len(almost_full) == 5


@settings(max_examples=60, deadline=None)
@given(cut=st.floats(0.0, 0.97))
def test_a_truncated_zip_is_refused_with_a_reason(cut):
    data = to_zip([LabelledDigit(image=np.eye(28, dtype=np.uint8) * 255, label=1, id="ab")])
    with pytest.raises(DigitZipError):
        from_zip(data[: int(len(data) * cut)])


def test_the_same_drawing_is_caught_by_its_pixels_and_label_not_only_its_id(digits):
    collection = Collection(digits[:3])
    copy = LabelledDigit(image=digits[0].image.copy(), label=digits[0].label)  # a new id: imported again
    relabelled = LabelledDigit(image=digits[1].image.copy(), label=(digits[1].label + 1) % 10)
    assert collection.add_all([copy, relabelled, LabelledDigit(image=relabelled.image.copy(), label=relabelled.label)]) == 1
    assert len(collection) == 4 and copy.id not in collection and relabelled.id in collection
    assert not collection.add(copy)
    assert collection.remove(digits[0].id) and collection.add(copy), "once deleted, the drawing can come back"
    copies = to_zip([LabelledDigit(image=d.image, label=d.label, canvas_png=d.canvas_png) for d in digits[:2]])
    imported = Collection(from_zip(to_zip(digits)))
    assert imported.add_all(from_zip(copies)) == 0, "a zip of the same drawings under new ids adds nothing"


def npz_of(x, y) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y)
    return buffer.getvalue()


def test_a_digits_npz_that_contradicts_the_pngs_is_refused(digits, good, mine):
    x = np.stack([d.image for d in digits])
    y = np.array([d.label for d in digits], np.uint8)
    assert len(from_zip(rebuild(good, lambda f: {**f, "digits.npz": npz_of(x, y)}))) == len(digits)
    relabelled = y.copy()
    relabelled[3] = (relabelled[3] + 1) % 10
    refused(rebuild(good, lambda f: {**f, "digits.npz": npz_of(x, relabelled)}),
            f"drawing {digits[3].id} \\(line 5\\) is labelled {y[3]} in digits.csv but {relabelled[3]} in digits.npz", mine)
    redrawn = x.copy()
    redrawn[7] = 255 - redrawn[7]
    refused(rebuild(good, lambda f: {**f, "digits.npz": npz_of(redrawn, y)}),
            f"the image of drawing {digits[7].id} \\(line 9\\) differs from images/{digits[7].id}.png", mine)
    refused(rebuild(good, lambda f: {**f, "digits.npz": npz_of(x[:-1], y[:-1])}), "does not match the PNGs: it holds x", mine)
    refused(rebuild(good, lambda f: {**f, "digits.npz": npz_of(x.astype(np.float32), y)}), "does not match the PNGs", mine)
    extra = io.BytesIO()
    np.savez(extra, x=x, y=y, names=np.array(["a"] * len(y)))
    refused(rebuild(good, lambda f: {**f, "digits.npz": extra.getvalue()}), "should hold the arrays x and y only", mine)
    refused(rebuild(good, lambda f: {**f, "digits.npz": b"not an npz"}), "digits.npz is not a numpy .npz file", mine)
    pickled = io.BytesIO()
    np.savez(pickled, x=np.array([object()] * 2, dtype=object), y=y)
    refused(rebuild(good, lambda f: {**f, "digits.npz": pickled.getvalue()}), "x is not a numpy array this app can read", mine)


def test_a_digits_npz_that_would_unpack_to_more_than_its_drawings_is_refused(good, mine):
    bomb = io.BytesIO()
    np.savez_compressed(bomb, x=np.zeros((20_000, 28, 28), np.uint8), y=np.zeros(20_000, np.uint8))
    assert len(bomb.getvalue()) < 2**20
    refused(rebuild(good, lambda f: {**f, "digits.npz": bomb.getvalue()}), "x would unpack to 15,680,128 bytes", mine)
