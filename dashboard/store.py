"""The app's only door to trial data: version polling, snapshots and cached results.

Callbacks never touch the database. They ask the store for the current data version
(one cheap query), then for results computed from the snapshot of that version. The
snapshot is kept in this process (one per version); computed results go to the cache
shared by all workers (Flask-Caching: filesystem by default, Redis if configured), keyed
by the data version so a new load never serves stale numbers. The last results read
are also kept unpickled in the process: one page asks for the same result from several
callbacks, and unpickling a large one costs more than drawing it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
from flask import current_app
from flask_caching import Cache
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from analysis.data_cut import as_of_data_cut
from analysis.patient_list import patient_list
from analysis.patient_profile import UnknownPatient, one_patient
from analysis.scope import restrict_to_site
from data_access.engine import database_exists
from data_access.frames import DataVersion, TrialSnapshot
from data_access.queries import (
    VERSIONS,
    database_columns,
    has_schema,
    latest_version,
    list_versions,
    load_patient,
    load_patient_list,
    load_snapshot,
)
from data_access.sync_runs import RUNS as SYNC_RUNS
from data_access.sync_runs import SyncState, sync_state

log = logging.getLogger(__name__)
EXTENSION = "mtsa_store"
CACHE_TIMEOUT_SECONDS = 24 * 3600
MEMO_ENTRIES = 32  # values kept unpickled per process; they are never modified
WARMING_SECONDS = 5 * 60  # a warmer not done by then is taken for dead: another may start
SYNC_LOOK_SECONDS = 60.0


class DataUnavailable(RuntimeError):
    """The trial database cannot be read right now; the message is for users."""


@dataclass(frozen=True)
class Poll:
    version: DataVersion | None
    reachable: bool
    sync: SyncState | None = None  # the REDCap sync log, when there is one


class TrialStore:
    def __init__(self, engine: Engine, cache: Cache, url: str):
        self.engine = engine
        self.url = url
        self.cache = cache
        self._lock = threading.Lock()
        self._snapshot: TrialSnapshot | None = None
        self._memo: OrderedDict[str, object] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._version_columns: set[str] | None = None  # looked up once the schema exists
        self._sync_table = False  # whether the sync log exists (looked up until it does)
        self._sync_looked_at = -SYNC_LOOK_SECONDS
        self.warmer: Callable[[DataVersion], object] | None = None  # set by create_app

    # --- warming (dashboard.warm): a new version is announced once its pages are ready

    def is_warm(self, version: DataVersion) -> bool:
        """Whether ``version``'s pages have been warmed (by any process sharing the cache)."""
        return self.cache.get(_warm_key(version, "done")) is not None

    def claim_warming(self, version: DataVersion) -> bool:
        """Take the job of warming ``version``; False when warm, or when another process
        or thread took it less than :data:`WARMING_SECONDS` ago."""
        if self.is_warm(version):
            return False
        return bool(self.cache.add(_warm_key(version, "claim"), True, timeout=WARMING_SECONDS))

    def mark_warm(self, version: DataVersion, seconds: float | None) -> None:
        """Record that ``version`` is warm (``seconds`` it took; None when warming failed
        and the pages warm as they are visited)."""
        self.cache.set(
            _warm_key(version, "done"), {"seconds": seconds}, timeout=CACHE_TIMEOUT_SECONDS
        )

    def forget_snapshot(self) -> None:
        """Let go of this process's copy of the trial: a worker that warmed a version
        needs it no more than the others, which read the shared cache."""
        with self._lock:
            self._snapshot = None

    def ready(self, version: DataVersion) -> bool:
        """Whether open pages may be told about ``version``: warm, else its warming is
        started here (unless already under way) and the answer is not yet."""
        if self.warmer is None or self.is_warm(version):
            return True
        self.warmer(version)
        return False

    def poll(self) -> Poll:
        """Latest data version (one indexed row) and the sync log's state (one statement),
        or unreachable; never raises."""
        try:
            with self.engine.connect() as conn:
                if self._version_columns is None and has_schema(conn):
                    # Tables are never dropped once made, and columns only ever added:
                    # look once (a column added by a later import shows after a restart).
                    self._version_columns = database_columns(conn)[VERSIONS.name]
                if self._version_columns is None:
                    return Poll(None, True)
                version = latest_version(conn, self._version_columns)
                return Poll(version, True, self._sync_state(conn))
        except SQLAlchemyError as error:
            if not database_exists(self.url):  # no SQLite file yet: nothing loaded
                return Poll(None, True)
            log.warning("trial database unreachable: %s", error.__class__.__name__)
            return Poll(None, False)

    def _sync_state(self, conn) -> SyncState | None:
        """:func:`data_access.sync_runs.sync_state`. A database written before syncs
        existed lacks the log until the first sync: look for it at most once a minute."""
        if not self._sync_table:
            now = time.monotonic()
            if now - self._sync_looked_at < SYNC_LOOK_SECONDS:
                return None
            self._sync_looked_at = now
            self._sync_table = inspect(conn).has_table(SYNC_RUNS.name)
            if not self._sync_table:
                return None
        return sync_state(conn)

    def versions(self) -> list[dict]:
        """Every data version, oldest first (:func:`data_access.queries.list_versions`)."""
        try:
            with self.engine.connect() as conn:
                if self._version_columns is not None:  # the schema, as the poll found it
                    return list_versions(conn, self._version_columns)
                return list_versions(conn) if has_schema(conn) else []
        except SQLAlchemyError as error:
            raise DataUnavailable("The trial database cannot be reached.") from error

    def snapshot(self, version: int | None) -> TrialSnapshot:
        """The data of ``version`` (the latest if None) as known at its data cut, loaded
        once per process per version: what every panel analyses. An earlier version is
        read as it was (:mod:`data_access.history`)."""
        with self._lock:
            current = self._snapshot
            if current is not None and _version_of(current) == version:
                return current
            try:
                snapshot = at_data_cut(load_snapshot(self.engine, version))
            except SQLAlchemyError as error:
                raise DataUnavailable("The trial database cannot be reached.") from error
            self._snapshot = snapshot
            return snapshot

    def result(
        self, name: str, version: int | None, compute: Callable, site: str | None = None, **options
    ):
        """``compute(tables, data_cut, **options)``, cached across workers per data version.

        ``site`` restricts the tables to one site's patients first (the user's and the
        page's scope, :func:`dashboard.callbacks.access.panel_result`); a site the
        trial does not have is a ValueError.
        """
        key = _cache_key(name, version, site, options)
        found = self._recall(key)
        if found is not None:
            return found[0]
        snapshot = self.snapshot(version)
        tables = restrict_to_site(snapshot.tables, site)
        value = compute(tables, snapshot.data_cut, **options)
        # The database may have moved on since the poll: key by what was computed.
        self._store(_cache_key(name, _version_of(snapshot), site, options), value)
        return value

    def patient_result(
        self,
        name: str,
        version: int | None,
        patient_id: str,
        compute: Callable,
        site: str | None = None,
    ):
        """``compute(tables, data_cut, patient_id)`` on that one patient's tables, cached
        per data version and patient like :meth:`result`.

        The tables come from this process's snapshot when it holds ``version`` already
        (filtered to the patient), else from :func:`data_access.queries.load_patient`:
        one profile never loads the whole trial. They are as known at the data cut.
        ``site`` (a site-bound user's) makes a patient of another site unknown.
        :class:`~analysis.patient_profile.UnknownPatient` when the patient is not in the
        data (or not in ``site``); never cached, so a patient loaded later is found.
        """
        key = _cache_key(f"{name}:patient={patient_id}", version, site, {})
        found = self._recall(key)
        if found is not None:
            return found[0]
        with self._lock:
            current = self._snapshot
        if current is not None and _version_of(current) == version and version is not None:
            tables, data_cut, shown = (
                one_patient(current.tables, patient_id),
                current.data_cut,
                version,
            )
        else:
            try:
                snapshot, data_cut = part_at_data_cut(
                    load_patient(self.engine, patient_id, version)
                )
            except SQLAlchemyError as error:
                raise DataUnavailable("The trial database cannot be reached.") from error
            tables, shown = snapshot.tables, _version_of(snapshot)
        patients = tables["patients"]
        if patients.empty or (site is not None and (patients["site_id"] != site).any()):
            raise UnknownPatient(f"no patient {patient_id} in the data")
        value = compute(tables, data_cut, patient_id)
        self._store(_cache_key(f"{name}:patient={patient_id}", shown, site, {}), value)
        return value

    def patient_list(self, version: int | None, site: str | None = None) -> pd.DataFrame:
        """The patients of ``version`` (of ``site`` only when given) as known at the data
        cut: :func:`analysis.patient_list.patient_list`. Read from this process's
        snapshot when it holds that version, else from the patients' ids, sites and
        screening dates alone (:func:`data_access.queries.load_patient_list`), never
        their records."""
        key = _cache_key("patients:list", version, site, {})
        found = self._recall(key)
        if found is not None:
            return found[0]
        with self._lock:
            current = self._snapshot
        if current is not None and _version_of(current) == version and version is not None:
            tables = current.tables
        else:
            try:
                snapshot, _cut = part_at_data_cut(load_patient_list(self.engine, version))
            except SQLAlchemyError as error:
                raise DataUnavailable("The trial database cannot be reached.") from error
            tables, version = snapshot.tables, _version_of(snapshot)
        listed = patient_list(restrict_to_site(tables, site))
        self._store(_cache_key("patients:list", version, site, {}), listed)
        return listed

    def compared(
        self, name: str, version: int, since: int, compare: Callable, site: str | None = None
    ):
        """``compare(before, before_cut, tables, data_cut)``: version ``since`` against
        ``version``, both in the same site scope, cached per pair of versions."""

        def compute(tables, data_cut):
            before = self.snapshot(since)
            earlier = restrict_to_site(before.tables, site)
            return compare(earlier, before.data_cut, tables, data_cut)

        return self.result(f"{name}:since-{since}", version, compute, site=site)

    def derived(
        self, name: str, version: int | None, make: Callable, site: str | None = None, **options
    ):
        """``make()``, a value built from results of ``version`` (a figure, grid rows),
        cached like them: warm pages then only serialise what they send.

        ``make`` draws from results read through :meth:`result` for the same version and
        ``site``. Were the database to move on between the poll and that read, the value
        comes from the newer version: never older data than asked for. A Plotly figure is
        kept (and returned) as its dict, which Dash sends as is: the dict unpickles a
        hundred times faster than the figure.
        """
        key = _cache_key(name, version, site, options)
        found = self._recall(key)
        if found is not None:
            return found[0]
        value = make()
        as_dict = getattr(value, "to_plotly_json", None)
        if as_dict is not None:  # a Plotly figure: unpickling one re-validates it (~10 ms)
            value = as_dict()
        self._store(key, value)
        return value

    def _recall(self, key: str) -> tuple | None:
        """``(value,)`` from this process or the shared cache, None if neither has it."""
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return (self._memo[key],)
        cached = self.cache.get(key)
        if cached is not None:
            self._remember(key, cached[0])
        return cached

    def _store(self, key: str, value) -> None:
        self.cache.set(key, (value,), timeout=CACHE_TIMEOUT_SECONDS)
        self._remember(key, value)

    def _remember(self, key: str, value) -> None:
        with self._memo_lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)


