"""Charts of a training run: loss and accuracy as it trains, and runs side by side."""

from __future__ import annotations

import altair as alt
import pandas as pd


def live_curves(batches: list[dict], epochs: list[dict]) -> alt.VConcatChart | None:
    """Training loss and accuracy every few batches, validation once per epoch, against epochs."""
    if not batches and not epochs:
        return None
    rows = [{"epoch": b["epoch"], "metric": m, "value": b[m], "series": "training"}
            for b in batches for m in ("loss", "accuracy")]
    rows += [{"epoch": e["epoch"], "metric": m, "value": e[f"val_{m}"], "series": "validation"}
             for e in epochs for m in ("loss", "accuracy") if f"val_{m}" in e]
    frame = pd.DataFrame(rows)
    color = alt.Color("series:N", scale=alt.Scale(domain=["training", "validation"], range=["#1f77b4", "#ff4b4b"]),
                      legend=alt.Legend(orient="top", title=None))
    charts = []
    for metric in ("loss", "accuracy"):
        data = frame[frame.metric == metric]
        y = alt.Y("value:Q", title=metric, scale=alt.Scale(zero=False),
                  axis=alt.Axis(format="%") if metric == "accuracy" else alt.Axis())
        base = alt.Chart(data, height=170).encode(
            x=alt.X("epoch:Q", title="epoch"), y=y, color=color,
            tooltip=["series", alt.Tooltip("epoch:Q", format=".2f"), alt.Tooltip("value:Q", format=".4f")])
        charts.append(base.mark_line() + base.transform_filter(alt.datum.series == "validation")
                      .mark_point(filled=True, size=60))
    return alt.vconcat(*charts).resolve_scale(color="shared")


def compare_curves(runs: dict[str, list[dict]]) -> alt.Chart:
    """Validation accuracy per epoch of several runs, overlaid."""
    frame = pd.DataFrame([{"run": name, "epoch": e["epoch"], "validation accuracy": e.get("val_accuracy")}
                          for name, epochs in runs.items() for e in epochs])
    accuracy = alt.Y("validation accuracy:Q", scale=alt.Scale(zero=False), axis=alt.Axis(format=".1%"))
    return alt.Chart(frame, height=260).mark_line(point=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1, format="d")), y=accuracy, color="run:N",
        tooltip=["run", "epoch", alt.Tooltip("validation accuracy:Q", format=".2%")])
