"""Data quality over HTTP: who sees which findings (docs/roles.md).

The small bundle (tests/fixtures/bundles/small) raises findings at every site; site STE
holds P-001 and P-008, whose findings are 8: no remission assessed before enrollment
(both), P-008's day-90 marrow missing, their blood counts below the schedule (both) and
three missed 3-monthly visits of P-001. STE enrolled 155 days before the data cut: not
a dormant site, while CLF, GRE and LYS are.
"""

from __future__ import annotations

import json

import pytest

from dashboard.ids import Overview, Quality, Shell
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app
from tests.dash_requests import callback_request


@pytest.fixture
def app(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return signed_app(tmp_path, sqlite_url)


def test_qacc001_the_dsmb_gets_every_finding(app):
    data = client_for(app, "dora").get("/api/stats/quality").get_json()
    assert {f["site_id"] for f in data["findings"]} == {"CLF", "GRE", "LYS", "STE"}
    assert {r["id"] for r in data["rules"]} >= {"ELIG-AGE", "SITE-DORMANT"}
    dormant = sorted(f["site_id"] for f in data["findings"] if f["rule"] == "SITE-DORMANT")
    assert dormant == ["CLF", "GRE", "LYS"]
    assert sum(r["count"] for r in data["by_site"]) == len(data["findings"])


def test_qacc002_a_site_bound_investigator_sees_their_site_only(app):
    data = client_for(app, "sam").get("/api/stats/quality").get_json()
    assert len(data["findings"]) == 8
    assert {f["patient_id"] for f in data["findings"]} == {"P-001", "P-008"}
    assert {r["site_id"] for r in data["by_site"]} == {"STE"}
    assert not any(f["rule"] == "SITE-DORMANT" for f in data["findings"])


def test_qacc003_the_sponsor_gets_counts_per_site_and_no_patient_id(app):
    response = client_for(app, "spencer").get("/api/stats/quality")
    assert response.status_code == 200
    data = response.get_json()
    assert "findings" not in data
    assert {r["site_id"] for r in data["by_site"]} == {"CLF", "GRE", "LYS", "STE"}
    assert b"P-00" not in response.get_data()


def test_qacc004_the_administrator_is_refused(app):
    assert client_for(app, "ada").get("/api/stats/quality").status_code == 403


def page_request(client, severity="all"):
    outputs = [
        (Quality.MESSAGE, "children"),
        (Quality.CONTENT, "style"),
        (Quality.KPIS, "children"),
        (Quality.BY_SITE_GRID, "columnDefs"),
        (Quality.BY_SITE_GRID, "rowData"),
        (Quality.FINDINGS_NOTE, "children"),
        (Quality.FINDINGS_WRAP, "style"),
        (Quality.FINDINGS_GRID, "rowData"),
        (Quality.RULES_GRID, "rowData"),
    ]
    version = client.get("/api/stats/enrollment").get_json()["version"]
    inputs = [
        (Shell.VERSION, "data", {"version": version}),
        (Quality.SEVERITY, "value", severity),
        (Quality.RULE, "value", "all"),
    ]
    return callback_request(client, outputs, inputs, [(Shell.STATUS, "data", None)])


def test_qacc005_the_page_lists_findings_but_not_to_the_sponsor(app):
    dora = page_request(client_for(app, "dora")).get_json()["response"]
    rows = dora[Quality.FINDINGS_GRID]["rowData"]
    assert len(rows) == 28 and dora[Quality.FINDINGS_WRAP]["style"] == {"display": "block"}
    majors = page_request(client_for(app, "dora"), "major").get_json()["response"]
    assert {r["severity"] for r in majors[Quality.FINDINGS_GRID]["rowData"]} == {"major"}
    sponsor = client_for(app, "spencer")
    answer = page_request(sponsor)
    response = answer.get_json()["response"]
    assert response[Quality.FINDINGS_GRID]["rowData"] == []
    assert response[Quality.FINDINGS_WRAP]["style"] == {"display": "none"}
    assert b"P-00" not in answer.get_data()
    assert len(response[Quality.BY_SITE_GRID]["rowData"]) == 4
    export = callback_request(
        sponsor,
        [(Quality.FINDINGS_GRID, "exportDataAsCsv")],
        [(Quality.FINDINGS_CSV, "n_clicks", 1)],
    )
    assert export.status_code == 403


def alerts_request(client):
    version = client.get("/api/stats/enrollment").get_json()["version"]
    return callback_request(
        client,
        [(Overview.ALERTS, "children")],
        [(Shell.VERSION, "data", {"version": version})],
        [(Shell.STATUS, "data", None)],
    )


def test_qacc006_overview_alerts_by_role(app):
    # the small bundle: 3 dormant sites (CLF, GRE, LYS), 5 day-90 marrows missing
    dora = alerts_request(client_for(app, "dora"))
    text = json.dumps(dora.get_json())
    assert "Dormant site: 3" in text and "Day-90 marrow missing: 5" in text
    assert "/quality?rule=MISS-MARROW90" in text
    sponsor = json.dumps(alerts_request(client_for(app, "spencer")).get_json())
    assert "Dormant site: 3" in sponsor and "marrow" not in sponsor
    admin = alerts_request(client_for(app, "ada"))
    assert admin.status_code == 200
    assert admin.get_json()["response"][Overview.ALERTS]["children"] is None
