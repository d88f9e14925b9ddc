"""The data banner and the REDCap sync log, over HTTP without a browser.

The trial data are loaded by a sync (PyCap's answers stood in for by the fixture
export), then runs are added to the log at fixed times: the banner names the project
and the last successful sync to everyone, and a failure, with its reason, to the
investigators and administrators only (``SYNC_STATUS_ROLES``). The sponsor's and the
DSMB's browsers are never sent the failure.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dashboard.ids import Shell
from data_access.engine import make_engine
from data_access.importing import ImportOptions
from data_access.redcap.client import ApiSource, ProjectExport
from data_access.redcap.sync import sync_once
from data_access.sync_runs import Run, record_run
from tests.conftest import REPO, client_for, signed_app
from tests.dash_requests import callback_request
from tests.redcap_standin import TOKEN, StandIn

FIXTURES = REPO / "tests" / "fixtures" / "redcap"
URL = "https://redcap.example.org/api/"
REASON = "REDCap answered HTTP 500 (a server error); nothing was read"
FAILED_LINE = f"Last REDCap sync failed at 03 Dec 2026 10:20 UTC: {REASON}"


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, 3, hour, minute, tzinfo=dt.UTC)


def add_run(url: str, outcome: str, finished: dt.datetime, reason: str | None = None) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        record_run(conn, Run(finished, finished, URL, outcome, "1234", reason))
    engine.dispose()


@pytest.fixture
def app(sqlite_url, tmp_path):
    standin = StandIn(FIXTURES / "mtsa")
    export = ProjectExport("1234", standin.metadata_rows(), standin.records)
    options = ImportOptions(FIXTURES / "mtsa-mapping.toml", FIXTURES / "mtsa-sites.csv")
    engine = make_engine(sqlite_url)
    result = sync_once(engine, ApiSource(URL, TOKEN), options, fetch=lambda _source: export)
    engine.dispose()
    assert (result.outcome, result.version) == ("ok", 1)
    add_run(sqlite_url, "unchanged", at(10, 15), "nothing new")
    return signed_app(tmp_path, sqlite_url)


def poll(client, version=None, status=None):
    return callback_request(
        client,
        [(Shell.VERSION, "data"), (Shell.STATUS, "data")],
        [(Shell.INTERVAL, "n_intervals", 1), (Shell.AS_OF, "data", None)],
        [(Shell.VERSION, "data", version), (Shell.STATUS, "data", status)],
    )


def stores(client, version=None, status=None) -> tuple[dict, dict]:
    """The version and status stores after a poll (what it did not send stays)."""
    answer = poll(client, version, status).get_json()["response"]
    return answer.get(Shell.VERSION, {"data": version})["data"], answer[Shell.STATUS]["data"]


def banner_text(client, version: dict, status: dict) -> str:
    response = callback_request(
        client,
        [(Shell.BANNER, "children")],
        [
            (Shell.VERSION, "data", version),
            (Shell.STATUS, "data", status),
            (Shell.AS_OF, "data", None),
        ],
    )
    assert response.status_code == 200
    return _text(response.get_json()["response"][Shell.BANNER]["children"])


def _text(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(_text(child) for child in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children", ""))
    return ""


def test_banner_sync001_names_the_project_and_the_last_sync(app):
    for user in ("ivy", "spencer"):
        client = client_for(app, user)
        version, status = stores(client)
        assert status["sync"] == {
            "project_id": "1234",
            "loaded_version": 1,
            "synced_at": "2026-12-03T10:15:00+00:00",
        }
        text = banner_text(client, version, status)
        assert "from REDCap project 1234, synced 03 Dec 2026 10:15 UTC" in text
        assert "failed" not in text


@pytest.mark.parametrize(
    ("user", "told"), [("ivy", True), ("ada", True), ("spencer", False), ("dora", False)]
)
def test_banner_sync002_a_failure_is_shown_to_investigators_and_admins_only(
    app, sqlite_url, user, told
):
    client = client_for(app, user)
    version, status = stores(client)
    add_run(sqlite_url, "failed", at(10, 20), REASON)
    answer = poll(client, version, status)
    if not told:  # nothing new for this role: not even that something failed
        assert answer.status_code == 204
        assert REASON not in banner_text(client, version, status)
        return
    status = answer.get_json()["response"][Shell.STATUS]["data"]
    assert status["sync"]["failed_at"] == "2026-12-03T10:20:00+00:00"
    text = banner_text(client, version, status)
    assert FAILED_LINE in text
    assert "from REDCap project 1234, synced 03 Dec 2026 10:15 UTC" in text  # still v1's


def test_banner_sync003_the_failure_stays_until_the_next_success(app, sqlite_url):
    client = client_for(app, "ivy")
    add_run(sqlite_url, "failed", at(10, 20), REASON)
    version, status = stores(client)
    assert FAILED_LINE in banner_text(client, version, status)
    add_run(sqlite_url, "failed", at(10, 21), "REDCap at https://redcap.example.org/api/ ...")
    _, status = stores(client, version, status)
    assert "failed at 03 Dec 2026 10:21 UTC: REDCap at" in banner_text(client, version, status)
    add_run(sqlite_url, "unchanged", at(10, 25), "nothing new")
    _, status = stores(client, version, status)
    text = banner_text(client, version, status)
    assert "failed" not in text
    assert "from REDCap project 1234, synced 03 Dec 2026 10:25 UTC" in text


def test_banner_sync004_the_sponsors_browser_never_receives_the_reason(app, sqlite_url):
    add_run(sqlite_url, "failed", at(10, 20), REASON)
    for user in ("spencer", "dora"):
        answer = poll(client_for(app, user))
        assert REASON not in json.dumps(answer.get_json())
        assert "failed_at" not in answer.get_json()["response"][Shell.STATUS]["data"]["sync"]
