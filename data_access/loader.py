"""Writes trial data: a whole new set of tables replaces the old in one transaction, the
rows it replaces kept in the history tables (:mod:`data_access.history`).

Readers therefore see either the previous version or the new one, never a mix, and a
failed load leaves the database as it was. Every load adds a ``data_versions`` row.

Rows go to the database in bulk, column by column from the typed frames: SQLite gets
``executemany`` of plain tuples, PostgreSQL (psycopg) a ``COPY``; any other database
SQLAlchemy's ``insert``. Each value is converted exactly as SQLAlchemy would bind it
(the column type's bind processor, applied once per distinct value), so the stored
rows are the same whichever path wrote them; only the per-row work is gone (a
10,000-patient trial, 1.5 million lab rows, loads in seconds rather than a minute).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Engine, Table, delete, insert
from sqlalchemy.exc import DBAPIError

from data_access.engine import create_schema
from data_access.frames import data_cut_of, typed_frame
from data_access.history import compare, current_rows
from data_access.queries import latest_version_number
from data_access.schema import BUNDLE_TABLES, HISTORY_TABLES, VALID_FROM
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__
INSERT_BATCH_ROWS = 50_000


def python_values(values: pd.Series, process=None) -> np.ndarray:
    """A typed column as an object array of plain Python values, None for missing.

    Dates become ``datetime.date``; ``process`` (a SQLAlchemy bind processor) is then
    applied to each distinct value, or to each value for floats (so that ``-0.0`` and
    ``0.0`` stay apart).
    """
    if values.dtype == "float64":
        out = values.to_numpy(dtype=object)
        missing = values.isna().to_numpy()
        if process is not None:
            out = np.array([process(v) for v in out], dtype=object)
        out[missing] = None
        return out
    if values.dtype != "datetime64[ns]" and process is None:
        return values.to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(values)
    if values.dtype == "datetime64[ns]":
        distinct = list(pd.DatetimeIndex(uniques).date)
    else:
        distinct = list(pd.Series(uniques).to_numpy(dtype=object, na_value=None))
    if process is not None:
        distinct = [process(v) for v in distinct]
    lookup = np.empty(len(distinct) + 1, dtype=object)
    lookup[: len(distinct)] = distinct
    lookup[-1] = None  # code -1: missing
    return lookup[codes]


def _bind_processor(column: Column, dialect):
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def row_batches(
    table: Table, frame: pd.DataFrame, dialect=None, size: int = INSERT_BATCH_ROWS
) -> Iterator[list[tuple]]:
    """Rows of a typed frame as tuples in column order, ``size`` at a time.

    With ``dialect`` the values are those SQLAlchemy would send to its driver (bind
    processors applied); without, plain Python values for SQLAlchemy to process.
    """
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        columns = [
            python_values(part[name], _bind_processor(table.c[name], dialect) if dialect else None)
            for name in frame.columns
        ]
        yield list(zip(*columns, strict=True))


def _insert_sqlite(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
    for rows in row_batches(table, frame, conn.dialect):
        conn.exec_driver_sql(statement, rows)


def _insert_copy(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    """PostgreSQL with psycopg 3: ``COPY ... FROM STDIN`` in the open transaction."""
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in frame.columns)
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for rows in row_batches(table, frame, dialect):
                for row in rows:
                    copy.write_row(row)
    except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would have raised it
        raise DBAPIError.instance(
            statement,
            None,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=dialect.is_disconnect(error, None, cursor),
        ) from error
    finally:
        cursor.close()


def _insert_generic(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    names = list(frame.columns)
    for rows in row_batches(table, frame):
        conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def _insert(conn: Connection, table: Table, frame: pd.DataFrame) -> None:
    dialect = conn.dialect
    if dialect.name == "sqlite" and dialect.paramstyle == "qmark":
        _insert_sqlite(conn, table, frame)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        _insert_copy(conn, table, frame)
    else:
        _insert_generic(conn, table, frame)


def replace_trial_data(
    engine: Engine,
    tables: dict[str, pd.DataFrame],
    source: str,
    source_kind: str = "bundle",
    also: Callable[[Connection, int], None] | None = None,
) -> int:
    """Make ``tables`` (keyed by table name) the current trial data; return the new version.

    ``source`` says where the data came from (a folder, the demo's settings) and
    ``source_kind`` which kind of source it is (:data:`data_access.schema.SOURCE_KINDS`).
    The rows the new data replace are kept (:mod:`data_access.history`), so that every
    version can still be read.

    ``tables`` must already be valid (see ``data_access.bundle``): this function
    trusts its input and relies on the database only for the last line of defence.
    ``also(conn, version)`` runs last in the same transaction (a sync records its run
    there, so that the run and the version it loaded are written together or not at all).
    """
    create_schema(engine)
    typed = {t.name: typed_frame(t, tables.get(t.name)) for t in BUNDLE_TABLES.values()}
    ordered = list(BUNDLE_TABLES.values())
    with engine.begin() as conn:
        version = (latest_version_number(conn) or 0) + 1
        rows, retired = {}, {}
        for table in ordered:
            current, since = current_rows(conn, table)
            valid_from, retired[table.name] = compare(current, since, typed[table.name], version)
            rows[table.name] = typed[table.name].assign(**{VALID_FROM: valid_from})
        for table in reversed(ordered):
            conn.execute(delete(table))
        for table in ordered:
            if not rows[table.name].empty:
                _insert(conn, table, rows[table.name])
            if not retired[table.name].empty:
                _insert(conn, HISTORY_TABLES[table.name], retired[table.name])
        conn.execute(
            insert(VERSIONS),
            {
                "version": version,
                "loaded_at": dt.datetime.now(dt.UTC),
                "data_cut": data_cut_of(typed),
                "source": source,
                "source_kind": source_kind,
                "row_counts": json.dumps({name: len(f) for name, f in typed.items()}),
                "rows_kept": True,
            },
        )
        if also is not None:
            also(conn, version)
    return version
