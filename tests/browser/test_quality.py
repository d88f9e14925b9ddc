"""The data quality page in headless Chromium, on the small bundle
(tests/fixtures/bundles/small): 28 findings, of which 11 major (ELIG-CR for the six
enrolled patients, MISS-MARROW90 for the five transplanted and followed past day 104)
and 17 minor; dormant sites CLF, GRE and LYS. One server and one browser serve each
test's checks (roles, widths, axe)."""

from __future__ import annotations

import shutil

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import grid_rows, sign_in_browser
from tests.browser.layout_probe import (
    WIDTHS,
    axe_violations,
    layout_defects,
    set_width,
    wait_settled,
)
from tests.conftest import SMALL_BUNDLE
from tests.csv_files import set_cell

pytestmark = pytest.mark.browser


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


@pytest.fixture
def contradicting_db(sqlite_url, tmp_path):
    """The small bundle with P-001's death dated before its enrollment (2019-02-25), a
    transplant for P-003, who was never enrolled, and site CLF's ethics approval after
    its activation (2019-02-04): all load, as findings."""
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    set_cell(bundle, "follow_up.csv", 2, "died_on", "2019-02-01")
    set_cell(bundle, "follow_up.csv", 2, "death_cause", "infection")
    set_cell(bundle, "follow_up.csv", 2, "last_contact_on", "")
    set_cell(bundle, "patients.csv", 4, "transplant_on", "2019-06-01")
    set_cell(bundle, "sites.csv", 2, "ethics_approved_on", "2019-02-10")
    import_bundle(make_engine(sqlite_url), bundle)
    return sqlite_url


def _kpi(dash_duo, name: str) -> str:
    return dash_duo.find_element(f"#quality-kpi-{name}-value").text


def test_qual_page001_findings_filter_roles_layout_and_axe(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), "dora", "/")
    # the Overview's alerts lead to the listing of their rule
    link = dash_duo.wait_for_element("#overview-alerts-list a[href='/quality?rule=MISS-MARROW90']")
    assert link.text == "Day-90 marrow missing: 5"
    link.click()
    dash_duo.wait_for_text_to_equal("#quality-kpi-open-value", "5")
    assert {row[1] for row in grid_rows(dash_duo, "quality-findings-grid")} == {"MISS-MARROW90"}
    Select(dash_duo.find_element("#quality-rule")).select_by_value("all")
    dash_duo.wait_for_text_to_equal("#quality-kpi-open-value", "28")
    assert (_kpi(dash_duo, "major"), _kpi(dash_duo, "minor")) == ("11", "17")
    until(lambda: len(grid_rows(dash_duo, "quality-findings-grid")) == 28, timeout=10)
    sites = [row[0] for row in grid_rows(dash_duo, "quality-by-site-grid")]
    assert sorted(sites) == ["CLF", "GRE", "LYS", "STE"]
    dash_duo.wait_for_element("#quality-trend-graph .js-plotly-plot .barlayer")
    # the severity filter narrows the counts, the table and the listing
    Select(dash_duo.find_element("#quality-severity")).select_by_value("major")
    dash_duo.wait_for_text_to_equal("#quality-kpi-open-value", "11")
    until(lambda: len(grid_rows(dash_duo, "quality-findings-grid")) == 11, timeout=10)
    assert {row[0] for row in grid_rows(dash_duo, "quality-findings-grid")} == {"major"}
    Select(dash_duo.find_element("#quality-severity")).select_by_value("all")
    dash_duo.wait_for_text_to_equal("#quality-kpi-open-value", "28")
    found = []
    for width in WIDTHS:
        set_width(dash_duo.driver, width)
        wait_settled(dash_duo.driver)
        found += [f"{width} px: {d}" for d in layout_defects(dash_duo.driver)]
        if width == WIDTHS[0]:
            found += axe_violations(dash_duo.driver)
    found += [f"console: {entry['message']}" for entry in dash_duo.get_logs()]
    assert found == [], "\n".join(found)

    # the listings of other pages mark the findings: P-002 (LYS) has no remission
    # assessed before enrollment and no day-90 marrow; it died (the deaths listing)
    dash_duo.driver.get(f"{dash_duo.server_url}/recovery")
    until(lambda: _quality_of(dash_duo, "recovery-day90-grid", "P-002") is not None, timeout=15)
    assert _quality_of(dash_duo, "recovery-day90-grid", "P-002") == (
        "No remission at entry; Day-90 marrow missing"
    )
    dash_duo.driver.get(f"{dash_duo.server_url}/safety")
    until(lambda: _quality_of(dash_duo, "safety-deaths-grid", "P-002") is not None, timeout=15)
    assert _quality_of(dash_duo, "safety-deaths-grid", "P-002") == "No remission at entry"

    # the sponsor: counts per site and the trend, no listing, no patient id
    set_width(dash_duo.driver, WIDTHS[0])
    dash_duo.driver.delete_all_cookies()
    sign_in_browser(dash_duo, "spencer", "/quality")
    dash_duo.wait_for_text_to_equal("#quality-kpi-open-value", "28")
    dash_duo.wait_for_contains_text("#quality-findings-note", "names patients")
    assert not dash_duo.find_element("#quality-findings-wrap").is_displayed()
    assert "P-00" not in dash_duo.find_element("#quality-content").text
    assert len(grid_rows(dash_duo, "quality-by-site-grid")) == 4
    assert dash_duo.get_logs() == []


