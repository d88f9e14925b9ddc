"""The app factory and the live poll, over HTTP without a browser."""

from __future__ import annotations

import re

import dash
import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from dashboard.ids import Shell
from dashboard.store import EXTENSION
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, add_users, app_config, sign_in
from tests.dash_requests import callback_request

POLL_OUTPUTS = [(Shell.VERSION, "data"), (Shell.STATUS, "data")]


@pytest.fixture
def client(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    config = app_config(tmp_path, sqlite_url)
    dash.page_registry.clear()
    app = create_app(config)
    add_users(config["app_database_url"])
    client = app.server.test_client()
    sign_in(client, "spencer")  # the sponsor may see the Overview
    return client


def poll(client, version, status, as_of=None):
    return callback_request(
        client,
        POLL_OUTPUTS,
        [(Shell.INTERVAL, "n_intervals", 3), (Shell.AS_OF, "data", as_of)],
        [(Shell.VERSION, "data", version), (Shell.STATUS, "data", status)],
    )


def test_app001_index_loads_nothing_from_other_hosts(client):
    page = client.get("/").get_data(as_text=True)
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == []
    assert client.get("/assets/00-bootstrap-5.3.6.min.css").status_code == 200


def test_app002_first_poll_reports_the_version(client):
    response = poll(client, None, None)
    assert response.status_code == 200
    data = response.get_json()["response"]
    assert data[Shell.VERSION]["data"]["version"] == 1
    assert data[Shell.VERSION]["data"]["data_cut"] == "2020-06-30"
    assert data[Shell.STATUS]["data"]["reachable"] is True


def test_app003_poll_without_new_data_sends_nothing(client):
    first = poll(client, None, None).get_json()["response"]
    version, status = first[Shell.VERSION]["data"], first[Shell.STATUS]["data"]
    again = poll(client, version, status)
    assert again.status_code == 204
    assert again.get_data() == b""


def test_app004_poll_after_a_new_load_reports_the_change_once_warm(client, sqlite_url):
    """A page showing version 1 hears of version 2 only once its pages are warm: the
    first poll after the load starts the warming (in the background) and sends nothing."""
    first = poll(client, None, None).get_json()["response"]
    shown, status = first[Shell.VERSION]["data"], first[Shell.STATUS]["data"]
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    assert poll(client, shown, status).status_code == 204
    store = client.application.extensions[EXTENSION]
    version = store.poll().version
    until(lambda: store.is_warm(version), timeout=120)
    response = poll(client, shown, status)
    data = response.get_json()["response"][Shell.VERSION]["data"]
    assert (data["version"], data["previous"]) == (2, 1)


def test_app010_an_earlier_version_stays_whatever_the_poll_finds(client, sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)  # version 2 (same rows)
    first = poll(client, None, None, as_of={"version": 1}).get_json()["response"]
    shown, status = first[Shell.VERSION]["data"], first[Shell.STATUS]["data"]
    assert (shown["version"], shown["as_of"], shown["latest"]) == (1, True, 2)
    assert poll(client, shown, status, as_of={"version": 1}).status_code == 204
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)  # version 3
    later = poll(client, shown, status, as_of={"version": 1}).get_json()["response"]
    assert (later[Shell.VERSION]["data"]["version"], later[Shell.VERSION]["data"]["latest"]) == (
        1,
        3,
    )
    back = poll(client, shown, status).get_json()["response"][Shell.VERSION]["data"]
    assert (back["version"], back.get("as_of"), back["previous"]) == (3, None, None)


def test_app011_the_address_and_the_chooser_ask_for_checked_versions():
    from dashboard.callbacks.live import check_as_of, requested_version, with_version

    kept = [{"version": n, "rows_kept": n > 1} for n in (1, 2, 3)]
    assert requested_version("?version=2&x=1") == "2" and requested_version("") is None
    assert with_version("?x=1&version=2", None) == "?x=1"
    assert with_version("", 2) == "?version=2"
    assert check_as_of("2", kept) == {"version": 2}
    assert check_as_of("3", kept) is None  # the newest is the current data
    assert check_as_of("current", kept) is None
    assert "its rows were not kept" in check_as_of("1", kept)["refused"]
    assert "there is no such version" in check_as_of("9", kept)["refused"]
    assert "is not a data version number" in check_as_of("two", kept)["refused"]