def at_data_cut(snapshot: TrialSnapshot) -> TrialSnapshot:
    """The snapshot with its tables as known at its data cut (records after it kept in
    the database, left out of every panel: :mod:`analysis.data_cut`)."""
    return replace(snapshot, tables=as_of_data_cut(snapshot.tables, snapshot.data_cut))


def part_at_data_cut(snapshot: TrialSnapshot) -> tuple[TrialSnapshot, object]:
    """Part of a version (one patient's rows, or the patient list) as known at the data
    cut of the whole version, and that cut (``snapshot.data_cut`` would look at these
    rows only when the trial has no cut of its own)."""
    data_cut = snapshot.version.data_cut if snapshot.version is not None else None
    if data_cut is None:
        data_cut = snapshot.data_cut
    return replace(snapshot, tables=as_of_data_cut(snapshot.tables, data_cut)), data_cut


def _warm_key(version: DataVersion, what: str) -> str:
    """A version is known by its number and load time: a database made again from
    scratch starts at version 1 again, and must be warmed again."""
    return f"mtsa:warm-{what}:v{version.version}:{version.loaded_at.isoformat()}"


def _version_of(snapshot: TrialSnapshot) -> int | None:
    return None if snapshot.version is None else snapshot.version.version


def _cache_key(name: str, version: int | None, site: str | None, options: dict) -> str:
    digest = hashlib.sha1(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[
        :16
    ]
    return f"mtsa:{name}:v{version}:site={site}:{digest}"


def trial_store() -> TrialStore:
    """The store of the running app (callbacks run inside a Flask request)."""
    return current_app.extensions[EXTENSION]
