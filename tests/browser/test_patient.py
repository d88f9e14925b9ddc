"""Patient profile page in headless Chromium, on the hand-counted bundle
tests/fixtures/bundles/small.

P-002 by hand (patients.csv, follow_up.csv, responses.csv, lab_results.csv,
transfusions.csv, adverse_events.csv; EXPECTED.md "Outcomes"): site LYS (Centre
Hospitalier Lyon Sud), 71, male, secondary AML, adverse risk, no arm; screened
2019-03-04, enrolled 2019-03-18, transplanted 2019-04-22 (day 0); died 2019-10-14 of
relapse, day 175, which is also the last contact; best response CR (2019-06-03), then
relapse (2019-09-16): status "died". One ANC of 0.2 on day 7 and no later count:
no recovery of any kind, and no neutrophil recovery by day 42 while alive is a
prolonged aplasia. Sepsis grade 4, serious, day 10 to day 28. No chimerism sample.
Patients in id order: P-001 ... P-008; the DSMB sees all of them.
"""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import grid_rows
from tests.browser.layout_probe import (
    WIDTHS,
    axe_violations,
    layout_defects,
    set_width,
    wait_settled,
)
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import one_more_patient

pytestmark = pytest.mark.browser

HEADER = "#patients-header-{}"
P002 = {
    "id": "P-002",
    "site": "LYS (Centre Hospitalier Lyon Sud)",
    "age": "71",
    "sex": "male",
    "diagnosis": "secondary AML",
    "risk": "adverse",
    "arm": "—",
    "screened": "04 Mar 2019",
    "enrolled": "18 Mar 2019",
    "transplant": "22 Apr 2019",
    "last-contact": "14 Oct 2019, day 175",
    "death": "14 Oct 2019, day 175 (relapse)",
    "status": "died",
    "best-response": "CR",
    "anc": "not reached",
    "plt20": "not reached",
    "plt50": "not reached",
    "flags": "prolonged aplasia",
    # responses.csv: P-002's first assessment (CR) is on 2019-06-03, after enrollment
    "eligibility": "no CR, CRh or CRi assessed in the 60 days up to enrollment on 2019-03-18",
}
LANES = 6
X_RANGES = (
    "return [...document.querySelectorAll('#patients-course-graph .xaxislayer-above')].length"
)
FULL_LAYOUT_RANGES = (
    "const gd = document.querySelector('#patients-course-graph .js-plotly-plot');"
    "return Object.keys(gd._fullLayout).filter(k => /^xaxis\\d*$/.test(k)).sort()"
    ".map(k => gd._fullLayout[k].range.map(v => Math.round(v)))"
)


AXIS_TYPES = (
    "const gd = document.querySelector('#patients-course-graph .js-plotly-plot');"
    "return Object.keys(gd._fullLayout).filter(k => /^xaxis\\d*$/.test(k)).sort()"
    ".map(k => gd._fullLayout[k].type)"
)


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def _header(dash_duo) -> dict:
    return {key: dash_duo.find_element(HEADER.format(key)).text for key in P002}


def _wait_course(dash_duo) -> None:
    dash_duo.wait_for_element("#patients-course-graph .js-plotly-plot .scatterlayer")
    until(lambda: dash_duo.driver.execute_script(X_RANGES) >= 1, timeout=10)


def test_pat_page001_from_the_deaths_listing_to_the_profile(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/safety")
    link = dash_duo.wait_for_element("#safety-deaths-grid a.patient-link")
    assert link.text == "P-002"
    assert link.get_attribute("href").endswith("/patients/P-002")
    dash_duo.driver.execute_script("arguments[0].click()", link)  # a plain left click
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-002")
    assert dash_duo.driver.current_url.endswith("/patients/P-002")
    assert _header(dash_duo) == P002
    _wait_course(dash_duo)
    titles = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll("
        "'#patients-course-graph [class^=g-y][class$=title] text')]"
        ".map(t => t.textContent)"
    )
    assert titles == [
        "ANC ×10⁹/L",
        "Platelets ×10⁹/L",
        "Blasts %",
        "Events",
        "Response",
        "Donor DNA %",
    ]
    notes = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#patients-course-graph .annotation-text')]"
        ".map(t => t.textContent)"
    )
    assert notes == ["no record", "no record"]  # no blasts, no chimerism sample
    events = grid_rows(dash_duo, "patients-events-grid")
    assert len(events) == 1 and "Sepsis" in events[0] and "4" in events[0]
    assert len(grid_rows(dash_duo, "patients-responses-grid")) == 2
    assert len(grid_rows(dash_duo, "patients-labs-grid")) == 1
    assert len(grid_rows(dash_duo, "patients-transfusions-grid")) == 1
    assert grid_rows(dash_duo, "patients-chimerism-grid") == []
    assert dash_duo.get_logs() == []


