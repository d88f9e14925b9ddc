"""The public CDISC pilot study in the browser: what a DSMB member and an investigator
see of a study that is not MTSA. One server and one browser per role, visiting every page.

The pilot records no transplant, blood counts, chimerism, responses or transfusions:
every panel that draws them says "not recorded in this study". Its numbers are checked
against the published Table 14-5.01 in tests/data/test_cdisc_pilot.py; here the page
must show the same (CSR: any TEAE, Placebo 65 (75.6%) [281]).
"""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select

from data_access.cdisc import TrialSettings
from data_access.engine import make_engine
from data_access.importing import CdiscOptions, import_folder
from tests.browser.conftest import grid_rows
from tests.conftest import REPO

pytestmark = pytest.mark.browser

PILOT = REPO / "tests" / "fixtures" / "cdiscpilot01"
NOT_RECORDED = "Not recorded in this study"


@pytest.fixture(scope="module")
def pilot_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('pilot-browser') / 'trial.db'}"
    options = CdiscOptions(settings=TrialSettings(target=300))
    import_folder(make_engine(url), PILOT, "cdisc", options)
    return url


def visit(dash_duo, path: str) -> None:
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")


def options_of(dash_duo, select_id: str) -> list[str]:
    return [o.get_attribute("value") for o in Select(dash_duo.find_element(select_id)).options]


def test_cdisc_page001_dsmb_sees_the_pilot_and_what_it_does_not_record(
    dash_duo, renderer_closed, open_app, make_app, pilot_db
):
    open_app(make_app(pilot_db), "dora", "/recovery")
    dash_duo.wait_for_text_to_equal("#banner-source", "SDTM + ADaM")
    dash_duo.wait_for_contains_text(
        "#recovery-message",
        f"{NOT_RECORDED}: Transplant (day 0) dates, blood counts, transfusions, donor chimerism.",
    )
    visit(dash_duo, "/survival")
    dash_duo.wait_for_contains_text("#survival-summary", "254 patients, 3 deaths")
    dash_duo.wait_for_contains_text("#survival-response-note", NOT_RECORDED)
    assert NOT_RECORDED in dash_duo.find_element("#survival-cif-note").text
    until(lambda: "TTDE" in options_of(dash_duo, "#survival-endpoint"), timeout=10)
    Select(dash_duo.find_element("#survival-endpoint")).select_by_value("TTDE")
    dash_duo.wait_for_contains_text("#survival-summary", "Time to First Dermatologic Event")
    assert "arm" in options_of(dash_duo, "#survival-group-by")  # the DSMB may compare arms
    Select(dash_duo.find_element("#survival-group-by")).select_by_value("arm")
    dash_duo.wait_for_contains_text("#survival-logrank", "Log-rank test across arms")
    visit(dash_duo, "/safety")
    dash_duo.wait_for_text_to_equal("#safety-kpi-gvhd-value", "—")
    dash_duo.wait_for_contains_text("#safety-gvhd-empty", NOT_RECORDED)
    dash_duo.wait_for_contains_text("#safety-ae-basis", "as the study flags them (ADAE TRTEMFL)")
    assert (
        "Grades were mapped from the study's severity"
        in dash_duo.find_element("#safety-ae-basis").text
    )
    dash_duo.wait_for_contains_text("#safety-arm-grid", "Placebo (N=86)")
    rows = grid_rows(dash_duo, "safety-arm-grid")
    assert rows[0][1:] == ["65 (75.6%) [281]", "76 (90.5%) [433]", "77 (91.7%) [412]"]
    visit(dash_duo, "/sites")
    dash_duo.wait_for_contains_text("#sites-message", "not recorded in these data")
    assert dash_duo.get_logs() == []


def test_cdisc_page002_investigator_sees_no_arm_comparison(
    dash_duo, renderer_closed, open_app, make_app, pilot_db
):
    open_app(make_app(pilot_db), "ivy", "/survival")
    dash_duo.wait_for_contains_text("#survival-summary", "254 patients, 3 deaths")
    until(lambda: "TTDE" in options_of(dash_duo, "#survival-endpoint"), timeout=10)
    assert "arm" not in options_of(dash_duo, "#survival-group-by")
    visit(dash_duo, "/safety")
    # 254 patients computed cold on this first visit: how fast is for the benchmarks.
    dash_duo.wait_for_contains_text("#safety-ae-basis", "ADAE TRTEMFL", timeout=30)
    assert not dash_duo.find_element("#safety-arm-card").is_displayed()
    assert dash_duo.get_logs() == []
