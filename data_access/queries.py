"""Read queries: the only place the app reads trial data. Each returns pandas frames.

Query functions take a connection and never commit; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Connection, Engine, func, inspect, select

from data_access.frames import (
    DataVersion,
    TrialSnapshot,
    bundle_columns,
    empty_tables,
    typed_frame,
)
from data_access.history import as_of_rows
from data_access.schema import BUNDLE_TABLES, Base
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__


def latest_version_number(conn: Connection) -> int | None:
    """``max(version)``: the one cheap query the pages poll; None when nothing is loaded."""
    return conn.execute(select(func.max(VERSIONS.c.version))).scalar()


class UnknownVersion(LookupError):
    """A data version that does not exist, or whose rows were not kept."""


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the zone; the loaders always write UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def _version(row) -> DataVersion:
    return DataVersion(
        row["version"],
        _utc(row["loaded_at"]),
        row["data_cut"],
        row["source"],
        row.get("source_kind"),
    )


def _version_rows(conn: Connection, present: set[str] | None, *where, newest_first=False):
    columns = [c for c in VERSIONS.c if present is None or c.name in present]
    order = VERSIONS.c.version.desc() if newest_first else VERSIONS.c.version
    return conn.execute(select(*columns).where(*where).order_by(order)).mappings()


def latest_version(conn: Connection, present: set[str] | None = None) -> DataVersion | None:
    """The newest ``data_versions`` row; ``present`` names its columns in an older
    database (see :func:`database_columns`)."""
    row = _version_rows(conn, present, newest_first=True).first()
    return None if row is None else _version(row)


def list_versions(conn: Connection, present: set[str] | None = None) -> list[dict]:
    """Every data version, oldest first: ``version, loaded_at, data_cut, source,
    source_kind, row_counts`` (rows per table) and ``rows_kept`` (readable as of then).
    ``present``: the columns of ``data_versions`` (:func:`database_columns`) when the
    caller knows them already, which saves reading the schema."""
    if present is None:
        present = database_columns(conn)[VERSIONS.name]
    return [
        {
            **vars(_version(row)),
            "row_counts": json.loads(row["row_counts"]),
            "rows_kept": bool(row.get("rows_kept")),
            "removed_at": _utc(row.get("removed_at")),
        }
        for row in _version_rows(conn, present)
    ]


def why_not_shown(versions: list[dict], number: int) -> str | None:
    """Why version ``number`` cannot be shown, in a few words; None when it can.

    ``versions`` is :func:`list_versions`'s list.
    """
    row = next((v for v in versions if v["version"] == number), None)
    if row is None:
        return "there is no such version"
    if row.get("removed_at") is not None:
        return f"an administrator removed it on {row['removed_at']:%Y-%m-%d}"
    return None if row["rows_kept"] else "its rows were not kept"


def _kept_version(conn: Connection, number: int, present: set[str]) -> DataVersion:
    """Version ``number``, or :class:`UnknownVersion` saying why it cannot be shown."""
    row = _version_rows(conn, present, VERSIONS.c.version == number).first()
    if row is None:
        low, high = conn.execute(
            select(func.min(VERSIONS.c.version), func.max(VERSIONS.c.version))
        ).one()
        known = (
            "no version has been loaded" if high is None else f"the versions are {low} to {high}"
        )
        raise UnknownVersion(f"no data version {number}: {known}")
    if row.get("removed_at") is not None:
        raise UnknownVersion(
            f"data version {number} was removed by an administrator on "
            f"{_utc(row['removed_at']):%Y-%m-%d}: its rows are no longer available"
        )
    if not row.get("rows_kept"):
        raise UnknownVersion(
            f"data version {number} was loaded by a release that did not keep earlier "
            "versions: its rows are no longer available"
        )
    return _version(row)


def read_table(
    conn: Connection,
    name: str,
    present: set[str] | None = None,
    patient_id: str | None = None,
    columns: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One bundle table as a typed frame, rows in a stable order.

    ``present`` names the table's columns in the database when it may be older than the
    schema (a column added since reads as missing values). ``patient_id``: only that
    patient's rows (a table keyed by patient; its index on ``patient_id`` serves it).
    ``columns``: only these columns (all the bundle's by default).
    """
    table = BUNDLE_TABLES[f"{name}.csv"]
    names = bundle_columns(table) if columns is None else list(columns)
    read = [table.c[c] for c in names if present is None or c in present]
    order = list(table.primary_key.columns)
    query = select(*read).order_by(*order)
    if patient_id is not None:
        query = query.where(table.c.patient_id == patient_id)
    # The driver's rows as they come (dates as ISO text on SQLite): typed_frame types
    # whole columns at once, where SQLAlchemy would convert value by value.
    result = conn.execute(query)
    rows = result.cursor.fetchall()
    result.close()
    frame = pd.DataFrame(rows, columns=[c.name for c in read])
    return typed_frame(table, frame, names)


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


