"""The app's pages, navigation and layout as a user opens them, including a deep link opened
first on a freshly started server."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from ui.layout import APP_TITLE, PAGES

from .conftest import DESKTOP
from .drawing import canvas
from .streamlit_widgets import navigation, open_page

MENU = [p.title for p in PAGES]


@pytest.mark.parametrize(("path", "menu_title", "heading"), [("explore", "Explore MNIST", "Explore MNIST"),
                                                             ("train", "Train", "Train a network")])
def test_a_deep_link_opened_first_on_a_fresh_server_shows_that_page(fresh_server, own_page, path, menu_title, heading):
    page = own_page(f"{fresh_server.url}/{path}", DESKTOP)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page).to_have_title(f"{menu_title} · {APP_TITLE}")
    expect(navigation(page)).to_contain_text(MENU)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # not Streamlit's file-name menu
    width = page.get_by_test_id("stMainBlockContainer").bounding_box()["width"]
    assert width > 800, f"the page should use the wide layout (centred is 736 px), main area is {width} px"
    assert urlparse(page.url).path == f"/{path}"  # the Train page may add its settings as a query
    open_page(page, "Draw")
    expect(canvas(page)).to_be_visible()
    expect(page).to_have_title(f"Draw · {APP_TITLE}")


def test_every_page_has_the_apps_menu_and_title(page):
    for title in MENU:
        open_page(page, title)
        expect(page).to_have_title(f"{title} · {APP_TITLE}")
        expect(navigation(page)).to_contain_text(MENU)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
