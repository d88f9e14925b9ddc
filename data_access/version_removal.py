"""Removing old data versions: the one way rows of a version ever leave the database.

Imports never delete a version (:mod:`data_access.history`); an administrator may, to
reclaim space, remove the versions older than a given one. A retired row is deleted
only when no version that stays viewable needs it: the latest version, the versions
from ``before`` on, and the versions the caller asks to keep (those a DSMB reviewed)
all read exactly as they did. The removed versions stay listed, with ``removed_at``
set and ``rows_kept`` false, so that "what was loaded when" is never lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, and_, delete, func, not_, or_, select, update

from data_access.schema import HISTORY_TABLES, VALID_FROM
from data_access.schema import DataVersion as DataVersionRow

VERSIONS = DataVersionRow.__table__


class NothingToRemove(LookupError):
    """No viewable version is older than the one asked for (or all are kept)."""


@dataclass(frozen=True)
class RemovalPlan:
    """What removing the versions before ``before`` does, for the user to confirm."""

    before: int
    remove: tuple[int, ...]
    kept: tuple[int, ...] = ()
    """Versions older than ``before`` that stay viewable because the caller keeps them."""
    rows: dict[str, int] = field(default_factory=dict)
    """History rows deleted, by trial table (tables losing none are left out)."""

    def lines(self) -> list[str]:
        removed = ", ".join(str(v) for v in self.remove)
        lines = [
            f"versions whose rows are removed: {removed}",
            f"retired rows deleted: {sum(self.rows.values())}"
            + (
                f" ({', '.join(f'{t} {n}' for t, n in sorted(self.rows.items()))})"
                if self.rows
                else ""
            ),
        ]
        if self.kept:
            kept = ", ".join(str(v) for v in self.kept)
            lines.append(f"kept although older than {self.before} (DSMB reviews): {kept}")
        lines.append(
            f"version {self.before} and later, and every version's entry in `versions`, stay"
        )
        return lines

    def audit_text(self) -> str:
        return f"data versions removed: {', '.join(str(v) for v in self.remove)}"


def _viewable(conn: Connection) -> list[int]:
    return list(
        conn.scalars(
            select(VERSIONS.c.version)
            .where(VERSIONS.c.rows_kept.is_(True))
            .order_by(VERSIONS.c.version)
        )
    )


def _runs(versions: list[int], staying: set[int]) -> list[tuple[int, int]]:
    """Runs of consecutive staying versions, as (first, last), in the order of ``versions``."""
    runs: list[tuple[int, int]] = []
    first = last = None
    for version in versions:
        if version in staying:
            first = version if first is None else first
            last = version
        elif first is not None:
            runs.append((first, last))
            first = None
    if first is not None:
        runs.append((first, last))
    return runs


def _not_needed(history, runs: list[tuple[int, int]]):
    """Retired rows that no staying version reads: a row belongs to the versions from its
    ``valid_from`` (or the start) up to before its ``valid_to``, so it is needed when that
    span meets a run of staying versions."""
    valid_from, valid_to = history.c[VALID_FROM], history.c.valid_to
    needed = [
        and_(or_(valid_from.is_(None), valid_from <= last), valid_to > first)
        for first, last in runs
    ]
    return not_(or_(*needed))


def _plan(conn: Connection, before: int, keep: Collection[int]) -> tuple[RemovalPlan, list]:
    viewable = _viewable(conn)
    latest = conn.scalar(select(func.max(VERSIONS.c.version)))
    older = [v for v in viewable if v < before and v != latest]
    remove = tuple(v for v in older if v not in keep)
    if not remove:
        raise NothingToRemove(
            f"no viewable data version older than {before} to remove"
            + (" (the older ones are kept for their DSMB reviews)" if older else "")
        )
    all_versions = list(conn.scalars(select(VERSIONS.c.version).order_by(VERSIONS.c.version)))
    runs = _runs(all_versions, (set(viewable) | {latest}) - set(remove))
    rows = {}
    for name, history in HISTORY_TABLES.items():
        count = conn.scalar(
            select(func.count()).select_from(history).where(_not_needed(history, runs))
        )
        if count:
            rows[name] = count
    kept = tuple(v for v in older if v in keep)
    return RemovalPlan(before, remove, kept, rows), runs


def plan_removal(engine: Engine, before: int, keep: Collection[int] = ()) -> RemovalPlan:
    """What :func:`remove_versions` would do; :class:`NothingToRemove` if nothing."""
    with engine.connect() as conn:
        return _plan(conn, before, keep)[0]


def remove_versions(engine: Engine, before: int, keep: Collection[int] = ()) -> RemovalPlan:
    """Remove the viewable versions older than ``before`` except ``keep`` and the latest,
    in one transaction; returns what was done (planned again inside the transaction, so
    an import made since the plan was shown is respected)."""
    with engine.begin() as conn:
        plan, runs = _plan(conn, before, keep)
        for history in HISTORY_TABLES.values():
            conn.execute(delete(history).where(_not_needed(history, runs)))
        conn.execute(
            update(VERSIONS)
            .where(VERSIONS.c.version.in_(plan.remove))
            .values(rows_kept=False, removed_at=dt.datetime.now(dt.UTC))
        )
    return plan
