"""Roles on the real app, over HTTP as someone who does not use the browser would call it.

docs/roles.md: the sponsor sees the Overview and the Sites page (aggregates only);
patient-level data are for investigators and the DSMB; an investigator bound to a site
sees only that site's patients.
"""

from __future__ import annotations

import json
import re

import pytest

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app
from tests.dash_requests import callback_request
from tests.later_bundles import with_safety_changes

PATIENT_IDS = [f"P-00{i}".encode() for i in range(1, 9)]
PATIENT_PANELS = ["survival", "relapse", "response", "recovery", "safety"]


@pytest.fixture
def app(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return signed_app(tmp_path, sqlite_url)


def route(client, pathname):
    """Dash's page-routing callback, with any pathname the caller likes."""
    return callback_request(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", pathname), ("_pages_location", "search", "")],
    )


def no_patient_ids(response) -> bool:
    body = response.get_data()
    return not any(pid in body for pid in PATIENT_IDS)


@pytest.mark.parametrize("panel", PATIENT_PANELS)
def test_acc001_sponsor_gets_403_from_patient_level_api(app, panel):
    response = client_for(app, "spencer").get(f"/api/stats/{panel}")
    assert response.status_code == 403
    assert no_patient_ids(response)


@pytest.mark.parametrize("panel", ["enrollment", "sites"])
def test_acc002_sponsor_reads_aggregate_api(app, panel):
    response = client_for(app, "spencer").get(f"/api/stats/{panel}")
    assert response.status_code == 200
    assert response.get_json()["data_cut"] == "2020-06-30"
    assert no_patient_ids(response)


@pytest.mark.parametrize("path", ["/survival", "/recovery", "/safety", "/admin"])
def test_acc003_sponsor_forging_a_page_path_gets_a_notice(app, path):
    response = route(client_for(app, "spencer"), path)
    assert response.status_code == 200
    assert b"Not available for your role" in response.get_data()
    assert no_patient_ids(response)


def test_acc004_dsmb_reads_the_survival_json(app):
    response = client_for(app, "dora").get("/api/stats/survival?endpoint=os&conf_type=log-log")
    assert response.status_code == 200
    data = response.get_json()
    assert data["conf_type"] == "log-log"
    assert data["groups"][0]["n"] == 6  # EXPECTED.md: 6 enrolled


def test_acc005_bad_api_option_is_a_clear_400(app):
    response = client_for(app, "dora").get("/api/stats/survival?conf_type=cubic")
    assert response.status_code == 400
    assert "conf_type must be one of" in response.get_json()["error"]


def test_acc005b_recovery_api_options_are_the_declared_ones(app):
    client = client_for(app, "dora")
    refused = client.get("/api/stats/recovery?detection_limit=abc")
    assert refused.status_code == 400
    assert "detection_limit must be a number" in refused.get_json()["error"]
    data = client.get("/api/stats/recovery?detection_limit=0.1&test=ANC").get_json()
    assert data["microchimerism"]["detection_limit"] == 0.1
    assert data["trajectory"]["test"] == "ANC"


def test_acc006_site_bound_investigator_sees_only_their_site(app):
    # EXPECTED.md: STE enrolled 2 (P-001 and one more); the trial has 6 enrolled.
    whole = client_for(app, "ivy").get("/api/stats/survival").get_json()
    ste = client_for(app, "sam").get("/api/stats/survival").get_json()
    assert whole["groups"][0]["n"] == 6
    assert ste["groups"][0]["n"] == 2


def nav_links(client) -> set[str]:
    layout = json.dumps(client.get("/_dash-layout").get_json())
    return set(re.findall(r'"href": "(/[a-z]*)"', layout))


def test_acc007_navigation_lists_only_the_pages_of_the_role(app):
    assert nav_links(client_for(app, "spencer")) >= {"/", "/sites", "/logout"}
    assert nav_links(client_for(app, "spencer")).isdisjoint({"/survival", "/safety", "/admin"})
    investigator = nav_links(client_for(app, "ivy"))
    assert {"/survival", "/recovery", "/safety"} <= investigator
    assert "/admin" not in investigator


def test_acc008_site_bound_investigator_sees_whole_trial_aggregates(app):
    # Enrollment counts are aggregates (the sponsor sees them): not restricted to a site.
    stats = client_for(app, "sam").get("/api/stats/enrollment").get_json()
    assert (stats["screened"], stats["enrolled"]) == (8, 6)


def test_acc009_site_bound_investigator_gets_only_their_patients(app):
    recovery = client_for(app, "sam").get("/api/stats/recovery").get_json()
    ids = {patient["patient_id"] for patient in recovery["patients"]}
    assert ids  # STE has transplanted patients in the fixture
    assert ids == {"P-001", "P-008"}  # patients.csv: the two enrolled at STE


def _outputs(output: str) -> list[tuple[str, str]]:
    names = output.strip(".").split("...") if output.startswith("..") else [output]
    return [tuple(name.split(".", 1)) for name in names]


def forge_every_callback(client, version: dict):
    """POST every callback of the app, as a forger would: the current data version for
    the shell's version store, a click for buttons, nothing for the rest."""
    for dependency in client.get("/_dash-dependencies").get_json():
        if dependency.get("clientside_function"):
            continue  # runs in the browser, never on the server
        outputs = _outputs(dependency["output"])

        def value(spec):
            if (spec["id"], spec["property"]) == ("shell-data-version", "data"):
                return version
            return 1 if spec["property"] == "n_clicks" else None

        def items(specs):
            return [(s["id"], s["property"], value(s)) for s in specs]

        response = callback_request(
            client, outputs, items(dependency["inputs"]), items(dependency["state"])
        )
        yield outputs, response


def current_version(client) -> dict:
    response = callback_request(
        client,
        [("shell-data-version", "data"), ("shell-db-status", "data")],
        [("shell-poll-interval", "n_intervals", 1), ("shell-as-of", "data", None)],
        [("shell-data-version", "data", None), ("shell-db-status", "data", None)],
    )
    return response.get_json()["response"]["shell-data-version"]["data"]


def test_acc010_sponsor_forging_every_callback_gets_no_patient_data(app):
    client = client_for(app, "spencer")
    version = current_version(client)
    checked = 0
    for outputs, response in forge_every_callback(client, version):
        page = outputs[0][0].split("-")[0]
        assert no_patient_ids(response), outputs
        if page in {"survival", "recovery", "safety", "admin"}:
            assert response.status_code == 403, (outputs, response.status_code)
            checked += 1
    assert checked > 20  # every patient-level and admin callback was tried


def test_acc011_dsmb_reaches_patient_level_callbacks(app):
    client = client_for(app, "dora")
    version = current_version(client)
    statuses = {
        outputs[0][0]: response.status_code
        for outputs, response in forge_every_callback(client, version)
        if outputs[0][0].startswith(("survival", "safety", "recovery"))
    }
    assert 200 in statuses.values()
    assert all(status in (200, 204) for status in statuses.values()), statuses


REVIEW_OUTPUTS = [
    ("reviews-list", "children"),
    ("reviews-data-version", "options"),
    ("reviews-data-version", "value"),
    ("reviews-status", "children"),
    ("reviews-decision", "value"),
]


@pytest.mark.parametrize(
    ("user", "status"), [("ivy", 403), ("spencer", 403), ("dora", 200), ("ada", 200)]
)
def test_acc013_only_the_dsmb_and_admins_reach_reviews(app, user, status):
    client = client_for(app, user)
    response = callback_request(
        client,
        REVIEW_OUTPUTS,
        [
            ("shell-data-version", "data", current_version(client)),
            ("reviews-save", "n_clicks", None),
        ],
        [
            ("reviews-meeting-date", "value", None),
            ("reviews-data-version", "value", None),
            ("reviews-decision", "value", None),
        ],
    )
    assert response.status_code == status
    if status == 200:
        assert "No DSMB review recorded yet." in response.get_data(as_text=True)


def test_acc014_the_api_reads_earlier_versions_and_what_changed_since(sqlite_url, tmp_path):
    # Version 2: P-002's sepsis worsens from grade 4 to 5, P-008 has a new pneumonia.
    later = with_safety_changes(tmp_path / "later")
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, later)
    app = signed_app(tmp_path, sqlite_url)
    dora, sam = client_for(app, "dora"), client_for(app, "sam")
    now = dora.get("/api/stats/safety").get_json()
    then = dora.get("/api/stats/safety?version=1").get_json()
    assert (now["version"], then["version"]) == (2, 1)
    assert (sum(s["events"] for s in now["by_soc"]), sum(s["events"] for s in then["by_soc"])) == (
        4,
        3,
    )
    since = dora.get("/api/stats/safety?since=1").get_json()
    assert since["since"]["version"] == 1
    assert [row["patient_id"] for row in since["new"]] == ["P-008"]
    assert [(r["before"], r["after"]) for r in since["changed"]] == [("4", "5")]
    # sam sees site STE only (P-001, P-008): the new event, not LYS's P-002.
    scoped = sam.get("/api/stats/safety?since=1").get_json()
    assert ([r["patient_id"] for r in scoped["new"]], scoped["changed"]) == (["P-008"], [])
    for query, words in (
        ("version=9", "cannot be shown: there is no such version"),
        ("version=x", "version must be a data version number"),
        ("since=9", "cannot be shown"),
    ):
        refused = dora.get(f"/api/stats/safety?{query}")
        assert refused.status_code == 400 and words in refused.get_json()["error"]
    assert dora.get("/api/stats/sites?since=1").status_code == 400


