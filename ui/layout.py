"""The app's frame: every page's browser title, icon, width and the navigation in the sidebar.

The app uses Streamlit's classic `pages/` multipage mode: `streamlit_app.py` is the first page
(Draw, at `/`) and every file in `pages/` is another page, at `/<file name>` (`/explore`,
`/train`). Streamlit decides this from the folder alone, before any script runs, so a deep link
opened first on a freshly started server shows the right page. (`st.navigation` next to a `pages/`
folder would not: until some session has run it, Streamlit serves the folder's files in the
classic mode anyway; see the docs' "Creating multipage apps using the pages/ directory".)

Streamlit's own menu for that mode would label pages by file name ("streamlit app") and cannot
show Material icons, so `client.showSidebarNavigation = false` hides it and every page draws the
menu below with `st.page_link` instead. Every page calls `page_frame` first.

Streamlit's own menu closes the sidebar when a page is chosen on a narrow screen, where the
sidebar covers the page; `st.page_link` does not. A tiny component does it for our menu: a click on
one of its links, in a window no wider than Streamlit's `md` breakpoint (768 px, where the sidebar
starts to overlay the page), presses the sidebar's own "Collapse sidebar" button.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

APP_TITLE = "Handwritten digits"

_CLOSE_MENU_ON_PHONES_JS = """
export default function () {
  if (window.__digitsMenuClosesOnPhones) return;
  window.__digitsMenuClosesOnPhones = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]');
    if (!link || window.innerWidth > 768) return;
    const collapse = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (collapse) collapse.click();
  }, true);
}
"""

_close_menu_on_phones = st.components.v2.component("digits_menu_closes_on_phones", js=_CLOSE_MENU_ON_PHONES_JS)


# How much of the window (CSS px) lies right of the page's content's left edge, sent on load and
# whenever it changes (a phone turned, the sidebar opened): a page can offer only what fits on screen.
_ROOM_JS = """
export default function ({ parentElement, setStateValue }) {
  const element = parentElement instanceof ShadowRoot ? parentElement.host : parentElement;
  let sent = null;
  const send = () => {
    const room = Math.round(window.innerWidth - element.getBoundingClientRect().left);
    if (room > 0 && room !== sent) { sent = room; setStateValue("room", room); }
  };
  const observer = new ResizeObserver(send);
  observer.observe(element);
  window.addEventListener("resize", send);
  send();
  return () => { observer.disconnect(); window.removeEventListener("resize", send); };
}
"""

_room = st.components.v2.component("digits_room_on_screen", js=_ROOM_JS)


def room_on_screen() -> int | None:
    """The CSS px from the left edge of the page's content to the right edge of the window (what a
    wide element can use before it runs off the screen), or None until the browser has said (a
    session's first run; AppTest, which has no browser)."""
    return _room(key="room_on_screen", on_room_change=lambda: None).get("room")


@dataclass(frozen=True)
class AppPage:
    path: str  # relative to the folder of streamlit_app.py, as st.page_link wants it
    title: str
    icon: str  # a Streamlit Material icon, ":material/<name>:"


PAGES = (
    AppPage("streamlit_app.py", "Draw", ":material/draw:"),
    AppPage("pages/number.py", "Write a number", ":material/pin:"),
    AppPage("pages/inside.py", "Inside the network", ":material/neurology:"),
    AppPage("pages/explore.py", "Explore MNIST", ":material/search:"),
    AppPage("pages/train.py", "Train", ":material/model_training:"),
    AppPage("pages/my_digits.py", "My digits", ":material/collections:"),
    AppPage("pages/class_dataset.py", "Class dataset", ":material/groups:"),
)


def on_a_phone() -> bool:
    """Whether the browser says it is a phone or another small touch screen.

    MDN's advice for telling mobile browsers apart: "Mobi" anywhere in the User-Agent header
    (https://developer.mozilla.org/en-US/docs/Web/HTTP/Browser_detection_using_the_user_agent).
    Used only to pick a default a user can change; False when there is no header (tests, scripts).
    """
    return "Mobi" in (st.context.headers.get("User-Agent") or "")


def page_frame(path: str) -> AppPage:
    """Set the browser tab's title and icon and the wide layout, and draw the app's navigation.

    `path` is one of `PAGES`' paths; raises KeyError for any other.
    """
    page = {p.path: p for p in PAGES}[path]
    st.set_page_config(page_title=f"{page.title} · {APP_TITLE}", page_icon=page.icon, layout="wide")
    with st.sidebar:
        for link in PAGES:
            st.page_link(link.path, label=link.title, icon=link.icon)
        _close_menu_on_phones(key="menu_closes_on_phones")
    return page
