"""Writes trial data: a whole new set of tables replaces the old in one transaction.

Readers therefore see either the previous version or the new one, never a mix, and a
failed load leaves the database as it was. Every load adds a ``data_versions`` row.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, insert

from data_access.engine import create_schema
from data_access.frames import data_cut_of, typed_frame
from data_access.queries import latest_version_number
from data_access.schema import BUNDLE_TABLES
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__
INSERT_BATCH_ROWS = 50_000


def records(table: Table, frame: pd.DataFrame) -> list[dict]:
    """Rows of a typed frame as plain Python values (dates as ``date``, missing as None)."""
    frame = typed_frame(table, frame)
    out = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype == "datetime64[ns]":
            values = pd.Series(values.dt.date, dtype=object)
        else:
            values = values.astype(object)
        out[name] = values.where(frame[name].notna(), None)
    return pd.DataFrame(out).to_dict("records")


def _insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    rows = records(table, frame)
    for start in range(0, len(rows), INSERT_BATCH_ROWS):
        conn.execute(insert(table), rows[start : start + INSERT_BATCH_ROWS])


def replace_trial_data(engine: Engine, tables: dict[str, pd.DataFrame], source: str) -> int:
    """Replace all trial rows with ``tables`` (keyed by table name); return the new version.

    ``tables`` must already be valid (see ``data_access.bundle``): this function
    trusts its input and relies on the database only for the last line of defence.
    """
    create_schema(engine)
    typed = {t.name: typed_frame(t, tables.get(t.name)) for t in BUNDLE_TABLES.values()}
    ordered = list(BUNDLE_TABLES.values())
    with engine.begin() as conn:
        for table in reversed(ordered):
            conn.execute(delete(table))
        for table in ordered:
            if not typed[table.name].empty:
                _insert(conn, table, typed[table.name])
        version = (latest_version_number(conn) or 0) + 1
        conn.execute(
            insert(VERSIONS),
            {
                "version": version,
                "loaded_at": dt.datetime.now(dt.UTC),
                "data_cut": data_cut_of(typed),
                "source": source,
                "row_counts": json.dumps({name: len(f) for name, f in typed.items()}),
            },
        )
    return version
