"""Safety page against an earlier data version: the headline numbers say how they
changed since it, the serious-event and death listings mark their new and changed rows.

Version 1 is the small bundle (tests/fixtures/bundles/small/EXPECTED.md): 6 enrolled,
serious events P-001 (febrile neutropenia, grade 3, onset 2019-04-05) and P-002
(sepsis, grade 4, onset 2019-05-02), grade >= 3 in 2 patients, one death (P-002).
Version 2 (tests/later_bundles.py, with_safety_changes): P-002's sepsis is grade 5, and
P-008 has a new serious pneumonia, grade 3, onset 2020-03-20. So, counted by hand:
serious events 2 -> 3 (+1), grade >= 3 patients 2 -> 3 (+1), enrolled 6, deaths 1 and
GVHD 0 unchanged.
"""

from __future__ import annotations

import pytest

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import PINNED_ROWS, grid_rows
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import with_safety_changes

pytestmark = pytest.mark.browser

HEADERS = (
    "return Array.from(document.querySelectorAll('#{grid} .ag-header-cell-text'))"
    ".map(h => h.innerText.trim())"
)
ROW_CLASSES = (
    "return Array.from(document.querySelectorAll('#{grid} .ag-pinned-left-cols-container .ag-row'))"
    ".sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))"
    ".map(r => [r.innerText.trim(), ['since-new', 'since-changed']"
    ".filter(c => r.classList.contains(c)).join(' ')])"
)


def _script(dash_duo, script: str, grid: str):
    return dash_duo.driver.execute_script(script.replace("{grid}", grid))


def test_since_page001_kpis_and_listings_say_what_changed_since_version_1(
    dash_duo, renderer_closed, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, with_safety_changes(tmp_path / "later"))
    open_app(make_app(sqlite_url), username="dora", path="/safety")

    dash_duo.wait_for_text_to_equal("#safety-kpi-serious-change", "+1 since version 1")
    assert dash_duo.find_element("#safety-kpi-serious-value").text == "3"
    assert dash_duo.find_element("#safety-kpi-grade3-value").text == "3"
    assert dash_duo.find_element("#safety-kpi-grade3-change").text == "+1 since version 1"
    for card in ("enrolled", "deaths", "gvhd"):
        change = dash_duo.find_element(f"#safety-kpi-{card}-change").text
        assert change == "no change since version 1", card

    dash_duo.wait_for_contains_text("#safety-serious-grid", "Since version 1")
    dash_duo.wait_for_element("#safety-serious-grid .ag-row.since-new")
    serious = grid_rows(dash_duo, "safety-serious-grid")
    # Since, term, organ class, grade (the patient is pinned left), by onset
    assert [row[:4] for row in serious] == [
        ["", "Febrile neutropenia", "Blood and lymphatic system disorders", "3"],
        ["grade 4 → 5", "Sepsis", "Infections and infestations", "5"],
        ["new", "Pneumonia", "Infections and infestations", "3"],
    ]
    assert _script(dash_duo, ROW_CLASSES, "safety-serious-grid") == [
        ["P-001", ""],
        ["P-002", "since-changed"],
        ["P-008", "since-new"],
    ]
    # P-002's death is in both versions, unchanged: the column is there, empty.
    assert "Since version 1" in _script(dash_duo, HEADERS, "safety-deaths-grid")
    assert [row[0] for row in grid_rows(dash_duo, "safety-deaths-grid")] == [""]
    assert _script(dash_duo, ROW_CLASSES, "safety-deaths-grid") == [["P-002", ""]]
    assert dash_duo.get_logs() == []


def test_since_page002_the_first_version_looks_as_before(dash_duo, open_app, make_app, sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    open_app(make_app(sqlite_url), username="dora", path="/safety")
    dash_duo.wait_for_text_to_equal("#safety-kpi-serious-value", "2")
    dash_duo.wait_for_contains_text("#safety-changes-summary", "first data version")
    dash_duo.wait_for_element("#safety-serious-grid .ag-row")
    assert not dash_duo.driver.find_elements("css selector", ".kpi-change")
    assert _script(dash_duo, PINNED_ROWS, "safety-serious-grid") == ["P-001", "P-002"]
    for grid in ("safety-serious-grid", "safety-deaths-grid"):
        headers = _script(dash_duo, HEADERS, grid)
        assert not any(h.startswith("Since") for h in headers), grid
    assert not dash_duo.driver.find_elements("css selector", ".since-new, .since-changed")
    assert dash_duo.get_logs() == []
