"""Survival page in headless Chromium, on the hand-counted bundle tests/fixtures/bundles/small.

Expected numbers are worked out by hand from the fixture's dates (EXPECTED.md), not
taken from the code under test. Enrolled patients, days from enrollment to death or
last contact (data cut 2020-06-30):

    P-001 STE F  2019-02-25 -> 2020-06-15  476 days, alive
    P-002 LYS M  2019-03-18 -> 2019-10-14  210 days, died (progressed day 182)
    P-004 CLF F  2019-05-20 -> 2020-06-08  385 days, alive
    P-005 GRE M  2019-07-15 -> 2020-05-25  315 days, alive
    P-006 LYS F  2019-09-23 -> 2020-04-06  196 days, alive (withdrawn)
    P-008 STE M  2020-01-27 -> 2020-06-22  147 days, alive

OS: one death at day 210 with 4 at risk (P-001, -002, -004, -005): S = 3/4, so the
median is not reached. Greenwood: var(log S) = 1/(4*3) = 1/12, se = 0.2887; the
lower 95% limit at S = 0.75 is 0.75*exp(-1.96*0.2887) = 42.6% (log) and
0.75 - 1.96*0.75*0.2887 = 32.6% (plain).

Median follow-up (reverse Kaplan–Meier: being censored is the "event", the death at
210 is censored): 147 -> 5/6, 196 -> 5/6*4/5 = 0.667, 315 (3 at risk) -> 0.667*2/3 =
0.444 <= 0.5, so 315 days = 315/30.4375 = 10.3 months.
"""

from __future__ import annotations

import shutil

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select
from sqlalchemy import text

from dashboard.auth.database import make_app_engine
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, sign_in
from tests.dash_requests import callback_request

pytestmark = pytest.mark.browser

KM = "document.querySelector('#survival-km-graph .js-plotly-plot')"
OS_SENTENCE = (
    "6 patients, 1 death, median OS not reached, median follow-up 10.3 months, "
    "data cut-off 30 Jun 2020"
)


@pytest.fixture(scope="module")
def small_template(tmp_path_factory):
    """The small bundle imported once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("survival") / "small.db"
    import_bundle(make_engine(f"sqlite:///{path}"), SMALL_BUNDLE)
    return path


@pytest.fixture
def small_db(small_template, tmp_path):
    path = tmp_path / "trial.db"
    shutil.copyfile(small_template, path)
    return f"sqlite:///{path}"


def km_traces(dash_duo, meta: str) -> list:
    """x and y of the KM figure's traces tagged ``meta`` (decoded typed arrays)."""
    return dash_duo.driver.execute_script(
        f"const gd = {KM}; return gd ? gd._fullData.filter(t => t.meta === '{meta}')"
        ".map(t => [Array.from(t.x), Array.from(t.y)]) : null"
    )


def choose(dash_duo, select_id: str, value: str) -> None:
    Select(dash_duo.find_element(f"#{select_id}")).select_by_value(value)


