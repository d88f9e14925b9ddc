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


def list_versions(conn: Connection) -> list[dict]:
    """Every data version, oldest first: ``version, loaded_at, data_cut, source,
    source_kind, row_counts`` (rows per table) and ``rows_kept`` (readable as of then)."""
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
    conn: Connection, name: str, present: set[str] | None = None, patient_id: str | None = None
) -> pd.DataFrame:
    """One bundle table as a typed frame, rows in a stable order.

    ``present`` names the table's columns in the database when it may be older than the
    schema (a column added since reads as missing values). ``patient_id``: only that
    patient's rows (a table keyed by patient; its index on ``patient_id`` serves it).
    """
    table = BUNDLE_TABLES[f"{name}.csv"]
    columns = [table.c[c] for c in bundle_columns(table) if present is None or c in present]
    order = list(table.primary_key.columns)
    query = select(*columns).order_by(*order)
    if patient_id is not None:
        query = query.where(table.c.patient_id == patient_id)
    rows = conn.execute(query).all()
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


PATIENT_LIST_TABLES = ("trial", "sites", "patients")


def load_patient_list(engine: Engine, version: int | None = None) -> TrialSnapshot:
    """:func:`load_snapshot` with the trial, the sites and the patients only (the other
    tables empty): who the patients are, without reading their records."""
    return _load(engine, version, None, PATIENT_LIST_TABLES)


def _load(
    engine: Engine, version: int | None, patient_id: str | None, names: tuple[str, ...] = ()
) -> TrialSnapshot:
    """The snapshot of ``version``: one patient's rows with ``patient_id``, only the tables
    ``names`` (the others empty) when given."""

    def patient_of(table) -> str | None:
        return patient_id if "patient_id" in table.c else None

    def wanted(table) -> bool:
        return not names or table.name in names

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if not has_schema(conn):
                if version is not None:
                    raise UnknownVersion(f"no data version {version}: no version has been loaded")
                return TrialSnapshot(version=None, tables=empty_tables())
            present = database_columns(conn)
            latest = latest_version(conn, present[VERSIONS.name])
            if version is not None and (latest is None or version != latest.version):
                chosen = _kept_version(conn, version, present[VERSIONS.name])
                tables = {
                    t.name: as_of_rows(conn, t, version, patient_of(t))
                    if wanted(t)
                    else typed_frame(t)
                    for t in BUNDLE_TABLES.values()
                }
                return TrialSnapshot(version=chosen, tables=tables)
            tables = {
                t.name: read_table(conn, t.name, present[t.name], patient_of(t))
                if t.name in present and wanted(t)
                else typed_frame(t)
                for t in BUNDLE_TABLES.values()
            }
    return TrialSnapshot(version=latest, tables=tables)
