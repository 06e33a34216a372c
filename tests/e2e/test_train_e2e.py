import re

from playwright.sync_api import expect

from .drawing import canvas, draw_digit, expect_prediction
from .streamlit_widgets import choose, open_page

def set_slider(page, label: str, presses: int, key: str) -> None:
    """Move a Streamlit slider with the keyboard, as a user can."""
    handle = page.get_by_test_id("stSlider").filter(has_text=label).get_by_role("slider")
    handle.focus()
    for _ in range(presses):
        handle.press(key)

def small_run_settings(page) -> None:
    open_page(page, "Train")
    expect(page.get_by_role("heading", name="Train a network")).to_be_visible()
    page.get_by_role("tab", name="The training").click()
    set_slider(page, "Epochs", 20, "ArrowLeft")
    set_slider(page, "Share of the 55,000", 20, "ArrowLeft")
    epochs = page.get_by_test_id("stSlider").filter(has_text="Epochs").get_by_role("slider")
    expect(epochs).to_have_value("1")

def test_train_watch_stop_draw_while_training_and_use_the_model(page, screenshot):
    small_run_settings(page)
    page.get_by_role("button", name="Train", exact=False).click()
    expect(page.get_by_text(re.compile(r"Run 1 finished; kept the weights from the end of epoch 1 .*: \d+\.\d+% on the 10,000 test images"))
           ).to_be_visible(timeout=180_000)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    screenshot("train-finished-run")

    choose(page, "Start from a preset", "The shipped model's architecture")
    expect(page.get_by_test_id("stMetric").filter(has_text="Parameters")).to_contain_text("468,778")
    page.get_by_role("button", name="Train", exact=False).click()
    progress = page.get_by_test_id("stProgress")
    expect(progress).to_contain_text(re.compile(r"Run 2: epoch 1 of 12, batch \d+"), timeout=180_000)
    first = progress.inner_text()
    expect(progress).not_to_have_text(first, timeout=180_000)  # a niced worker on a busy machine starts slowly
    screenshot("train-run-in-progress")

    open_page(page, "Draw")
    draw_digit(page, 3)
    expect_prediction(page, 3)
    open_page(page, "Train")
    expect(page.get_by_test_id("stProgress")).to_contain_text("Run 2: epoch")
    # The knobs are as they were left before the visit to Draw, not the first preset's again.
    expect(page.get_by_test_id("stMetric").filter(has_text="Parameters")).to_contain_text("468,778")
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
    # After the stop the niced worker scores 5,000 validation and 10,000 test images with the big CNN:
    # on a machine busy with other work that took over 2 minutes once.
    expect(page.get_by_text(re.compile(r"Run 2 stopped early; kept the weights at the stop, \d+% into epoch 1"))
           ).to_be_visible(timeout=300_000)

    page.get_by_role("button", name="Use this model").click()
    expect(page.get_by_text("In use on the Draw and Explore pages")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Model")).to_have_value(re.compile("Run 2"))
    open_page(page, "Draw")
    expect(page.get_by_text(re.compile("Model: run_2"))).to_be_visible()
    expect(canvas(page)).to_be_visible()

def test_the_first_drawing_after_using_a_run_stopped_early_is_read(page):
    small_run_settings(page)
    page.get_by_role("button", name="Train", exact=False).click()
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile(r"Run 1 stopped early"))).to_be_visible(timeout=300_000)
    page.get_by_role("button", name="Use this model").click()
    open_page(page, "Draw")  # at once, as a quick user does: the click must not be lost
    expect(page.get_by_text(re.compile("Model: run_1"))).to_be_visible()
    draw_digit(page, 1)
    expect(page.get_by_role("heading", name="Draw a digit", exact=True)).to_have_count(0)  # the stroke was read
