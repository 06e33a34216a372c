"""Operating Streamlit widgets in the browser the way a user does, waiting on the app's own state."""

from playwright.sync_api import Page, expect

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def wait_until_idle(page: Page) -> None:
    """Wait until the app's script run has finished (Streamlit marks stApp with its run state)."""
    expect(page.locator(IDLE)).to_have_count(1, timeout=60_000)


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def navigation(page: Page):
    """The app's own page menu in the sidebar (ui/layout.py)."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink")


def open_page(page: Page, title: str) -> None:
    """Open the page `title` from the menu and wait until the server has run it: until then the
    previous page's elements (its canvas) are still on screen."""
    mark = page.app_traffic.mark()
    navigation(page).filter(has=page.get_by_text(title, exact=True)).click()
    page.app_traffic.wait_for_rerun_since(mark, timeout=60_000)