def _quality_of(dash_duo, grid: str, patient_id: str) -> str | None:
    """The "Data quality" cell of the patient's row (None while the grid is empty); the
    patient column may be pinned, in another row element of the same row index."""
    return dash_duo.driver.execute_script(
        f"const cells = [...document.querySelectorAll('#{grid} .ag-row [col-id=patient_id]')];"
        f"const cell = cells.find(c => c.textContent.trim() == '{patient_id}');"
        "if (!cell) return null;"
        "const index = cell.closest('.ag-row').getAttribute('row-index');"
        f"const mark = document.querySelector("
        f"  `#{grid} .ag-row[row-index='${{index}}'] [col-id=quality]`);"
        "return mark ? mark.textContent.trim() : null;"
    )


def test_qual_page002_panels_say_who_they_leave_out(dash_duo, open_app, make_app, contradicting_db):
    """P-001's death before enrollment leaves it out of the survival curves and the
    stopping rule, P-001 (dead before its transplant) and P-003 (never enrolled) out of
    recovery; each panel says so and links to the findings."""
    open_app(make_app(contradicting_db), "dora", "/survival")
    note = dash_duo.wait_for_element("#survival-note .left-out-note")
    assert note.text.startswith("1 patient left out of these curves")
    assert "death, progression or last contact dated before enrollment" in note.text
    dash_duo.wait_for_contains_text("#survival-summary", "5 patients")
    dash_duo.wait_for_element("#survival-cif-note .left-out-note")
    set_width(dash_duo.driver, WIDTHS[0])
    wait_settled(dash_duo.driver)
    found = [f"{WIDTHS[0]} px: {d}" for d in layout_defects(dash_duo.driver)]
    found += axe_violations(dash_duo.driver)
    assert found == [], "\n".join(found)
    dash_duo.find_element("#survival-note a[href='/quality?rule=FU-BEFORE-ENROL']").click()
    until(lambda: len(grid_rows(dash_duo, "quality-findings-grid")) == 1, timeout=15)
    assert grid_rows(dash_duo, "quality-findings-grid")[0][1] == "FU-BEFORE-ENROL"

    dash_duo.driver.get(f"{dash_duo.server_url}/recovery")
    note = dash_duo.wait_for_element("#recovery-cif-note .left-out-note")
    assert note.text.startswith("2 patients left out of this page")
    links = note.find_elements("css selector", "a")
    assert [a.get_attribute("href").split("/", 3)[3] for a in links] == [
        "quality?rule=ENROL-STATUS",
        "quality?rule=AFTER-DEATH",
    ]
    dash_duo.driver.get(f"{dash_duo.server_url}/safety")
    dash_duo.wait_for_contains_text(
        "#safety-stopping-rule", "1 patient left out of the stopping rule"
    )
    dash_duo.driver.get(f"{dash_duo.server_url}/sites")
    dash_duo.wait_for_contains_text("#sites-message", "not shown for CLF")
    dash_duo.find_element("#sites-message a[href='/quality?rule=SITE-DATES']")
    assert dash_duo.get_logs() == []
