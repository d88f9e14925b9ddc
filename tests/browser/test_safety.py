"""Safety page in headless Chromium, signed in as the DSMB member, on the hand-counted
bundle tests/fixtures/bundles/small.

Expected numbers come from tests/fixtures/bundles/small/EXPECTED.md (counted by hand):
3 adverse events in 3 patients, grade >= 3 in 2 patients (P-001 grade 3, P-002 grade
4), serious 2 events in 2 patients, one death (P-002, relapse), no GVHD.
"""

from __future__ import annotations

import shutil

import pytest
from dash.testing.wait import until

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import PINNED_ROWS, grid_rows
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def test_saf_page001_dsmb_sees_the_safety_tables(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/safety")
    dash_duo.wait_for_text_to_equal("#safety-kpi-grade3-value", "2")
    assert dash_duo.find_element("#safety-kpi-serious-value").text == "2"
    assert dash_duo.find_element("#safety-kpi-deaths-value").text == "1"
    assert dash_duo.find_element("#safety-kpi-enrolled-value").text == "6 / 21"
    assert dash_duo.find_element("#safety-kpi-gvhd-value").text == "0"
    dash_duo.wait_for_element("#safety-ae-grid .ag-row")
    rows = grid_rows(dash_duo, "safety-ae-grid")
    # label, patients, %, grades 1-5, grade >= 3, events, serious, related
    assert rows[0][:2] == ["Any adverse event", "3"]
    assert rows[0][8:11] == ["2", "3", "2"]
    assert sorted(r[0] for r in rows[1:]) == [
        "Blood and lymphatic system disorders",
        "Gastrointestinal disorders",
        "Infections and infestations",
    ]
    assert dash_duo.find_element("#safety-cutoff").text == "Data cut-off: 30 Jun 2020"
    assert dash_duo.find_element("#safety-serious-cutoff").text == "Data cut-off: 30 Jun 2020"
    serious = dash_duo.driver.execute_script(PINNED_ROWS.replace("{grid}", "safety-serious-grid"))
    assert serious == ["P-001", "P-002"]
    deaths = grid_rows(dash_duo, "safety-deaths-grid")
    assert len(deaths) == 1 and "relapse" in deaths[0]
    assert "No GVHD reported." in dash_duo.find_element("#safety-gvhd-empty").text
    assert dash_duo.find_element("#safety-stopping-sentence").text == (
        "Boundary not crossed (0 of 6, boundary at 3)."
    )
    dash_duo.wait_for_element("#safety-heatmap-graph .js-plotly-plot .heatmaplayer")
    dash_duo.wait_for_element("#safety-stopping-graph .js-plotly-plot .scatterlayer")
    assert dash_duo.get_logs() == []


def test_saf_page002_switch_shows_preferred_terms(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/safety")
    dash_duo.wait_for_element("#safety-ae-grid .ag-row")
    until(lambda: len(grid_rows(dash_duo, "safety-ae-grid")) == 4, timeout=10)
    dash_duo.find_element("#safety-ae-terms-switch").click()
    until(lambda: len(grid_rows(dash_duo, "safety-ae-grid")) == 7, timeout=10)
    labels = [r[0] for r in grid_rows(dash_duo, "safety-ae-grid")]
    for soc, term in (
        ("Blood and lymphatic system disorders", "Febrile neutropenia"),
        ("Infections and infestations", "Sepsis"),
        ("Gastrointestinal disorders", "Nausea"),
    ):
        assert labels.index(term) == labels.index(soc) + 1
    assert dash_duo.get_logs() == []


def test_saf_page004_without_events_the_page_says_so(
    dash_duo, renderer_closed, open_app, make_app, sqlite_url, tmp_path
):
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    (bundle / "adverse_events.csv").unlink()  # optional file: no adverse events
    import_bundle(make_engine(sqlite_url), bundle)
    open_app(make_app(sqlite_url), "dora", "/safety")
    dash_duo.wait_for_contains_text("#safety-ae-empty", "No adverse event reported")
    assert dash_duo.find_element("#safety-kpi-grade3-value").text == "0"
    assert (
        "No serious adverse event reported." in dash_duo.find_element("#safety-serious-empty").text
    )
    assert not dash_duo.find_element("#safety-graphs-wrap").is_displayed()
    assert dash_duo.find_element("#safety-deaths-grid").is_displayed()  # P-002 still died
    assert dash_duo.get_logs() == []
