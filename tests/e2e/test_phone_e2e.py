"""The Draw page as a student meets it: the canvas toolbar, the upload limit, and a phone where a
digit is drawn with a finger (touch events through the Chrome DevTools Protocol)."""

import re

from playwright.sync_api import Page, expect

from mlcore.image_io import MAX_MEGABYTES

from .conftest import full_page_screenshot
from .drawing import STROKES, canvas, expect_prediction, finger_strokes, prediction


def test_the_canvas_toolbar_offers_undo_redo_and_clear_only(page):
    for label in ("Undo", "Redo", "Reset canvas & history"):
        expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()
    for label in ("Edit", "Update the app with this drawing"):
        expect(page.get_by_role("button", name=label, exact=True)).to_be_hidden()


def test_the_uploader_states_the_one_upload_limit(page):
    instructions = page.get_by_test_id("stFileUploaderDropzoneInstructions")
    expect(instructions).to_contain_text(f"{MAX_MEGABYTES}MB per file")


def draw_with_a_finger(page: Page, digit: int, steps: int = 4) -> None:
    """`digit`'s strokes with a finger over the whole canvas (`finger_strokes`)."""
    finger_strokes(page, STROKES[digit], steps)


def test_a_digit_drawn_with_a_finger_on_a_phone_is_read_right_under_the_canvas(phone):
    draw_with_a_finger(phone, 7)
    expect_prediction(phone, 7)
    answer = prediction(phone).bounding_box()
    drawing = canvas(phone).bounding_box()
    download = phone.get_by_role("button", name="Download the drawing (PNG)").bounding_box()
    upload = phone.get_by_test_id("stFileUploader").bounding_box()
    assert drawing["y"] + drawing["height"] <= answer["y"] < download["y"] < upload["y"], \
        "on a phone the Prediction comes right under the canvas, before the download and upload"
    full_page_screenshot(phone, "draw-page-phone-finger-seven")


def test_on_a_phone_a_run_shows_above_the_knobs(phone, app_url):
    phone.goto(f"{app_url}/train?preset=Tiny+MLP&epochs=1&train_fraction=0.05")
    expect(phone.get_by_role("heading", name="Train a network")).to_be_visible(timeout=120_000)
    phone.get_by_role("button", name="Train", exact=False).click()
    finished = phone.get_by_text(re.compile(r"Run 1 finished; .*: \d+\.\d+% on the 10,000 test images"))
    expect(finished).to_be_visible(timeout=180_000)
    chart = phone.get_by_test_id("stVegaLiteChart").first
    preset = phone.get_by_test_id("stSelectbox").filter(has_text="Start from a preset")
    assert chart.bounding_box()["y"] < finished.bounding_box()["y"] < preset.bounding_box()["y"], \
        "on a phone the run's charts and result come first, the knobs under them"
    full_page_screenshot(phone, "train-page-phone-finished-run")
