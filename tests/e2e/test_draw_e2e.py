from playwright.sync_api import expect

from .conftest import DESKTOP
from .drawing import canvas, clear_canvas, wait_until_canvas_draws, draw_digit, expect_prediction, prediction
from .streamlit_widgets import open_page
from ..photos import bold_tight_seven, png_bytes


def test_draws_are_read_while_drawing_and_clear_resets(page, screenshot):
    expect(canvas(page)).to_be_visible()
    expect(page.get_by_text("Draw a digit").first).to_be_visible()
    expect(prediction(page)).to_have_count(0)
    for digit in (7, 0, 4, 2, 1, 3):
        draw_digit(page, digit)
        expect_prediction(page, digit)
        if digit == 7:
            screenshot("draw-page-seven")
        clear_canvas(page)
        expect(page.get_by_role("heading", name="Draw a digit", exact=True)).to_be_visible()


def test_a_stroke_starting_in_the_top_right_corner_is_not_lost(page):
    wait_until_canvas_draws(page)
    area = canvas(page).bounding_box()
    page.mouse.move(area["x"] + area["width"] - 6, area["y"] + 6)
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] * 0.55, area["y"] + area["height"] - 10, steps=12)
    page.mouse.up()
    expect_prediction(page, 1)


def test_download_button_offers_the_drawing(page):
    button = page.get_by_role("button", name="Download the drawing (PNG)")
    expect(button).to_be_disabled()
    draw_digit(page, 1)
    expect_prediction(page, 1)
    expect(button).to_be_enabled()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "digit.png"
    assert open(download.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_first_stroke_is_read_while_the_canvas_stylesheet_is_still_loading(own_page, app_url):
    """The canvas component's stylesheet is a request of its own, which a busy server can answer
    after the component's script has drawn the canvas. Until it comes the canvas must already be in
    place: out of place it sat 288 px lower, under the download button, and a stroke was lost."""
    held = []

    def hold_the_canvas_stylesheet(route):
        if "drawable" in route.request.url and route.request.resource_type == "stylesheet":
            held.append(route)
        else:
            route.continue_()

    page = own_page(app_url, DESKTOP, prepare=lambda context: context.route("**/*", hold_the_canvas_stylesheet))
    try:
        draw_digit(page, 7)
        expect_prediction(page, 7)
        assert held, "the canvas's stylesheet was not held back: this test tested nothing"
    finally:
        for route in held:
            route.continue_()


def test_canvas_still_works_after_visiting_another_page(page):
    draw_digit(page, 7)
    expect_prediction(page, 7)
    open_page(page, "Explore MNIST")
    expect(page.get_by_role("heading", name="Explore MNIST")).to_be_visible()
    open_page(page, "Draw")
    expect(canvas(page)).to_be_visible()
    expect(prediction(page)).to_have_count(0)
    draw_digit(page, 4)
    expect_prediction(page, 4)


def test_small_off_centre_digits_with_a_thick_pen_are_read(page):
    pen = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text="Pen width").get_by_role("slider")
    pen.focus()
    for _ in range(20):
        pen.press("ArrowRight")
    expect(pen).to_have_value("32")
    for digit, box in ((5, (0.52, 0.5, 0.45)), (9, (0.02, 0.05, 0.4)), (6, (0.3, 0.55, 0.42))):
        draw_digit(page, digit, box=box)
        expect_prediction(page, digit)
        clear_canvas(page)


def test_a_photo_is_read_and_a_broken_file_is_explained(page, tmp_path, screenshot):
    photo = tmp_path / "seven.png"
    photo.write_bytes(png_bytes(bold_tight_seven()))
    upload = page.get_by_test_id("stFileUploaderDropzoneInput")
    upload.set_input_files(photo)
    expect(page.get_by_test_id("stMetric").filter(has_text="The photo reads as")).to_contain_text("7")
    for caption in ("your picture, in grey", "the ink, cleaned", "the model's 28×28 input"):
        expect(page.get_by_test_id("stImage").filter(has_text=caption).locator("img")).to_be_visible()
    screenshot("draw-page-photo")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("draw-page-photo-phone")
    page.set_viewport_size({"width": 1300, "height": 1000})
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    upload.set_input_files(broken)
    expect(page.get_by_text("That file is not a picture this app can read")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="The photo reads as")).to_have_count(0)
    draw_digit(page, 7)
    expect_prediction(page, 7)
