"""Administration page in headless Chromium: accounts and the audit log, admin only.

The page needs no trial data, so the trial database is empty.
"""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support.wait import WebDriverWait

pytestmark = pytest.mark.browser

NAMES = "#admin-users-grid .ag-cell[col-id=name]"
AUDIT_CELLS = "#admin-audit-grid .ag-cell[col-id={}]"


def _texts(dash_duo, selector: str) -> list[str]:
    """Texts of the matching cells, read in one go (the grid re-renders its rows)."""
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())",
        selector,
    )


def test_admin001_admin_sees_the_accounts(dash_duo, open_app, make_app, sqlite_url):
    open_app(make_app(sqlite_url), "ada", "/admin")
    until(lambda: sorted(_texts(dash_duo, NAMES)) == ["ada", "dora", "ivy", "sam", "spencer"], 10)
    assert "Administration" in dash_duo.find_element("#shell-nav").text
    assert dash_duo.get_logs() == []


def test_admin002_added_user_appears_in_the_list(dash_duo, open_app, make_app, sqlite_url):
    open_app(make_app(sqlite_url), "ada", "/admin")
    until(lambda: len(_texts(dash_duo, NAMES)) == 5, 10)
    dash_duo.find_element("#admin-new-name").send_keys("nina")
    Select(dash_duo.find_element("#admin-new-role")).select_by_visible_text("investigator")
    dash_duo.wait_for_element("#admin-new-site:not([disabled])").send_keys("GRE")
    dash_duo.find_element("#admin-new-password").send_keys("a long enough password")
    dash_duo.find_element("#admin-new-password-again").send_keys("a long enough password")
    dash_duo.find_element("#admin-add-user").click()
    dash_duo.wait_for_contains_text("#admin-add-message", "Added nina (investigator, site GRE).")
    until(lambda: "nina" in _texts(dash_duo, NAMES), 10)
    assert dash_duo.find_element("#admin-new-password").get_attribute("value") == ""
    assert dash_duo.get_logs() == []


def test_admin003_audit_log_filtered_to_sign_in_shows_own_sign_in(
    dash_duo, open_app, make_app, sqlite_url
):
    open_app(make_app(sqlite_url), "ada", "/admin")
    dash_duo.wait_for_element("#admin-audit-count")
    dash_duo.find_element("#admin-audit-events input[value='sign_in']").click()
    until(lambda: set(_texts(dash_duo, AUDIT_CELLS.format("event"))) == {"sign_in"}, 10)
    assert _texts(dash_duo, AUDIT_CELLS.format("user")) == ["ada"]
    dash_duo.wait_for_text_to_equal("#admin-audit-count", "1 matching entry, newest first.")
    assert dash_duo.get_logs() == []


def test_admin004_sponsor_is_refused_the_page(dash_duo, open_app, make_app, sqlite_url):
    open_app(make_app(sqlite_url), "spencer", "/admin")
    dash_duo.wait_for_text_to_equal("#page-not-allowed h1", "Not available for your role")
    assert "Administration" not in dash_duo.find_element("#shell-nav").text
    assert dash_duo.find_elements("#admin-users-grid") == []
    assert dash_duo.get_logs() == []


def test_admin005_deactivate_selected_user_after_confirming(
    dash_duo, open_app, make_app, sqlite_url
):
    open_app(make_app(sqlite_url), "ada", "/admin")
    until(lambda: len(_texts(dash_duo, NAMES)) == 5, 10)
    dash_duo.find_element("#admin-users-grid .ag-row[row-id=dora] .ag-cell[col-id=name]").click()
    dash_duo.find_element("#admin-deactivate").click()
    alert = WebDriverWait(dash_duo.driver, 10).until(expected_conditions.alert_is_present())
    assert alert.text.startswith("Deactivate dora?")
    alert.accept()
    dash_duo.wait_for_contains_text("#admin-action-message", "dora deactivated.")
    active = "#admin-users-grid .ag-row[row-id=dora] .ag-cell[col-id=active]"
    dash_duo.wait_for_text_to_equal(active, "no")
    assert dash_duo.get_logs() == []
