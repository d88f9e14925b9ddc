"""One patient's profile over HTTP and through ``access.patient_result``: investigators
and the DSMB only; a site-bound investigator sees another site's patient as unknown
(docs/roles.md); one patient's rows are read, not the whole trial."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from werkzeug.exceptions import Forbidden

from analysis.patient_profile import UnknownPatient, patient_json, patient_profile
from dashboard.auth import roles
from dashboard.auth.database import make_app_engine
from dashboard.auth.state import SignedInUser
from dashboard.callbacks import access
from dashboard.store import trial_store
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app
from tests.later_bundles import with_safety_changes


@pytest.fixture
def app(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return signed_app(tmp_path, sqlite_url)


def audit_targets(tmp_path, event: str) -> list[str]:
    engine = make_app_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT target FROM audit_log WHERE event = :e ORDER BY id"), {"e": event}
        ).all()
    engine.dispose()
    return [row[0] for row in rows]


@pytest.mark.parametrize("username", ["ivy", "dora"])
def test_patacc001_investigator_and_dsmb_read_the_patient_json(app, username, tmp_path):
    response = client_for(app, username).get("/api/stats/patient?id=P-002")
    assert response.status_code == 200
    data = response.get_json()
    assert (data["version"], data["data_cut"]) == (1, "2020-06-30")
    assert (data["patient_id"], data["died_on"], data["death_cause"]) == (
        "P-002",
        "2019-10-14",
        "relapse",
    )
    assert [event["grade"] for event in data["events"]] == [4]
    assert "/api/stats/patient?id=P-002" in audit_targets(tmp_path, "api_call")


@pytest.mark.parametrize("username", ["spencer", "ada"])
def test_patacc002_sponsor_and_admin_get_403(app, username):
    response = client_for(app, username).get("/api/stats/patient?id=P-002")
    assert response.status_code == 403
    assert b"P-002" not in response.get_data()


def test_patacc003_unknown_and_other_site_patients_are_the_same_404(app):
    sam = client_for(app, "sam")  # investigator bound to STE
    other_site = sam.get("/api/stats/patient?id=P-002")  # LYS
    unknown = sam.get("/api/stats/patient?id=P-999")
    assert other_site.status_code == unknown.status_code == 404
    assert other_site.get_json() == {"error": "no patient P-002 in the data"}
    assert unknown.get_json() == {"error": "no patient P-999 in the data"}
    assert sam.get("/api/stats/patient?id=P-001").status_code == 200  # STE
    assert client_for(app, "ivy").get("/api/stats/patient?id=P-999").status_code == 404


def test_patacc004_bad_requests_are_400(app):
    dora = client_for(app, "dora")
    assert dora.get("/api/stats/patient").status_code == 400
    assert dora.get("/api/stats/patient?id=P-001&by=arm").status_code == 400
    assert dora.get("/api/stats/patient?id=P-001&version=x").status_code == 400
    assert dora.get("/api/stats/patient?id=P-001&version=5").status_code == 400


def test_patacc005_as_of_an_earlier_version(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, with_safety_changes(tmp_path / "v2"))
    app = signed_app(tmp_path, sqlite_url)
    dora = client_for(app, "dora")
    now = dora.get("/api/stats/patient?id=P-002").get_json()
    then = dora.get("/api/stats/patient?id=P-002&version=1").get_json()
    assert (now["version"], [e["grade"] for e in now["events"]]) == (2, [5])
    assert (then["version"], [e["grade"] for e in then["events"]]) == (1, [4])


def signed_in(monkeypatch, role: str, site: str | None = None):
    user = SignedInUser(1, f"a-{role}", role, site)
    monkeypatch.setattr(roles, "current_user", user)
    monkeypatch.setattr(access, "current_user", user)


def test_patacc006_patient_result_checks_role_and_site(app, monkeypatch):
    version = {"version": 1}
    with app.server.test_request_context("/"):
        signed_in(monkeypatch, "dsmb")
        profile = access.patient_result(version, "P-002", patient_profile)
        assert profile.status == "died" and profile.site_id == "LYS"
        signed_in(monkeypatch, "investigator", "STE")
        with pytest.raises(UnknownPatient, match="no patient P-002"):
            access.patient_result(version, "P-002", patient_profile)
        assert access.patient_result(version, "P-001", patient_profile).site_id == "STE"
        signed_in(monkeypatch, "sponsor")
        with pytest.raises(Forbidden):
            access.patient_result(version, "P-001", patient_profile)


def test_patacc007_one_profile_does_not_load_the_whole_trial(app, monkeypatch):
    with app.server.test_request_context("/"):
        store = trial_store()
        loads = []
        monkeypatch.setattr(store, "snapshot", lambda v: loads.append(v))
        first = store.patient_result("t", 1, "P-001", patient_json)
        assert loads == [] and store._snapshot is None
        monkeypatch.undo()
        whole = store.snapshot(1)  # now held in the process: filtered, not read again
        assert store.patient_result("t2", 1, "P-001", patient_json) == first
        assert first == patient_json(whole.tables, whole.data_cut, "P-001")
        with pytest.raises(UnknownPatient):
            store.patient_result("t", 1, "P-002", patient_json, site="STE")


def test_patacc008_the_chooser_lists_the_users_patients_without_their_records(app, monkeypatch):
    # The small bundle's 8 patients (EXPECTED.md); site STE holds P-001, P-003 and P-008.
    with app.server.test_request_context("/"):
        store = trial_store()
        loads = []
        monkeypatch.setattr(store, "snapshot", lambda v: loads.append(v))
        signed_in(monkeypatch, "dsmb")
        every = access.patient_list({"version": 1})
        assert every["patient_id"].tolist() == [f"P-00{n}" for n in range(1, 9)]
        assert access.patient_list({"version": 1}, "STE")["patient_id"].tolist() == [
            "P-001",
            "P-003",
            "P-008",
        ]
        signed_in(monkeypatch, "investigator", "STE")
        mine = access.patient_list({"version": 1})
        assert mine["patient_id"].tolist() == ["P-001", "P-003", "P-008"]
        assert set(mine["site_id"]) == {"STE"}
        with pytest.raises(ValueError, match="site STE only"):
            access.patient_list({"version": 1}, "LYS")
        assert loads == []
        signed_in(monkeypatch, "sponsor")
        with pytest.raises(Forbidden):
            access.patient_list({"version": 1})