def test_pat_page002_zooming_one_lane_zooms_all(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/patients/P-002")
    set_width(dash_duo.driver, WIDTHS[0])
    _wait_course(dash_duo)
    before = dash_duo.driver.execute_script(FULL_LAYOUT_RANGES)
    assert before == [[-5, 180]] * LANES  # day 0 to the death on day 175, padded
    # a person zooms the top lane (neutrophils): drags across a quarter of its width
    top = dash_duo.find_element("#patients-course-graph .draglayer .xy .nsewdrag")
    quarter = int(top.size["width"]) // 4
    ActionChains(dash_duo.driver).move_to_element(top).move_by_offset(
        -quarter, 0
    ).click_and_hold().move_by_offset(quarter, 0).release().perform()
    until(lambda: dash_duo.driver.execute_script(FULL_LAYOUT_RANGES) != before, timeout=5)
    after = dash_duo.driver.execute_script(FULL_LAYOUT_RANGES)
    assert len({tuple(r) for r in after}) == 1  # every lane shows the same days
    low, high = after[0]
    assert -5 < low < high < 180 and high - low < 80
    # the axis switch redraws every lane on dates
    dash_duo.find_element("label[for='_dbcprivate_radioitems_patients-axis_input_dates']").click()
    until(lambda: dash_duo.driver.execute_script(AXIS_TYPES) == ["date"] * LANES, timeout=10)
    assert (
        dash_duo.driver.execute_script(
            "return document.querySelector('#patients-course-graph .js-plotly-plot')"
            "._fullLayout.xaxis6.title.text"
        )
        == "Date"
    )
    assert dash_duo.get_logs() == []


def _enabled(dash_duo, button: str) -> bool:
    return dash_duo.find_element(f"#patients-{button}").get_attribute("disabled") is None


def test_pat_page003_previous_and_next_patient(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/patients/P-002")
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-002")
    until(lambda: _enabled(dash_duo, "next"), timeout=10)
    dash_duo.find_element("#patients-next").click()
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-003")
    assert dash_duo.driver.current_url.endswith("/patients/P-003")
    assert dash_duo.find_element(HEADER.format("status")).text == "not enrolled"
    until(lambda: _enabled(dash_duo, "previous"), timeout=10)
    dash_duo.find_element("#patients-previous").click()
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-002")
    until(lambda: _enabled(dash_duo, "previous"), timeout=10)
    dash_duo.find_element("#patients-previous").click()
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-001")
    until(lambda: not _enabled(dash_duo, "previous") and _enabled(dash_duo, "next"), timeout=10)
    # the chooser: every patient the DSMB may see, in id order
    assert _choices(dash_duo) == [f"P-00{i}" for i in range(1, 9)]
    Select(dash_duo.find_element("#patients-chooser")).select_by_value("P-008")
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-008")
    until(lambda: not _enabled(dash_duo, "next"), timeout=10)
    assert dash_duo.get_logs() == []


def test_pat_page011_previous_and_next_stay_within_the_site_filter(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    # Site STE holds P-001, P-003 and P-008; LYS holds P-002 and P-006.
    open_app(make_app(small_db), "dora", "/recovery")
    dash_duo.wait_for_element("#recovery-day90-grid a.patient-link")
    Select(dash_duo.find_element("#recovery-site")).select_by_value("STE")
    until(lambda: len(_hrefs(dash_duo, "#recovery-day90-grid")) == 2, timeout=10)  # STE's
    link = dash_duo.find_element("#recovery-day90-grid a.patient-link")
    ActionChains(dash_duo.driver).move_to_element(link).perform()
    assert link.get_attribute("href").endswith("/patients/P-001?site=STE")
    dash_duo.driver.execute_script("arguments[0].click()", link)
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-001")
    until(
        lambda: dash_duo.find_element("#patients-site").get_attribute("value") == "STE",
        timeout=10,
    )
    until(lambda: _choices(dash_duo) == ["P-001", "P-003", "P-008"], timeout=10)
    for expected in ("P-003", "P-008"):
        until(lambda: _enabled(dash_duo, "next"), timeout=10)
        dash_duo.find_element("#patients-next").click()
        dash_duo.wait_for_text_to_equal(HEADER.format("id"), expected)
        assert dash_duo.driver.current_url.endswith(f"/patients/{expected}?site=STE")
    until(lambda: not _enabled(dash_duo, "next"), timeout=10)
    # another site: P-008 is not of LYS; previous leads to the LYS patient before it
    Select(dash_duo.find_element("#patients-site")).select_by_value("LYS")
    until(lambda: _choices(dash_duo) == ["P-002", "P-006", "P-008 (not in the list)"], timeout=10)
    until(lambda: _enabled(dash_duo, "previous") and not _enabled(dash_duo, "next"), timeout=10)
    dash_duo.find_element("#patients-previous").click()
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-006")
    assert dash_duo.driver.current_url.endswith("/patients/P-006?site=LYS")
    assert dash_duo.get_logs() == []


def _hrefs(dash_duo, grid: str) -> list[str]:
    return dash_duo.driver.execute_script(
        f"return [...document.querySelectorAll('{grid} a.patient-link')]"
        ".map(a => a.getAttribute('href'))"
    )


def test_pat_page004_sponsor_gets_the_notice(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "spencer", "/patients/P-002")
    dash_duo.wait_for_element("#page-not-allowed")
    assert "investigators" in dash_duo.find_element("#page-not-allowed").text
    assert not dash_duo.driver.find_elements("css selector", "#patients-header")
    assert dash_duo.get_logs() == []


def test_pat_page005_site_bound_investigator_gets_the_notice_for_another_site(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "sam", "/patients/P-002")  # sam: STE; P-002: LYS
    dash_duo.wait_for_contains_text("#patients-message", "No patient P-002")
    assert not dash_duo.find_element("#patients-content").is_displayed()
    assert dash_duo.driver.find_elements("css selector", "#patients-header-id") == []
    # the chooser offers STE's patients only
    until(
        lambda: _choices(dash_duo) == ["P-001", "P-002 (not in the list)", "P-003", "P-008"],
        timeout=10,
    )
    dash_duo.driver.get(f"{dash_duo.server_url}/patients/P-001")
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-001")
    assert dash_duo.find_element(HEADER.format("site")).text.startswith("STE")
    assert dash_duo.get_logs() == []


def test_pat_page006_unknown_id_gets_the_notice(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "ivy", "/patients/P-999")
    dash_duo.wait_for_contains_text("#patients-message", "No patient P-999")
    assert dash_duo.get_logs() == []


def test_pat_page007_layout_and_axe_clean_at_every_width(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/patients/P-002")
    _wait_course(dash_duo)
    found = []
    for width in WIDTHS:
        set_width(dash_duo.driver, width)
        wait_settled(dash_duo.driver)
        found += [f"{width} px: {d}" for d in layout_defects(dash_duo.driver)]
        if width == WIDTHS[0]:
            found += axe_violations(dash_duo.driver)
    found += [f"console: {entry['message']}" for entry in dash_duo.get_logs()]
    assert found == [], "\n".join(found)


def test_pat_page008_print_layout_hides_controls(
    dash_duo, renderer_closed, open_app, make_app, small_db
):
    open_app(make_app(small_db), "dora", "/patients/P-002")
    _wait_course(dash_duo)
    dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = dash_duo.driver.execute_script(
            "return ['.navbar', '#shell-report-menu', '#patients-next', '#patients-events-csv',"
            " '#patients-chooser'].map(s => document.querySelector(s))"
            ".map(e => !e || e.offsetParent === null)"
        )
        assert hidden == [True] * 5
        assert dash_duo.find_element(HEADER.format("id")).is_displayed()
        assert (
            dash_duo.driver.execute_script(
                "return getComputedStyle(document.querySelector('.panel-card')).breakInside"
            )
            == "avoid"
        )
    finally:
        dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = dash_duo.driver.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69}
    )
    assert len(pdf["data"]) > 1000


def test_pat_page009_an_earlier_version_stays_shown_on_the_profile(
    dash_duo, renderer_closed, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)  # version 1: P-001 ... P-008
    import_bundle(engine, one_more_patient(tmp_path / "two", "P-009"))  # version 2
    open_app(make_app(sqlite_url), "dora", "/safety?version=1")
    link = dash_duo.wait_for_element("#safety-deaths-grid a.patient-link")
    assert link.get_attribute("href").endswith("/patients/P-002?version=1")
    dash_duo.driver.execute_script("arguments[0].click()", link)
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-002")
    assert dash_duo.driver.current_url.endswith("/patients/P-002?version=1")
    until(lambda: "P-008" in _choices(dash_duo), timeout=10)
    assert "P-009" not in _choices(dash_duo)  # enrolled in version 2 only
    until(lambda: _enabled(dash_duo, "next"), timeout=10)
    dash_duo.find_element("#patients-next").click()
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), "P-003")
    assert dash_duo.driver.current_url.endswith("/patients/P-003?version=1")
    assert dash_duo.get_logs() == []


