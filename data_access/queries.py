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
from data_access.schema import BUNDLE_TABLES
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__


def latest_version_number(conn: Connection) -> int | None:
    """``max(version)``: the one cheap query the pages poll; None when nothing is loaded."""
    return conn.execute(select(func.max(VERSIONS.c.version))).scalar()


def latest_version(conn: Connection) -> DataVersion | None:
    row = (
        conn.execute(select(VERSIONS).order_by(VERSIONS.c.version.desc()).limit(1))
        .mappings()
        .first()
    )
    if row is None:
        return None
    loaded_at = row["loaded_at"]
    if loaded_at.tzinfo is None:  # SQLite drops the zone; loaders always write UTC
        loaded_at = loaded_at.replace(tzinfo=dt.UTC)
    return DataVersion(row["version"], loaded_at, row["data_cut"], row["source"])


def read_table(conn: Connection, name: str) -> pd.DataFrame:
    """One bundle table as a typed frame, rows in a stable order."""
    table = BUNDLE_TABLES[f"{name}.csv"]
    columns = [table.c[c] for c in bundle_columns(table)]
    order = list(table.primary_key.columns)
    rows = conn.execute(select(*columns).order_by(*order)).all()
    return typed_frame(table, pd.DataFrame(rows, columns=[c.name for c in columns]))


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
            version = latest_version(conn)
            tables = {t.name: read_table(conn, t.name) for t in BUNDLE_TABLES.values()}
    return TrialSnapshot(version=version, tables=tables)
