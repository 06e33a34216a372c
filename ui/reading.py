"""The Draw page's readings, each computed once per drawing (or photo) and model, per session.

A stroke changes the drawing, so it is read again; but a rerun that leaves the drawing as it was
(another widget, the pen width, a photo upload) reuses the reading and its PNG-encoded images
from the session's state instead of decoding the canvas, preprocessing it and encoding five step
images again. Each session keeps one drawing's reading and one photo's per page: memory stays bounded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import cv2
import numpy as np
import streamlit as st

from mlcore.image_io import CleanPhoto, UploadError, clean_photo, decode_picture
from mlcore.inference import Recognition, Recognizer
from mlcore.numbers import NumberReading, read_photo_number, read_single_digit
from ui.widgets import enlarge

STEP_CAPTIONS = ("your drawing", "cropped to the ink", "scaled to 20 px", "pasted in 28×28",
                 "centred: the model's input")
_DRAWING = "_drawing_reading"
_PHOTO = "_photo_reading"
_NUMBER_PHOTO = "_number_photo_reading"


@dataclass(frozen=True)
class DrawingReading:
    """A drawing's reading, with its preprocessing steps as PNG bytes (enlarged to 140 px)."""

    reading: Recognition
    step_pngs: tuple[bytes, ...] = ()


def png_bytes(image: np.ndarray) -> bytes:
    """A grey uint8 image as PNG bytes (OpenCV's encoder)."""
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("PNG encoding failed")
    return encoded.tobytes()


def read_drawing(png: bytes | None, recognizer: Recognizer) -> DrawingReading | None:
    """The reading of the canvas PNG `png` (as the canvas sends it), or None before any drawing."""
    if png is None:
        return None
    key = (recognizer.key, hashlib.blake2b(png, digest_size=16).digest())
    cached = st.session_state.get(_DRAWING)
    if cached is not None and cached[0] == key:
        return cached[1]
    rgba = cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    reading = recognizer.recognize(rgba)
    steps = () if reading.is_blank else tuple(
        png_bytes(enlarge(image)) for image in (reading.trace.ink, reading.trace.cropped, reading.trace.scaled,
                                                 reading.trace.boxed, reading.image))
    result = DrawingReading(reading, steps)
    st.session_state[_DRAWING] = (key, result)
    return result


def show_verdict(reading: Recognition) -> None:
    """What the app says about a drawing it read (not blank): "I don't know" with the reason when it
    does not look like one digit, else the Prediction, its calibrated confidence and any "not sure"
    hint. The Draw page and Inside the network both show a reading this way."""
    if not reading.is_one_digit:
        st.subheader("I don't know")
        st.warning(reading.reason, icon=":material/help:")
        st.caption("What the network would have guessed anyway (calibrated probabilities):")
    else:
        st.metric("Prediction", reading.digit)
        st.markdown(f"Confidence: **{reading.confidence:.1%}**")
        if reading.is_unsure:
            st.info(reading.reason)


@dataclass(frozen=True)
class PhotoReading:
    """What the app did with an uploaded picture: grey (H, W) uint8, its cleaned ink, the reading
    (None when the picture is texture or noise: `problem` says so)."""

    grey: np.ndarray
    ink: np.ndarray
    reading: Recognition | None
    problem: str | None = None
    sheet: np.ndarray | None = None


def read_photo(file_id: str, data: bytes, recognizer: Recognizer) -> PhotoReading:
    """The reading of an uploaded photo of one digit, decoded once per upload; raises UploadError as
    `decode_picture` does (and again on later reruns of the same upload)."""
    def read() -> PhotoReading:
        grey = decode_picture(data)
        cleaned = clean_photo(grey)
        reading = None if cleaned.problem else read_single_digit(recognizer, cleaned.ink)
        return PhotoReading(grey, cleaned.ink, reading, cleaned.problem, cleaned.sheet)

    return _once_per_upload(_PHOTO, (recognizer.key, file_id), read)


@dataclass(frozen=True)
class NumberPhoto:
    """What the app did with an uploaded picture of a written number: grey (H, W) uint8, the cleaned
    photo, and the number read (None when the picture is texture, noise or too faint: `photo.problem`)."""

    grey: np.ndarray
    photo: CleanPhoto
    number: NumberReading | None


def read_number_photo(file_id: str, data: bytes, recognizer: Recognizer, side: int) -> NumberPhoto:
    """The reading of an uploaded photo of a written number, cleaned at `side` px, decoded once per
    upload (a stroke on the page's canvas does not read it again); raises UploadError as `read_photo`."""
    def read() -> NumberPhoto:
        grey = decode_picture(data)
        photo = clean_photo(grey, side=side)
        number = None if photo.problem else read_photo_number(recognizer, photo.canvas, photo.marks)
        return NumberPhoto(grey, photo, number)

    return _once_per_upload(_NUMBER_PHOTO, (recognizer.key, file_id, side), read)


def _once_per_upload(slot: str, key: tuple, read):
    """`read()`, or its result (or UploadError) kept in the session under `slot` for the same `key`."""
    cached = st.session_state.get(slot)
    if cached is None or cached[0] != key:
        try:
            cached = (key, read())
        except UploadError as error:
            cached = (key, error)
        st.session_state[slot] = cached
    if isinstance(cached[1], UploadError):
        raise cached[1]
    return cached[1]