def _choices(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#patients-chooser option')]"
        ".map(o => o.textContent).filter(v => v)"
    )


def _click_first_point(dash_duo, graph: str, selector: str) -> None:
    """Click the first point of ``graph`` until the app leaves the page (the figure may
    still be drawing its first frame when it appears)."""

    def clicked() -> bool:
        point = dash_duo.wait_for_element(f"#{graph} {selector}")
        dash_duo.driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", point
        )
        ActionChains(dash_duo.driver).move_to_element(point).click().perform()
        time.sleep(0.5)
        return "/patients/" in dash_duo.driver.current_url

    until(clicked, timeout=20, poll=0.5)


def _profile_opened(dash_duo, query: str) -> str:
    """The id of the profile the click opened (the address and the header agree)."""
    until(lambda: "/patients/" in dash_duo.driver.current_url, timeout=10)
    url = dash_duo.driver.current_url
    assert url.endswith(query)
    patient_id = url.split("/patients/")[1].removesuffix(query)
    dash_duo.wait_for_text_to_equal(HEADER.format("id"), patient_id)
    return patient_id


def test_pat_page010_a_click_in_a_per_patient_figure_opens_the_profile(
    dash_duo, renderer_closed, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, one_more_patient(tmp_path / "two", "P-009"))
    open_app(make_app(sqlite_url), "dora", "/safety?version=1")
    dash_duo.wait_for_contains_text("#banner-as-of", "version 1")
    dash_duo.wait_for_text_to_equal("#safety-kpi-deaths-value", "1")
    # The AE timeline's onset markers (patients on the y axis); the version is kept.
    _click_first_point(dash_duo, "safety-timeline-graph", ".scatterlayer .trace .points path")
    assert _profile_opened(dash_duo, "?version=1") in {"P-001", "P-002", "P-005"}
    # The heat map (patients on the x axis), on the current data.
    dash_duo.driver.get(f"{dash_duo.server_url}/safety")
    _click_first_point(dash_duo, "safety-heatmap-graph", ".heatmaplayer image")
    assert _profile_opened(dash_duo, "").startswith("P-00")
    # The swimmer plot of the Survival page.
    dash_duo.driver.get(f"{dash_duo.server_url}/survival")
    _click_first_point(dash_duo, "survival-swimmer-graph", ".barlayer .point path")
    assert _profile_opened(dash_duo, "").startswith("P-00")
    assert dash_duo.get_logs() == []
