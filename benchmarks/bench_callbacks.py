"""Benchmark 2: server time of each page's callbacks, against a bare Dash app and the SQL.

Each page is visited as the browser does (:mod:`benchmarks.pages`) through the Flask
test client, signed in as a DSMB member (who sees every page, all sites), accepting
compression as Chromium does. The page's time is the sum of its callbacks' request
times (routing excluded: the bare app has no pages):

- cold: the first visitor after a new data version, which the import warmed
  (:mod:`dashboard.warm`): a worker that holds no snapshot and nothing unpickled, with
  the shared cache as the warmer left it. The warming itself is timed (what the import
  adds);
- cold, not warmed: no cached result read and the process's snapshot dropped before
  the page, as the first visitor got before versions were warmed (and gets when a
  server warms a version itself, were they to open a page before it is done);
- warm: the same page again, results cached (what every other visitor gets);
- bare: :mod:`benchmarks.bare_app` drawing the same figures, points and rows from an
  in-memory DataFrame;
- floor: ``load_snapshot`` alone, the SQL every cold page pays at least once.

Warm and bare visits alternate, ``repeats`` times each, and the medians are compared.
Times are the CPU time of the thread serving the request (``time.thread_time``): the
test client, Flask, the callbacks and SQLite all run in it, so other processes on the
shared machine do not inflate them; wall-clock times are kept in the JSON.
"""

from __future__ import annotations

import json
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks import bare_app, pages
from benchmarks.report import Result
from dashboard.store import EXTENSION
from dashboard.warm import WarmReport, warm_version
from data_access.queries import load_snapshot

PAGES = pages.PAGES
TARGET_RATIO = {"demo": 1.5, "10k": 3.0}
"""Warm / bare, and (issue 19) cold after warming / bare: the same targets."""


@dataclass
class PageVisit:
    """One page's callbacks as answered: for the bytes benchmark and the bare app."""

    page: str
    path: str
    routing: pages.Reply
    calls: list[pages.Call]
    replies: list[pages.Reply] = field(default_factory=list)
    seconds: float = 0.0  # thread CPU time of the callbacks
    wall: float = 0.0

    def responses(self) -> list[dict]:
        return [json.loads(r.body)["response"] if r.status == 200 else {} for r in self.replies]


@contextmanager
def clocks(into):
    """Add the thread CPU time and the wall time of the block to ``into``."""
    cpu, wall = time.thread_time(), time.perf_counter()
    yield
    into.seconds += time.thread_time() - cpu
    into.wall += time.perf_counter() - wall


def visit(browser: pages.Browser, page: str, path: str) -> PageVisit:
    routing, calls = browser.page_calls(path)
    result = PageVisit(page, path, routing, calls)
    for call in calls:
        with clocks(result):
            reply = browser.post(pages.UPDATE_PATH, call.body)
        if reply.status not in (200, 204):
            raise RuntimeError(f"{page}: {call.name} answered {reply.status}")
        result.replies.append(reply)
    return result


class _MissingCache:
    """The shared cache as seen by a first visitor: every read misses, writes go through."""

    def __init__(self, cache):
        self._cache = cache

    def get(self, _key):
        return None

    def __getattr__(self, name):
        return getattr(self._cache, name)


def _new_worker(store) -> None:
    """The store as in a worker that served nothing yet: no snapshot, nothing unpickled."""
    store._snapshot = None
    store._memo.clear()


def unwarmed_visit(app, browser: pages.Browser, page: str, path: str) -> PageVisit:
    """The page as the first visitor after a load saw it before versions were warmed:
    this process's snapshot dropped, no cached result read (the results computed are
    stored, so other pages' entries stay)."""
    store = app.server.extensions[EXTENSION]
    _new_worker(store)
    store.cache = _MissingCache(store.cache)
    try:
        return visit(browser, page, path)
    finally:
        store.cache = store.cache._cache


def warm_up(app) -> tuple[BareVisit, WarmReport]:
    """Warm the current version from an empty cache, as the import does (CPU and wall)."""
    store = app.server.extensions[EXTENSION]
    store.cache.clear()
    _new_worker(store)
    took = BareVisit()
    with clocks(took):
        report = warm_version(app, store.poll().version)
    assert not report.failures, report.failures
    return took, report


@dataclass
class BareVisit:
    seconds: float = 0.0
    wall: float = 0.0


