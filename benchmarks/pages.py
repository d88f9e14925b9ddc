"""The benchmarks' browsing over HTTP: the pages timed, and ``post`` over a Flask test
client with the compression Chromium accepts.

Visiting a page as the browser does (its layout, then the callbacks it fires) is the
product's own :mod:`dashboard.page_visits`, which the warmer of new data versions uses
too; its names are re-exported here for the benchmark scripts.
"""

from __future__ import annotations

import gzip
import zlib

from dashboard.page_visits import (  # noqa: F401 (the benchmarks' browsing, in one place)
    POLL_OUTPUTS,
    ROUTING_OUTPUTS,
    UPDATE_PATH,
    Browser,
    Call,
    Post,
    Reply,
    callback_body,
    component_props,
    initial_calls,
    parse_outputs,
    poll_body,
    routing_body,
)

PAGES = {
    "Overview": "/",
    "Sites": "/sites",
    "Recovery": "/recovery",
    "Survival": "/survival",
    "Safety": "/safety",
}
# What Chromium 156 sends; Flask-Compress picks the first of zstd, br, gzip it accepts.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def decode(data: bytes, encoding: str | None) -> bytes:
    """The body of a response sent with ``Content-Encoding: encoding``."""
    if not encoding or encoding == "identity":
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    if encoding == "br":
        import brotli

        return brotli.decompress(data)
    if encoding == "zstd":
        try:
            from compression import zstd  # Python 3.14
        except ImportError:
            from backports import zstd
        return zstd.decompress(data)
    raise ValueError(f"unknown Content-Encoding {encoding!r}")


def flask_post(client, compressed: bool = True) -> Post:
    """``post`` over a Flask test client, accepting compression as Chromium does."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING} if compressed else {}

    def post(path: str, body: dict) -> Reply:
        response = client.post(path, json=body, headers=headers)
        return flask_reply(response)

    return post


def flask_reply(response) -> Reply:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding", "")
    return Reply(response.status_code, decode(data, encoding), len(data), encoding)
