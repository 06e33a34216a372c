import re

from playwright.sync_api import expect

from .drawing import canvas, draw_digit, draw_strokes, expect_prediction, prediction
from .conftest import full_page_screenshot
from .streamlit_widgets import open_page, wait_until_idle

STAGES = ["1. Input", "2. Convolution", "3. Convolution", "4. Pooling", "5. Convolution", "6. Convolution",
          "7. Pooling", "8. Dense layer", "9. Softmax"]


def loaded_images(page) -> int:
    """How many pictures in the main area the browser has actually drawn (each scrolled into view first)."""
    images = page.locator("[data-testid=stMain] [data-testid=stImage] img")
    for n in range(images.count()):
        images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(n).element_handle())
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img')]
                                  .filter(img => img.complete && img.naturalWidth > 0).length""")


def test_draw_a_digit_and_see_every_layer_and_the_saliency_overlay(page, screenshot):
    open_page(page, "Inside the network")
    expect(page.get_by_role("heading", name="Draw a digit", exact=True)).to_be_visible()
    draw_digit(page, 3)
    expect_prediction(page, 3)
    for title in STAGES:
        expect(page.get_by_text(title, exact=False).first).to_be_visible()
    expect(page.get_by_text("32 learnt 3×3 filters", exact=False)).to_be_visible()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img').length >= 9")
    assert loaded_images(page) >= 9, "the input, 4 convolutions' maps, the filters, 2 poolings and the dense units"
    screenshot("inside-layers-three")

    page.get_by_role("tab", name="Why this answer").click()
    expect(page.get_by_text("Grad-CAM for 3:", exact=False)).to_be_visible()
    expect(page.get_by_text("Integrated gradients for 3:", exact=False)).to_be_visible()
    wait_until_idle(page)
    assert loaded_images(page) == 4, "Grad-CAM and integrated gradients for the answer and the runner-up"
    screenshot("inside-why-three")

    page.get_by_role("tab", name="Where it breaks").click()
    expect(page.get_by_text(re.compile(r"^Untouched, it reads 3\."))).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
    screenshot("inside-breaks-three")


def test_the_drawing_from_the_draw_page_is_looked_inside(page):
    draw_digit(page, 7)
    expect_prediction(page, 7)
    open_page(page, "Inside the network")
    expect(page.get_by_text("Your last drawing, from the Draw page", exact=False)).to_be_visible()
    expect_prediction(page, 7)
    expect(page.get_by_text("9. Softmax", exact=False)).to_be_visible()


CROSS = [[(0.22, 0.2), (0.78, 0.8)], [(0.78, 0.2), (0.22, 0.8)]]


def draw_unit_strokes(page, strokes) -> None:
    draw_strokes(page, strokes, steps=8)


def test_an_x_gets_i_dont_know_and_its_maps_are_framed_as_a_guess(page, screenshot):
    open_page(page, "Inside the network")
    expect(canvas(page)).to_be_visible(timeout=300_000)
    draw_unit_strokes(page, CROSS)
    expect(page.get_by_role("heading", name="I don't know", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="doesn't look like one digit")).to_be_visible()
    expect(prediction(page)).to_have_count(0)
    screenshot("inside-x-layers")
    page.get_by_role("tab", name="Why this answer").click()
    expect(page.get_by_text("What it looked at for its guess", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="not reasons for the drawing to be")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Why \d"))).to_have_count(0)
    wait_until_idle(page)
    screenshot("inside-x-why")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("inside-x-why-phone")


def test_sweeps_tell_where_the_answer_changes_with_units(page, screenshot):
    open_page(page, "Inside the network")
    draw_digit(page, 7)
    expect_prediction(page, 7)
    page.get_by_role("tab", name="Where it breaks").click()
    expect(page.get_by_text("Untouched, it reads 7.", exact=False)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Turned \d+° (clockwise|anticlockwise)"))).to_be_visible()
    screenshot("inside-sweep-rotation")
    for name in ("scale", "thickness", "noise"):
        page.get_by_test_id("stButtonGroup").first.get_by_text(name, exact=True).click()
        wait_until_idle(page)
        expect(page.get_by_text("Untouched, it reads 7.", exact=False)).to_be_visible()
        screenshot(f"inside-sweep-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("inside-sweep-noise-phone")


def test_on_a_phone_the_lab_pictures_stay_readable_and_calibration_fits(phone, app_url):
    phone.goto(f"{app_url}/inside")
    expect(phone.get_by_role("heading", name="Inside the network")).to_be_visible(timeout=120_000)
    phone.get_by_role("tab", name="Where it breaks").click()
    expect(phone.get_by_text(re.compile(r"^Untouched, it reads \d\."))).to_be_visible()
    strip = phone.locator("[data-testid=stMain] [data-testid=stImage] img").first
    strip.scroll_into_view_if_needed()
    # 13 rotation steps shown in rows of 7: each picture at least 40 px wide on a 390 px screen
    assert strip.bounding_box()["width"] / 7 >= 40
    full_page_screenshot(phone, "inside-sweep-phone")
    phone.goto(f"{app_url}/explore")
    expect(phone.get_by_role("heading", name="Explore MNIST")).to_be_visible(timeout=120_000)
    phone.get_by_role("tab", name="Calibration").click()
    cell = phone.get_by_role("cell", name="Validation split (T fitted here)")
    expect(cell).to_be_visible(timeout=300_000)
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= 390
    full_page_screenshot(phone, "explore-calibration-phone")
