"""Read queries: the only place the app reads trial data. Each returns pandas frames.

Query functions take a connection and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, func, inspect, select

from data_access.frames import (
    DataVersion,
    TrialSnapshot,
    bundle_columns,
    empty_tables,
    typed_frame,
)
from data_access.schema import BUNDLE_TABLES, Base
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__


def latest_version_number(conn: Connection) -> int | None:
    """``max(version)``: the one cheap query the pages poll; None when nothing is loaded."""
    return conn.execute(select(func.max(VERSIONS.c.version))).scalar()


def latest_version(conn: Connection, present: set[str] | None = None) -> DataVersion | None:
    """The newest ``data_versions`` row; ``present`` names its columns in an older
    database (see :func:`database_columns`)."""
    columns = [c for c in VERSIONS.c if present is None or c.name in present]
    row = (
        conn.execute(select(*columns).order_by(VERSIONS.c.version.desc()).limit(1))
        .mappings()
        .first()
    )
    if row is None:
        return None
    loaded_at = row["loaded_at"]
    if loaded_at.tzinfo is None:  # SQLite drops the zone; loaders always write UTC
        loaded_at = loaded_at.replace(tzinfo=dt.UTC)
    return DataVersion(
        row["version"], loaded_at, row["data_cut"], row["source"], row.get("source_kind")
    )


def read_table(conn: Connection, name: str, present: set[str] | None = None) -> pd.DataFrame:
    """One bundle table as a typed frame, rows in a stable order.

    ``present`` names the table's columns in the database when it may be older than the
    schema (a column added since reads as missing values).
    """
    table = BUNDLE_TABLES[f"{name}.csv"]
    columns = [table.c[c] for c in bundle_columns(table) if present is None or c in present]
    order = list(table.primary_key.columns)
    rows = conn.execute(select(*columns).order_by(*order)).all()
    return typed_frame(table, pd.DataFrame(rows, columns=[c.name for c in columns]))


def database_columns(conn: Connection) -> dict[str, set[str]]:
    """Columns of each trial table as the database has them (an older database may lack
    the tables and columns added since it was written; the next load adds them)."""
    inspector = inspect(conn)
    return {
        t.name: {c["name"] for c in inspector.get_columns(t.name)}
        for t in Base.metadata.sorted_tables
        if inspector.has_table(t.name)
    }


def has_schema(conn: Connection) -> bool:
    return inspect(conn).has_table(VERSIONS.name)


def load_snapshot(engine: Engine) -> TrialSnapshot:
    """Every trial table and its version, read in one transaction so they agree."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if not has_schema(conn):
                return TrialSnapshot(version=None, tables=empty_tables())
            present = database_columns(conn)
            version = latest_version(conn, present[VERSIONS.name])
            tables = {
                t.name: read_table(conn, t.name, present[t.name])
                if t.name in present
                else typed_frame(t)
                for t in BUNDLE_TABLES.values()
            }
    return TrialSnapshot(version=version, tables=tables)
