"""Labelled drawings as a zip file, and back, refusing anything that is not such a zip.

The zip holds, at its top level:

    digits.csv          one row per drawing: id, image, canvas, label, predicted, model, time
    images/<id>.png     the model's 28x28 input, 8-bit grayscale, ink = 255 (MNIST's convention)
    canvas/<id>.png     the raw canvas as drawn (RGBA), when known
    digits.npz          x (N, 28, 28) uint8 and y (N,) uint8, MNIST's layout (`np.load`, no pickle)
    README.txt          what the files are

Reading trusts nothing: every name is checked before anything is decompressed (no absolute
paths, no "..", no unexpected files), sizes are capped before and while reading (a zip bomb
stops at its declared size, and a header that lies fails its CRC), every PNG is decoded and
checked, every label must be a digit, and the whole zip is parsed before anything is returned,
so a refused zip imports nothing. The CSV and the PNGs are the source of truth; `digits.npz`, when
present, must hold the same drawings in the same order (same pixels, same labels), or the zip is
refused: one of them was edited, and the app cannot tell which is right.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from mlcore.collection import MAX_DIGITS, LabelledDigit

CSV_NAME = "digits.csv"
NPZ_NAME = "digits.npz"
README_NAME = "README.txt"
COLUMNS = ["id", "image", "canvas", "label", "predicted", "model", "time"]
REQUIRED_COLUMNS = {"id", "image", "label"}

MAX_ZIP_BYTES = 20 * 2**20
"""Largest zip read (compressed)."""
MAX_IMAGE_BYTES = 64 * 2**10
MAX_CANVAS_BYTES = 2 * 2**20
MAX_CANVAS_SIDE = 2048
MAX_CSV_BYTES = 2 * 2**20
MAX_OTHER_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 256 * 2**20
"""Largest total of the files' uncompressed sizes."""

_ID = r"[0-9a-f]{1,64}"
_NAME = re.compile(rf"^(?:{re.escape(CSV_NAME)}|{re.escape(NPZ_NAME)}|{re.escape(README_NAME)}"
                   rf"|images/{_ID}\.png|canvas/{_ID}\.png|images/|canvas/)$")
_IGNORED = re.compile(r"^(?:__MACOSX/.*|(?:.*/)?\.DS_Store)$")
_README = """Handwritten digits: labelled drawings.

digits.csv       one row per drawing: id, image file, canvas file, label (the true digit),
                 predicted (what the model read), model (its name), time (UTC)
images/<id>.png  the model's 28x28 input, grayscale, white ink on black like MNIST
canvas/<id>.png  the drawing as it was on the canvas
digits.npz       numpy.load("digits.npz"): x (N, 28, 28) uint8, y (N,) uint8, in the CSV's order
"""


class DigitZipError(ValueError):
    """The zip is not one this app can read back; the message gives the reason, for the user."""


