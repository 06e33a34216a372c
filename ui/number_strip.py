"""Which strip the Write a number page draws: Wide (700x250) or Narrow (340x170).

Wide runs off a phone's screen, upright or sideways beside the menu, and digits written past its edge
were lost, so a phone, or a window with too little room for it (a phone asking for desktop pages sends
no "Mobi"), gets Narrow. Each size is its own canvas, so the strip holding the student's ink keeps its
size when the window narrows or the menu opens (the number was wiped without a word); once cleared,
the strip is the one that fits, or the one the student chose with the Canvas radio.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

CANVAS_SIZES = {"Wide": (700, 250), "Narrow (phones)": (340, 170)}
NARROW = "Narrow (phones)"
SCROLLBAR = 16  # px a desktop browser's vertical scrollbar may take from the room on screen
INKED = "number_strip_with_ink"  # the size of the strip that had ink at the end of the last run, or None
CHOSEN = "number_strip_chosen"  # the size last chosen with the Canvas radio (Wide until then)
RADIO = "number_canvas_size"


def wide_fits(phone: bool, room: int | None) -> bool:
    """Whether the Wide strip fits: not on a phone, and the room on screen (CSS px, None when not
    known yet) holds it and a scrollbar."""
    return not phone and (room is None or room >= CANVAS_SIZES["Wide"][0] + SCROLLBAR)


def strip_size(fits: bool) -> str:
    """The strip to draw (a key of CANVAS_SIZES): the one holding ink, else the student's choice where
    Wide fits (the Canvas radio is drawn then), else Narrow. A Wide strip kept on a narrow screen
    says why."""
    inked = st.session_state.get(INKED)
    if fits:
        st.session_state[RADIO] = inked or st.session_state.get(CHOSEN, "Wide")
        return st.radio("Canvas", list(CANVAS_SIZES), key=RADIO, horizontal=True, on_change=_choose,
                        help="Narrow fits a phone's screen. Each strip has its own drawing: switching clears it.")
    if inked and inked != NARROW:
        st.caption("The strip stays wide while your number is on it, so nothing is lost: scroll it sideways "
                   "to see all of it, or clear it (the bin above it) for a strip that fits your screen.")
    return inked or NARROW


def remember_ink(size: str, drawing: np.ndarray | None, fits: bool) -> None:
    """Note whether the strip drawn (`size`) holds ink (`drawing`: its RGBA uint8 pixels, None before
    the canvas has sent any); rerun when a strip held for its ink was cleared and another is due."""
    ink_now = size if drawing is not None and drawing[..., :3].any() else None
    if st.session_state.get(INKED) == ink_now:
        return
    st.session_state[INKED] = ink_now
    if ink_now is None and size != (st.session_state.get(CHOSEN, "Wide") if fits else NARROW):
        st.rerun()


def _choose() -> None:
    st.session_state[CHOSEN] = st.session_state[RADIO]
    st.session_state.pop(INKED, None)
