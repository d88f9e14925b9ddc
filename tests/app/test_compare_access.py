""" "Compare with" over HTTP: the earlier version's curve is read under the same access
rules and in the same site scope as the shown one (docs/roles.md).

Version 1: the small bundle (STE enrolled P-001 and P-008; 6 enrolled in all). Version 2
adds P-009 at GRE (tests/later_bundles.py ``one_more_patient``).
"""

from __future__ import annotations

import pytest

from dashboard.ids import Overview, Shell, Survival
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app
from tests.dash_requests import callback_request
from tests.later_bundles import one_more_patient

VERSION = {"version": 2, "data_cut": "2020-06-30"}
STATUS = [(Shell.STATUS, "data", {"reachable": True})]


@pytest.fixture
def app(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, one_more_patient(tmp_path / "two", "P-009"))
    return signed_app(tmp_path, sqlite_url)


def curves(client, compare: str, site: str = "all"):
    return callback_request(
        client,
        [
            (Survival.MESSAGE, "children"),
            (Survival.CONTENT, "style"),
            (Survival.SUMMARY, "children"),
            (Survival.NOTE, "children"),
            (Survival.LOGRANK, "children"),
            (Survival.COMPARE_NOTE, "children"),
            (Survival.KM.graph, "figure"),
            (Survival.KM.graph, "style"),
        ],
        [
            (Shell.VERSION, "data", VERSION),
            (Survival.ENDPOINT, "value", "os"),
            (Survival.CONF_TYPE, "value", "log"),
            (Survival.CONF_LEVEL, "value", "0.95"),
            (Survival.GROUP_BY, "value", "none"),
            (Survival.SITE, "value", site),
            (Survival.COMPARE, "value", compare),
        ],
        STATUS,
    )


def earlier(response, meta: str) -> list[dict]:
    graph = response.get_json()["response"]
    figure = next(v["figure"] for k, v in graph.items() if k.endswith("graph"))
    return [t for t in figure["data"] if t.get("meta") == meta]


def choices(client, select: str):
    return callback_request(
        client,
        [
            (select, "options"),
            (select, "value"),
            (select, "disabled"),
            (f"{select}-hint", "children"),
        ],
        [(Shell.VERSION, "data", VERSION)],
        [(select, "value", None)],
    )


def test_cmpacc001_a_site_bound_investigator_compares_their_own_patients(app):
    client = client_for(app, "sam")  # STE: P-001 and P-008 in both versions
    (curve,) = earlier(curves(client, "1"), "km-earlier")
    assert curve["hovertext"][0].endswith("enrollment, 2 at risk")
    everyone = client_for(app, "ivy")
    (curve,) = earlier(curves(everyone, "1"), "km-earlier")
    assert curve["hovertext"][0].endswith("enrollment, 6 at risk")
    (curve,) = earlier(curves(everyone, "1", site="STE"), "km-earlier")
    assert curve["hovertext"][0].endswith("enrollment, 2 at risk")


def test_cmpacc002_the_sponsor_compares_enrollment_but_not_survival(app):
    sponsor = client_for(app, "spencer")
    assert choices(sponsor, Survival.COMPARE).status_code == 403
    assert curves(sponsor, "1").status_code == 403
    body = choices(sponsor, Overview.COMPARE).get_json()["response"]
    assert [o["value"] for o in body[Overview.COMPARE]["options"]] == ["none", "1"]
    assert body[Overview.COMPARE]["disabled"] is False
    page = callback_request(
        sponsor,
        [
            (Overview.MESSAGE, "children"),
            (Overview.CONTENT, "style"),
            (Overview.KPIS, "children"),
            (Overview.CUMULATIVE.graph, "figure"),
            (Overview.CUMULATIVE.graph, "style"),
            (Overview.BY_SITE.graph, "figure"),
            (Overview.BY_SITE.graph, "style"),
        ],
        [(Shell.VERSION, "data", VERSION), (Overview.COMPARE, "value", "1")],
        STATUS,
    )
    (curve,) = earlier(page, "enrolled-earlier")
    assert curve["y"][-1] == 6
    assert curve["name"] == "Version 1 (data cut 30 Jun 2020)"
