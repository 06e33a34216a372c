"""Widget values that outlive a visit to another page.

Streamlit forgets a widget's value once a script run has not drawn it: a student who sets the Train
page's knobs, draws a digit on the Draw page and comes back would find the preset's settings again
(docs: "Widget behavior", section "Widgets do not persist when not continually rendered"). The docs'
remedy is to keep a copy under a key that is not a widget's and put it back before the widget is
drawn; `keep_across_pages` does that for the keys a page names.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

_KEPT = "widget_values_kept_across_pages"


def keep_across_pages(*keys: str, **defaults: Any) -> None:
    """Give these widget keys back the values they had when the user last left this page.

    Call at the top of a page, before its widgets. `keys` are put back only if they were kept
    before; `defaults` (key=value) are also set to their value on the first visit, so that those
    widgets are drawn without a `value=` of their own (a widget with both warns). Per session:
    the copies live in `st.session_state`.

    Every run also hands the browser each widget's value (the docs' `st.session_state.key =
    st.session_state.key`): a rerun asked for before the browser had taken a widget's value from the
    page's first run (the Write a number page's room on screen, reported at once) showed the widget's
    default instead, the pen slider's 8 px minimum in 5 of 6 new sessions, and drew with it.
    """
    kept = st.session_state.setdefault(_KEPT, {})
    for key in (*keys, *defaults):
        if key in st.session_state:
            kept[key] = st.session_state[key]
        elif key in kept:
            st.session_state[key] = kept[key]
        elif key in defaults:
            st.session_state[key] = defaults[key]
        if key in st.session_state:  # handed to the browser on every run, not only when it was put back
            st.session_state[key] = st.session_state[key]
