"""The Draw page's photo section: what the app did with an uploaded picture, step by step."""

from __future__ import annotations

import cv2
import numpy as np
import streamlit as st

from mlcore.image_io import UploadError
from mlcore.inference import Recognizer
from ui.reading import read_photo
from ui.widgets import enlarge

THUMBNAIL = 160


def show_photo_reading(recognizer: Recognizer, upload) -> None:
    """The picture, its cleaned ink, the 28x28 input and the digit read, or why the file was refused."""
    st.subheader("Your photo")
    try:
        photo = read_photo(upload.file_id, upload.getvalue(), recognizer)
    except UploadError as error:
        st.error(str(error), icon=":material/broken_image:")
        return
    grey, ink, reading = photo.grey, photo.ink, photo.reading
    steps = [(_thumbnail(grey), "your picture, in grey"), (_thumbnail(ink, margin=0), "the ink, cleaned"),
             (enlarge(reading.image if reading.image is not None else np.zeros((28, 28)), THUMBNAIL),
              "the model's 28×28 input")]
    answer_column, *image_columns = st.columns([1.2, 1, 1, 1])  # the answer first: it leads on a phone too
    for column, (image, caption) in zip(image_columns, steps):
        column.image(image, caption=caption, width=THUMBNAIL)
    if reading.is_blank:
        answer_column.warning(f"No digit found in the photo. {reading.trace.blank_reason}",
                              icon=":material/search_off:")
    elif not reading.is_one_digit:
        answer_column.warning(f"I don't know. {reading.reason}", icon=":material/help:")
    else:
        answer_column.metric("The photo reads as", reading.digit)
        answer_column.caption(f"Confidence {reading.confidence:.1%}")


def _thumbnail(grey: np.ndarray, margin: int = 255) -> np.ndarray:
    """`grey` fitted into a THUMBNAIL-px square, the rest filled with `margin`, so the steps line up."""
    scale = THUMBNAIL / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    fitted = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    top, left = (THUMBNAIL - size[1]) // 2, (THUMBNAIL - size[0]) // 2
    return cv2.copyMakeBorder(fitted, top, THUMBNAIL - size[1] - top, left, THUMBNAIL - size[0] - left,
                              cv2.BORDER_CONSTANT, value=margin)
