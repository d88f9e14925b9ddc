"""Sites page in headless Chromium, signed in as the sponsor (aggregates only).

Per-site numbers are those of tests/fixtures/bundles/small/EXPECTED.md (counted by
hand), not taken from the code under test; the demo database checks the page at the
size of the real trial (7 registry sites).
"""

from __future__ import annotations

import re
import shutil

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select

from analysis.scope import PATIENT_TABLES
from dashboard.auth.audit import AuditFilter, read_audit_log
from dashboard.auth.database import make_app_engine, make_sessionmaker
from data_access.bundle import read_bundle
from data_access.demo import generate
from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.loader import replace_trial_data
from tests.conftest import SMALL_BUNDLE, sign_in
from tests.dash_requests import callback_request

pytestmark = pytest.mark.browser

SPONSOR = "spencer"
EXPECTED = re.compile(r"expected on (\d\d \w{3} \d{4})")
ROW = "#sites-grid .ag-center-cols-container .ag-row"


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo trial (7 registry sites) in an SQLite file, built once for the module."""
    path = tmp_path_factory.mktemp("demo") / "trial.db"
    tables = generate()
    replace_trial_data(make_engine(f"sqlite:///{path}"), tables, "demo")
    return path, tables


@pytest.fixture
def demo_db(demo_file, tmp_path):
    path, tables = demo_file
    shutil.copy(path, tmp_path / "demo.db")
    return f"sqlite:///{tmp_path / 'demo.db'}", tables


def open_sites(open_app, app, dash_duo):
    open_app(app, username=SPONSOR, path="/sites")
    dash_duo.wait_for_contains_text("#sites-forecast-text", "patient")


def cell(dash_duo, site_id: str, column: str) -> str:
    return dash_duo.find_element(
        f"#sites-grid .ag-row[row-id='{site_id}'] .ag-cell[col-id='{column}']"
    ).text


def test_sites_page001_demo_table_lists_seven_sites(dash_duo, open_app, make_app, demo_db):
    url, tables = demo_db
    open_sites(open_app, make_app(url), dash_duo)
    until(lambda: len(dash_duo.find_elements(ROW)) == 7, timeout=10)
    names = set(
        dash_duo.driver.execute_script(  # read in one go: the grid may re-render its rows
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())",
            "#sites-grid .ag-cell[col-id='name']",
        )
    )
    assert names == set(tables["sites"]["name"])
    badge = dash_duo.find_element("#sites-grid .ag-row[row-id='STE'] .grid-badge")
    assert badge.text == "Recruiting"
    # The sponsor's page carries aggregates only: no patient id in any figure or cell.
    page = dash_duo.driver.execute_script(
        "return JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'),"
        " g => [g.data, g.layout])) + document.body.innerText"
    )
    leaked = [pid for pid in tables["patients"]["patient_id"] if pid in page]
    assert leaked == []
    assert dash_duo.get_logs() == []


def test_sites_page002_map_is_drawn_from_this_server(dash_duo, open_app, make_app, demo_db):
    url, _ = demo_db
    open_sites(open_app, make_app(url), dash_duo)
    dash_duo.wait_for_element("#sites-map-graph .geo .layer.countries path")
    markers = dash_duo.find_elements("#sites-map-graph .scattergeo .point")
    assert len(markers) == 7
    resources = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(r => r.name)"
    )
    server = dash_duo.server_url
    assert f"{server}/assets/geo/europe_50m.json" in [r.split("?")[0] for r in resources]
    assert [r for r in resources if not r.startswith(server)] == []
    assert dash_duo.get_logs() == []


def expected_date(dash_duo) -> str:
    return EXPECTED.search(dash_duo.find_element("#sites-forecast-text").text).group(1)


def _choose(dash_duo, select_id: str, text: str) -> None:
    """Pick an option of a native select by its text, as a keyboard user would."""
    select = Select(dash_duo.find_element(f"#{select_id}"))
    select.select_by_visible_text(text)


def test_sites_page003_rate_choice_moves_the_forecast(dash_duo, open_app, make_app, demo_db):
    url, _ = demo_db
    open_sites(open_app, make_app(url), dash_duo)
    dash_duo.wait_for_contains_text("#sites-forecast-text", "At the current pace")
    before = expected_date(dash_duo)
    _choose(dash_duo, "sites-whatif-rate", "×2")
    dash_duo.wait_for_contains_text("#sites-forecast-text", "In this scenario the 21st")
    after = expected_date(dash_duo)
    assert _day(after) < _day(before)
    assert "every site's rate × 2" in dash_duo.find_element("#sites-forecast-assumptions").text
    assert dash_duo.get_logs() == []


def test_sites_page004_opening_a_site_redraws_the_forecast(dash_duo, open_app, make_app, demo_db):
    url, _ = demo_db
    open_sites(open_app, make_app(url), dash_duo)
    dash_duo.wait_for_contains_text("#sites-forecast-text", "At the current pace")
    until(
        lambda: len(dash_duo.find_elements("#sites-whatif-site option:not([hidden])")) == 4,
        timeout=5,
    )
    options = [o.text for o in dash_duo.find_elements("#sites-whatif-site option:not([hidden])")]
    assert options == [
        "No extra site (sites open as predicted)",
        "CHRU de Lille (Lille)",
        "Centre Hospitalier Universitaire de Nancy (Nancy)",
        "Hôpital de la Pitié-Salpêtrière (Paris)",
    ]
    _choose(dash_duo, "sites-whatif-site", "Hôpital de la Pitié-Salpêtrière (Paris)")
    # The opening date defaults to the first of the month after the cut (29 Oct 2021),
    # said in words.
    dash_duo.wait_for_contains_text(
        "#sites-forecast-assumptions", "What-if: site opened PSL on 01 Nov 2021."
    )
    assert "In this scenario" in dash_duo.find_element("#sites-forecast-text").text
    # A date on or before the cut is refused with a reason.
    date = dash_duo.find_element("#sites-whatif-date")
    dash_duo.driver.execute_script(
        "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
        "set.call(arguments[0], '2021-06-01');"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new FocusEvent('focusout', {bubbles: true}));",
        date,
    )
    dash_duo.wait_for_contains_text(
        "#sites-forecast-message", "must be after the data cut-off (29 Oct 2021)"
    )
    assert dash_duo.get_logs() == []


def test_sites_page005_grid_cells_match_hand_counts(dash_duo, open_app, make_app, small_db):
    open_sites(open_app, make_app(small_db), dash_duo)
    until(lambda: len(dash_duo.find_elements(ROW)) == 7, timeout=10)
    expected = {  # EXPECTED.md: screened, enrolled, days to activation, per month, first, last
        "CLF": ("2", "1", "112", "0.06", "20 May 2019", "20 May 2019"),
        "GRE": ("1", "1", "133", "0.06", "15 Jul 2019", "15 Jul 2019"),
        "LIL": ("0", "0", "—", "—", "—", "—"),
        "LYS": ("2", "2", "112", "0.11", "18 Mar 2019", "23 Sep 2019"),
        "STE": ("3", "2", "120", "0.11", "25 Feb 2019", "27 Jan 2020"),
    }
    columns = (
        "screened",
        "enrolled",
        "days_to_activation",
        "enrolled_per_month",
        "first_enrolled_on",
        "last_enrolled_on",
    )
    for site, values in expected.items():
        assert tuple(cell(dash_duo, site, c) for c in columns) == values, site
    assert cell(dash_duo, "STE", "ethics_approved_on") == "10 Sep 2018"
    assert cell(dash_duo, "STE", "activated_on") == "08 Jan 2019"
    assert cell(dash_duo, "STE", "status") == "Recruiting"
    assert dash_duo.find_element("#sites-kpi-recruiting-value").text == "4 / 7"
    assert dash_duo.get_logs() == []


def outputs_of(app, output: str) -> list[tuple[str, str]]:
    """Every (id, property) written by the callback that writes ``output``."""
    key = next(k for k in app.callback_map if output in k)
    return [tuple(o.rsplit(".", 1)) for o in key.strip(".").split("...")]


def test_sites_page006_empty_database_says_how_to_load_data(make_app, sqlite_url):
    app = make_app(sqlite_url)
    client = app.server.test_client()
    sign_in(client, SPONSOR)
    response = callback_request(
        client,
        outputs_of(app, "sites-message.children"),
        [("shell-data-version", "data", {"version": None})],
        [("shell-db-status", "data", {"reachable": True})],
    ).get_json()["response"]
    assert "No trial data have been loaded yet" in str(response["sites-message"]["children"])
    assert response["sites-content"]["style"] == {"display": "none"}


def forecast_request(client, site=None, day=None, rate=1):
    return callback_request(
        client,
        [
            ("sites-forecast-message", "children"),
            ("sites-forecast-graph", "figure"),
            ("sites-forecast-graph", "style"),
            ("sites-forecast-text", "children"),
            ("sites-forecast-assumptions", "children"),
        ],
        [
            ("shell-data-version", "data", {"version": 1, "data_cut": "2020-06-30"}),
            ("sites-whatif-site", "value", site),
            ("sites-whatif-date", "value", day),
            ("sites-whatif-rate", "value", rate),
        ],
        [("shell-db-status", "data", {"reachable": True})],
    )


def _message(response) -> str:
    return str(response.get_json()["response"]["sites-forecast-message"]["children"])


def test_sites_page007_invalid_what_if_gets_a_clear_message(make_app, small_db):
    client = make_app(small_db).server.test_client()
    sign_in(client, SPONSOR)
    ok = forecast_request(client).get_json()["response"]["sites-forecast-text"]["children"]
    assert ok.startswith("At the current pace, with the sites not yet open opening as predicted")
    # Before the data cut (30 Jun 2020), an open site, an unknown site, a forged rate.
    assert "must be after the data cut-off (30 Jun 2020)" in _message(
        forecast_request(client, "LIL", "2020-01-01")
    )
    assert "already recruiting" in _message(forecast_request(client, "STE", "2020-08-01"))
    assert "unknown site" in _message(forecast_request(client, "XYZ", "2020-08-01"))
    assert "0.5 to 3" in _message(forecast_request(client, rate=7))
    assert "not a date" in _message(forecast_request(client, "LIL", "soon"))


def _day(text: str):
    import datetime as dt

    return dt.datetime.strptime(text, "%d %b %Y").date()


def test_sites_page008_csv_export_is_audited(make_app, small_db, tmp_path):
    client = make_app(small_db).server.test_client()
    sign_in(client, SPONSOR)
    response = callback_request(
        client, [("sites-grid", "exportDataAsCsv")], [("sites-grid-csv", "n_clicks", 1)]
    )
    assert response.get_json()["response"]["sites-grid"]["exportDataAsCsv"] is True
    engine = make_app_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with make_sessionmaker(engine).begin() as session:
        entries = read_audit_log(session, AuditFilter(event="export"))
        assert [(e.username, e.target) for e in entries] == [
            (SPONSOR, "/sites site table CSV (mtsa-sites.csv)")
        ]
    engine.dispose()


def test_sites_page009_trial_without_patients_shows_empty_states(make_app, sqlite_url):
    tables = read_bundle(SMALL_BUNDLE)
    for name in ("patients", *PATIENT_TABLES):
        tables[name] = tables[name].iloc[0:0]
    replace_trial_data(make_engine(sqlite_url), tables, "no patients yet")
    app = make_app(sqlite_url)
    client = app.server.test_client()
    sign_in(client, SPONSOR)
    version = {"version": 1, "data_cut": "2020-06-30"}
    page = callback_request(
        client,
        outputs_of(app, "sites-message.children"),
        [("shell-data-version", "data", version)],
        [("shell-db-status", "data", {"reachable": True})],
    ).get_json()["response"]
    assert page["sites-content"]["style"] == {"display": "block"}
    assert len(page["sites-grid"]["rowData"]) == 7
    assert "No patient has been enrolled yet" in str(page["sites-by-site-message"]["children"])
    assert "No patient has been screened yet" in str(page["sites-funnel-message"]["children"])
    text = forecast_request(client).get_json()["response"]["sites-forecast-text"]["children"]
    assert text.startswith("At the current pace, with the sites not yet open opening as predicted")
