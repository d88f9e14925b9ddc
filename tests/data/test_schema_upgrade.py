"""A trial database written by an earlier release: readable as it is, brought up to date by
the next load (columns and tables added since are all optional)."""

from __future__ import annotations

from sqlalchemy import inspect, text

from data_access.engine import create_schema, make_engine
from data_access.importing import import_bundle
from data_access.queries import latest_version, load_snapshot
from tests.conftest import SMALL_BUNDLE

ADDED = {
    "patients": ("arm", "treatment_start_on", "safety_population"),
    "follow_up": ("imputed",),
    "adverse_events": ("treatment_emergent", "grade_from_severity", "imputed"),
    "trial": ("not_recorded",),
    "data_versions": ("source_kind",),
}


def _as_written_before(url: str) -> None:
    """The small bundle loaded, then the database taken back to the earlier schema."""
    engine = make_engine(url)
    import_bundle(engine, SMALL_BUNDLE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE time_to_event"))
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
