"""Results split by treatment arm are for the DSMB only (docs/roles.md): over HTTP, as a
script or a forged callback would ask, on the CDISC pilot (three arms)."""

from __future__ import annotations

import json

import pytest

from dashboard.ids import Shell, Survival
from data_access.cdisc import TrialSettings
from data_access.engine import make_engine
from data_access.importing import CdiscOptions, import_folder
from tests.conftest import REPO, client_for, signed_app
from tests.dash_requests import callback_request

PILOT = REPO / "tests" / "fixtures" / "cdiscpilot01"
ARM_QUERIES = ["/api/stats/survival?by=arm&endpoint=TTDE", "/api/stats/safety?by=arm",
               "/api/stats/relapse?by=arm"]  # fmt: skip


@pytest.fixture(scope="module")
def pilot_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('arms') / 'trial.db'}"
    options = CdiscOptions(settings=TrialSettings(target=300))
    import_folder(make_engine(url), PILOT, "cdisc", options)
    return url


@pytest.fixture
def app(pilot_url, tmp_path):
    return signed_app(tmp_path, pilot_url)


@pytest.mark.parametrize("query", ARM_QUERIES)
def test_arm001_investigators_are_refused_arm_splits_the_dsmb_gets_them(app, query):
    for username in ("ivy", "sam"):
        assert client_for(app, username).get(query).status_code == 403
    response = client_for(app, "dora").get(query)
    assert response.status_code == 200
    assert "Placebo" in response.get_data(as_text=True)


def test_arm002_investigator_sees_the_same_panels_without_the_split(app):
    response = client_for(app, "ivy").get("/api/stats/safety")
    assert response.status_code == 200 and "by_arm" not in response.get_json()


def test_arm003_forged_survival_callback_grouped_by_arm_is_refused(app):
    version = {"version": 1, "data_cut": "2015-03-05", "loaded_at": "2026-12-03T00:00:00+00:00"}
    inputs = [
        (Shell.VERSION, "data", version),
        (Survival.ENDPOINT, "value", "TTDE"),
        (Survival.CONF_TYPE, "value", "log"),
        (Survival.CONF_LEVEL, "value", "0.95"),
        (Survival.GROUP_BY, "value", "arm"),
        (Survival.SITE, "value", "all"),
        (Survival.COMPARE, "value", "none"),
    ]
    outputs = [
        (Survival.MESSAGE, "children"),
        (Survival.CONTENT, "style"),
        (Survival.SUMMARY, "children"),
        (Survival.NOTE, "children"),
        (Survival.LOGRANK, "children"),
        (Survival.COMPARE_NOTE, "children"),
        (Survival.KM.graph, "figure"),
        (Survival.KM.graph, "style"),
    ]
    state = [(Shell.STATUS, "data", {"reachable": True})]
    answers = {}
    for username in ("ivy", "dora"):
        response = callback_request(client_for(app, username), outputs, inputs, state)
        assert response.status_code == 200
        answers[username] = json.dumps(response.get_json())
    assert "for the data safety monitoring board" in answers["ivy"]
    assert "Xanomeline" not in answers["ivy"]
    assert "Log-rank test across arms" in answers["dora"] and "Xanomeline" in answers["dora"]
