"""Recovery page in headless Chromium, on the small fixture bundle with more blood counts.

tests/fixtures/bundles/small is copied and its lab_results.csv extended here (the
fixture itself is left alone). Days from P-001's micro-transplant on 2019-04-01, with a
platelet transfusion on 2019-04-08 (day 7) from the fixture:

    ANC  d0 0.8, d7 0.1 (nadir), d14 0.62, d15 0.7, d16 0.4 (breaks the run),
         d17 0.9, d18 1.1, d19 1.3                    -> neutrophil recovery day 17
    PLT  d7 12 (nadir), d14 35.5, d15 40, d16 45, d17 60: the run d14-d16 has the
         transfusion of d7 inside its 7 days before d14; the run d15-d17 (window d8 to
         d17) has none                                 -> platelets >= 20 on day 15

P-005 (transplanted 2019-08-19): ANC d0 1.2, d5 0.3, d9 0.6, d10 0.7, d11 0.8 -> day 9.
"""

from __future__ import annotations

import shutil

import pytest
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

EXTRA_LABS = """\
P-001,2019-04-16,ANC,0.7,10^9/L
P-001,2019-04-17,ANC,0.4,10^9/L
P-001,2019-04-18,ANC,0.9,10^9/L
P-001,2019-04-19,ANC,1.1,10^9/L
P-001,2019-04-20,ANC,1.3,10^9/L
P-001,2019-04-16,PLT,40,10^9/L
P-001,2019-04-17,PLT,45,10^9/L
P-001,2019-04-18,PLT,60,10^9/L
P-005,2019-08-19,ANC,1.2,10^9/L
P-005,2019-08-24,ANC,0.3,10^9/L
P-005,2019-08-28,ANC,0.6,10^9/L
P-005,2019-08-29,ANC,0.7,10^9/L
P-005,2019-08-30,ANC,0.8,10^9/L
"""
TITLE = "#recovery-trajectory-graph .gtitle"


@pytest.fixture
def recovery_db(sqlite_url, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    with open(bundle / "lab_results.csv", "a", encoding="utf-8") as f:
        f.write(EXTRA_LABS)
    import_bundle(make_engine(sqlite_url), bundle)
    return sqlite_url


def cell(patient_id: str, column: str) -> str:
    return f".ag-center-cols-container .ag-row[row-id='{patient_id}'] [col-id='{column}']"


def test_rec_page001_grid_shows_the_hand_derived_recovery_days(
    dash_duo, open_app, make_app, recovery_db
):
    open_app(make_app(recovery_db), path="/recovery")
    dash_duo.wait_for_text_to_equal(cell("P-001", "neutrophil_day"), "17")
    assert dash_duo.find_element(cell("P-001", "platelet20_day")).text == "15"
    assert dash_duo.find_element(cell("P-005", "neutrophil_day")).text == "9"
    assert dash_duo.find_element(cell("P-002", "neutrophil_day")).text == "not reached"
    # Six patients transplanted, two recovered (P-001, P-005): the median is not reached.
    assert dash_duo.find_element("#recovery-kpi-neutrophil-value").text == "Not reached"
    assert "2 of 6 transplanted" in dash_duo.find_element("#recovery-kpis").text
    assert dash_duo.get_logs() == []


def test_rec_page002_picking_a_test_changes_the_figure(dash_duo, open_app, make_app, recovery_db):
    open_app(make_app(recovery_db), path="/recovery")
    dash_duo.wait_for_text_to_equal(TITLE, "Neutrophils (ANC), day 0 to day 100")
    Select(dash_duo.find_element("#recovery-test")).select_by_value("PLT")
    dash_duo.wait_for_text_to_equal(TITLE, "Platelets, day 0 to day 100")
    names = dash_duo.driver.execute_script(
        "return document.querySelector('#recovery-trajectory-graph .js-plotly-plot')"
        ".data.map(t => t.name)"
    )
    assert "Platelet transfusions" in names
    assert "20: platelet recovery" in dash_duo.find_element("#recovery-trajectory-graph").text
    assert dash_duo.get_logs() == []


def test_rec_page003_site_without_transplant_says_so(dash_duo, open_app, make_app, recovery_db):
    open_app(make_app(recovery_db), path="/recovery")
    dash_duo.wait_for_text_to_equal(cell("P-001", "neutrophil_day"), "17")
    dash_duo.wait_for_element("#recovery-site option[value='LIL']")
    Select(dash_duo.find_element("#recovery-site")).select_by_value("LIL")
    dash_duo.wait_for_contains_text(
        "#recovery-message", "No patient has had the micro-transplant yet at site LIL"
    )
    assert dash_duo.get_logs() == []
