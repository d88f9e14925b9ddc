"""Earlier data versions in the browser: chosen in the banner or linked with ?version=N,
said unmistakably, never pulled forward by the live poll.

Counts from tests/fixtures/bundles/small/EXPECTED.md: 6 of 21 enrolled; each later
version here adds one enrolled patient.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import GRID_ROWS
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import one_more_patient, with_safety_changes

pytestmark = pytest.mark.browser

CHOOSER = "#shell-version-choice"


def test_ver_page001_an_earlier_version_is_shown_as_it_was(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)  # version 1: 6 enrolled
    two = one_more_patient(tmp_path / "two", "P-009")
    import_bundle(engine, two)  # version 2: 7 enrolled
    open_app(make_app(sqlite_url, data_poll_seconds=0.5), username="dora")
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "7 / 21")
    assert not dash_duo.driver.find_elements("css selector", "#banner-as-of")

    dash_duo.wait_for_element(f"{CHOOSER} option[value='1']")
    Select(dash_duo.find_element(CHOOSER)).select_by_value("1")
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    dash_duo.wait_for_contains_text("#banner-as-of", "not the current data (version 2)")
    assert dash_duo.driver.current_url.endswith("/?version=1")
    assert dash_duo.find_element("#banner-version").text == "1"

    import_bundle(engine, one_more_patient(tmp_path / "three", "P-010", two))  # version 3
    time.sleep(2.0)  # four polls: the earlier version stays
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    dash_duo.wait_for_contains_text("#banner-as-of", "(version 3)")

    Select(dash_duo.find_element(CHOOSER)).select_by_value("current")
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "8 / 21")
    assert not dash_duo.driver.find_elements("css selector", "#banner-as-of")
    assert "version=" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_ver_page002_a_linked_version_opens_as_of_it_or_says_why_not(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, one_more_patient(tmp_path / "two", "P-009"))
    open_app(make_app(sqlite_url), username="ivy", path="/?version=1")
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    dash_duo.wait_for_contains_text("#banner-as-of", "Earlier data: version 1")
    dash_duo.wait_for_contains_text(f"{CHOOSER} option:checked", "Version 1: data cut 30 Jun 2020")

    dash_duo.driver.get(f"{dash_duo.server_url}/sites?version=99")
    dash_duo.wait_for_contains_text(
        "#banner-version-refused", "Data version 99 cannot be shown: there is no such version"
    )
    dash_duo.wait_for_text_to_equal("#banner-version", "2")
    assert dash_duo.get_logs() == []


def test_ver_page003_safety_says_what_is_new_since_the_earlier_version(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    # Version 2: P-002's sepsis grade 4 -> 5, a new serious pneumonia for P-008.
    later = with_safety_changes(tmp_path / "later")
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, later)
    open_app(make_app(sqlite_url), username="dora", path="/safety")
    dash_duo.wait_for_text_to_equal("#safety-changes-summary", "Since version 1: 1 new, 1 changed.")
    dash_duo.wait_for_element("#safety-changes-grid .ag-row")
    rows = dash_duo.driver.execute_script(GRID_ROWS.format(grid="safety-changes-grid"))
    assert rows == [
        ["New", "P-008", "serious adverse event: Pneumonia, onset 2020-03-20", "", "grade 3"],
        ["Changed", "P-002", "serious adverse event: Sepsis, onset 2019-05-02: grade", "4", "5"],
    ]
    assert dash_duo.get_logs() == []
