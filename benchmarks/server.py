"""A real `streamlit run` server and a headless Chromium visiting its pages, for benchmarks."""

from __future__ import annotations

import contextlib
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.e2e.app_traffic import AppTraffic
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.drawing import draw_digit, expect_prediction
from tests.e2e.server import StreamlitServer
from tests.e2e.streamlit_widgets import wait_until_idle

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["", "explore", "train"]
EXPLORE_TABS = ["Overview", "Gallery", "Model errors", "Map of the data"]


@contextlib.contextmanager
def app_server():
    """A started server's (url, pid); its log goes to artifacts/logs/streamlit-benchmark.log."""
    server = StreamlitServer("benchmark")
    try:
        server.start()
        yield server.url, server.process.pid
    finally:
        server.stop()


def visit_every_page(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.set_default_timeout(120_000)
        page.app_traffic = AppTraffic(page)
        for path in PAGES:
            page.goto(f"{url}/{path}")
            expect(page.locator("h1").first).to_be_visible(timeout=120_000)
            wait_until_idle(page)
            if path == "":
                draw_digit(page, 7)
                expect_prediction(page, 7)
            if path == "explore":
                for tab in EXPLORE_TABS:
                    page.get_by_role("tab", name=tab).click()
                    wait_until_idle(page)
        browser.close()
