"""Benchmark 7: every version kept. A trial re-imported 20 times, 1% of its rows changed
each time, against the space of one version (target: at most 2x), the time of a
re-import against the first import, and the pages shown "as of" the oldest version
against the same pages on the current one (server time of every page's callbacks, warm:
target at most 1.5x; cold, the first visit, for information).

Each re-import changes 1% of the lab results (a corrected value), of the adverse events
(a worse grade) and of the follow-up rows (a later last contact), chosen at random:
what a live EDC export changes between two pulls, in the tables that hold nearly all
the rows. Space is the SQLite file after ``VACUUM``.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import bench_callbacks, datasets, pages
from benchmarks.report import Result
from data_access.engine import make_engine
from data_access.loader import replace_trial_data

IMPORTS = 20
CHANGED = 0.01
TARGET_RATIO = 2.0
AS_OF_TARGET_RATIO = 1.5
WARM_REPEATS = 3


def changed(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> dict:
    """``tables`` with :data:`CHANGED` of the lab, event and follow-up rows altered."""
    out = dict(tables)

    def pick(frame: pd.DataFrame) -> np.ndarray:
        return rng.choice(len(frame), size=max(1, int(CHANGED * len(frame))), replace=False)

    labs = tables["lab_results"].copy()
    rows = pick(labs)
    labs.loc[rows, "value"] = labs.loc[rows, "value"] * 1.01 + 0.01
    events = tables["adverse_events"].copy()
    rows = pick(events)
    events.loc[rows, "grade"] = np.minimum(events.loc[rows, "grade"].astype(int) + 1, 4)
    follow = tables["follow_up"].copy()
    rows = pick(follow)
    follow.loc[rows, "last_contact_on"] = pd.to_datetime(
        follow.loc[rows, "last_contact_on"]
    ) + pd.Timedelta(days=1)
    out.update(lab_results=labs, adverse_events=events, follow_up=follow)
    return out


def _size_mb(path: Path) -> float:
    """The file after VACUUM (outside any transaction, which the app's engine opens)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("VACUUM")
    return path.stat().st_size / 2**20


def bench_versions(scale, folder: Path) -> list[Result]:
    path = folder / f"versions-{scale.name}.db"
    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    replace_trial_data(engine, scale.tables, source="benchmark version 1")
    first_seconds = time.perf_counter() - start
    one = _size_mb(path)
    rng = np.random.default_rng(20190108)
    tables, seconds = scale.tables, []
    for number in range(2, IMPORTS + 2):
        tables = changed(tables, rng)
        start = time.perf_counter()
        replace_trial_data(engine, tables, source=f"benchmark version {number}")
        seconds.append(time.perf_counter() - start)
    every = _size_mb(path)
    engine.dispose()
    pages_timed = as_of_pages(scale, folder, f"sqlite:///{path}")
    path.unlink()
    note = f"one version {one:.1f} MB; after {IMPORTS} re-imports {every:.1f} MB (SQLite)"
    return [
        Result(
            "7 versions",
            f"space after {IMPORTS} re-imports, 1% changed each / one version",
            scale.name,
            every / one,
            "x",
            TARGET_RATIO,
            note=note,
        ),
        Result(
            "7 versions",
            "re-import time (median) / first import",
            scale.name,
            float(np.median(seconds)) / first_seconds,
            "x",
            note=f"first import {first_seconds:.1f} s; re-imports median "
            f"{np.median(seconds):.1f} s, max {max(seconds):.1f} s",
        ),
        *pages_timed,
    ]


def _pages_seconds(app, browser, cold: bool) -> tuple[float, dict]:
    """CPU seconds of every page's callbacks (warm: the median of repeated visits)."""
    per_page = {}
    for page, path in pages.PAGES.items():
        if cold:
            per_page[page] = bench_callbacks.unwarmed_visit(app, browser, page, path).seconds
        else:
            runs = [bench_callbacks.visit(browser, page, path) for _ in range(WARM_REPEATS)]
            per_page[page] = float(np.median([r.seconds for r in runs]))
    return sum(per_page.values()), per_page


def as_of_pages(scale, folder: Path, url: str) -> list[Result]:
    """Every page on the current version, then as of version 1 (the oldest: the most
    retired rows to read back), through the real app signed in as a DSMB member."""
    app = datasets.make_app(folder, url, f"{scale.name}-versions")
    client = datasets.signed_in_client(app)
    browser = pages.Browser(pages.flask_post(client), client.get("/_dash-dependencies").get_json())
    browser.poll()
    seconds = {}
    for label, as_of in (("current", None), ("as of version 1", {"version": 1})):
        browser.as_of = as_of
        browser.poll()
        if as_of and not browser.version.get("as_of"):
            raise RuntimeError("the app did not switch to version 1")
        cold, _ = _pages_seconds(app, browser, cold=True)
        warm, per_page = _pages_seconds(app, browser, cold=False)
        seconds[label] = (cold, warm, per_page)
    (cold_now, warm_now, _), (cold_then, warm_then, per_page) = seconds.values()
    slowest = max(per_page, key=per_page.get)
    return [
        Result(
            "7 versions",
            "pages as of version 1 / current (warm, server CPU)",
            scale.name,
            warm_then / warm_now,
            "x",
            AS_OF_TARGET_RATIO,
            note=f"all 5 pages warm: current {warm_now:.2f} s, as of version 1 "
            f"{warm_then:.2f} s (slowest {slowest} {per_page[slowest]:.2f} s)",
        ),
        Result(
            "7 versions",
            "first visit as of version 1 / current (cold, server CPU)",
            scale.name,
            cold_then / cold_now,
            "x",
            note=f"all 5 pages cold: current {cold_now:.2f} s, as of version 1 "
            f"{cold_then:.2f} s (reads the retired rows back)",
        ),
    ]
