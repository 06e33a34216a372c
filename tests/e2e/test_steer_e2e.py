import re

from playwright.sync_api import expect

from .streamlit_widgets import open_page
from .test_train_e2e import set_slider


def test_pause_change_the_learning_rate_resume_and_see_it_marked(page, app_url, screenshot):
    # A run long enough to pause on any machine: the Tiny MLP on all 55,000 images, 20 epochs,
    # batches of 32, set through the shareable link as a teacher would.
    page.goto(f"{app_url}/train?preset=Tiny+MLP&epochs=20&train_fraction=1&batch_size=32")
    expect(page.get_by_role("heading", name="Train a network")).to_be_visible(timeout=120_000)
    page.get_by_role("tab", name="The training").click()
    page.get_by_role("button", name="Train", exact=True).click()
    progress = page.get_by_test_id("stProgress")
    expect(progress).to_contain_text(re.compile(r"Run 1: epoch 1 of 20, batch \d+ of \d+ · [\d,]+ images/s"),
                                     timeout=600_000)
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Pause", exact=True).click()
    expect(progress).to_contain_text("paused", timeout=60_000)
    held = progress.inner_text()
    run_rate = page.get_by_test_id("stSlider").filter(has_text="Learning rate of this run").get_by_role("slider")
    run_rate.focus()  # the run's own slider comes after the knobs'
    for _ in range(2):
        run_rate.press("ArrowRight")
    page.get_by_role("button", name="Change", exact=True).click()
    marks = page.get_by_text(re.compile(r"Marked on the charts: paused at epoch [\d.]+; learning rate 0\.001 → 0\.003"))
    expect(marks).to_be_visible(timeout=60_000)
    expect(progress).to_have_text(held)
    screenshot("train-paused-and-steered")
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(progress).not_to_contain_text("paused", timeout=60_000)
    expect(progress).not_to_have_text(held, timeout=60_000)
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile(r"Run 1 stopped early")).first).to_be_visible(timeout=300_000)


def test_a_shared_link_opens_with_the_same_knobs(page, app_url):
    open_page(page, "Train")
    page.get_by_role("tab", name="The training").click()
    set_slider(page, "Epochs", 3, "ArrowRight")
    expect(page).to_have_url(re.compile(r"epochs=8"))
    link = page.url
    fresh = page.context.browser.new_page()
    fresh.goto(link)
    expect(fresh.get_by_role("heading", name="Train a network")).to_be_visible(timeout=120_000)
    fresh.get_by_role("tab", name="The training").click()
    epochs = fresh.get_by_test_id("stSlider").filter(has_text="Epochs").get_by_role("slider")
    expect(epochs).to_have_value("8")
    fresh.close()
