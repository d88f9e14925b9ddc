"""Read queries, loader and engines on SQLite and PostgreSQL (fixture ``trial_db_url``)."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from data_access.bundle import read_bundle
from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.loader import replace_trial_data
from data_access.queries import latest_version, latest_version_number, load_snapshot
from tests.conftest import SMALL_BUNDLE


@pytest.fixture
def loaded(trial_db_url):
    replace_trial_data(make_engine(trial_db_url), read_bundle(SMALL_BUNDLE), "test")
    return trial_db_url


def test_dat001_snapshot_has_house_dtypes(loaded):
    snapshot = load_snapshot(make_engine(loaded, read_only=True))
    patients = snapshot["patients"]
    assert patients["enrolled_on"].dtype == "datetime64[ns]"
    assert patients["age"].dtype == "Int64"
    assert snapshot["adverse_events"]["serious"].dtype == "boolean"
    assert snapshot["lab_results"]["value"].dtype == "float64"
    assert patients.loc[patients["patient_id"] == "P-003", "enrolled_on"].isna().all()
    assert snapshot.data_cut == dt.date(2020, 6, 30)


def test_dat002_row_counts_match_the_bundle(loaded):
    snapshot = load_snapshot(make_engine(loaded, read_only=True))
    counts = {name: len(frame) for name, frame in snapshot.tables.items()}
    # tests/fixtures/bundles/small/EXPECTED.md, "Rows per file"
    assert counts == {
        "trial": 1,
        "sites": 7,
        "patients": 8,
        "follow_up": 6,
        "responses": 6,
        "lab_results": 8,
        "transfusions": 3,
        "adverse_events": 3,
        "chimerism": 3,
        "time_to_event": 0,
    }


def test_dat003_each_load_adds_a_version_and_replaces_rows(loaded):
    engine = make_engine(loaded)
    tables = read_bundle(SMALL_BUNDLE)
    tables["patients"] = tables["patients"].iloc[:0]
    for name in ("follow_up", "responses", "lab_results", "transfusions"):
        tables[name] = tables[name].iloc[:0]
    tables["adverse_events"] = tables["adverse_events"].iloc[:0]
    tables["chimerism"] = tables["chimerism"].iloc[:0]
    assert replace_trial_data(engine, tables, "second") == 2
    with engine.connect() as conn:
        assert latest_version_number(conn) == 2
        version = latest_version(conn)
    assert version.source == "second"
    assert version.loaded_at.tzinfo is not None
    assert load_snapshot(engine)["patients"].empty


def test_dat004_read_only_engine_refuses_writes(loaded):
    engine = make_engine(loaded, read_only=True)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM patients"))
    assert len(load_snapshot(engine)["patients"]) == 8


def test_dat005_failed_load_leaves_previous_version(loaded):
    engine = make_engine(loaded)
    tables = read_bundle(SMALL_BUNDLE)
    broken = tables["lab_results"].copy()
    broken.loc[0, "patient_id"] = "NOBODY"  # the database's foreign key refuses it
    with pytest.raises(DBAPIError):
        replace_trial_data(engine, {**tables, "lab_results": broken}, "broken")
    snapshot = load_snapshot(engine)
    assert snapshot.version.version == 1
    assert len(snapshot["lab_results"]) == 8


def test_dat006_empty_database_reads_as_no_data(trial_db_url):
    snapshot = load_snapshot(make_engine(trial_db_url))
    assert snapshot.version is None
    assert snapshot.is_empty
    assert list(snapshot["patients"].columns)[:2] == ["patient_id", "site_id"]


def test_dat007_dates_round_trip_without_shift(loaded):
    patients = load_snapshot(make_engine(loaded))["patients"].set_index("patient_id")
    assert patients.loc["P-001", "enrolled_on"] == pd.Timestamp("2019-02-25")


def test_query_threads_share_the_read_only_engine_safely(sqlite_url):
    # The app's read-only SQLite engine serves every callback thread. Its pool once closed
    # connections still in use beyond five threads: sqlite3 crashed the process.
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    reader = make_engine(sqlite_url, read_only=True)
    counts, errors = [], []

    def read():
        try:
            for _ in range(10):
                counts.append(len(load_snapshot(reader)["patients"]))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader.dispose()
    assert errors == [] and counts == [8] * 160
