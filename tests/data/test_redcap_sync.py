"""``sync redcap`` on SQLite and PostgreSQL: the sync log, and runs against a stand-in API.

The stand-in (``tests/redcap_standin.py``) is a real HTTP server on 127.0.0.1 serving the
MTSA fixture export (``tests/fixtures/redcap/mtsa``) the way REDCap's API does; PyCap
talks to it as to a REDCap server. Counts in the fixture, by hand: 3 records (STE-001,
STE-002, LYS-001), 3 adverse events, 3 response assessments, and 7 blood counts
(STE-001: 0.8 and 12, 0.1, 0.62 and 25; STE-002: 1.5 and 180).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from data_access.engine import create_schema, make_engine
from data_access.importing import ImportOptions, import_bundle
from data_access.loader import replace_trial_data
from data_access.queries import latest_version_number, load_snapshot
from data_access.redcap.client import ApiSource
from data_access.redcap.sync import sync_once
from data_access.schema import DataVersion
from data_access.sync_runs import Run, SyncState, last_loaded, list_runs, record_run, sync_state
from tests.conftest import REPO, SMALL_BUNDLE
from tests.redcap_standin import PROJECT_ID, TOKEN, Fault, RunningStandIn

FIXTURES = REPO / "tests" / "fixtures" / "redcap"
OPTIONS = ImportOptions(FIXTURES / "mtsa-mapping.toml", FIXTURES / "mtsa-sites.csv")


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, 3, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def api():
    with RunningStandIn(FIXTURES / "mtsa") as standin:
        yield standin


@pytest.fixture
def engine(trial_db_url):
    engine = make_engine(trial_db_url)
    yield engine
    engine.dispose()


def counts(engine) -> dict[str, int]:
    tables = load_snapshot(engine).tables
    return {name: len(tables[name]) for name in ("patients", "adverse_events", "lab_results")}


def test_sync001_the_log_gives_the_banner_its_state(engine):
    """By hand: loaded at 10:00 (version 1), unchanged at 10:05, failed at 10:10. The
    banner names version 1's project, synced at 10:05, and the failure at 10:10; a
    success at 10:15 clears the failure."""
    create_schema(engine)
    with engine.connect() as conn:
        assert sync_state(conn) is None and last_loaded(conn) is None
    url = "https://redcap.example.org/api/"
    runs = [
        Run(at(9, 59), at(10, 0), url, "ok", "1234", "first sync", 1, "a" * 64),
        Run(at(10, 4), at(10, 5), url, "unchanged", "1234", "nothing new", None, "a" * 64),
        Run(at(10, 9), at(10, 10), url, "failed", None, "REDCap answered HTTP 500"),
    ]
    with engine.begin() as conn:
        for run in runs:
            record_run(conn, run)
    with engine.connect() as conn:
        assert sync_state(conn) == SyncState(
            "1234", 1, at(10, 5), at(10, 10), "REDCap answered HTTP 500"
        )
        assert last_loaded(conn) == runs[0]
        assert list_runs(conn) == runs
    with engine.begin() as conn:
        record_run(conn, Run(at(10, 14), at(10, 15), url, "unchanged", "1234", "nothing new"))
    with engine.connect() as conn:
        assert sync_state(conn) == SyncState("1234", 1, at(10, 15))


def test_sync002_good_unchanged_and_changed_syncs(engine, api):
    source = ApiSource(api.url, TOKEN, timeout=10)
    first = sync_once(engine, source, OPTIONS)
    assert (first.outcome, first.version, first.project_id) == ("ok", 1, str(PROJECT_ID))
    assert counts(engine) == {"patients": 3, "adverse_events": 3, "lab_results": 7}
    again = sync_once(engine, source, OPTIONS)
    assert (again.outcome, again.version) == ("unchanged", None)
    with engine.connect() as conn:
        assert latest_version_number(conn) == 1
    api.add_row(
        record_id="STE-002",
        redcap_repeat_instrument="blood_counts",
        redcap_repeat_instance="2",
        redcap_data_access_group="ste",
        lab_date="2019-04-22",
        anc="2.1",
        blood_counts_complete="2",
    )
    changed = sync_once(engine, source, OPTIONS)
    assert (changed.outcome, changed.version) == ("ok", 2)
    assert counts(engine)["lab_results"] == 8
    with engine.connect() as conn:
        runs = list_runs(conn)
        source_text = conn.execute(
            select(DataVersion.source).where(DataVersion.version == 2)
        ).scalar_one()
    assert [(r.outcome, r.data_version, r.project_id) for r in runs] == [
        ("ok", 1, "1234"),
        ("unchanged", None, "1234"),
        ("ok", 2, "1234"),
    ]
    assert runs[0].digest == runs[1].digest != runs[2].digest
    assert runs[2].reason == "changes since data version 1 (records, dictionary or settings)"
    assert all(r.url == api.url and r.finished_at >= r.started_at for r in runs)
    assert source_text == f"REDCap project 1234 at {api.url}"


def test_sync003_a_failed_run_changes_nothing_and_is_recorded(engine, api):
    source = ApiSource(api.url, TOKEN, timeout=10)
    assert sync_once(engine, source, OPTIONS).version == 1
    api.add_row(record_id="LYS-002", redcap_data_access_group="lys", screening_date="2020-01-06")
    api.fail(Fault(status=500, content="record"))
    result = sync_once(engine, source, OPTIONS)
    assert result.outcome == "failed"
    assert result.reason == "REDCap answered HTTP 500 (a server error); nothing was read"
    assert counts(engine)["patients"] == 3
    bad = sync_once(engine, ApiSource(api.url, "F" * 32, timeout=10), OPTIONS)
    assert bad.reason.startswith("REDCap refused the API token (HTTP 403)")
    with engine.connect() as conn:
        runs = list_runs(conn)
        assert latest_version_number(conn) == 1
        state = sync_state(conn)
    outcomes = [(r.outcome, r.data_version) for r in runs]
    assert outcomes == [("ok", 1), ("failed", None), ("failed", None)]
    assert runs[1].project_id == "1234" and runs[2].project_id is None  # 403 at the first call
    assert (state.loaded_version, state.reason) == (1, bad.reason)
    api.fail(None)
    assert sync_once(engine, source, OPTIONS).version == 2  # LYS-002 now loads
    assert counts(engine)["patients"] == 4


def test_sync004_a_run_is_loaded_with_its_version_or_not_at_all(engine, api):
    """The run's row is written in the load's transaction: if it cannot be written, the
    version is not loaded either."""
    source = ApiSource(api.url, TOKEN, timeout=10)
    sync_once(engine, source, OPTIONS)
    tables = load_snapshot(engine).tables

    def broken(_conn, _version):
        raise RuntimeError("the run's row could not be written")

    with pytest.raises(RuntimeError):
        replace_trial_data(engine, tables, "again", "redcap", also=broken)
    with engine.connect() as conn:
        assert latest_version_number(conn) == 1
        assert conn.execute(select(func.count()).select_from(DataVersion)).scalar() == 1


def test_sync005_a_load_the_database_rolls_back_is_a_failed_run(engine, api, monkeypatch):
    """Two loads at once (a sync overlapping an import) end in one being rolled back: the
    sync records that, with the database's reason, and loads nothing."""
    import data_access.redcap.sync as sync_module

    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT INTO data_versions", {}, Exception("database is locked"))

    monkeypatch.setattr(sync_module, "replace_trial_data", locked)
    result = sync_once(engine, ApiSource(api.url, TOKEN, timeout=10), OPTIONS)
    assert (result.outcome, result.reason) == (
        "failed",
        "the load was rolled back: database is locked",
    )
    with engine.connect() as conn:
        assert latest_version_number(conn) is None
        assert [(r.outcome, r.project_id) for r in list_runs(conn)] == [("failed", "1234")]


def test_sync006_data_imported_since_the_last_sync_are_replaced(engine, api):
    """The project is unchanged, but someone imported other data since: the sync loads
    the project again, so that the dashboard shows what REDCap holds."""
    source = ApiSource(api.url, TOKEN, timeout=10)
    assert sync_once(engine, source, OPTIONS).version == 1
    assert import_bundle(engine, SMALL_BUNDLE) == 2
    result = sync_once(engine, source, OPTIONS)
    assert (result.outcome, result.version) == ("ok", 3)
    assert result.reason == "the current data (version 2) were not loaded by a sync"
    assert counts(engine) == {"patients": 3, "adverse_events": 3, "lab_results": 7}
