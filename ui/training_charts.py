"""Charts of a training run: loss and accuracy as it trains, and runs side by side."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

SMOOTHING = 0.9
"""Weight of the past in the smoothed training curve (TensorBoard's slider; it defaults to 0.6)."""
MAX_POINTS = 600
"""Per-batch points drawn at most per curve; longer runs are averaged into this many buckets."""

EACH_BATCH = "training: each batch"
SMOOTHED = "training: the trend (each batch, smoothed)"
VALIDATION = "validation: once per epoch"
SERIES = [EACH_BATCH, SMOOTHED, VALIDATION]
COLOURS = ["#aec7e8", "#1f77b4", "#ff4b4b"]


def ema(values, weight: float = SMOOTHING) -> np.ndarray:
    """Exponential moving average with TensorBoard's debiasing, so the first points are not pulled to 0.

    s_i = weight * s_(i-1) + (1 - weight) * v_i, s_(-1) = 0, reported as s_i / (1 - weight^(i+1))
    (TensorBoard's scalar dashboard, `tensorboard/webapp/widgets/line_chart_v2/lib/utils`).
    """
    values = np.asarray(values, dtype=float)
    smoothed = np.empty_like(values)
    last = 0.0
    for i, value in enumerate(values):
        last = weight * last + (1 - weight) * value
        smoothed[i] = last / (1 - weight ** (i + 1))
    return smoothed


def _thin(frame: pd.DataFrame, limit: int = MAX_POINTS) -> pd.DataFrame:
    """At most `limit` rows: consecutive rows averaged together (the last point stays the last batch)."""
    if len(frame) <= limit:
        return frame
    buckets = np.arange(len(frame)) * limit // len(frame)
    return frame.groupby(buckets).agg({"epoch": "last", "value": "mean", "smoothed": "last"})


def curve_frame(batches: list[dict], epochs: list[dict], metric: str) -> pd.DataFrame:
    """Long-form rows (epoch, value, series, note) of one metric for the live chart."""
    parts = []
    if batches:
        raw = pd.DataFrame({"epoch": [b["epoch"] for b in batches], "value": [b[metric] for b in batches]})
        raw["smoothed"] = ema(raw["value"])
        raw = _thin(raw)
        parts.append(pd.DataFrame({"epoch": raw["epoch"], "value": raw["value"], "series": EACH_BATCH, "note": ""}))
        parts.append(pd.DataFrame({"epoch": raw["epoch"], "value": raw["smoothed"], "series": SMOOTHED, "note": ""}))
    validated = [e for e in epochs if f"val_{metric}" in e]
    if validated:
        parts.append(pd.DataFrame({
            "epoch": [e["epoch"] for e in validated], "value": [e[f"val_{metric}"] for e in validated],
            "series": VALIDATION,
            "note": [f"at the stop, in epoch {e['index']}" if e.get("partial") else f"end of epoch {e['index']}"
                     for e in validated]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["epoch", "value", "series", "note"])


def merged_marks(marks: list[dict]) -> pd.DataFrame:
    """One labelled rule per batch: changes made at the same point (a pause, then a new learning
    rate) share a label instead of printing over each other."""
    frame = pd.DataFrame(list(marks))
    merged = frame.groupby("step", as_index=False, sort=True).agg({"epoch": "first", "text": "; ".join})
    merged["row"] = 2 + 13 * (np.arange(len(merged)) % 3)  # pixels from the top: neighbours stagger
    return merged


LEGEND_HEIGHT = 100
"""Pixels the legend above the loss chart takes: Streamlit fits the whole chart, legend included,
into the height it is given."""


def live_curves(batches: list[dict], epochs: list[dict], marks: list[dict] = ()) -> list[alt.LayerChart]:
    """Loss and accuracy against epochs, two charts (the first with the legend): every batch's own
    value (faint), its smoothed line, and validation once per epoch (points); `marks` (changes made
    during the run) as labelled rules. Empty before the first batch.

    Both axes are padded, so that no point sits on the chart's edge. Two charts rather than one
    vertical concatenation: Streamlit stretches a single view to its column, not a concatenation's
    parts, which overflowed a narrow column.
    """
    if not batches and not epochs:
        return []
    last = max([b["epoch"] for b in batches] + [e["epoch"] for e in epochs] + [m["epoch"] for m in marks])
    x_scale = alt.Scale(domain=[0, max(last, 0.05)], nice=False, padding=12)
    legend = alt.Legend(orient="top", direction="vertical", title=None, labelLimit=320)
    charts = []
    for metric, title in (("loss", "how wrong (loss)"), ("accuracy", "share right (accuracy)")):
        color = alt.Color("series:N", scale=alt.Scale(domain=SERIES, range=COLOURS),
                          legend=legend if metric == "loss" else None)
        data = curve_frame(batches, epochs, metric)
        y = alt.Y("value:Q", title=title, scale=alt.Scale(zero=False, padding=10),
                  axis=alt.Axis(format="%") if metric == "accuracy" else alt.Axis())
        base = alt.Chart(data).encode(
            x=alt.X("epoch:Q", title="epoch", scale=x_scale), y=y, color=color,
            tooltip=["series", "note", alt.Tooltip("epoch:Q", format=".2f"), alt.Tooltip("value:Q", format=".4f")])
        layers = [
            base.transform_filter(alt.datum.series == EACH_BATCH).mark_line(strokeWidth=1, opacity=0.8),
            base.transform_filter(alt.datum.series == SMOOTHED).mark_line(strokeWidth=2.5),
            base.transform_filter(alt.datum.series == VALIDATION).mark_line(strokeDash=[4, 3])
            + base.transform_filter(alt.datum.series == VALIDATION).mark_point(filled=True, size=60),
        ]
        if marks:
            rules = alt.Chart(merged_marks(marks)).encode(x=alt.X("epoch:Q", scale=x_scale))
            layers.append(rules.mark_rule(color="#7f7f7f", strokeDash=[2, 2]).encode(tooltip=["text"]))
            if metric == "loss":  # labels run leftwards from rules in the right half, so they stay inside
                for align, dx, right_half in (("left", 3, False), ("right", -3, True)):
                    side = rules.transform_filter((alt.datum.epoch > last / 2) == right_half)
                    layers.append(side.mark_text(align=align, dx=dx, baseline="top", color="#555", fontSize=11)
                                  .encode(text="text", y=alt.Y("row:Q", scale=None)))
        charts.append(alt.layer(*layers).properties(height=200 + LEGEND_HEIGHT * (metric == "loss")))
    return charts


def compare_curves(runs: dict[str, list[dict]]) -> alt.Chart:
    """Validation accuracy per epoch of several runs, overlaid."""
    frame = pd.DataFrame([{"run": name, "epoch": e["epoch"], "validation accuracy": e.get("val_accuracy")}
                          for name, epochs in runs.items() for e in epochs])
    accuracy = alt.Y("validation accuracy:Q", scale=alt.Scale(zero=False, padding=8), axis=alt.Axis(format=".1%"))
    return alt.Chart(frame, height=260).mark_line(point=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1, format="d"), scale=alt.Scale(padding=12)), y=accuracy,
        color="run:N", tooltip=["run", "epoch", alt.Tooltip("validation accuracy:Q", format=".2%")])
