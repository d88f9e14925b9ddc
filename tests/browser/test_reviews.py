"""DSMB reviews in the browser: a DSMB member records the meeting's decision on the
Safety page and sees it listed; an investigator has no such card (tests/app/test_access.py
forges its callback)."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.layout_probe import wait_settled
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def click(dash_duo, selector: str) -> None:
    """Click as a person would, after scrolling the control into view."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script(  # instant: Bootstrap scrolls smoothly, still moving
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element
    )
    element.click()


def test_rev_page001_dsmb_records_a_review(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), username="dora", path="/safety")
    dash_duo.wait_for_contains_text("#reviews-list", "No DSMB review recorded yet.")
    wait_settled(dash_duo.driver)  # the figures above drawn: the form stays where it is
    click(dash_duo, "#reviews-save")
    dash_duo.wait_for_contains_text("#reviews-status", "Give the meeting date.")

    dash_duo.driver.execute_script(
        "const input = document.getElementById('reviews-meeting-date');"
        "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
        "set.call(input, '2020-07-15');"
        "input.dispatchEvent(new Event('input', {bubbles: true}));"
        "input.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    Select(dash_duo.find_element("#reviews-data-version")).select_by_value("1")
    dash_duo.find_element("#reviews-decision").send_keys("Continue unchanged.")
    click(dash_duo, "#reviews-save")
    dash_duo.wait_for_contains_text("#reviews-status", "Review recorded.")
    dash_duo.wait_for_contains_text("#reviews-list", "15 Jul 2020")
    row = dash_duo.find_element("#reviews-list tbody tr").text
    assert "Continue unchanged." in row and "dora" in row
    assert dash_duo.find_element("#reviews-decision").get_attribute("value") == ""
    assert dash_duo.get_logs() == []


def test_rev_page002_investigators_have_no_reviews_card(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), username="ivy", path="/safety")
    dash_duo.wait_for_element("#safety-kpis .kpi-card")
    assert not dash_duo.driver.find_elements("css selector", "#reviews-card")