class BarePage:
    """The bare app for one page, built from the real page's answers."""

    def __init__(self, real: PageVisit):
        callbacks = {}
        for i, (call, response) in enumerate(zip(real.calls, real.responses(), strict=True)):
            callbacks[str(i)] = bare_app.output_specs(call.outputs, response)
        most = max((s.points for specs in callbacks.values() for s in specs), default=0)
        app = bare_app.bare_app(callbacks, bare_app.frame(max(most, 10_000)))
        self.post = pages.flask_post(app.server.test_client())
        self.bodies = [
            pages.callback_body(call.outputs, [(bare_app.TRIGGER, "data", 1)])
            for call in real.calls
        ]

    def visit(self) -> BareVisit:
        result = BareVisit()
        for body in self.bodies:
            with clocks(result):
                reply = self.post(pages.UPDATE_PATH, body)
            if reply.status != 200:
                raise RuntimeError(f"bare app answered {reply.status}")
        return result


def figure_count(v: PageVisit) -> tuple[int, int]:
    """(figures, points) the page draws."""
    figures = points = 0
    for call, response in zip(v.calls, v.responses(), strict=True):
        for spec in bare_app.output_specs(call.outputs, response):
            if spec.figure is not None:
                figures += 1
                points += spec.points
    return figures, points


def bench_callbacks(scale, app, client, repeats: int) -> tuple[list[Result], dict[str, PageVisit]]:
    """Cold, warm and bare times per page; the warm visits for the bytes benchmark."""
    engine = app.server.extensions[EXTENSION].engine
    floor = BareVisit()
    for _ in range(2):
        with clocks(floor):
            load_snapshot(engine)
    floor.seconds, floor.wall = floor.seconds / 2, floor.wall / 2

    browser = pages.Browser(pages.flask_post(client), client.get("/_dash-dependencies").get_json())
    browser.poll()
    times: dict[str, dict[str, float]] = {}
    visits = {}
    unwarmed = {page: unwarmed_visit(app, browser, page, path) for page, path in PAGES.items()}
    warming, warmed = warm_up(app)
    store = app.server.extensions[EXTENSION]
    for page, path in PAGES.items():
        _new_worker(store)
        cold = visit(browser, page, path)
        visits[page] = visit(browser, page, path)
        bare = BarePage(visits[page])
        bare.visit()  # the bare app's first request sets Dash up
        warm_runs, bare_runs = [], []
        for _ in range(repeats):
            warm_runs.append(visit(browser, page, path))
            bare_runs.append(bare.visit())
        times[page] = {
            "cold_s": cold.seconds,
            "unwarmed_s": unwarmed[page].seconds,
            "warm_s": statistics.median(r.seconds for r in warm_runs),
            "bare_s": statistics.median(r.seconds for r in bare_runs),
            "cold_wall_s": cold.wall,
            "unwarmed_wall_s": unwarmed[page].wall,
            "warm_wall_s": statistics.median(r.wall for r in warm_runs),
            "bare_wall_s": statistics.median(r.wall for r in bare_runs),
        }

    target = TARGET_RATIO.get(scale.name)
    results = [
        Result(
            "2 server time",
            "SQL floor: load_snapshot",
            scale.name,
            floor.seconds,
            "s",
            note=f"CPU; wall {floor.wall:.2f} s; all tables in one transaction, "
            "once per process per data version",
            details={"cpu_s": floor.seconds, "wall_s": floor.wall},
        ),
        Result(
            "2 server time",
            "warming a new version (import adds)",
            scale.name,
            warming.wall,
            "s",
            note=f"wall; CPU {warming.seconds:.1f} s; {warmed.visits} page visits, "
            f"{warmed.callbacks} callbacks (every role, an investigator of each site)",
            details={"cpu_s": warming.seconds, "wall_s": warming.wall},
        ),
    ]
    for page in PAGES:
        t = times[page]
        figures, points = figure_count(visits[page])
        what = (
            f"{len(visits[page].calls)} callbacks, {figures} figures, {points:,} points; "
            f"warm {t['warm_s']:.3f} s, bare {t['bare_s']:.3f} s (CPU)"
        )
        results.append(
            Result(
                "2 server time",
                f"{page}: warm / bare",
                scale.name,
                t["warm_s"] / t["bare_s"],
                "x",
                target,
                note=what,
                details=t,
            )
        )
        results.append(
            Result(
                "2 server time",
                f"{page}: cold / bare",
                scale.name,
                t["cold_s"] / t["bare_s"],
                "x",
                target,
                note=f"cold {t['cold_s']:.3f} s: first visit after an import, which warmed it",
                details=t,
            )
        )
        results.append(
            Result(
                "2 server time",
                f"{page}: cold, not warmed / bare",
                scale.name,
                t["unwarmed_s"] / t["bare_s"],
                "x",
                note=f"{t['unwarmed_s']:.2f} s = {t['unwarmed_s'] / floor.seconds:.1f} × SQL "
                "floor; the first visit before versions were warmed",
                details=t,
            )
        )
    return results, visits
