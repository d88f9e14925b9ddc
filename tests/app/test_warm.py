"""Warming a new data version (dashboard.warm): every page of every role is visited
before the pages hear of the version, and a person visiting after it computes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.auth.database import make_sessionmaker
from dashboard.auth.models import AuditEntry
from dashboard.page_visits import Browser, Reply
from dashboard.store import EXTENSION
from dashboard.warm import WARMER, warm_version
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, client_for, signed_app


@pytest.fixture
def app(sqlite_url, tmp_path):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return signed_app(tmp_path, sqlite_url)


def _browser(client) -> Browser:
    def post(path: str, body: dict) -> Reply:
        response = client.post(path, json=body)
        data = response.get_data()
        return Reply(response.status_code, data, len(data), "")

    browser = Browser(post, client.get("/_dash-dependencies").get_json())
    browser.poll()
    return browser


def test_warm001_every_page_of_every_role_then_nothing_left_to_compute(app, monkeypatch):
    store = app.server.extensions[EXTENSION]
    version = store.poll().version
    assert not store.is_warm(version)
    report = warm_version(app, version)
    assert report.failures == []
    # By hand (docs/roles.md): the board and an all-site investigator open 6 pages
    # (Overview, Sites, Recovery, Survival, Safety, Data quality), the sponsor 3
    # (Overview, Sites, Data quality), and an investigator bound to each of the 7 sites 6.
    assert report.visits == 6 + 3 + 6 + 7 * 6
    assert store.is_warm(version)

    # Another worker, which warmed nothing: its first visitors of every role find every
    # result and figure in the shared cache, and never read the trial's snapshot.
    store._snapshot = None
    store._memo.clear()
    stored = []
    monkeypatch.setattr(store, "_store", lambda key, value: stored.append(key))

    def no_snapshot(_version):
        raise AssertionError("the snapshot was read: a result was not warm")

    monkeypatch.setattr(store, "snapshot", no_snapshot)
    for user, paths in {
        "dora": ["/", "/sites", "/recovery", "/survival", "/safety", "/quality"],
        "spencer": ["/", "/sites", "/quality"],
        "sam": ["/recovery", "/survival", "/safety", "/quality"],  # bound to STE
    }.items():
        browser = _browser(client_for(app, user))
        assert browser.version["version"] == version.version
        for path in paths:
            reply, calls = browser.page_calls(path)
            assert reply.status == 200, (user, path)
            assert calls, (user, path)
            for call, answer in browser.run(calls):
                assert answer.status in (200, 204), (user, path, call.name, answer.body[:300])
    assert stored == []


def test_warm002_the_warmer_leaves_no_trace_in_the_audit_log(app):
    store = app.server.extensions[EXTENSION]
    warm_version(app, store.poll().version)
    sessions = make_sessionmaker(app.server.extensions["mtsa_auth"].engine)
    with sessions() as session:
        names = set(session.scalars(select(AuditEntry.username)))
    assert WARMER not in names
    assert names <= {""}  # nobody else used this app either


def test_warm003_one_warmer_per_version_across_processes(app):
    """The import claims a version before warming it, so a server that polls meanwhile
    does not warm it a second time; a warm version is never claimed again."""
    store = app.server.extensions[EXTENSION]
    version = store.poll().version
    assert store.claim_warming(version)
    assert not store.claim_warming(version)
    assert not store.ready(version)  # claimed elsewhere: not announced, not warmed twice
    store.mark_warm(version, 1.0)
    assert store.ready(version) and not store.claim_warming(version)
