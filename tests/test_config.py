"""The deployed configuration says what the app does."""

import tomllib
from pathlib import Path

from mlcore.image_io import MAX_MEGABYTES

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def test_the_server_and_the_pages_share_one_upload_limit_above_the_pictures_read():
    assert CONFIG["server"]["maxUploadSize"] == MAX_MEGABYTES


def test_students_see_no_developer_menu_and_the_apps_own_navigation():
    assert CONFIG["client"]["toolbarMode"] == "viewer"
    assert CONFIG["client"]["showSidebarNavigation"] is False
