"""Which strip the Write a number page draws: Wide (700x250) or Narrow (340x170).

Wide runs off a phone's screen, upright or sideways beside the menu, and digits written past its edge
were lost, so a phone, or a window with too little room for it (a phone asking for desktop pages sends
no "Mobi"), gets Narrow; elsewhere the student chooses. Each size is its own canvas, with its own
strokes and undo history, so a strip the student has written on is never swapped for another by the
window: once written on, it stays (even emptied by undo, which redo can take back) until the student
clears it and asks for the strip that fits, or leaves the page.
"""

from __future__ import annotations

import streamlit as st

CANVAS_SIZES = {"Wide": (700, 250), "Narrow (phones)": (340, 170)}
NARROW = "Narrow (phones)"
SCROLLBAR = 16  # px a desktop browser's vertical scrollbar may take from the room on screen
SHOWN = "number_strip_shown"  # the strip drawn in the last run
WRITTEN = "number_strip_written"  # the strip written on since the page was opened, until another is asked for
CHOSEN = "number_strip_chosen"  # the size last chosen with the Canvas radio (Wide until then)
RADIO = "number_canvas_size"


def wide_fits(phone: bool, room: int | None) -> bool:
    """Whether the Wide strip fits: not on a phone, and the room on screen (CSS px, None when not
    known yet) holds it and a scrollbar."""
    return not phone and (room is None or room >= CANVAS_SIZES["Wide"][0] + SCROLLBAR)


def canvas_key(size: str) -> str:
    """The widget key of the canvas of a strip (a key of CANVAS_SIZES)."""
    return f"number_canvas_{CANVAS_SIZES[size][0]}"


def strip_size(fits: bool) -> str:
    """The strip to draw (a key of CANVAS_SIZES): the one due (the student's choice where Wide fits,
    drawn as the Canvas radio, else Narrow) unless the strip drawn last has been written on (WRITTEN);
    a strip kept so says why and offers the one due. The radio is off while the strip holds strokes."""
    due = st.session_state.get(CHOSEN, "Wide") if fits else NARROW
    shown = st.session_state.get(SHOWN, due)
    strokes = _strokes(shown)
    if strokes is None or (strokes == 0 and st.session_state.get(WRITTEN) != shown):
        st.session_state[WRITTEN] = None  # a new visit, or a strip not written on yet
    elif strokes:
        st.session_state[WRITTEN] = shown
    held = shown != due and st.session_state[WRITTEN] == shown
    size = shown if held else due
    st.session_state[SHOWN] = size
    if fits:
        st.session_state[RADIO] = size
        st.radio("Canvas", list(CANVAS_SIZES), key=RADIO, horizontal=True, on_change=_choose, disabled=bool(strokes),
                 help="Narrow fits a phone's screen. Each strip has its own drawing: clear it (the bin above "
                      "it) to switch.")
    if held:
        _explain_held(size, due, bool(strokes))
    return size


def _strokes(size: str) -> int | None:
    """How many strokes the strip's canvas holds, as the browser last sent them (before the canvas is
    drawn in this run); None when the canvas was not on the page in the last run (a new visit)."""
    state = st.session_state.get(canvas_key(size))
    if state is None:
        return None
    return len(((state.get("drawing") or {}).get("raw") or {}).get("objects") or [])


def _explain_held(size: str, due: str, inked: bool) -> None:
    """Why the strip drawn is not the one due, and a button for the one due once the strip is clear."""
    held, wanted = _name(size), _name(due)
    if inked:
        st.caption(f"The strip stays {held} while your number is on it, so nothing is lost"
                   + (": scroll it sideways to see all of it" if size == "Wide" else "")
                   + f". To use the {wanted} strip, clear it (the bin above it) and press the button below.")
    st.button(f"Use the {wanted} strip", on_click=_use, args=(due,), disabled=inked,
              help="Clear the strip first: each strip has its own drawing.")


def _name(size: str) -> str:
    return size.split()[0].lower()  # "wide", "narrow"


def _use(size: str) -> None:
    st.session_state[SHOWN], st.session_state[WRITTEN] = size, None


def _choose() -> None:
    st.session_state[CHOSEN] = st.session_state[SHOWN] = st.session_state[RADIO]
    st.session_state[WRITTEN] = None
