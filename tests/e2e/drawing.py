"""Drawing digits on the real canvas with the mouse, and reading what the page shows."""

from __future__ import annotations

import math

from playwright.sync_api import Error as PlaywrightError, Page, expect

from .streamlit_widgets import wait_until_idle


def _arc(cx, cy, rx, ry, start, end, n=20):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in (start + (end - start) * i / n for i in range(n + 1))]


# Mouse paths in the unit square (x right, y down), one list per stroke, drawn like a person would.
STROKES = {
    0: [_arc(0.5, 0.5, 0.26, 0.4, -100, 265)],
    1: [[(0.45, 0.12), (0.5, 0.5), (0.53, 0.88)]],
    2: [_arc(0.5, 0.32, 0.24, 0.2, 190, 380) + [(0.3, 0.8), (0.25, 0.85), (0.78, 0.84)]],
    3: [_arc(0.48, 0.3, 0.22, 0.18, 200, 440) + _arc(0.48, 0.66, 0.26, 0.2, 270, 500)],
    4: [[(0.3, 0.12), (0.24, 0.55), (0.76, 0.55)], [(0.62, 0.15), (0.64, 0.88)]],
    5: [[(0.72, 0.14), (0.34, 0.14), (0.3, 0.45)] + _arc(0.5, 0.63, 0.24, 0.22, 215, 500)],
    6: [[(0.66, 0.1), (0.4, 0.35)] + _arc(0.5, 0.66, 0.22, 0.2, 200, 560)],
    7: [[(0.25, 0.15), (0.75, 0.15), (0.42, 0.88)]],
    8: [_arc(0.5, 0.3, 0.18, 0.18, 90, 450) + _arc(0.5, 0.68, 0.22, 0.2, 270, -90)],
    9: [_arc(0.5, 0.33, 0.2, 0.19, 0, 360) + [(0.68, 0.6), (0.66, 0.88)]],
}


def canvas(page: Page):
    return page.locator("canvas.upper-canvas")


def canvas_area(page: Page) -> dict:
    """The canvas's box on the page ({x, y, width, height} in CSS px) once it is shown: a canvas
    the page has not laid out yet has no box."""
    expect(canvas(page)).to_be_visible()
    return canvas(page).bounding_box()


def stroke_points(page: Page, digit: int, box: tuple[float, ...] = (0, 0, 1)) -> list[list[tuple[float, float]]]:
    """`digit`'s strokes in page coordinates (see `on_page`)."""
    return on_page(page, STROKES[digit], box)


def on_page(page: Page, strokes, box: tuple[float, ...] = (0, 0, 1)) -> list[list[tuple[float, float]]]:
    """`strokes` given in the unit square, in page coordinates where the canvas is now; `box` =
    (left, top, size) places them in that part of the canvas, as fractions of it; (left, top,
    width, height) for a part that is not square (on a wide canvas)."""
    area = canvas_area(page)
    left, top, width, height = box if len(box) == 4 else (*box, box[2])
    return [[(area["x"] + (left + x * width) * area["width"], area["y"] + (top + y * height) * area["height"])
             for x, y in stroke] for stroke in strokes]


# Fabric.js shows its free-drawing cursor on a mouse move only once the canvas is in drawing mode,
# which the component switches on after loading its initial drawing: a stroke made before that
# is lost. A synthetic move is dispatched until the cursor says the canvas draws.
_DRAWS_JS = """element => {
  const box = element.getBoundingClientRect();
  element.dispatchEvent(new MouseEvent("mousemove", {bubbles: true, clientX: box.x + 1, clientY: box.y + 1}));
  return element.style.cursor === "crosshair";
}"""


def wait_until_canvas_draws(page: Page) -> None:
    """Wait until the page has settled and the canvas is in drawing mode (a stroke would count)."""
    wait_until_idle(page)
    handle = canvas(page).element_handle(timeout=60_000)
    page.wait_for_function(_DRAWS_JS, arg=handle, polling=100, timeout=60_000)


def draw_strokes(page: Page, strokes, steps: int = 3, box: tuple[float, ...] = (0, 0, 1)) -> None:
    """Draw `strokes` (in the unit square of the canvas, placed in `box` as in `on_page`) with the
    mouse once the page has settled and the canvas draws; each stroke ends when the canvas has sent
    it and the server has finished the run that read it. The canvas is located only after the page
    has settled: while a page replaces another, the canvas can still move."""
    wait_until_canvas_draws(page)
    for points in on_page(page, strokes, box):
        mark = page.app_traffic.mark()
        before = _where(page, points[0])
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=steps)
        page.mouse.up()
        try:
            page.app_traffic.wait_for_rerun_since(mark)
        except PlaywrightError as error:
            raise AssertionError(f"The stroke was lost. Before it: {before}; now: {_where(page, points[0])}; the canvas "
                                 f"sent it: {page.app_traffic.last_rerun_sent > mark}") from error


# What a lost stroke's failure reports: the element under the stroke's first point (through the
# components' shadow roots), each drawing canvas's box, and how many of its pixels are inked.
_WHERE_JS = """([x, y]) => {
  let root = document, hit = null;
  while ((hit = root.elementFromPoint(x, y)) && hit.shadowRoot && hit.shadowRoot !== root) root = hit.shadowRoot;
  const hosts = [...document.querySelectorAll("*")].filter(e => e.shadowRoot);
  const canvases = hosts.flatMap(h => [...h.shadowRoot.querySelectorAll("canvas.upper-canvas")]).map(c => {
    const lower = c.parentElement.querySelector("canvas.lower-canvas");
    const pixels = lower.getContext("2d").getImageData(0, 0, lower.width, lower.height).data;
    let inked = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 128) inked++;
    const box = c.getBoundingClientRect();
    return {x: Math.round(box.x), y: Math.round(box.y), inked};
  });
  return {first_point_on: hit && `${hit.tagName}.${hit.className}`, canvases};
}"""


def _where(page: Page, point) -> dict:
    return page.evaluate(_WHERE_JS, list(point))


def draw_digit(page: Page, digit: int, steps: int = 3, box: tuple[float, ...] = (0, 0, 1)) -> None:
    """Draw `digit` with mouse strokes (see `draw_strokes`), in `box` of the canvas."""
    draw_strokes(page, STROKES[digit], steps, box)


def finger_strokes(page: Page, strokes, steps: int = 4, box: tuple[float, ...] = (0, 0, 1)) -> None:
    """`strokes` (placed in `box` as in `on_page`) as touch strokes (touchStart, touchMove, touchEnd),
    each ending when the canvas has sent it and the server has finished the run that read it."""
    wait_until_canvas_draws(page)
    canvas(page).scroll_into_view_if_needed()
    touch = page.context.new_cdp_session(page)
    for points in on_page(page, strokes, box):
        mark = page.app_traffic.mark()
        x, y = points[0]
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for i in range(1, steps + 1):
                point = {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}
                touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        page.app_traffic.wait_for_rerun_since(mark)
    touch.detach()


def prediction(page: Page):
    return page.get_by_test_id("stMetric").filter(has_text="Prediction").get_by_test_id("stMetricValue")


def expect_prediction(page: Page, digit: int) -> None:
    expect(prediction(page)).to_have_text(str(digit), timeout=30_000)


def clear_canvas(page: Page) -> None:
    mark = page.app_traffic.mark()
    page.get_by_role("button", name="Reset canvas & history").click()
    page.app_traffic.wait_for_rerun_since(mark)
    expect(prediction(page)).to_have_count(0)