def test_surv_page001_summary_and_rates_match_hand_counts(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    # Clopper–Pearson, R binom.test(4, 6): 0.2228-0.9567; binom.test(5, 6): 0.3588-0.9958
    dash_duo.wait_for_contains_text("#survival-cr-rate-value", "67%")
    rates = dash_duo.find_element("#survival-response-rates").text
    assert "CR 4/6 = 67% (95% CI 22–96%)" in rates
    assert "CR+CRi 5/6 = 83% (95% CI 36–100%)" in rates
    title = dash_duo.driver.execute_script(  # as rendered: CSS may change the case
        "return document.getElementById('survival-cr-cri-rate-value')"
        ".previousElementSibling.innerText"
    )
    assert title == "CR + CRi rate"  # not "CR + CRI RATE"
    dash_duo.wait_for_element("#survival-swimmer-graph .js-plotly-plot .bars")
    assert dash_duo.find_element("#survival-note").text == ""  # there is a death
    assert dash_duo.get_logs() == []


def test_surv_page002_pfs_switch_changes_the_figure(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    Select(dash_duo.find_element("#survival-endpoint")).select_by_value("pfs")
    # PFS: P-002 progressed 2019-09-16, day 182; nobody else progressed or died.
    dash_duo.wait_for_text_to_equal(
        "#survival-summary",
        "6 patients, 1 event (progression or death), median PFS not reached, "
        "median follow-up 10.3 months, data cut-off 30 Jun 2020",
    )
    dash_duo.wait_for_contains_text("#survival-km-graph .ytitle", "Progression-free survival (%)")
    [(xs, ys)] = km_traces(dash_duo, "km-curve")
    # At day 182 five are at risk (all but P-008, censored day 147): S = 4/5.
    drop = ys.index(80)
    assert xs[drop] == pytest.approx(182 / 30.4375)
    assert dash_duo.get_logs() == []


def test_surv_page003_ci_transform_changes_the_band(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    [(_, lower_log)] = km_traces(dash_duo, "km-ci-lower")
    assert min(lower_log) == pytest.approx(42.59, abs=0.01)
    choose(dash_duo, "survival-conf-type", "plain")
    until(lambda: min(km_traces(dash_duo, "km-ci-lower")[0][1]) < 40, timeout=10)
    [(_, lower_plain)] = km_traces(dash_duo, "km-ci-lower")
    assert min(lower_plain) == pytest.approx(32.57, abs=0.01)
    assert dash_duo.get_logs() == []


def test_surv_page004_grouping_by_sex_shows_the_logrank_test(
    dash_duo, open_app, make_app, small_db
):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    choose(dash_duo, "survival-group-by", "sex")
    # At day 210: F at risk 2 (P-001, P-004), M 2 (P-002, P-005), 1 death (M).
    # E(M) = 2/4 = 0.5, O(M) = 1, V = 1*3/3 * 0.5*0.5 = 0.25: chi2 = 0.25/0.25 = 1,
    # p = P(chi2_1 > 1) = 0.317.
    dash_duo.wait_for_text_to_equal(
        "#survival-logrank",
        "Log-rank test across sexes: χ² = 1.00, 1 df, p = 0.317. "
        "Groups of fewer than 5 patients: read their curves with caution.",
    )
    names = dash_duo.driver.execute_script(
        f"return {KM}._fullData.filter(t => t.meta === 'km-curve').map(t => t.name)"
    )
    assert names == ["female (n=3)", "male (n=3)"]
    assert "Log-rank p = 0.317" in dash_duo.find_element("#survival-km-graph").text
    assert dash_duo.get_logs() == []


def test_surv_page005_site_without_patients_says_so(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    choose(dash_duo, "survival-site", "LIL")
    dash_duo.wait_for_contains_text("#survival-message", "No enrolled patients at site LIL yet.")
    assert not dash_duo.find_element("#survival-content").is_displayed()
    assert dash_duo.get_logs() == []


def test_surv_page006_site_without_deaths_keeps_the_curve(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    choose(dash_duo, "survival-site", "STE")
    # STE: P-001 censored day 476, P-008 day 147. Reverse KM: 147 -> 1/2 exactly,
    # 476 -> 0: R's median is the midpoint (147 + 476)/2 = 311.5 days = 10.2 months.
    dash_duo.wait_for_text_to_equal(
        "#survival-summary",
        "2 patients, 0 deaths, median OS not reached, median follow-up 10.2 months, "
        "data cut-off 30 Jun 2020",
    )
    dash_duo.wait_for_contains_text(
        "#survival-note",
        "No deaths yet: the OS curve stays at 100% and the median is not reached",
    )
    [(_, ys)] = km_traces(dash_duo, "km-curve")
    assert set(ys) == {100}
    assert dash_duo.get_logs() == []


def test_surv_page007_new_death_updates_the_open_page(
    dash_duo, open_app, make_app, small_db, tmp_path
):
    open_app(make_app(small_db, data_poll_seconds=0.5), path="/survival")
    dash_duo.wait_for_text_to_equal("#survival-summary", OS_SENTENCE)
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    follow_up = bundle / "follow_up.csv"
    text = follow_up.read_text(encoding="utf-8")
    follow_up.write_text(
        text.replace("P-001,2020-06-15,,,", "P-001,2020-06-15,,2020-06-15,infection"),
        encoding="utf-8",
    )
    import_bundle(make_engine(small_db), bundle)
    # Deaths at 210 (4 at risk) and 476 (1 at risk): S = 3/4 then 0, median 476 days =
    # 15.6 months; lower limit 42.6% <= 50% from day 210 = 6.9 months; upper never
    # below 50% (none at S = 0). Reverse KM unchanged: 315 days = 10.3 months. The open
    # page moves to version 2 once the poll has had it warmed (dashboard.warm).
    dash_duo.wait_for_text_to_equal(
        "#survival-summary",
        "6 patients, 2 deaths, median OS 15.6 months (95% CI 6.9–NR), median follow-up "
        "10.3 months, data cut-off 30 Jun 2020",
        timeout=90,
    )
    assert dash_duo.get_logs() == []


def test_surv_page008_empty_database_shows_the_empty_state(
    dash_duo, open_app, make_app, sqlite_url
):
    open_app(make_app(sqlite_url), path="/survival")
    dash_duo.wait_for_contains_text("#survival-message", "No trial data have been loaded yet")
    assert not dash_duo.find_element("#survival-content").is_displayed()
    assert dash_duo.get_logs() == []


# --- without a browser: forged requests and roles ------------------------------------------

CURVE_OUTPUTS = [
    ("survival-message", "children"),
    ("survival-content", "style"),
    ("survival-summary", "children"),
    ("survival-note", "children"),
    ("survival-logrank", "children"),
    ("survival-compare-note", "children"),
    ("survival-km-graph", "figure"),
    ("survival-km-graph", "style"),
]


def curves_request(client, conf_type="log", conf_level="0.95", site="all", compare="none"):
    return callback_request(
        client,
        CURVE_OUTPUTS,
        [
            ("shell-data-version", "data", {"version": 1, "data_cut": "2020-06-30"}),
            ("survival-endpoint", "value", "os"),
            ("survival-conf-type", "value", conf_type),
            ("survival-conf-level", "value", conf_level),
            ("survival-group-by", "value", "none"),
            ("survival-site", "value", site),
            ("survival-compare", "value", compare),
        ],
        [("shell-db-status", "data", {"reachable": True})],
    )


def test_surv_page009_forged_options_get_a_clear_message(make_app, small_db):
    client = make_app(small_db).server.test_client()
    sign_in(client, "ivy")
    assert curves_request(client).get_json()["response"]["survival-summary"]["children"] == (
        OS_SENTENCE
    )
    for forged in (
        {"conf_type": "<script>"},
        {"conf_level": "0.5"},
        {"conf_level": ["0.95"]},
        {"site": "XYZ"},
    ):
        response = curves_request(client, **forged)
        assert response.status_code == 200
        body = response.get_json()["response"]
        assert body["survival-content"]["style"] == {"display": "none"}
        message = str(body["survival-message"]["children"])
        assert "cannot be drawn" in message
        assert "Traceback" not in message
    for forged in ("1", "99", "<script>"):  # "Compare with": only earlier versions
        body = curves_request(client, compare=forged).get_json()["response"]
        traces = body["survival-km-graph"]["figure"]["data"]
        assert not [t for t in traces if t.get("meta") == "km-earlier"]


def test_surv_page010_sponsor_is_refused_the_survival_numbers(make_app, small_db):
    client = make_app(small_db).server.test_client()
    sign_in(client, "spencer")
    assert curves_request(client).status_code == 403


def test_surv_page011_csv_downloads_hold_the_numbers_and_are_audited(make_app, small_db, tmp_path):
    client = make_app(small_db).server.test_client()
    sign_in(client, "ivy")
    state = [
        ("shell-data-version", "data", {"version": 1, "data_cut": "2020-06-30"}),
        ("survival-endpoint", "value", "os"),
        ("survival-conf-type", "value", "log"),
        ("survival-conf-level", "value", "0.95"),
        ("survival-group-by", "value", "none"),
        ("survival-site", "value", "all"),
    ]

    def download(kind: str) -> tuple[str, list[str]]:
        response = callback_request(
            client,
            [(f"survival-{kind}-download", "data")],
            [(f"survival-{kind}-csv", "n_clicks", 1)],
            state,
        )
        data = response.get_json()["response"][f"survival-{kind}-download"]["data"]
        return data["filename"], data["content"].strip().splitlines()

    name, lines = download("km")
    assert name == "mtsa-os-kaplan-meier-steps-2020-06-30.csv"
    assert lines[0].startswith("endpoint,conf_type,group,time_days,time_months,n_at_risk")
    assert [line.split(",")[3] for line in lines[1:]] == ["147", "196", "210", "315", "385", "476"]
    _, lines = download("response")
    assert lines[1:4] == ["CR,4,66.7", "CRh,0,0.0", "CRi,1,16.7"]
    _, lines = download("swimmer")
    assert [line.split(",")[0] for line in lines[1:]] == [
        "P-001", "P-004", "P-005", "P-002", "P-006", "P-008"
    ]  # fmt: skip
    _, lines = download("cif")
    assert len(lines) == 7  # header + one row per distinct time
    engine = make_app_engine(f"sqlite:///{tmp_path / 'app.db'}")  # tests.conftest.app_config
    with engine.connect() as conn:
        exports = conn.execute(
            text("SELECT username, target FROM audit_log WHERE event = 'export' ORDER BY id")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in exports] == [
        ("ivy", "/survival mtsa-os-kaplan-meier-steps-2020-06-30.csv"),
        ("ivy", "/survival mtsa-best-response-2020-06-30.csv"),
        ("ivy", "/survival mtsa-swimmer-rows-2020-06-30.csv"),
        ("ivy", "/survival mtsa-relapse-nrm-cif-steps-2020-06-30.csv"),
    ]
