"""Charts of the robustness lab: one drawing along a sweep, and test-set accuracy curves."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from mlcore.robustness import Sweep, SweepReading


def sweep_frame(reading: SweepReading, original_digit: int) -> pd.DataFrame:
    flips = set(reading.flips())
    return pd.DataFrame({
        "value": reading.values,
        "answer": reading.digits.astype(str),
        "probability of the answer": reading.confidence,
        f"probability of {original_digit}": reading.probabilities[:, original_digit],
        "answer changes": [i in flips for i in range(len(reading.values))],
    })


def sweep_chart(reading: SweepReading, sweep: Sweep, original_digit: int, height: int = 300) -> alt.LayerChart:
    """The answer (labelled points) and its probability at each step; a red rule where the answer changes."""
    frame = sweep_frame(reading, original_digit)
    x = alt.X("value:Q", title=sweep.axis_title)
    y_scale = alt.Scale(domain=[0, 1.12])
    original = (alt.Chart(frame).mark_line(strokeDash=[4, 3], color="#8c8c8c")
                .encode(x=x, y=alt.Y(f"probability of {original_digit}:Q", scale=y_scale)))
    answer = alt.Chart(frame).encode(
        x=x, y=alt.Y("probability of the answer:Q", scale=y_scale, axis=alt.Axis(format="%", title="probability")),
        tooltip=["value", "answer", alt.Tooltip("probability of the answer:Q", format=".1%"),
                 alt.Tooltip(f"probability of {original_digit}:Q", format=".1%")])
    line = answer.mark_line(color="#bbbbbb")
    points = answer.mark_circle(size=70).encode(color=alt.Color("answer:N", scale=alt.Scale(scheme="category10"),
                                                                 legend=alt.Legend(title="answer", orient="right")))
    labels = answer.mark_text(dy=-11, fontSize=12, fontWeight="bold").encode(text="answer:N")
    flips = (alt.Chart(frame[frame["answer changes"]]).mark_rule(color="#ff4b4b", strokeWidth=2)
             .encode(x=x, tooltip=["value", "answer"]))
    return alt.layer(flips, original, line, points, labels, height=height)


def accuracy_chart(frame: pd.DataFrame, sweep: Sweep, height: int = 230) -> alt.Chart:
    """`frame`: columns value, accuracy, model; one line per model (a legend only for several)."""
    several = frame["model"].nunique() > 1
    return (alt.Chart(frame, height=height).mark_line(point=True).encode(
        x=alt.X("value:Q", title=sweep.axis_title),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title="test accuracy")),
        color=alt.Color("model:N", legend=alt.Legend(orient="top", title=None) if several else None),
        tooltip=["model", "value", alt.Tooltip("accuracy:Q", format=".1%")]))


def flip_sentence(reading: SweepReading) -> str:
    """A plain summary of where the answer changes along the sweep."""
    flips = reading.flips()
    digits = reading.digits
    if not flips:
        return f"The answer stays {digits[0]} all along the sweep."
    parts = [f"{digits[i - 1]} → {digits[i]} at {reading.values[i]:g}" for i in flips]
    return f"The answer changes {len(flips)} time{'s' * (len(flips) != 1)}: " + "; ".join(parts) + "."


def identity_index(sweep: Sweep) -> int:
    return int(np.argmin(np.abs(np.asarray(sweep.values, float) - sweep.identity)))
