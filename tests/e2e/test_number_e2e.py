from playwright.sync_api import expect

from .drawing import canvas, draw_digit
from .streamlit_widgets import open_page


def number_value(page):
    return page.get_by_test_id("stMetric").filter(has_text="The number reads").get_by_test_id("stMetricValue")


def test_write_2026_on_the_number_canvas_and_read_it(page, screenshot):
    open_page(page, "Write a number")
    expect(page.get_by_role("heading", name="Write a number", exact=True)).to_be_visible()
    area = canvas(page).bounding_box()
    assert area["width"] > 2 * area["height"], "the number canvas is wide"
    # Each digit in its own square part of the canvas, nearly as tall as the canvas.
    width = 0.9 * area["height"] / area["width"]
    for k, digit in enumerate((2, 0, 2, 6)):
        draw_digit(page, digit, box=(0.06 + k * 0.23, 0.05, width, 0.9))
    expect(number_value(page)).to_have_text("2026", timeout=30_000)
    screenshot("number-page-2026")