def report_request(client, kind: str, profiles: str = "news"):
    """The reports menu's callback, as a forged request for report ``kind``."""
    item = {"kind": kind, "profiles": profiles, "type": "shell-report-kind"}
    payload = {
        "output": "..shell-report-download.data...shell-report-status.children..",
        "outputs": [
            {"id": "shell-report-download", "property": "data"},
            {"id": "shell-report-status", "property": "children"},
        ],
        "inputs": [[{"id": item, "property": "n_clicks", "value": 1}]],
        "state": [
            {"id": "shell-data-version", "property": "data", "value": current_version(client)},
            {"id": "shell-db-status", "property": "data", "value": None},
        ],
        "changedPropIds": [json.dumps(item, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
    }
    return client.post("/_dash-update-component", json=payload)


@pytest.mark.parametrize(
    ("user", "kind"),
    [
        ("spencer", "closed"),
        ("ivy", "closed"),
        ("sam", "closed"),
        ("ada", "closed"),
        ("ada", "open"),
    ],
)
def test_acc015_reports_outside_the_role_are_refused(app, user, kind):
    assert report_request(client_for(app, user), kind).status_code == 403
    assert report_request(client_for(app, user), kind, "every").status_code == 403


def test_acc016_the_sponsor_gets_the_open_report(app, monkeypatch):
    monkeypatch.setattr("dashboard.callbacks.reports.figure_renderer", lambda: None)
    response = report_request(client_for(app, "spencer"), "open")
    assert response.status_code == 200
    sent = response.get_json()["response"]["shell-report-download"]["data"]
    assert sent["filename"] == "mtsa-dsmb-open-report-2020-06-30-v1.pdf"
    assert sent["type"] == "application/pdf"
