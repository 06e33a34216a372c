"""Galleries of labelled drawings (My digits, the class dataset): counts by digit and thumbnails."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from mlcore.collection import LabelledDigit
from ui.widgets import enlarge

ALL = "All"
THUMBNAIL = 84


def counts_chart(counts: np.ndarray, height: int = 160) -> alt.Chart:
    """Ten bars, one per digit, each with its count written above it."""
    frame = pd.DataFrame({"digit": [str(d) for d in range(10)], "drawings": counts.astype(int)})
    bars = alt.Chart(frame, height=height).mark_bar(color="#ff4b4b").encode(
        x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0, title="digit")),
        y=alt.Y("drawings:Q", axis=alt.Axis(title="drawings", tickMinStep=1)),
        tooltip=["digit", "drawings"])
    return bars + bars.mark_text(dy=-7, color="#31333f").encode(text="drawings:Q")


def digit_filter(counts: np.ndarray, key: str) -> int | None:
    """Pills "All", "0 (12)", ...; the chosen digit, or None for all."""
    choice = st.pills("Show", [ALL, *range(10)], default=ALL, required=True, key=key,
                      format_func=lambda o: f"{ALL} ({int(counts.sum())})" if o == ALL else f"{o} ({int(counts[o])})")
    return None if choice == ALL else int(choice)


def digit_grid(digits: Sequence[LabelledDigit], key: str, on_delete: Callable[[str], None] | None = None) -> None:
    """Thumbnails of the drawings that wrap to the screen's width, each with its label (and a delete button)."""
    with st.container(horizontal=True, gap="small", key=f"{key}_grid"):
        for digit in digits:
            with st.container(width=THUMBNAIL + 8, gap=None, horizontal_alignment="center", key=f"{key}_{digit.id}"):
                caption = f"{digit.label}" + (f" · read {digit.predicted}" if digit.is_misread else "")
                st.image(enlarge(digit.image, THUMBNAIL), caption=caption, width=THUMBNAIL)
                if on_delete is not None:
                    st.button("Delete", icon=":material/delete:", key=f"{key}_delete_{digit.id}", type="tertiary",
                              on_click=on_delete, args=(digit.id,), help="Delete this drawing")
