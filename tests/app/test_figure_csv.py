"""Every figure's numbers can be downloaded as CSV, audited, under the page's access rules.

Small fixture bundle (tests/fixtures/bundles/small, EXPECTED.md): patients enrolled by
site, counted by hand from patients.csv: STE 2, LYS 2, CLF 1, GRE 1; LIL, NCY, PSL 0
(sites named as in the registry record).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard import ids
from dashboard.auth.audit import AuditFilter, read_audit_log
from dashboard.auth.database import make_app_engine, make_sessionmaker
from dashboard.ids import FigureIds, Overview, Safety, Shell
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app
from tests.dash_requests import callback_request

VERSION = {"version": 1, "data_cut": "2020-06-30"}
STATUS = [("shell-db-status", "data", {"reachable": True})]


@pytest.fixture
def app(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return signed_app(tmp_path, sqlite_url)


def every_figure() -> list[FigureIds]:
    return [
        value
        for page in vars(ids).values()
        if isinstance(page, type)
        for value in vars(page).values()
        if isinstance(value, FigureIds)
    ]


def test_figcsv001_every_figure_card_has_a_csv_download(app):
    figures = every_figure()
    # 2 Overview, 5 Sites, 3 Recovery, 4 Survival, 4 Safety, 1 Patient, 1 Data quality
    assert len(figures) == 20
    missing = [f.graph for f in figures if f"{f.download}.data" not in app.callback_map]
    assert missing == []


def _csv(response) -> pd.DataFrame:
    payload = response.get_json()["response"]
    download = next(iter(payload.values()))["data"]
    return download["filename"], pd.read_csv(io.StringIO(download["content"]))


def test_figcsv002_overview_by_site_csv_holds_the_hand_counts(app, tmp_path):
    client = client_for(app, "ivy")
    page = callback_request(
        client,
        [
            (Overview.MESSAGE, "children"),
            ("overview-content", "style"),
            (Overview.KPIS, "children"),
            (Overview.CUMULATIVE.graph, "figure"),
            (Overview.CUMULATIVE.graph, "style"),
            (Overview.BY_SITE.graph, "figure"),
            (Overview.BY_SITE.graph, "style"),
        ],
        [(Shell.VERSION, "data", VERSION), (Overview.COMPARE, "value", "none")],
        STATUS,
    ).get_json()["response"]
    by_site = page[Overview.BY_SITE.graph]["figure"]
    assert page[Overview.BY_SITE.graph]["style"]["height"].endswith("px")
    response = callback_request(
        client,
        [(Overview.BY_SITE.download, "data")],
        [(Overview.BY_SITE.csv, "n_clicks", 1)],
        [(Shell.VERSION, "data", VERSION), (Overview.BY_SITE.graph, "figure", by_site)],
    )
    filename, table = _csv(response)
    assert filename == "mtsa-enrollment-by-site-2020-06-30.csv"
    assert dict(zip(table["y"], table["x"], strict=True)) == {
        "Saint-Étienne": 2,
        "Lyon": 2,
        "Clermont-Ferrand": 1,
        "Grenoble": 1,
        "Lille": 0,
        "Nancy": 0,
        "Paris": 0,
    }
    engine = make_app_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with make_sessionmaker(engine).begin() as session:
        targets = [e.target for e in read_audit_log(session, AuditFilter(event="export"))]
    engine.dispose()
    assert targets == ["/overview mtsa-enrollment-by-site-2020-06-30.csv"]


def test_figcsv003_sponsor_is_refused_a_safety_figure_csv(app):
    response = callback_request(
        client_for(app, "spencer"),
        [(Safety.HEATMAP.download, "data")],
        [(Safety.HEATMAP.csv, "n_clicks", 1)],
        [(Shell.VERSION, "data", VERSION), (Safety.HEATMAP.graph, "figure", {"data": []})],
    )
    assert response.status_code == 403
