"""``sync redcap``: read a REDCap project over its API and load it when it changed.

One run (:func:`sync_once`) reads the project (:mod:`.client`), computes a digest of
what it read with the settings that shape the load (mapping file, sites file, target,
data cut), and compares it with the last run that loaded data. Unchanged, and that run's
version still the current data: nothing is loaded (outcome ``unchanged``). Otherwise the
export is read, mapped and checked exactly as ``import --format redcap`` reads the
files (:func:`data_access.redcap.read_redcap_frames`) and loaded as one new data
version, all or nothing, together with the run's row (outcome ``ok``). Anything that
fails loads nothing and is recorded (outcome ``failed``) with its reason.

:func:`run_every` repeats runs; after a failure it tries again sooner, then less and
less often (:class:`Schedule`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_access.bundle_read import WHOLE_FILE, Problem, read_records
from data_access.engine import create_schema
from data_access.import_report import ImportReport, import_report
from data_access.importing import ImportOptions
from data_access.loader import replace_trial_data
from data_access.queries import latest_version_number
from data_access.redcap import RedcapError, read_redcap_frames
from data_access.redcap.client import ApiSource, ProjectExport, SyncFailure, fetch_project, scrub
from data_access.sync_runs import Run, last_loaded, record_run

RECORDS = "records"  # how problems name the API's records export


@dataclass(frozen=True)
class SyncResult:
    """One run: its outcome, why, the version loaded (``ok``), the import's report, and
    the export's problems when the checks refused it."""

    outcome: str
    reason: str | None
    project_id: str | None = None
    version: int | None = None
    report: ImportReport | None = None
    problems: tuple[Problem, ...] = ()

    def lines(self) -> list[str]:
        """What the command prints (failures: the last line is the reason)."""
        project = f"REDCap project {self.project_id}" if self.project_id else "REDCap"
        if self.outcome == "ok":
            return [*self.report.lines(), f"sync: {self.reason}"]
        if self.outcome == "unchanged":
            return [f"{project}: {self.reason}"]
        return [*(str(p) for p in self.problems), f"sync failed: {self.reason}"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sync_once(
    engine: Engine,
    source: ApiSource,
    options: ImportOptions | None = None,
    fetch: Callable[[ApiSource], ProjectExport] = fetch_project,
) -> SyncResult:
    """Read the project and load it if it changed; record the run. Never raises for a
    failed read, a refused export or a load the database rolled back (the result says
    why); a database that cannot be written at all raises SQLAlchemyError."""
    options = options or ImportOptions()
    create_schema(engine)
    started = utc_now()
    project_id = None

    def failed(reason: str, problems=()) -> SyncResult:
        reason = scrub(reason, source.token)
        run = Run(started, utc_now(), source.url, "failed", project_id, reason)
        with engine.begin() as conn:
            record_run(conn, run)
        return SyncResult("failed", reason, project_id, problems=tuple(problems))

    try:
        export = fetch(source)
        project_id = export.project_id
        records, metadata = _frames(export)
    except SyncFailure as error:
        project_id = project_id or error.project_id
        return failed(str(error))
    digest = _digest(export, options)
    with engine.connect() as conn:
        last, latest = last_loaded(conn), latest_version_number(conn)
    if last is not None and last.digest == digest and last.data_version == latest:
        reason = (
            f"nothing new since data version {latest} (records, dictionary and settings unchanged)"
        )
        with engine.begin() as conn:
            record_run(
                conn,
                Run(started, utc_now(), source.url, "unchanged", project_id, reason, None, digest),
            )
        return SyncResult("unchanged", reason, project_id)
    try:
        data = read_redcap_frames(
            records, metadata, options.mapping_file, options.sites_file, options.settings
        )
    except RedcapError as error:
        first = error.problems[0] if error.problems else "no detail"
        reason = (
            f"the project's data were refused by the import checks: "
            f"{len(error.problems)} problem(s), the first: {first}"
        )
        return failed(reason, error.problems)
    reason = _why_load(last, latest, digest)
    label = f"REDCap project {project_id} at {source.url}"

    def record(conn, version: int) -> None:
        run = Run(started, utc_now(), source.url, "ok", project_id, reason, version, digest)
        record_run(conn, run)

    try:
        version = replace_trial_data(engine, data.tables, label, "redcap", also=record)
    except SQLAlchemyError as error:  # rolled back; record why, if the database lets us
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        try:
            return failed(f"the load was rolled back: {detail}")
        except SQLAlchemyError:
            raise error from None
    report = import_report(
        data.tables, source=label, source_kind="redcap", version=version, notes=data.notes
    )
    return SyncResult("ok", reason, project_id, version, report)


def _why_load(last: Run | None, latest: int | None, digest: str) -> str:
    if last is None:
        return "first sync of this database"
    if last.digest != digest:
        return f"changes since data version {last.data_version} (records, dictionary or settings)"
    return f"the current data (version {latest}) were not loaded by a sync"


def _frames(export: ProjectExport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records export and the dictionary as text tables; a records export that is
    not CSV (a row cut short, a quoted field never closed) fails the run."""
    header, data, _lines, _counts, problems = read_records(export.records, RECORDS)
    found = [f"line {p.line}: {p.message}" if p.line != WHOLE_FILE else p.message for p in problems]
    found += [f"duplicate column {name}" for name in sorted(set(header)) if header.count(name) > 1]
    if found:
        raise SyncFailure(
            f"REDCap's records export is not valid CSV ({len(found)} problem(s)), "
            f"the first: {found[0]}"
        )
    records = pd.DataFrame({name: data[i] for i, name in enumerate(header)})
    metadata = pd.DataFrame(export.metadata, dtype=object).fillna("").astype(str)
    return records, metadata


def _digest(export: ProjectExport, options: ImportOptions) -> str:
    """SHA-256 of the records, the dictionary and every setting that shapes the load."""
    settings = options.settings
    parts = [
        export.records.encode("utf-8"),
        json.dumps(export.metadata, sort_keys=True, ensure_ascii=False).encode("utf-8"),
        _file_bytes(options.mapping_file),
        _file_bytes(options.sites_file),
        json.dumps([settings and settings.target, settings and str(settings.data_cut)]).encode(
            "utf-8"
        ),
    ]
    digest = hashlib.sha256()
    for part in parts:  # each part's length first: no two inputs give the same stream
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _file_bytes(path: Path | None) -> bytes:
    if path is None:
        return b""
    try:
        return Path(path).read_bytes()
    except OSError:
        return b"\0unreadable"  # the reader reports it


# --------------------------------------------------------------------------- schedule


@dataclass(frozen=True)
class Schedule:
    """When ``--every`` runs: every ``interval`` seconds after a success; after the
    n-th failure in a row, ``first_retry × 2^(n-1)`` seconds, at most ``longest``
    (default: the larger of the interval and 30 minutes). ``runs``: stop after that
    many runs (None: until stopped)."""

    interval: float
    first_retry: float = 60.0
    longest: float | None = None
    runs: int | None = None

    def delay(self, failures: int) -> float:
        """Seconds to wait after a run, given the failures in a row so far."""
        if failures == 0:
            return self.interval
        longest = self.longest if self.longest is not None else max(self.interval, 1800.0)
        return min(self.first_retry * 2 ** (failures - 1), longest)


def run_every(
    run: Callable[[], SyncResult],
    schedule: Schedule,
    on_result: Callable[[SyncResult, float | None], None],
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Call ``run`` on ``schedule`` until ``schedule.runs`` runs (or forever); hand each
    result to ``on_result`` with the seconds until the next run (None after the last).
    A run that raises (the database unreachable) counts as a failure and is handed on
    as such. Returns the last result."""
    failures, done = 0, 0
    while True:
        try:
            result = run()
        except Exception as error:  # a long-running sync keeps going
            reason = f"{error.__class__.__name__}: {' '.join(str(error).split())[:200]}"
            result = SyncResult("failed", f"the run failed: {reason}")
        done += 1
        failures = failures + 1 if result.outcome == "failed" else 0
        last = schedule.runs is not None and done >= schedule.runs
        wait = None if last else schedule.delay(failures)
        on_result(result, wait)
        if last:
            return result
        sleep(wait)