def to_zip(digits: Iterable[LabelledDigit]) -> bytes:
    """The digits as a zip in the layout above (deflated; the npz is stored, it is compressed already)."""
    digits = list(digits)
    buffer = io.BytesIO()
    rows = io.StringIO()
    writer = csv.DictWriter(rows, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for digit in digits:
            image_name = f"images/{digit.id}.png"
            archive.writestr(image_name, _png(digit.image))
            canvas_name = f"canvas/{digit.id}.png" if digit.canvas_png else ""
            if canvas_name:
                archive.writestr(canvas_name, digit.canvas_png)
            writer.writerow({"id": digit.id, "image": image_name, "canvas": canvas_name, "label": digit.label,
                             "predicted": "" if digit.predicted is None else digit.predicted,
                             "model": digit.model, "time": digit.time})
        archive.writestr(CSV_NAME, rows.getvalue())
        archive.writestr(README_NAME, _README)
        archive.writestr(NPZ_NAME, _npz(digits), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def from_zip(data: bytes, max_digits: int = MAX_DIGITS) -> list[LabelledDigit]:
    """The drawings in a zip written by `to_zip`, all of them, or DigitZipError with the reason."""
    if len(data) > MAX_ZIP_BYTES:
        raise DigitZipError(f"The file is {len(data) / 2**20:.1f} MB; zips up to {MAX_ZIP_BYTES // 2**20} MB are read.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise DigitZipError("That file is not a zip file (or it is damaged).") from error
    with archive:
        entries = _checked_entries(archive, max_digits)
        files = {name: _read(archive, info) for name, info in entries.items() if not name.endswith("/")}
    if CSV_NAME not in files:
        raise DigitZipError(f"The zip has no {CSV_NAME} at its top level.")
    digits = _parse_rows(files, max_digits)
    referenced = {f"images/{d.id}.png" for d in digits} | {f"canvas/{d.id}.png" for d in digits if d.canvas_png}
    stray = sorted(n for n in files if n.startswith(("images/", "canvas/")) and n not in referenced)
    if stray:
        raise DigitZipError(f"{stray[0]} is not listed in {CSV_NAME}.")
    if NPZ_NAME in files:
        _check_npz_matches(files[NPZ_NAME], digits)
    return digits


def _checked_entries(archive: zipfile.ZipFile, max_digits: int) -> dict[str, zipfile.ZipInfo]:
    infos = [info for info in archive.infolist() if not _IGNORED.match(info.filename)]
    if len(infos) > 2 * max_digits + 5:
        raise DigitZipError(f"The zip holds {len(infos):,} files. My digits keeps at most {max_digits:,} drawings, and "
                            f"a zip of {max_digits:,} drawings holds at most {2 * max_digits + 5:,} files (two "
                            f"pictures per drawing, {CSV_NAME}, {NPZ_NAME} and {README_NAME}). Upload a zip of at "
                            f"most {max_digits:,} drawings, such as one downloaded from My digits.")
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name):
            raise DigitZipError(f"The zip holds a file named {name[:80]!r}, which points outside the zip's folder.")
        if not _NAME.match(name):
            raise DigitZipError(f"The zip holds {name[:80]!r}, which is not a file this app writes "
                                f"({CSV_NAME}, images/<id>.png, canvas/<id>.png, {NPZ_NAME}, {README_NAME}).")
        if name in entries:
            raise DigitZipError(f"The zip holds {name} twice.")
        if info.flag_bits & 0x1:
            raise DigitZipError("The zip is encrypted.")
        if info.file_size > _size_limit(name):
            raise DigitZipError(f"{name} would unpack to {info.file_size:,} bytes; "
                                f"at most {_size_limit(name):,} are read.")
        entries[name] = info
    total = sum(info.file_size for info in entries.values())
    if total > MAX_TOTAL_BYTES:
        raise DigitZipError(f"The zip would unpack to {total / 2**20:,.0f} MB; at most {MAX_TOTAL_BYTES // 2**20} MB.")
    return entries


def _size_limit(name: str) -> int:
    if name.startswith("images/"):
        return MAX_IMAGE_BYTES
    if name.startswith("canvas/"):
        return MAX_CANVAS_BYTES
    if name == CSV_NAME:
        return MAX_CSV_BYTES
    return MAX_OTHER_BYTES


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The file's bytes, never more than its declared size (zipfile stops there and checks the CRC)."""
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
        raise DigitZipError(f"{info.filename} in the zip is damaged or packed in a way this app cannot read.") from error
    if len(data) != info.file_size:
        raise DigitZipError(f"{info.filename} in the zip is damaged (its size does not match its header).")
    return data


def _parse_rows(files: dict[str, bytes], max_digits: int) -> list[LabelledDigit]:
    try:
        text = files[CSV_NAME].decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DigitZipError(f"{CSV_NAME} is not UTF-8 text.") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise DigitZipError(f"{CSV_NAME} lacks the column(s) {', '.join(sorted(missing))}.")
    digits: list[LabelledDigit] = []
    seen: set[str] = set()
    try:
        for line, row in enumerate(reader, start=2):
            if len(digits) == max_digits:
                raise DigitZipError(f"{CSV_NAME} lists more than {max_digits:,} drawings, the most My digits keeps. "
                                    f"Upload a zip of at most {max_digits:,} drawings, such as one downloaded from "
                                    f"My digits.")
            digit = _parse_row(row, line, files)
            if digit.id in seen:
                raise DigitZipError(f"{CSV_NAME} line {line}: the id {digit.id} appears twice.")
            seen.add(digit.id)
            digits.append(digit)
    except csv.Error as error:
        raise DigitZipError(f"{CSV_NAME} is not a valid CSV file ({error}).") from error
    if not digits:
        raise DigitZipError(f"{CSV_NAME} lists no drawings.")
    return digits


def _parse_row(row: dict, line: int, files: dict[str, bytes]) -> LabelledDigit:
    where = f"{CSV_NAME} line {line}"
    if None in row or any(value is None for value in row.values()):
        raise DigitZipError(f"{where} does not have one value per column.")
    digit_id, label, predicted = row["id"].strip(), row["label"].strip(), (row.get("predicted") or "").strip()
    if not re.fullmatch(_ID, digit_id):
        raise DigitZipError(f"{where}: the id {digit_id[:40]!r} is not 1-64 lowercase hex digits.")
    if not re.fullmatch(r"[0-9]", label):
        raise DigitZipError(f"{where}: the label {label[:20]!r} is not a digit 0-9.")
    if predicted and not re.fullmatch(r"[0-9]", predicted):
        raise DigitZipError(f"{where}: predicted {predicted[:20]!r} is not a digit 0-9.")
    image_name = row["image"].strip()
    if image_name != f"images/{digit_id}.png" or image_name not in files:
        raise DigitZipError(f"{where}: its image should be images/{digit_id}.png, in the zip.")
    canvas_name = (row.get("canvas") or "").strip()
    if canvas_name and (canvas_name != f"canvas/{digit_id}.png" or canvas_name not in files):
        raise DigitZipError(f"{where}: its canvas picture should be canvas/{digit_id}.png, in the zip.")
    model, time = (row.get("model") or "").strip(), (row.get("time") or "").strip()
    if len(model) > 200:
        raise DigitZipError(f"{where}: the model name is longer than 200 characters.")
    if time and not _is_iso_time(time):
        raise DigitZipError(f"{where}: the time {time[:40]!r} is not an ISO 8601 time.")
    canvas_png = files[canvas_name] if canvas_name else b""
    if canvas_png:
        _check_canvas(canvas_name, canvas_png)
    return LabelledDigit(image=_decode_image(image_name, files[image_name]), label=int(label), canvas_png=canvas_png,
                         predicted=int(predicted) if predicted else None, model=model, time=time, id=digit_id)


def _is_iso_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) <= 40


def _open_png(name: str, data: bytes) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise DigitZipError(f"{name} is not a PNG picture.") from error
    if picture.format != "PNG":
        raise DigitZipError(f"{name} is a {picture.format} file, not a PNG picture.")
    return picture


def _decode_image(name: str, data: bytes) -> np.ndarray:
    picture = _open_png(name, data)
    if picture.size != (28, 28):
        raise DigitZipError(f"{name} is {picture.width}×{picture.height} pixels; the model's images are 28×28.")
    try:
        return np.asarray(picture.convert("L"), dtype=np.uint8).copy()
    except (OSError, SyntaxError, ValueError) as error:
        raise DigitZipError(f"{name} is a damaged PNG picture.") from error


def _check_canvas(name: str, data: bytes) -> None:
    picture = _open_png(name, data)
    if max(picture.size) > MAX_CANVAS_SIDE:
        raise DigitZipError(f"{name} is {picture.width}×{picture.height} pixels; "
                            f"canvas pictures up to {MAX_CANVAS_SIDE} a side are read.")
    try:
        picture.verify()  # every chunk's CRC, without decoding the pixels (the app never decodes them)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DigitZipError(f"{name} is a damaged PNG picture.") from error


def _check_npz_matches(data: bytes, digits: list[LabelledDigit]) -> None:
    """Refuse the zip unless digits.npz holds exactly x (N, 28, 28) uint8 and y (N,) uint8 equal to
    the PNGs and the CSV's labels, in the CSV's order. Its arrays are read with the zip checks above
    (declared sizes, CRC) and `np.load(allow_pickle=False)`, each at most 8 bytes an element."""
    x_expected = np.stack([d.image for d in digits])
    y_expected = np.array([d.label for d in digits], np.uint8)
    try:
        inner = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise DigitZipError(f"{NPZ_NAME} is not a numpy .npz file (or it is damaged).") from error
    with inner:
        infos = {info.filename: info for info in inner.infolist()}
        if set(infos) != {"x.npy", "y.npy"}:
            raise DigitZipError(f"{NPZ_NAME} should hold the arrays x and y only; it holds "
                                f"{', '.join(sorted(n.removesuffix('.npy') for n in infos))[:120]}.")
        arrays = {}
        for name, expected in (("x", x_expected), ("y", y_expected)):
            info = infos[f"{name}.npy"]
            if info.file_size > expected.size * 8 + 1024:  # room for any 8-byte dtype: the check below names it
                raise DigitZipError(f"{NPZ_NAME}: {name} would unpack to {info.file_size:,} bytes, far more than "
                                    f"{len(digits):,} drawings take.")
            try:
                arrays[name] = np.load(io.BytesIO(_read(inner, info)), allow_pickle=False)
            except (ValueError, OSError, EOFError) as error:
                raise DigitZipError(f"{NPZ_NAME}: {name} is not a numpy array this app can read.") from error
    x, y = arrays["x"], arrays["y"]
    if x.shape != x_expected.shape or x.dtype != np.uint8 or y.shape != y_expected.shape or y.dtype != np.uint8:
        raise DigitZipError(f"{NPZ_NAME} does not match the PNGs: it holds x {x.dtype} {x.shape} and y {y.dtype} "
                            f"{y.shape}, and {CSV_NAME} lists {len(digits):,} drawings of 28×28. "
                            f"Nothing was imported.")
    for i, digit in enumerate(digits):
        if int(y[i]) != digit.label:
            raise DigitZipError(f"{NPZ_NAME} does not match {CSV_NAME}: drawing {digit.id} (line {i + 2}) is labelled "
                                f"{digit.label} in {CSV_NAME} but {int(y[i])} in {NPZ_NAME}. Nothing was imported.")
        if not np.array_equal(x[i], digit.image):
            raise DigitZipError(f"{NPZ_NAME} does not match the PNGs: the image of drawing {digit.id} (line {i + 2}) "
                                f"differs from images/{digit.id}.png. Nothing was imported.")


def _png(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("a digit image could not be encoded as PNG")
    return encoded.tobytes()


def _npz(digits: list[LabelledDigit]) -> bytes:
    x = np.stack([d.image for d in digits]) if digits else np.zeros((0, 28, 28), np.uint8)
    y = np.array([d.label for d in digits], np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x, y=y)
    return buffer.getvalue()
