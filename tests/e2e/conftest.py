"""A real `streamlit run` server and headless Chromium (Debian's, driven by Playwright)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from .app_traffic import AppTraffic
from .server import ROOT, StreamlitServer
from .streamlit_widgets import wait_until_idle

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1300, "height": 1000}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=30_000)


E2E_PASSCODE = "e2e-teacher-passcode"


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory):
    class_dataset = tmp_path_factory.mktemp("class-dataset") / "class_dataset.sqlite"
    server = StreamlitServer("session", env={"CLASS_DATASET_URL": f"sqlite:///{class_dataset}",
                                             "CLASS_DATASET_PASSCODE": E2E_PASSCODE})
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def fresh_server(request):
    """A server started for this test alone, so that the test makes its very first request."""
    server = StreamlitServer(request.node.name)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_url(streamlit_server):
    return streamlit_server.url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the server's log, and the test's page gets a screenshot."""
    report = yield
    if report.failed:
        item.failed_page = True
        for name in ("fresh_server", "streamlit_server"):
            server = item.funcargs.get(name)
            if isinstance(server, StreamlitServer):
                report.sections.append((f"streamlit server log ({server.log})", server.log_tail()))
    return report


def open_app(browser, url: str, viewport: dict, prepare=None, **options):
    """A new browser context's page showing the app, once its first run has finished; `prepare`
    is called with the context before the page loads (to route its requests)."""
    context = browser.new_context(viewport=viewport, **options)
    if prepare is not None:
        prepare(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.app_traffic = AppTraffic(page)
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    return page


def _screenshot_if_failed(request, page) -> None:
    if getattr(request.node, "failed_page", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}.png")


@pytest.fixture
def page(request, browser, app_url):
    page = open_app(browser, app_url, DESKTOP)
    yield page
    _screenshot_if_failed(request, page)
    page.context.close()


@pytest.fixture
def own_page(request, browser):
    """`open_app` for a test that opens its page its own way (a URL, a user agent, routes): called
    as `own_page(url, viewport, prepare=None, **options)`; each page is screenshotted if the test
    fails, then closed."""
    pages = []

    def opener(url: str, viewport: dict, prepare=None, **options):
        pages.append(open_app(browser, url, viewport, prepare, **options))
        return pages[-1]

    yield opener
    for opened in pages:
        _screenshot_if_failed(request, opened)
        opened.context.close()


PHONE_USER_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                    "Chrome/131.0.0.0 Mobile Safari/537.36")
"""What Chrome on an Android phone sends (a phone's pages may pick phone-sized defaults from it)."""


@pytest.fixture
def phone(request, browser, app_url):
    """The app on a 390 px wide touch screen, as on a phone."""
    page = open_app(browser, app_url, PHONE, device_scale_factor=3, is_mobile=True, has_touch=True,
                    user_agent=PHONE_USER_AGENT)
    yield page
    _screenshot_if_failed(request, page)
    page.context.close()


def _next_frame(page) -> None:
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def full_page_screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main area, so grow the window to fit it."""
    wait_until_idle(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    _next_frame(page)
    wait_until_idle(page)
    page.screenshot(path=path)
    page.set_viewport_size(size)
    return path


@pytest.fixture
def screenshot(page):
    return lambda name: full_page_screenshot(page, name)
