"""The log of ``sync redcap`` runs (table ``sync_runs``) and what the data banner shows of it.

Each run adds one row: when it started and finished, the API's address (never the
token), the REDCap project, its outcome (``ok``: a new data version loaded; ``unchanged``:
the project held nothing new; ``failed``: nothing loaded), why, the version loaded and a
digest of what was read. A sync compares its digest with that of the last run that
loaded data (:func:`last_loaded`). Query functions take a connection and never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, literal, select, union_all

from data_access.schema import SyncRun

RUNS = SyncRun.__table__
SUCCESS = ("ok", "unchanged")


@dataclass(frozen=True)
class Run:
    """One sync run, as recorded."""

    started_at: dt.datetime
    finished_at: dt.datetime
    url: str
    outcome: str
    project_id: str | None = None
    reason: str | None = None
    data_version: int | None = None
    digest: str | None = None


@dataclass(frozen=True)
class SyncState:
    """What the data banner says about syncing (:func:`sync_state`).

    ``project_id`` and ``loaded_version``: the project and data version of the last run
    that loaded data; ``synced_at``: the end of the last successful run (``ok`` or
    ``unchanged``), the last time the data were known to match the project;
    ``failed_at`` and ``reason``: the last run, when it failed (None once a later run
    succeeded).
    """

    project_id: str | None
    loaded_version: int | None
    synced_at: dt.datetime | None
    failed_at: dt.datetime | None = None
    reason: str | None = None


def record_run(conn: Connection, run: Run) -> None:
    """Add ``run`` to the log (in the caller's transaction)."""
    conn.execute(insert(RUNS), [vars(run)])


def last_loaded(conn: Connection) -> Run | None:
    """The last run that loaded a data version, or None."""
    row = conn.execute(_last(RUNS.c.outcome == "ok")).mappings().first()
    return None if row is None else _run(row)


def list_runs(conn: Connection) -> list[Run]:
    """Every run, oldest first."""
    rows = conn.execute(select(RUNS).order_by(RUNS.c.id)).mappings()
    return [_run(row) for row in rows]


def sync_state(conn: Connection) -> SyncState | None:
    """The banner's view of the log, None when nothing was ever synced.

    One statement (the last run, the last success and the last load, each found by the
    ``(outcome, id)`` index): the pages poll it with the data version.
    """
    parts = [
        ("last", _last()),
        ("success", _last(RUNS.c.outcome.in_(SUCCESS))),
        ("loaded", _last(RUNS.c.outcome == "ok")),
    ]
    query = union_all(
        *(select(literal(name).label("which"), *part.subquery().c) for name, part in parts)
    )
    found = {row["which"]: row for row in conn.execute(query).mappings()}
    if "last" not in found:
        return None
    last, success, loaded = found["last"], found.get("success"), found.get("loaded")
    failed = last["outcome"] == "failed"
    return SyncState(
        project_id=None if loaded is None else loaded["project_id"],
        loaded_version=None if loaded is None else loaded["data_version"],
        synced_at=None if success is None else _utc(success["finished_at"]),
        failed_at=_utc(last["finished_at"]) if failed else None,
        reason=last["reason"] if failed else None,
    )


def _last(*where):
    return select(RUNS).where(*where).order_by(RUNS.c.id.desc()).limit(1)


def _run(row) -> Run:
    values = {name: row[name] for name in Run.__dataclass_fields__}
    values["started_at"], values["finished_at"] = (
        _utc(row["started_at"]),
        _utc(row["finished_at"]),
    )
    return Run(**values)


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the zone; runs are always recorded in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment
