"""The demo feed: moves the demo data cut forward, one new data version per step.

Each step shows the same synthetic trial as the demo (:func:`data_access.demo.full_trial`
for the demo's settings) truncated at a later cut, so new enrollments, counts, events,
relapses and deaths appear exactly as they happened in the simulated trial and nothing
shown before disappears. The settings are read back from the database: the target
enrollment and the number of sites from the trial data, the seed from the data
version's ``source`` (written by :func:`demo_source`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from data_access.demo import DEFAULT_SEED, full_trial, truncate_at
from data_access.loader import replace_trial_data
from data_access.queries import has_schema, latest_version
from data_access.schema import Site, Trial

DEFAULT_STEP_DAYS = 30
SOURCE_PATTERN = re.compile(r"^demo\b")
SEED_PATTERN = re.compile(r"\bseed[ =](\d+)\b")


@dataclass(frozen=True)
class FeedStep:
    """What one step wrote; ``str()`` gives the line the command line prints."""

    version: int
    data_cut: dt.date
    enrolled: int
    target: int
    complete: bool  # the cut reached the end of the trial: further steps do nothing

    def __str__(self) -> str:
        done = " (trial complete)" if self.complete else ""
        return (
            f"data version {self.version}: data cut {self.data_cut.isoformat()}, "
            f"{self.enrolled}/{self.target} enrolled{done}"
        )


def demo_source(patients: int, sites: int, seed: int, feed: bool = False) -> str:
    """The ``data_versions.source`` of demo data, which the feed reads back."""
    kind = "demo-feed" if feed else "demo-db"
    return f"{kind} seed={seed} patients={patients} sites={sites}"


def _demo_settings(engine: Engine) -> tuple[int, int, int, dt.date] | None:
    """(patients, sites, seed, data cut) of the demo in the database; None if empty."""
    with engine.connect() as conn:
        if not has_schema(conn):
            return None
        version = latest_version(conn)
        if version is None:
            return None
        if not SOURCE_PATTERN.match(version.source):
            raise ValueError(
                f"the trial database holds data from {version.source!r}, not demo data: "
                "the demo feed only moves demo data forward (run demo-db first)"
            )
        target = conn.execute(select(Trial.target_enrollment)).scalar()
        sites = conn.execute(select(func.count()).select_from(Site)).scalar()
    seed = SEED_PATTERN.search(version.source)
    return target, sites, int(seed.group(1)) if seed else DEFAULT_SEED, version.data_cut


def advance(
    engine: Engine, days: int = DEFAULT_STEP_DAYS, seed: int = DEFAULT_SEED
) -> FeedStep | None:
    """One feed step (see :func:`feed_step`), described; None when the trial is complete."""
    if days < 1:
        raise ValueError(f"days must be at least 1 (got {days})")
    settings = _demo_settings(engine)
    if settings is None:  # empty database: start with the default demo
        patients, sites, cut = None, None, None
    else:
        patients, sites, seed, current = settings
    trial = full_trial(patients, sites, seed)
    if settings is None or current is None:
        cut = trial.mid_cut
    elif current >= trial.end:
        return None
    else:
        cut = min(current + dt.timedelta(days=days), trial.end)
    tables = truncate_at(trial.tables, cut)
    target = int(tables["trial"]["target_enrollment"].iloc[0])
    source = demo_source(target, len(tables["sites"]), seed, feed=settings is not None)
    version = replace_trial_data(engine, tables, source=source, source_kind="demo")
    return FeedStep(
        version=version,
        data_cut=cut,
        enrolled=int(tables["patients"]["enrolled_on"].notna().sum()),
        target=target,
        complete=cut >= trial.end,
    )


def feed_step(
    engine: Engine, days: int = DEFAULT_STEP_DAYS, seed: int = DEFAULT_SEED
) -> int | None:
    """Move the demo data cut ``days`` forward in one new data version; return its number.

    The database must hold demo data (from ``demo-db`` or an earlier step) or nothing:
    an empty database receives the default demo at the mid-trial cut, generated with
    ``seed`` (otherwise the seed of the data in the database is used). Returns None,
    writing nothing, once the cut has reached the end of the trial. Raises ValueError
    if the database holds imported (non-demo) data.
    """
    step = advance(engine, days, seed)
    return None if step is None else step.version


def run_feed(
    engine: Engine,
    interval_seconds: float = 10.0,
    steps: int | None = None,
    on_step: Callable[[FeedStep], object] | None = print,
    days: int = DEFAULT_STEP_DAYS,
    sleep: Callable[[float], object] = time.sleep,
) -> int:
    """Call :func:`feed_step` every ``interval_seconds`` until the trial is complete.

    Stops after ``steps`` steps if given; calls ``on_step`` with each :class:`FeedStep`
    (its ``str()`` is a one-line summary). Returns the number of versions written.
    """
    written = 0
    while steps is None or written < steps:
        if written:
            sleep(interval_seconds)
        step = advance(engine, days)
        if step is None:
            break
        written += 1
        if on_step is not None:
            on_step(step)
        if step.complete:
            break
    return written
