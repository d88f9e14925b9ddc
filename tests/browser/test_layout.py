"""Every page, for every role that may open it, at 1440, 1024 and 390 px, on the demo.

What is checked is what a person sees as broken (``layout_probe``): a graph spilling out
of its card, cards drawn over each other, a title under the mode bar, a legend over a
curve or an axis title, a grid cell whose text is cut, a page wider than the phone;
plus no error in the browser console and no serious or critical axe-core violation.

One app, one server and one browser serve the whole module: each test signs in as its
role, opens its page and resizes the window, rather than starting a browser per check.
Set ``LAYOUT_SHOTS=DIR`` to save a screenshot of each page at each width.
"""

from __future__ import annotations

import os
from pathlib import Path

import dash
import pytest
from dash.testing.application_runners import ThreadedRunner
from dash.testing.composite import DashComposite
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from data_access.demo import generate
from data_access.engine import make_engine
from data_access.loader import replace_trial_data
from tests.browser.conftest import pytest_setup_options, sign_in_browser
from tests.browser.layout_probe import (
    WIDTHS,
    axe_violations,
    layout_defects,
    set_width,
    wait_settled,
)
from tests.conftest import TEST_PORT, USERS, add_users, app_config

pytestmark = pytest.mark.browser

#: docs/roles.md: the pages each role may open, by user of tests/conftest.py USERS.
PAGES_OF = {
    "ivy": ("/", "/sites", "/recovery", "/survival", "/safety", "/patients/CLF-001"),
    "dora": ("/", "/sites", "/recovery", "/survival", "/safety", "/patients/STE-011"),
    "spencer": ("/", "/sites"),
    "ada": ("/", "/sites", "/admin"),
}
VISITS = [(user, path) for user, paths in PAGES_OF.items() for path in paths]


@pytest.fixture(scope="module")
def browser(tmp_path_factory, request):
    """The demo trial served once; one headless Chromium for every page and role."""
    folder = tmp_path_factory.mktemp("layout")
    url = f"sqlite:///{folder / 'trial.db'}"
    replace_trial_data(make_engine(url), generate(), "demo")
    dash.page_registry.clear()
    config = app_config(folder, url)
    app = create_app(config)
    add_users(config["app_database_url"], USERS)
    with (
        ThreadedRunner() as server,
        DashComposite(
            server=server,
            browser="Chrome",
            headless=request.config.getoption("headless"),
            options=pytest_setup_options(),
            download_path=str(folder / "downloads"),
        ) as duo,
    ):
        duo.start_server(app, navigate=False, port=TEST_PORT)
        duo._url = duo.server.url
        duo.signed_in = None
        yield duo


def open_as(duo, user: str, path: str) -> None:
    """``path`` signed in as ``user`` (signing out whoever was signed in before)."""
    if duo.signed_in != user:
        duo.driver.delete_all_cookies()
        sign_in_browser(duo, user, path)
        duo.signed_in = user
    else:
        duo.driver.get(f"{duo.server_url}{path}")
    duo.wait_for_element("#react-entry-point")


def screenshot(duo, user: str, path: str, width: int) -> None:
    folder = os.environ.get("LAYOUT_SHOTS")
    if not folder:
        return
    page = path.strip("/").replace("/", "-") or "overview"
    height = duo.driver.execute_script("return document.documentElement.scrollHeight")
    duo.driver.set_window_size(width, min(height + 140, 6000))
    wait_settled(duo.driver)
    duo.driver.save_screenshot(str(Path(folder) / f"{page}-{user}-{width}.png"))


@pytest.mark.parametrize(("user", "path"), VISITS)
def test_layout001_page_is_whole_at_every_width(browser, user, path):
    open_as(browser, user, path)
    found = []
    for width in WIDTHS:
        set_width(browser.driver, width)
        wait_settled(browser.driver)
        found += [f"{width} px: {defect}" for defect in layout_defects(browser.driver)]
        screenshot(browser, user, path, width)
    found += [f"console: {entry['message']}" for entry in browser.get_logs()]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("user", "path"), VISITS)
def test_layout002_no_serious_accessibility_violation(browser, user, path):
    open_as(browser, user, path)
    set_width(browser.driver, WIDTHS[0])
    wait_settled(browser.driver)
    violations = axe_violations(browser.driver)
    assert violations == [], "\n".join(violations)


def test_layout003_phone_navigation_folds_behind_a_menu_button(browser):
    open_as(browser, "dora", "/survival")
    set_width(browser.driver, 390)
    wait_settled(browser.driver)
    nav = browser.find_element("#shell-nav")
    assert not nav.is_displayed()  # five links would take a third of the phone's screen
    height = browser.driver.execute_script(
        "return document.querySelector('.navbar').getBoundingClientRect().height"
    )
    assert height < 70
    browser.find_element("#shell-menu-toggle").click()
    browser.wait_for_element("#shell-nav a[href='/safety']")
    until(lambda: browser.find_element("#shell-nav").is_displayed(), timeout=5)
    browser.find_element("#shell-nav a[href='/safety']").click()
    browser.wait_for_element("#safety-kpis")
    set_width(browser.driver, WIDTHS[0])
    assert browser.find_element("#shell-nav").is_displayed()  # wide screens: always shown
    assert browser.get_logs() == []


def test_layout004_controls_work_from_the_keyboard(browser):
    """The Recovery page's count chooser, as a keyboard user reaches it: Tab, then arrows."""
    open_as(browser, "ivy", "/recovery")
    set_width(browser.driver, WIDTHS[0])
    browser.wait_for_text_to_equal(
        "#recovery-trajectory-graph .gtitle", "Neutrophils (ANC), day 0 to day 100"
    )
    chooser = browser.find_element("#recovery-test")
    browser.driver.execute_script("arguments[0].focus()", chooser)
    chooser.send_keys(Keys.ARROW_DOWN)
    browser.wait_for_text_to_equal(
        "#recovery-trajectory-graph .gtitle", "Platelets, day 0 to day 100"
    )
    focusable = browser.driver.execute_script(
        "return [...document.querySelectorAll('main select, main input, main button, "
        "#_pages_content select, #_pages_content input, #_pages_content button')]"
        ".filter(e => e.offsetParent !== null && e.tabIndex < 0).map(e => e.id)"
    )
    assert focusable == []  # every visible control can be reached with Tab
