"""The live training chart: per-batch loss, its smoothed line, validation per epoch, all inside the chart."""

import numpy as np
import pytest

from ui.training_charts import (EACH_BATCH, MAX_POINTS, SERIES, SMOOTHED, VALIDATION, curve_frame, ema, live_curves,
                                merged_marks)


def test_ema_is_debiased_like_tensorboard():
    assert ema([0.5] * 10) == pytest.approx([0.5] * 10), "a flat curve stays flat from its first point"
    values = [1.0, 0.0, 1.0]
    w = 0.9
    s1 = (1 - w) * 1.0
    s2 = w * s1
    s3 = w * s2 + (1 - w) * 1.0
    assert ema(values, w) == pytest.approx([s1 / (1 - w), s2 / (1 - w**2), s3 / (1 - w**3)])


def batches_of(steps_per_epoch: int, epochs: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    total = steps_per_epoch * epochs
    return [{"step": s, "epoch": s / steps_per_epoch, "loss": 2.0 * np.exp(-s / 50) + rng.uniform(0, 0.3),
             "accuracy": min(1.0, s / total + rng.uniform(0, 0.05))} for s in range(1, total + 1)]


def test_the_chart_has_each_batch_a_smoothed_line_and_validation_once_per_epoch():
    batches = batches_of(40, 2)
    epochs = [{"epoch": 1.0, "index": 1, "partial": False, "val_loss": 0.5, "val_accuracy": 0.9},
              {"epoch": 2.0, "index": 2, "partial": False, "val_loss": 0.4, "val_accuracy": 0.92}]
    frame = curve_frame(batches, epochs, "loss")
    assert (frame.series == EACH_BATCH).sum() == 80 and (frame.series == SMOOTHED).sum() == 80
    assert list(frame[frame.series == VALIDATION].epoch) == [1.0, 2.0]
    smoothed = frame[frame.series == SMOOTHED].value.to_numpy()
    raw = frame[frame.series == EACH_BATCH].value.to_numpy()
    assert np.std(np.diff(smoothed)) < np.std(np.diff(raw)) / 3, "the smoothed line is smoother"


def test_a_stop_mid_epoch_is_drawn_where_it_happened_and_labelled():
    batches = batches_of(40, 1)[:18]
    epochs = [{"epoch": 0.45, "index": 1, "partial": True, "val_loss": 0.9, "val_accuracy": 0.7}]
    frame = curve_frame(batches, epochs, "accuracy")
    point = frame[frame.series == VALIDATION].iloc[0]
    assert point.epoch == 0.45 and point.note == "at the stop, in epoch 1"


def test_every_point_is_inside_the_chart_and_the_legend_names_each_line():
    batches = batches_of(40, 1)[:18]
    epochs = [{"epoch": 0.45, "index": 1, "partial": True, "val_loss": 0.9, "val_accuracy": 0.7}]
    marks = [{"step": 10, "epoch": 0.25, "text": "learning rate 0.001 → 0.0003"}]
    charts = [chart.to_dict() for chart in live_curves(batches, epochs, marks)]
    assert len(charts) == 2
    for chart in charts:
        x_scales = [layer["encoding"]["x"]["scale"] for layer in _layers(chart)]
        for scale in x_scales:
            low, high = scale["domain"]
            assert low == 0 and high >= 0.45 and scale["padding"] > 0
    colors = [layer["encoding"]["color"] for layer in _layers(charts[0]) if "color" in layer["encoding"]]
    assert colors and all(c["scale"]["domain"] == SERIES and c["legend"]["orient"] == "top" for c in colors)


def _layers(chart: dict) -> list[dict]:
    found = []
    for layer in chart.get("layer", [chart]):
        found += _layers(layer) if "layer" in layer else [layer]
    return found


def test_a_long_run_is_thinned_for_drawing_but_keeps_its_last_batch():
    batches = batches_of(430, 12)
    frame = curve_frame(batches, [], "loss")
    assert (frame.series == EACH_BATCH).sum() <= MAX_POINTS
    assert frame[frame.series == SMOOTHED].epoch.max() == pytest.approx(12.0)


def test_changes_at_the_same_batch_share_one_label():
    marks = [{"step": 30, "epoch": 0.5, "text": "paused"},
             {"step": 30, "epoch": 0.5, "text": "learning rate 0.001 → 0.003"},
             {"step": 50, "epoch": 0.8, "text": "paused"}]
    merged = merged_marks(marks)
    assert merged[["step", "epoch", "text"]].to_dict("records") == [
        {"step": 30, "epoch": 0.5, "text": "paused; learning rate 0.001 → 0.003"},
        {"step": 50, "epoch": 0.8, "text": "paused"}]
    assert merged.row.nunique() == 2, "neighbouring labels are staggered"
