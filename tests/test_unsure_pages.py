"""The "I don't know" answer and the calibration views, through Streamlit's AppTest."""

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from mlcore.model import read_metadata

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)


def png_of_strokes(strokes, side=280, width=16) -> bytes:
    """Dark strokes on white paper, as a photo of a drawing would be."""
    paper = np.full((side, side), 255, np.uint8)
    for stroke in strokes:
        cv2.polylines(paper, [np.round(np.asarray(stroke) * side).astype(np.int32)], False, 0, width, cv2.LINE_AA)
    buffer = io.BytesIO()
    Image.fromarray(paper).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_letter_gets_doesnt_look_like_one_digit(app):
    app.run()
    letter_a = png_of_strokes([[(0.2, 0.85), (0.5, 0.15), (0.8, 0.85)], [(0.33, 0.6), (0.67, 0.6)]])
    app.file_uploader[0].set_value(("letter_a.png", letter_a, "image/png")).run()
    assert not app.exception
    assert any("I don't know" in w.value and "doesn't look like one digit" in w.value for w in app.warning)
    assert not any(m.label == "The photo reads as" for m in app.metric)


def test_a_photo_of_a_digit_still_gets_its_answer(app):
    app.run()
    seven = png_of_strokes([[(0.25, 0.15), (0.75, 0.15), (0.42, 0.88)]])
    app.file_uploader[0].set_value(("seven.png", seven, "image/png")).run()
    assert not app.exception
    assert not app.warning
    assert next(m for m in app.metric if m.label == "The photo reads as").value == "7"


def test_explorer_calibration_section_shows_ece_before_and_after_and_the_trade_off(app):
    app.switch_page("pages/explore.py")
    app.session_state["explore_tab"] = "Calibration"
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    shipped = read_metadata()["calibration"]
    assert metrics["Temperature T"] == f"{shipped['temperature']:.3f}"
    table = next(m.value for m in app.markdown if "error before" in m.value)
    validation = next(line for line in table.splitlines() if line.startswith("| Validation split (T fitted here)"))
    before, after = (float(cell.strip().rstrip("%")) / 100 for cell in validation.split("|")[3:5])
    assert (before, after) == (pytest.approx(shipped["ece_before"], abs=5e-5), pytest.approx(shipped["ece_after"], abs=5e-5))
    assert after < before, "on the split it was fitted on, temperature scaling lowers the error"
    test_row = next(line for line in table.splitlines() if line.startswith("| MNIST test set"))
    assert all(0 < float(cell.strip().rstrip("%")) < 1 for cell in test_row.split("|")[3:5])
    assert any("already calibrated on MNIST" in c.value for c in app.caption)
    assert len(app.get("vega_lite_chart")) == 1
    app.button(key="measure_unsure").click().run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["Non-digits answered \"I don't know\""].rstrip("%")) >= 80
    assert float(metrics["Digits answered, and right"].rstrip("%")) >= 98
    assert len(app.get("vega_lite_chart")) == 2
