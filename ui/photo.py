"""The Draw page's photo section: what the app did with an uploaded picture, step by step."""

from __future__ import annotations

import cv2
import numpy as np
import streamlit as st

from mlcore.image_io import NO_CLEAR_DIGIT, UploadError
from mlcore.inference import SEVERAL_DIGITS, Recognition, Recognizer
from ui.reading import read_photo
from ui.widgets import enlarge, probability_chart

THUMBNAIL = 160
NUMBER_PAGE = "pages/number.py"
PHOTO_CHART_HEIGHT = 170


def show_photo_reading(recognizer: Recognizer, upload) -> None:
    """The picture, its cleaned ink, the 28x28 input and the digit read, or why the file was refused."""
    st.subheader("Your photo", divider="gray")
    st.caption(f"Reading **{upload.name}**, on its own, apart from your drawing above.")
    try:
        photo = read_photo(upload.file_id, upload.getvalue(), recognizer)
    except UploadError as error:
        st.error(str(error), icon=":material/broken_image:")
        return
    reading = photo.reading
    model_input = reading.image if reading is not None and reading.image is not None else np.zeros((28, 28))
    picture = (_thumbnail(photo.grey), "your picture, in grey") if photo.sheet is None else \
        (_thumbnail(photo.sheet), "the sheet, found and straightened")
    steps = [picture, (_thumbnail(photo.ink, margin=0), "the ink, cleaned"),
             (enlarge(model_input, THUMBNAIL), "the model's 28×28 input")]
    answer_column, *image_columns = st.columns([1.2, 1, 1, 1])  # the answer first: it leads on a phone too
    for column, (image, caption) in zip(image_columns, steps):
        column.image(image, caption=caption, width=THUMBNAIL)
    with answer_column:
        if photo.problem:
            show_photo_problem(photo.problem)
        elif reading.is_blank:
            st.warning(reading.photo_reason, icon=":material/search_off:")
        else:
            _show_answer(reading)


def _show_answer(reading: Recognition) -> None:
    """The photo's digit with its confidence and ten probabilities, or "I don't know" and why."""
    if not reading.is_one_digit:
        st.warning(f"I don't know. {reading.photo_reason}", icon=":material/help:")
        if reading.doubt == SEVERAL_DIGITS:
            st.page_link(NUMBER_PAGE, label="Read it as a number", icon=":material/pin:")
        st.caption("What the network would have guessed anyway:")
    else:
        st.metric("The photo reads as", reading.digit)
        st.markdown(f"Confidence: **{reading.confidence:.1%}**")
        if reading.is_unsure:
            st.info(reading.photo_reason, icon=":material/help:")
    chart = probability_chart(reading.probabilities, height=PHOTO_CHART_HEIGHT)
    chart["encoding"]["y"]["axis"]["title"] = None  # the column is narrow: the bars keep the room
    st.vega_lite_chart(chart, width="stretch")


def _thumbnail(grey: np.ndarray, margin: int = 255) -> np.ndarray:
    """`grey` fitted into a THUMBNAIL-px square, the rest filled with `margin`, so the steps line up."""
    scale = THUMBNAIL / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    fitted = cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    top, left = (THUMBNAIL - size[1]) // 2, (THUMBNAIL - size[0]) // 2
    return cv2.copyMakeBorder(fitted, top, THUMBNAIL - size[1] - top, left, THUMBNAIL - size[0] - left,
                              cv2.BORDER_CONSTANT, value=margin)


def show_photo_problem(problem: str) -> None:
    """Why no digit is read in a photo (texture or noise, ink too faint), with its icon."""
    st.warning(problem, icon=":material/texture:" if problem == NO_CLEAR_DIGIT else ":material/contrast:")
