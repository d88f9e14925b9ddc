"""Browser-test fixtures: headless Debian Chromium, a fresh signed-in app per test."""

from __future__ import annotations

import dash
import pytest

from dashboard.app import create_app
from dashboard.reports.render import figure_renderer
from tests.conftest import PASSWORD, TEST_PORT, USERS, add_users, app_config


def pytest_setup_options():
    """Chrome options for dash[testing]: Debian's Chromium, no network chatter."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture
def make_app(tmp_path):
    """Build the app on a trial database, with a fresh page registry and the test users."""

    def build(trial_database_url: str, **overrides):
        dash.page_registry.clear()
        config = app_config(tmp_path, trial_database_url, **{"data_poll_seconds": 1.0, **overrides})
        app = create_app(config)
        add_users(config["app_database_url"], USERS)
        return app

    return build


def sign_in_browser(dash_duo, username: str = "ivy", path: str = "/") -> None:
    """Sign in through the real form, as a person would, then open ``path``."""
    dash_duo.driver.get(f"{dash_duo.server_url}/login?next={path}")
    dash_duo.wait_for_element("input[name=username]").send_keys(username)
    dash_duo.find_element("input[name=password]").send_keys(PASSWORD)
    dash_duo.find_element("form button[type=submit]").click()
    dash_duo.wait_for_element("#react-entry-point")


@pytest.fixture
def open_app(dash_duo):
    """Start ``app`` and open ``path`` signed in as ``username`` (default: investigator)."""

    def start(app, username: str = "ivy", path: str = "/"):
        # navigate=False: "/" would redirect to the sign-in page
        dash_duo.start_server(app, navigate=False, port=TEST_PORT)
        dash_duo._url = dash_duo.server.url
        sign_in_browser(dash_duo, username, path)
        return dash_duo

    return start


GRID_ROWS = (
    "return Array.from(document.querySelectorAll('#{grid} .ag-center-cols-container .ag-row'))"
    ".sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))"
    ".map(r => Array.from(r.querySelectorAll('.ag-cell')).map(c => c.innerText.trim()))"
)
PINNED_ROWS = (
    "return Array.from(document.querySelectorAll('#{grid} .ag-pinned-left-cols-container .ag-row'))"
    ".sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))"
    ".map(r => r.innerText.trim())"
)


@pytest.fixture
def renderer_closed():
    """Close the app's kept Chromium (kaleido) before dash_duo stops the server, which
    kills every thread the test started, the renderer's event loop included. List it
    after dash_duo so that it is torn down first."""
    yield
    figure_renderer().close()


def grid_rows(dash_duo, grid: str) -> list[list[str]]:
    return dash_duo.driver.execute_script(GRID_ROWS.replace("{grid}", grid))
