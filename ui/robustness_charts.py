"""Charts of the robustness lab: one drawing along a sweep, and test-set accuracy curves."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from mlcore.robustness import INK_NEARLY_GONE, Sweep, SweepReading


DIGIT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#262730",
                 "#bcbd22", "#17becf"]
"""One colour per digit 0-9, the same in every sweep chart: Vega's category10, its grey (7) made near-black
to stand out from the grey line joining the points."""
DIGIT_SCALE = alt.Scale(domain=[str(d) for d in range(10)], range=DIGIT_COLOURS)
CHANGE_RED = "#ff4b4b"


def sweep_frame(reading: SweepReading) -> pd.DataFrame:
    original_digit = reading.original_digit
    changes = set(i for i in reading.first_changes() if i is not None)
    digits = reading.digits
    return pd.DataFrame({
        "value": reading.values,
        "answer": digits.astype(str),
        "probability of the answer": reading.confidence,
        f"probability of {original_digit}": reading.probabilities[:, original_digit],
        "answer changes": [i in changes for i in range(len(reading.values))],
        "labelled": [i == 0 or digits[i] != digits[i - 1] for i in range(len(digits))],
        "ink left": reading.ink_share,
        "ink nearly gone": reading.ink_nearly_gone,
    })


def sweep_chart(reading: SweepReading, sweep: Sweep, height: int = 300) -> alt.LayerChart:
    """The answer (coloured points, one colour per digit, labelled where the answer changes) and its
    probability at each step; red rules at the first step, on each side of the untouched image, whose
    answer differs from it; a grey band over the steps where the ink has nearly gone."""
    original_digit = reading.original_digit
    frame = sweep_frame(reading)
    values = np.asarray(sweep.values, float)
    step = float(np.min(np.diff(values)))
    axis = alt.Axis(values=list(map(float, values)), format="d") if len(values) <= 8 else alt.Axis()
    x = alt.X("value:Q", title=sweep.axis_title, scale=alt.Scale(domain=[values[0], values[-1]], nice=False),
              axis=axis)
    y_scale = alt.Scale(domain=[0, 1.12])
    gone = frame[frame["ink nearly gone"]].assign(low=lambda f: f.value - step / 2, high=lambda f: f.value + step / 2)
    band = (alt.Chart(gone).mark_rect(color="#8c8c8c", opacity=0.25)
            .encode(x=alt.X("low:Q", scale=alt.Scale(domain=[values[0], values[-1]], nice=False, clamp=True)),
                    x2="high:Q", tooltip=[alt.Tooltip("value:Q", title="step"),
                                          alt.Tooltip("ink left:Q", format=".0%")]))
    original = (alt.Chart(frame).mark_line(strokeDash=[4, 3], color="#8c8c8c")
                .encode(x=x, y=alt.Y(f"probability of {original_digit}:Q", scale=y_scale)))
    answer = alt.Chart(frame).encode(
        x=x, y=alt.Y("probability of the answer:Q", scale=y_scale, axis=alt.Axis(format="%", title="probability")),
        tooltip=["value", "answer", alt.Tooltip("probability of the answer:Q", format=".1%"),
                 alt.Tooltip(f"probability of {original_digit}:Q", format=".1%"),
                 alt.Tooltip("ink left:Q", format=".0%")])
    line = answer.mark_line(color="#bbbbbb")
    points = answer.mark_circle(size=70, opacity=1).encode(
        color=alt.Color("answer:N", scale=DIGIT_SCALE, legend=alt.Legend(title="answer", orient="top", columns=5, symbolSize=60)))
    labels = (answer.transform_filter(alt.datum.labelled).mark_text(dy=-11, fontSize=12, fontWeight="bold")
              .encode(text="answer:N"))
    changes = (alt.Chart(frame[frame["answer changes"]]).mark_rule(color=CHANGE_RED, strokeWidth=2)
               .encode(x=x, tooltip=["value", "answer"]))
    return alt.layer(band, changes, original, line, points, labels, height=height)


def accuracy_chart(frame: pd.DataFrame, sweep: Sweep, height: int = 230) -> alt.Chart:
    """`frame`: columns value, accuracy, model; one line per model (a legend only for several)."""
    several = frame["model"].nunique() > 1
    return (alt.Chart(frame, height=height).mark_line(point=True).encode(
        x=alt.X("value:Q", title=sweep.axis_title),
        y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title="test accuracy")),
        color=alt.Color("model:N", legend=alt.Legend(orient="top", title=None) if several else None),
        tooltip=["model", "value", alt.Tooltip("accuracy:Q", format=".1%")]))


def flip_sentence(reading: SweepReading, sweep: Sweep) -> str:
    """Where the answer changes, told outward from the untouched image on each side, with units:
    "Untouched, it reads 7. Turned 50° clockwise (−50°) it reads 4; up to 45° clockwise (−45°) it still
    reads 7." A change where the ink has nearly gone is said to be a guess from a few pixels."""
    original = reading.original_digit
    start = reading.identity_index
    sentences = [f"Untouched, it reads {original}."]
    for side, changed in zip((-1, 1), reading.first_changes()):
        end = 0 if side < 0 else len(reading.values) - 1
        if end == start:
            continue
        if changed is None:
            sentences.append(f"{_capital(sweep.describe(reading.values[end]))}, it still reads {original}.")
            continue
        answer, value = int(reading.digits[changed]), reading.values[changed]
        held = changed - side
        still = (f"up to {sweep.compact(reading.values[held])} it still reads {original}" if held != start
                 else "the smallest step already changes it")
        if reading.ink_nearly_gone[changed]:
            sentences.append(f"{_capital(sweep.describe(value))}, under {INK_NEARLY_GONE * 100:.0f} % of the ink is left "
                             f"and the network, reading {answer}, is guessing from a few faint pixels; {still}.")
        else:
            sentences.append(f"{_capital(sweep.describe(value))}, it reads {answer}; {still}.")
    return " ".join(sentences)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
