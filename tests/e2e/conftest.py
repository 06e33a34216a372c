"""A real `streamlit run` server and headless Chromium (Debian's, driven by Playwright)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.streamlit_widgets import wait_until_idle

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

expect.set_options(timeout=30_000)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


E2E_PASSCODE = "e2e-teacher-passcode"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    port = _free_port()
    class_dataset = tmp_path_factory.mktemp("class-dataset") / "class_dataset.sqlite"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CLASS_DATASET_URL": f"sqlite:///{class_dataset}",
           "CLASS_DATASET_PASSCODE": E2E_PASSCODE}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.failed_page = True
    return report


@pytest.fixture
def page(request, browser, app_url):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    expect(page.locator("h1").first).to_be_visible(timeout=120_000)
    yield page
    if getattr(request.node, "failed_page", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"FAILED-{request.node.name}.png")
    context.close()


@pytest.fixture
def screenshot(page):
    def take(name: str) -> Path:
        """The whole page: Streamlit scrolls inside its main area, so grow the window to fit it."""
        wait_until_idle(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = page.viewport_size
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_timeout(500)
        page.screenshot(path=path)
        page.set_viewport_size(size)
        return path

    return take
