"""Benchmark 2: server time of each page's callbacks, against a bare Dash app and the SQL.

Each page is visited as the browser does (:mod:`benchmarks.pages`) through the Flask
test client, signed in as a DSMB member (who sees every page, all sites), accepting
compression as Chromium does. The page's time is the sum of its callbacks' request
times (routing excluded: the bare app has no pages):

- cold: no cached result read and the process's snapshot dropped before the
  page, as for the first visitor after a new data version;
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
from data_access.queries import load_snapshot

TARGET_RATIO = {"demo": 1.5, "10k": 3.0}


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


def cold_visit(app, browser: pages.Browser, page: str, path: str) -> PageVisit:
    """The page as the first visitor after a load sees it: this process's snapshot
    dropped, no cached result read (the results computed are stored, so other pages'
    entries stay and the warm visits that follow hit)."""
    store = app.server.extensions[EXTENSION]
    store._snapshot = None
    store._memo.clear()
    store.cache = _MissingCache(store.cache)
    try:
        return visit(browser, page, path)
    finally:
        store.cache = store.cache._cache


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
    for page, path in pages.PAGES.items():
        cold = cold_visit(app, browser, page, path)
        visits[page] = visit(browser, page, path)
        bare = BarePage(visits[page])
        bare.visit()  # the bare app's first request sets Dash up
        warm_runs, bare_runs = [], []
        for _ in range(repeats):
            warm_runs.append(visit(browser, page, path))
            bare_runs.append(bare.visit())
        times[page] = {
            "cold_s": cold.seconds,
            "warm_s": statistics.median(r.seconds for r in warm_runs),
            "bare_s": statistics.median(r.seconds for r in bare_runs),
            "cold_wall_s": cold.wall,
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
        )
    ]
    for page in pages.PAGES:
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
                note=f"cold {t['cold_s']:.2f} s = {t['cold_s'] / floor.seconds:.1f} × SQL floor; "
                "first visit after a load",
                details=t,
            )
        )
    return results, visits
