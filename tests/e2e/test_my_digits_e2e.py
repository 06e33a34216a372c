"""Labelling drawings, My digits and the class dataset, in Chromium against a real server."""


import io
import zipfile

from playwright.sync_api import Page, expect

from mlcore.digit_zip import from_zip
from .conftest import E2E_PASSCODE
from .drawing import clear_canvas, draw_digit, expect_prediction
from .app_traffic import AppTraffic
from .streamlit_widgets import open_page, wait_until_idle


def other_digit(page: Page, digit: int):
    return page.locator(".st-key-labelling_digits").get_by_role("button", name=str(digit), exact=True)


def saved(page: Page):
    return page.get_by_text("Saved in My digits as a")


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def label_right(page: Page, digit: int) -> None:
    draw_digit(page, digit)
    expect_prediction(page, digit)
    page.get_by_role("button", name=f"Right, it's a {digit}").click()
    expect(saved(page)).to_contain_text(f"as a {digit}")


def test_draw_label_see_it_in_my_digits_download_and_upload_it_back(page, screenshot, tmp_path):
    label_right(page, 7)
    screenshot("draw-labelled")
    clear_canvas(page)
    draw_digit(page, 3)
    expect_prediction(page, 3)
    other_digit(page, 5).click()
    expect(saved(page)).to_contain_text("as a 5")
    page.get_by_role("button", name="Undo this label").click()
    expect(saved(page)).to_have_count(0)
    other_digit(page, 8).click()
    expect(saved(page)).to_contain_text("as an 8 (2 so far)")

    open_page(page, "My digits")
    expect(metric(page, "Drawings")).to_have_text("2")
    expect(metric(page, "Misread by the model")).to_have_text("1")
    expect(page.get_by_test_id("stImage")).to_have_count(2)
    expect(page.get_by_text("8 · read 3", exact=True)).to_be_visible()
    screenshot("my-digits")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a zip").click()
    assert download.value.suggested_filename == "my-digits.zip"
    data = open(download.value.path(), "rb").read()
    digits = from_zip(data)
    assert [(d.label, d.predicted) for d in digits] == [(7, 7), (8, 3)]
    assert all(d.canvas_png.startswith(b"\x89PNG") and d.image.max() == 255 for d in digits)

    page.get_by_test_id("stButton").filter(has_text="Delete").first.click()  # the newest: the 8
    expect(metric(page, "Drawings")).to_have_text("1")
    expect(page.get_by_text("8 · read 3", exact=True)).to_have_count(0)

    upload = page.get_by_test_id("stFileUploaderDropzoneInput")
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as archive, zipfile.ZipFile(io.BytesIO(data)) as good:
        for name in good.namelist():
            archive.writestr(name, good.read(name))
        archive.writestr("../../outside.png", b"x")
    upload.set_input_files(hostile)
    expect(page.get_by_text("hostile.zip was not imported")).to_contain_text("outside the zip's folder")
    expect(metric(page, "Drawings")).to_have_text("1")
    downloaded = tmp_path / "my-digits.zip"
    downloaded.write_bytes(data)
    upload.set_input_files(downloaded)
    expect(page.get_by_text("Imported 1 drawing from my-digits.zip (1 drawing was here already).")).to_be_visible()
    expect(metric(page, "Drawings")).to_have_text("2")


def test_a_second_session_adds_to_the_class_dataset_and_the_first_sees_it(page, browser, app_url, screenshot):
    open_page(page, "Class dataset")
    before = int(metric(page, "Drawings").inner_text().replace(",", ""))
    second = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        student = second.new_page()
        student.app_traffic = AppTraffic(student)  # draw_digit waits on the page's own messages
        student.set_default_timeout(60_000)
        student.goto(app_url)
        label_right(student, 4)
        phone_menu(student, "My digits")
        student.get_by_role("button", name="Add 1 drawing to the class dataset").click()
        expect(student.get_by_text("Added 1 drawing to the class dataset")).to_be_visible()
        expect(student.get_by_role("button", name="All your drawings are in the class dataset")).to_be_disabled()

        page.get_by_role("button", name="Refresh").click()
        expect(metric(page, "Drawings")).to_have_text(str(before + 1))
        page.get_by_role("radiogroup", name="Show").get_by_role("radio", name="4 (", exact=False).click()
        wait_until_idle(page)
        expect(page.get_by_test_id("stImage").first).to_be_visible()
        screenshot("class-dataset")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the class dataset (zip)").click()
        assert len(from_zip(open(download.value.path(), "rb").read(), max_digits=20_000)) == before + 1

        passcode = page.get_by_label("Passcode")
        passcode.fill("not-the-passcode")
        page.get_by_role("button", name="Clear the class dataset").click()
        expect(page.get_by_text("That is not the passcode. Nothing was deleted.")).to_be_visible()
        expect(metric(page, "Drawings")).to_have_text(str(before + 1))
        passcode.fill(E2E_PASSCODE)
        page.get_by_role("button", name="Clear the class dataset").click()
        expect(page.get_by_text(f"Cleared: {before + 1:,} drawings deleted.")).to_be_visible()
        expect(metric(page, "Drawings")).to_have_text("0")

        phone_menu(student, "Class dataset")
        expect(metric(student, "Drawings")).to_have_text("0")
        phone_menu(student, "My digits")  # it asks the class dataset again: the drawing can be added again
        expect(student.get_by_role("button", name="Add 1 drawing to the class dataset")).to_be_enabled()
    finally:
        second.close()


def phone_menu(page: Page, title: str) -> None:
    """Open the menu on a phone, choose a page: the menu closes by itself, uncovering the page."""
    page.get_by_test_id("stExpandSidebarButton").click()
    open_page(page, title)
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()
    expect(page.get_by_test_id("stSidebarCollapseButton")).to_be_hidden()
