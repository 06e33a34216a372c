"""Labelling a drawing on the Draw page in one click: "Right, it's a ..." or, under "No, it's a ...", the
right digit keeps it in My digits."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import CanvasResult

from mlcore.collection import CollectionFull, labelled_drawing
from mlcore.inference import Recognition, a_digit, article
from ui.canvas import canvas_rgba
from ui.my_digits import my_digits
from ui.state import active_recognizer_or_stop

LAST_LABELLED = "labelling_last"
"""(fingerprint of the drawing, id of its saved copy): that drawing is not offered again."""
MESSAGE = "labelling_message"


def _fingerprint(reading: Recognition) -> str:
    return hashlib.sha1(np.ascontiguousarray(reading.image).tobytes()).hexdigest()


def _save(reading: Recognition, canvas_png: bytes | None, label: int, model: str) -> None:
    digit = labelled_drawing(reading.image, canvas_rgba(canvas_png), label, reading.digit, model)
    try:
        added = my_digits().add(digit)
    except CollectionFull as error:
        st.session_state[MESSAGE] = str(error)
        return
    if not added:
        st.session_state[MESSAGE] = f"This drawing is in My digits already, as {a_digit(label)}."
        return
    st.session_state[LAST_LABELLED] = (_fingerprint(reading), digit.id)
    st.session_state.pop(MESSAGE, None)


def _undo() -> None:
    _, digit_id = st.session_state.pop(LAST_LABELLED)
    my_digits().remove(digit_id)


def label_buttons(reading: Recognition | None, canvas: CanvasResult) -> None:
    """Under a reading: "Right" or a row of digits 0-9 (only the row after "I don't know"); the
    labelled drawing goes to My digits.

    Once labelled, the same drawing shows what it was saved as (with Undo) instead of the buttons.
    """
    if reading is None or reading.is_blank:
        return
    if MESSAGE in st.session_state:
        st.error(st.session_state.pop(MESSAGE), icon=":material/error:")
    last = st.session_state.get(LAST_LABELLED)
    if last and last[0] == _fingerprint(reading) and last[1] in my_digits():
        saved = next(d for d in my_digits() if d.id == last[1])
        st.success(f"Saved in My digits as {article(saved.label)} **{saved.label}** ({len(my_digits())} so far). "
                   f"Clear the canvas for the next one.", icon=":material/check_circle:")
        st.button("Undo this label", icon=":material/undo:", on_click=_undo, key="labelling_undo", type="tertiary")
        return
    model = active_recognizer_or_stop().model.name
    png = canvas.image_bytes  # decoded only when a button is pressed, not on every stroke
    with st.container(key="labelling"):
        if reading.is_one_digit:
            st.markdown("**Was it right?** Label it to keep it in *My digits*.")
            st.button(f"Right, it's {a_digit(reading.digit)}", icon=":material/check:", type="primary", key="labelling_right",
                      on_click=_save, args=(reading, png, reading.digit, model))
            st.markdown("No, it's a …")
        else:  # no answer to confirm: a drawing that is not a digit is simply not labelled
            st.markdown("**Did you mean a digit?** Say which to keep it in *My digits*; otherwise clear the canvas.")
        with st.container(gap="xsmall", key="labelling_digits"):
            for row in (range(5), range(5, 10)):  # two even rows, on a phone too
                with st.container(horizontal=True, gap="xsmall"):
                    for digit in row:
                        st.button(str(digit), key=f"labelling_digit_{digit}", on_click=_save, width=44,
                                  args=(reading, png, digit, model), help=f"It's {a_digit(digit)}: save it with that label")
