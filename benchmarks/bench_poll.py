"""Benchmark 3: the live poll when no new data have been loaded.

Work done, in-process: polls answered with the current version and status, counting
SQL statements on the trial engine, snapshot loads and result computations (the store's
methods wrapped for the run). Bytes on the wire, against gunicorn: the whole HTTP
response (status line, headers, body) read from a raw socket, and the request.
"""

from __future__ import annotations

import json
import socket
import statistics
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from sqlalchemy import event

from benchmarks import pages
from benchmarks.report import Result
from dashboard.store import EXTENSION

TARGET_BYTES = 1024
POLLS = 20


@contextmanager
def counted(store):
    """Count SQL statements, snapshot loads and result computations of ``store``."""
    counts = {"statements": 0, "snapshots": 0, "computations": 0}

    def on_statement(*_args):
        counts["statements"] += 1

    snapshot, result = store.snapshot, store.result

    def counting_snapshot(*args, **kwargs):
        counts["snapshots"] += 1
        return snapshot(*args, **kwargs)

    def counting_result(name, version, compute, *args, **kwargs):
        def counting_compute(*a, **k):
            counts["computations"] += 1
            return compute(*a, **k)

        return result(name, version, counting_compute, *args, **kwargs)

    event.listen(store.engine, "before_cursor_execute", on_statement)
    store.snapshot, store.result = counting_snapshot, counting_result
    try:
        yield counts
    finally:
        event.remove(store.engine, "before_cursor_execute", on_statement)
        del store.snapshot, store.result  # back to the class's methods


def poll_work(scale_name: str, app, client) -> list[Result]:
    store = app.server.extensions[EXTENSION]
    browser = pages.Browser(pages.flask_post(client), [])
    browser.poll()  # the page's first poll learns the version
    times, statuses, sizes = [], set(), set()
    with counted(store) as counts:
        for _ in range(POLLS):
            start = time.perf_counter()
            reply = browser.poll()
            times.append(time.perf_counter() - start)
            statuses.add(reply.status)
            sizes.add(len(reply.body))
    per_poll = counts["statements"] / POLLS
    return [
        Result(
            "3 live poll",
            "work per poll (SQL statements)",
            scale_name,
            per_poll,
            "",
            note=(
                f"status {sorted(statuses)}, body {sorted(sizes)} B; "
                f"{counts['snapshots']} snapshot loads, {counts['computations']} "
                f"recomputations in {POLLS} polls; median "
                f"{1000 * statistics.median(times):.1f} ms"
            ),
            details=counts,
        ),
        Result(
            "3 live poll",
            "recomputations per poll",
            scale_name,
            (counts["snapshots"] + counts["computations"]) / POLLS,
            "",
            0,
            note="snapshot loads + analysis runs",
        ),
    ]


def _raw_exchange(base: str, cookie: str, agent: str, body: bytes) -> tuple[bytes, bytes]:
    """One POST over a fresh socket; (request bytes, response bytes) as sent.

    The User-Agent must be the one that signed in: Flask-Login's session protection
    marks the session non-fresh (and sends a new cookie) when it changes.
    """
    url = urlsplit(base)
    request = (
        f"POST {pages.UPDATE_PATH} HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\n"
        f"User-Agent: {agent}\r\n"
        "Content-Type: application/json\r\n"
        f"Accept-Encoding: {pages.ACCEPT_ENCODING}\r\n"
        f"Cookie: {cookie}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return request, b"".join(chunks)


def poll_wire(scale_name: str, base: str, session) -> list[Result]:
    """Bytes of a no-news poll against gunicorn, with the session's cookie."""
    from benchmarks.bench_load import Tally, requests_post

    browser = pages.Browser(requests_post(session, base, Tally()), [])
    browser.poll()
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    body = json.dumps(pages.poll_body(browser.version, browser.status)).encode()
    request, response = _raw_exchange(base, cookie, session.headers["User-Agent"], body)
    head, _, payload = response.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode()
    cookie_sent = b"\r\nset-cookie:" in head.lower()
    return [
        Result(
            "3 live poll",
            "response bytes on the wire",
            scale_name,
            len(response),
            "B",
            TARGET_BYTES,
            note=f"{status}: headers {len(head) + 4} B (security headers, CSP), body "
            f"{len(payload)} B{', new session cookie' if cookie_sent else ''}; "
            f"request {len(request)} B, its session cookie included",
        )
    ]
