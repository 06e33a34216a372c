"""Fine-tuning on My digits, in Chromium against a real server: upload labelled drawings, fine-tune, see before/after."""

import re

from playwright.sync_api import expect

from mlcore.collection import Collection, LabelledDigit
from mlcore.digit_zip import to_zip
from mlcore.fine_tune import MIN_DRAWINGS
from mlcore.synthetic import outlined_digits
from .streamlit_widgets import open_page, wait_until_idle


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def test_fine_tune_the_model_on_my_digits_and_see_before_and_after(page, screenshot, tmp_path):
    open_page(page, "Train")
    expect(page.get_by_text(f"Fine-tuning needs at least {MIN_DRAWINGS} labelled drawings: 10 held out to compare "
                            f"before and after, and 10 to learn from. You have labelled 0 so far, so "
                            f"{MIN_DRAWINGS} more are needed", exact=False)).to_be_visible()
    expect(page.get_by_role("link", name="Label drawings on Draw")).to_be_visible()

    x, y = outlined_digits(50, seed=31)  # "bubble" digits: a style the shipped model misreads
    drawings = tmp_path / "bubbles.zip"
    drawings.write_bytes(to_zip(Collection([LabelledDigit(image=i, label=int(l)) for i, l in zip(x, y)])))
    open_page(page, "My digits")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(drawings)
    expect(page.get_by_text("Imported 50 drawings from bubbles.zip.")).to_be_visible()

    open_page(page, "Train")
    page.get_by_role("button", name="Fine-tune on 50 drawings").click()
    expect(page.get_by_role("heading", name="Run 1: fine-tuning")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_contain_text(re.compile(r"Run 1: epoch 1 of 3"), timeout=120_000)
    expect(page.get_by_text(re.compile(r"Run 1 finished: \d+\.\d+% on the 10,000 test images"))
           ).to_be_visible(timeout=900_000)
    expect(page.get_by_text("Fine-tuned mnist_cnn on 40 of 50 drawings from your drawings (My digits); "
                            "the other 10 were held out.")).to_be_visible()
    held = metric(page, "Held-out drawings")
    expect(held).to_have_count(2)
    before, after = (int(held.nth(i).inner_text().rstrip("%")) for i in (0, 1))
    assert after > before, "the held-out bubble digits are read better after"
    expect(metric(page, "MNIST test set")).to_have_count(2)
    expect(page.get_by_text("Now read right (", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stImage").filter(has_text="→").first).to_be_visible()
    wait_until_idle(page)
    screenshot("fine-tune-finished")
    page.set_viewport_size({"width": 390, "height": 900})
    screenshot("fine-tune-finished-phone")
    page.set_viewport_size({"width": 1300, "height": 900})

    page.get_by_role("button", name="Use this model").click()
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Model")).to_have_value(
        re.compile("Run 1 fine-tuned"))
