"""A trial database written by an earlier release: readable as it is, brought up to date by
the next load (columns and tables added since are all optional)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import inspect, text

from data_access.engine import create_schema, make_engine
from data_access.importing import import_bundle
from data_access.queries import UnknownVersion, latest_version, load_snapshot
from tests.conftest import SMALL_BUNDLE

VERSIONED = ("trial", "sites", "patients", "follow_up", "responses", "lab_results")
VERSIONED += ("transfusions", "adverse_events", "chimerism")
ADDED = {
    "patients": ("arm", "treatment_start_on", "safety_population"),
    "follow_up": ("imputed",),
    "adverse_events": ("treatment_emergent", "grade_from_severity", "imputed"),
    "trial": ("not_recorded",),
    "data_versions": ("source_kind", "rows_kept", "removed_at"),
}
ADDED_TABLES = ("time_to_event", *(f"{name}_history" for name in (*VERSIONED, "time_to_event")))


def _as_written_before(url: str) -> None:
    """The small bundle loaded, then the database taken back to the earlier schema."""
    engine = make_engine(url)
    import_bundle(engine, SMALL_BUNDLE)
    with engine.begin() as conn:
        for table in ADDED_TABLES:
            conn.execute(text(f"DROP TABLE {table}"))
        for table in VERSIONED:
            conn.execute(text(f'ALTER TABLE {table} DROP COLUMN "valid_from"'))
        for table, columns in ADDED.items():
            for column in columns:
                conn.execute(text(f'ALTER TABLE {table} DROP COLUMN "{column}"'))
    engine.dispose()


def test_upgrade001_old_database_reads_then_upgrades_on_the_next_load(trial_db_url):
    _as_written_before(trial_db_url)
    reader = make_engine(trial_db_url, read_only=True)
    snapshot = load_snapshot(reader)
    assert snapshot.version.version == 1 and snapshot.version.source_kind is None
    assert len(snapshot["patients"]) == 8 and snapshot["patients"]["arm"].isna().all()
    assert snapshot["time_to_event"].empty
    writer = make_engine(trial_db_url)
    assert import_bundle(writer, SMALL_BUNDLE) == 2
    columns = {c["name"] for c in inspect(writer).get_columns("patients")}
    assert set(ADDED["patients"]) <= columns
    with reader.connect() as conn:
        assert latest_version(conn).source_kind == "bundle"
    create_schema(writer)  # a second upgrade finds nothing to do
    reader.dispose()
    writer.dispose()


def test_upgrade002_versions_before_the_upgrade_were_not_kept(trial_db_url, tmp_path):
    _as_written_before(trial_db_url)
    writer = make_engine(trial_db_url)
    changed = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, changed)
    lines = (changed / "lab_results.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (changed / "lab_results.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    assert import_bundle(writer, SMALL_BUNDLE) == 2  # rows from version 1 stay, unmarked
    assert import_bundle(writer, changed) == 3  # the last lab result is withdrawn
    with pytest.raises(UnknownVersion, match="did not keep earlier versions"):
        load_snapshot(writer, version=1)
    assert len(load_snapshot(writer, version=2)["lab_results"]) == 8
    assert len(load_snapshot(writer, version=3)["lab_results"]) == 7
    writer.dispose()


def test_upgrade003_a_missing_index_is_created(trial_db_url):
    engine = make_engine(trial_db_url)
    import_bundle(engine, SMALL_BUNDLE)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_lab_results_history_patient_id"))
    create_schema(engine)
    names = {i["name"] for i in inspect(engine).get_indexes("lab_results_history")}
    assert "ix_lab_results_history_patient_id" in names
    engine.dispose()
