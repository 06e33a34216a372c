"""Drawing things that are not one digit gets "I don't know"; all ten digits still read."""

import re

from playwright.sync_api import Page, expect

from . import drawing
from .drawing import STROKES, canvas, clear_canvas, draw_digit, expect_prediction, prediction
from .streamlit_widgets import open_page, wait_until_idle

NOT_DIGITS = {
    "A": [[(0.2, 0.85), (0.5, 0.15)], [(0.5, 0.15), (0.8, 0.85)], [(0.33, 0.6), (0.67, 0.6)]],
    "X": [[(0.22, 0.2), (0.78, 0.8)], [(0.78, 0.2), (0.22, 0.8)]],
    "10": [[(0.2, 0.25), (0.22, 0.75)],
           [(0.62, 0.25), (0.48, 0.5), (0.62, 0.75), (0.78, 0.5), (0.62, 0.25)]],
}


def ready(page: Page) -> None:
    """The first visit loads the model and fits its checks (a minute on a loaded machine)."""
    expect(canvas(page)).to_be_visible(timeout=300_000)
    wait_until_idle(page)


def draw_strokes(page: Page, strokes) -> None:
    """Draw `strokes` given in the unit square of the canvas."""
    drawing.draw_strokes(page, strokes, steps=8)


def i_dont_know(page: Page):
    return page.get_by_role("heading", name="I don't know", exact=True)


def test_letters_and_two_digits_get_i_dont_know(page, screenshot):
    ready(page)
    for name, strokes in NOT_DIGITS.items():
        draw_strokes(page, strokes)
        expect(i_dont_know(page)).to_be_visible()
        reason = "several digits" if name == "10" else "doesn't look like one digit"
        expect(page.get_by_test_id("stAlert").filter(has_text=reason)).to_be_visible()
        expect(prediction(page)).to_have_count(0)
        # nothing to confirm: no "Right, it's a ..." inviting a wrong label, only "which digit did you mean"
        expect(page.get_by_role("button", name=re.compile("^Right, it's a"))).to_have_count(0)
        expect(page.get_by_text("Did you mean a digit?")).to_be_visible()
        if name == "A":
            screenshot("draw-page-i-dont-know")
            page.set_viewport_size({"width": 390, "height": 844})
            screenshot("draw-page-i-dont-know-phone")
            page.set_viewport_size({"width": 1300, "height": 1000})
        page.get_by_role("button", name="Reset canvas & history").click()
        expect(i_dont_know(page)).to_have_count(0)
        wait_until_idle(page)


def test_all_ten_digits_are_read_without_i_dont_know(page):
    ready(page)
    for digit in sorted(STROKES):
        draw_digit(page, digit)
        expect_prediction(page, digit)
        expect(i_dont_know(page)).to_have_count(0)
        clear_canvas(page)


def test_explore_shows_calibration_and_the_coverage_trade_off(page, screenshot):
    ready(page)
    open_page(page, "Explore MNIST")
    page.get_by_role("tab", name="Calibration").click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Temperature T")).to_be_visible(timeout=300_000)
    expect(page.get_by_role("cell", name="Validation split (T fitted here)")).to_be_visible()
    expect(page.get_by_text("already calibrated on MNIST", exact=False)).to_be_visible()
    screenshot("explore-calibration-top")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("explore-calibration-phone")
    page.set_viewport_size({"width": 1300, "height": 1000})
    page.get_by_role("button", name="Measure it on generated drawings").click()
    flagged = page.get_by_test_id("stMetric").filter(has_text="answered \"I don't know\"")
    expect(flagged).to_be_visible(timeout=300_000)
    value = float(flagged.get_by_test_id("stMetricValue").inner_text().rstrip("%"))
    assert value >= 80
    screenshot("explore-calibration")