def load_snapshot(engine: Engine, version: int | None = None) -> TrialSnapshot:
    """Every trial table and its version, read in one transaction so they agree.

    ``version``: the data as they were in that version (:mod:`data_access.history`),
    the current ones by default; :class:`UnknownVersion` if it cannot be shown.
    """
    return _load(engine, version, None)


def load_patient(engine: Engine, patient_id: str, version: int | None = None) -> TrialSnapshot:
    """:func:`load_snapshot` with one patient's rows only (the trial and the sites whole):
    each table keyed by patient is read ``WHERE patient_id = :id``, so that one patient's
    profile does not read the whole trial.

    The tables are those of :func:`load_snapshot` restricted to the patient (no rows but
    the trial's and the sites' for an id the data do not have). The snapshot's
    ``data_cut`` property looks at these rows only: a trial without a data cut of its own
    has its cut in ``version.data_cut`` (the whole version's, recorded at import).
    """
    return _load(engine, version, patient_id)


PATIENT_LIST = {"trial": None, "sites": None, "patients": ("patient_id", "site_id", "screened_on")}
"""What :func:`load_patient_list` reads: tables, and the columns kept (None: all)."""


def load_patient_list(engine: Engine, version: int | None = None) -> TrialSnapshot:
    """Who the patients are, without their records: the trial and the sites whole, and
    of the patients their id, site and screening date (what says whether they are known
    at the data cut). The snapshot holds these three tables only."""
    return _load(engine, version, None, PATIENT_LIST)


def _load(
    engine: Engine,
    version: int | None,
    patient_id: str | None,
    only: dict[str, tuple[str, ...] | None] | None = None,
) -> TrialSnapshot:
    """The snapshot of ``version``: one patient's rows with ``patient_id``; with ``only``,
    just those tables, each with the columns named (None: all of them)."""

    def patient_of(table) -> str | None:
        return patient_id if "patient_id" in table.c else None

    wanted = [t for t in BUNDLE_TABLES.values() if only is None or t.name in only]

    def columns_of(table) -> tuple[str, ...] | None:
        return None if only is None else only[table.name]

    def kept(table, frame: pd.DataFrame) -> pd.DataFrame:
        columns = columns_of(table)
        return frame if columns is None else frame[list(columns)]

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if not has_schema(conn):
                if version is not None:
                    raise UnknownVersion(f"no data version {version}: no version has been loaded")
                tables = empty_tables()
                return TrialSnapshot(
                    version=None, tables={t.name: kept(t, tables[t.name]) for t in wanted}
                )
            present = database_columns(conn)
            latest = latest_version(conn, present[VERSIONS.name])
            if version is not None and (latest is None or version != latest.version):
                chosen = _kept_version(conn, version, present[VERSIONS.name])
                tables = {
                    t.name: kept(t, as_of_rows(conn, t, version, patient_of(t))) for t in wanted
                }
                return TrialSnapshot(version=chosen, tables=tables)
            tables = {
                t.name: read_table(conn, t.name, present[t.name], patient_of(t), columns_of(t))
                if t.name in present
                else kept(t, typed_frame(t))
                for t in wanted
            }
    return TrialSnapshot(version=latest, tables=tables)
