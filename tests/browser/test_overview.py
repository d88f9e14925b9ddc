"""Overview page in headless Chromium, on the hand-counted bundle tests/fixtures/bundles/small.

The expected numbers come from tests/fixtures/bundles/small/EXPECTED.md (counted by
hand), not from the code under test.
"""

from __future__ import annotations

import shutil

import pytest

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

BY_SITE_BARS = "return document.querySelector('#overview-by-site-graph .js-plotly-plot')"


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def test_ovw001_kpis_match_hand_counts(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db))
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    assert dash_duo.find_element("#kpi-screened-value").text == "8"
    assert dash_duo.find_element("#kpi-screen-failures-value").text == "2"
    assert dash_duo.find_element("#kpi-sites-value").text == "4 / 7"
    assert dash_duo.find_element("#kpi-deaths-value").text == "1"
    assert "29% of the target" in dash_duo.find_element("#overview-kpis").text
    dash_duo.wait_for_text_to_equal("#banner-data-cut", "30 Jun 2020")
    assert dash_duo.get_logs() == []


def test_ovw002_charts_show_every_site_and_the_target(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db))
    dash_duo.wait_for_element("#overview-by-site-graph .js-plotly-plot .bars")
    sites = dash_duo.driver.execute_script(
        BY_SITE_BARS + "._fullData.flatMap(t => Array.from(t.y, (s, i) => [s, t.x[i]]))"
    )
    enrolled = dict(sites)
    assert len(enrolled) == 7
    assert enrolled["Saint-Étienne"] == 2  # short labels: the city
    assert enrolled["Lille"] == 0
    dash_duo.wait_for_element("#overview-cumulative-graph .js-plotly-plot .scatterlayer")
    names = dash_duo.driver.execute_script(
        "return document.querySelector('#overview-cumulative-graph .js-plotly-plot')"
        ".data.map(t => t.name)"
    )
    assert names == ["Enrolled", "Planned accrual"]
    assert "Target: 21 patients" in dash_duo.find_element("#overview-cumulative-graph").text
    assert dash_duo.get_logs() == []


def test_ovw003_new_bundle_updates_the_open_page(dash_duo, open_app, make_app, small_db, tmp_path):
    open_app(make_app(small_db, data_poll_seconds=0.5))
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    with open(bundle / "patients.csv", "a", encoding="utf-8") as f:
        f.write("P-009,GRE,F,68,de_novo_aml,adverse,2020-05-04,2020-05-18,,,,,,,,\n")
    with open(bundle / "follow_up.csv", "a", encoding="utf-8") as f:
        f.write("P-009,2020-06-22,,,,\n")
    import_bundle(make_engine(small_db), bundle)
    # the open page moves to version 2 once the poll has had it warmed (dashboard.warm)
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "7 / 21", timeout=90)
    dash_duo.wait_for_element("#banner-updated")
    assert dash_duo.find_element("#banner-version").text == "2"
    assert dash_duo.get_logs() == []


def test_ovw004_empty_database_says_how_to_load_data(dash_duo, open_app, make_app, sqlite_url):
    open_app(make_app(sqlite_url))
    dash_duo.wait_for_contains_text("#overview-message", "No trial data have been loaded yet")
    assert "python -m dashboard import DIR" in dash_duo.find_element("#overview-message").text
    assert dash_duo.get_logs() == []


def test_ovw005_outage_keeps_last_data_and_recovers(dash_duo, open_app, make_app, small_db):
    app = make_app(small_db, data_poll_seconds=0.5)
    store = app.server.extensions["mtsa_store"]
    open_app(app)
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    working = store.engine
    store.engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/unreachable")
    dash_duo.wait_for_contains_text("#banner-outage", "Database unreachable since")
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    store.engine = working
    dash_duo.wait_for_no_elements("#banner-outage")
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    assert dash_duo.get_logs() == []
