"""Operating Streamlit widgets in the browser the way a user does."""

from playwright.sync_api import Page, expect


def wait_until_idle(page: Page) -> None:
    """Wait for the script run to finish (Streamlit shows a status widget while it runs)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    page.wait_for_timeout(300)


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
