"""Benchmark 5: simulated users signing in and browsing every page, against gunicorn.

A bounded script, no load-testing framework: one thread per user, started over the
ramp-up. Each user signs in through the form, then until the deadline changes page
(Overview, Sites, Recovery, Survival, Safety, round and round, starting at a page of
its own), as the browser does: the routing callback, then the page's callbacks one
after the other, with a think time between pages and the shell's data poll every
``poll_seconds``. A request that fails, answers anything but 200/204 or takes longer
than the client timeout is an error. Only 127.0.0.1 is contacted, and the run stops
by itself: no page is started after the deadline, and requests time out.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

from benchmarks import pages
from benchmarks.report import Result
from benchmarks.server import signed_in_session

REQUEST_TIMEOUT_SECONDS = 120


@dataclass
class LoadSettings:
    users: int = 50
    seconds: float = 120.0
    ramp_seconds: float = 10.0
    think_seconds: tuple[float, float] = (1.0, 3.0)
    poll_seconds: float = 30.0
    seed: int = 1


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[float] = field(default_factory=list)
    page_changes: list[float] = field(default_factory=list)
    sign_ins: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bytes_received: int = 0

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, kind).append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def requests_post(session: requests.Session, base: str, tally: Tally) -> pages.Post:
    """``post`` over a requests session, timing each request into ``tally``."""
    headers = {"Accept-Encoding": pages.ACCEPT_ENCODING}

    def post(path: str, body: dict) -> pages.Reply:
        start = time.perf_counter()
        response = session.post(
            base + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS, stream=True
        )
        data = response.raw.read(decode_content=False)
        tally.add("requests", time.perf_counter() - start)
        with tally.lock:
            tally.bytes_received += len(data)
        encoding = response.headers.get("Content-Encoding", "")
        return pages.Reply(response.status_code, pages.decode(data, encoding), len(data), encoding)

    return post


def _user(base: str, name: str, index: int, settings: LoadSettings, deadline: float, tally: Tally):
    rng = random.Random(settings.seed * 1000 + index)
    try:
        start = time.perf_counter()
        session = signed_in_session(base, name, timeout=REQUEST_TIMEOUT_SECONDS)
        tally.add("sign_ins", time.perf_counter() - start)
        dependencies = session.get(
            f"{base}/_dash-dependencies", timeout=REQUEST_TIMEOUT_SECONDS
        ).json()
    except (requests.RequestException, RuntimeError, ValueError) as error:
        tally.error(f"{name} sign-in: {error.__class__.__name__}: {error}")
        return
    browser = pages.Browser(requests_post(session, base, tally), dependencies)
    order = list(pages.PAGES.items())
    turn = index % len(order)
    last_poll = 0.0
    while time.monotonic() < deadline:
        page, path = order[turn % len(order)]
        turn += 1
        try:
            if time.monotonic() - last_poll >= settings.poll_seconds:
                reply = browser.poll()
                last_poll = time.monotonic()
                if reply.status not in (200, 204):
                    tally.error(f"{name} poll: {reply.status}")
            start = time.perf_counter()
            routing, calls = browser.page_calls(path)
            if routing.status != 200:
                tally.error(f"{name} {page} routing: {routing.status}")
                continue
            for call, reply in browser.run(calls):
                if reply.status not in (200, 204):
                    tally.error(f"{name} {page} {call.name}: {reply.status}")
            tally.add("page_changes", time.perf_counter() - start)
        except (requests.RequestException, ValueError, KeyError) as error:
            tally.error(f"{name} {page}: {error.__class__.__name__}: {error}")
        time.sleep(rng.uniform(*settings.think_seconds))


def run_load(base: str, usernames: list[str], settings: LoadSettings) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + settings.ramp_seconds + settings.seconds
    threads = []
    for i, name in enumerate(usernames[: settings.users]):
        thread = threading.Thread(
            target=_user, args=(base, name, i, settings, deadline, tally), daemon=True
        )
        threads.append(thread)
        thread.start()
        time.sleep(settings.ramp_seconds / max(settings.users, 1))
    for thread in threads:
        thread.join(timeout=settings.seconds + settings.ramp_seconds + 3 * REQUEST_TIMEOUT_SECONDS)
    return tally


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def load_results(scale_name: str, settings: LoadSettings, tally: Tally) -> list[Result]:
    setting = (
        f"{settings.users} users, {settings.seconds:.0f} s, think "
        f"{settings.think_seconds[0]:g}–{settings.think_seconds[1]:g} s, gunicorn 2 workers"
    )
    errors = len(tally.errors)
    sample = "; ".join(sorted(set(tally.errors))[:3])
    out = [
        Result(
            "5 load",
            "errors",
            scale_name,
            errors,
            "",
            0,
            note=f"{setting}; {len(tally.requests)} requests" + (f"; {sample}" if errors else ""),
            details={"errors": tally.errors[:50]},
        )
    ]
    for kind, label in (("requests", "request"), ("page_changes", "page change")):
        values = tally.__dict__[kind]
        out.append(
            Result(
                "5 load",
                f"{label} latency median",
                scale_name,
                statistics.median(values) if values else float("nan"),
                "s",
                note=f"{len(values)} {label}s",
            )
        )
        out.append(
            Result(
                "5 load",
                f"{label} latency p95",
                scale_name,
                percentile(values, 95),
                "s",
                note=f"max {max(values) if values else float('nan'):.2f} s",
            )
        )
    out.append(
        Result(
            "5 load",
            "sign-in latency median",
            scale_name,
            statistics.median(tally.sign_ins) if tally.sign_ins else float("nan"),
            "s",
            note=f"argon2id per sign-in; {len(tally.sign_ins)} sign-ins",
        )
    )
    return out


MEMORY_TARGET_MB = 300.0
"""Resident memory per worker after every page (issue 19), at any scale."""


def memory_result(scale_name: str, sizes_mb: list[float]) -> Result:
    """The largest worker's resident memory once the users have visited every page."""
    return Result(
        "5 load",
        "worker resident memory after every page (largest)",
        scale_name,
        max(sizes_mb) if sizes_mb else float("nan"),
        "MB",
        MEMORY_TARGET_MB,
        note="VmRSS of each gunicorn worker: " + ", ".join(f"{s:.0f} MB" for s in sizes_mb),
        details={"workers_mb": sizes_mb},
    )
