"""Database outages: the app on PostgreSQL behind a TCP proxy that the test cuts and restores.

Pages must keep the last data under a "Database unreachable since …" banner, show no
error, log nothing in the browser console, and recover by themselves within one poll
once the database is back (README.md; issue 9 "Resilience").
"""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
from dash.testing.wait import until

import data_access.engine
from dashboard.store import TrialStore
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE
from tests.resilience.conftest import through

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

POLL_SECONDS = 0.5
OUTAGE = re.compile(r"^Database unreachable since \d\d \w{3} \d{4} \d\d:\d\d UTC\.")
GRID_ROWS = "#sites-grid .ag-center-cols-container .ag-row"
RECOVERY_SECONDS = 4 * POLL_SECONDS + 2  # one poll, plus a browser round trip on a busy machine


def wait_for_outage_banner(dash_duo) -> None:
    dash_duo.wait_for_element("#banner-outage", timeout=10)
    assert OUTAGE.match(dash_duo.find_element("#banner-outage").text)


def wait_for_recovery(dash_duo, proxy) -> float:
    """Restore the proxy; seconds until the banner has gone."""
    proxy.restore()
    start = time.monotonic()
    dash_duo.wait_for_no_elements("#banner-outage", timeout=RECOVERY_SECONDS)
    return time.monotonic() - start


def assert_no_error_shown(dash_duo) -> None:
    assert dash_duo.find_element("#shell-error").text == ""
    assert dash_duo.find_elements(".dash-fe-error__title") == []


def test_res001_overview_keeps_last_data_and_recovers(
    dash_duo, open_app, make_app, pg_small, proxy
):
    open_app(make_app(through(proxy, pg_small), data_poll_seconds=POLL_SECONDS))
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    dash_duo.wait_for_element("#overview-by-site-graph .js-plotly-plot .bars")
    proxy.cut()
    wait_for_outage_banner(dash_duo)
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    assert dash_duo.find_element("#kpi-deaths-value").text == "1"
    assert dash_duo.find_element("#overview-content").is_displayed()
    assert dash_duo.find_elements("#overview-by-site-graph .js-plotly-plot .bars")
    assert_no_error_shown(dash_duo)
    wait_for_recovery(dash_duo, proxy)
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    assert dash_duo.find_element("#banner-version").text == "1"
    assert_no_error_shown(dash_duo)
    assert dash_duo.get_logs() == []


def test_res002_page_opened_during_outage_shows_last_data(
    dash_duo, open_app, make_app, pg_small, proxy
):
    """Sites page: keeps its data through an outage, and a page opened during the outage
    (the Overview, by its link) draws from the data already loaded."""
    open_app(make_app(through(proxy, pg_small), data_poll_seconds=POLL_SECONDS), path="/sites")
    dash_duo.wait_for_contains_text("#sites-forecast-text", "patient")
    until(lambda: len(dash_duo.find_elements(GRID_ROWS)) == 7, timeout=10)
    proxy.cut()
    wait_for_outage_banner(dash_duo)
    assert len(dash_duo.find_elements(GRID_ROWS)) == 7
    assert dash_duo.find_element("#sites-content").is_displayed()
    dash_duo.find_element("#shell-nav a[href='/']").click()
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    assert dash_duo.find_element("#banner-outage").is_displayed()
    assert_no_error_shown(dash_duo)
    wait_for_recovery(dash_duo, proxy)
    assert dash_duo.find_element("#kpi-enrolled-value").text == "6 / 21"
    assert_no_error_shown(dash_duo)
    assert dash_duo.get_logs() == []


def test_res003_new_data_after_an_outage_reach_the_page(
    dash_duo, open_app, make_app, pg_small, proxy
):
    """The pool reconnects by itself: a version loaded during the outage is shown after it."""
    open_app(make_app(through(proxy, pg_small), data_poll_seconds=POLL_SECONDS))
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    proxy.cut()
    wait_for_outage_banner(dash_duo)
    import_bundle(make_engine(pg_small), SMALL_BUNDLE)  # straight to the server: version 2
    wait_for_recovery(dash_duo, proxy)
    # shown once the poll has had version 2 warmed (dashboard.warm)
    dash_duo.wait_for_text_to_equal("#banner-version", "2", timeout=90)
    dash_duo.wait_for_element("#banner-updated")
    assert_no_error_shown(dash_duo)
    assert dash_duo.get_logs() == []


# ------------------------------------------------------------------ no browser


def test_res004_black_holed_connections_give_up_within_the_connect_timeout(
    monkeypatch, pg_small, proxy
):
    """A network that drops packets (no reset, no refusal) makes new connections hang:
    the poll reports the outage after ``connect_timeout`` instead of hanging."""
    monkeypatch.setattr(data_access.engine, "CONNECT_TIMEOUT_SECONDS", 2)  # libpq's minimum
    engine = make_engine(through(proxy, pg_small), read_only=True)
    store = TrialStore(engine, cache=None, url=through(proxy, pg_small))
    assert store.poll().version.version == 1
    proxy.cut()  # the pooled connection is reset, as after a server restart
    proxy.black_hole()  # ... and the server's address now swallows packets
    start = time.monotonic()
    poll = store.poll()
    assert not poll.reachable
    assert time.monotonic() - start < 2 * 2 + 1
    proxy.restore()
    assert store.poll().reachable
    engine.dispose()


def test_res005_read_only_connections_time_out_on_silent_networks(postgres_url):
    """A pooled connection on a black-holed network cannot be saved by ``connect_timeout``
    (it is already connected): the kernel must give up on it. The app's sockets carry
    TCP_USER_TIMEOUT and keepalives (a userspace proxy cannot drop packets, so this is
    checked on the socket itself)."""
    engine = make_engine(postgres_url, read_only=True)
    with engine.connect() as conn:
        fd = conn.connection.dbapi_connection.pgconn.socket
        sock = socket.socket(fileno=os.dup(fd))
        try:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 10
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 10_000
        finally:
            sock.close()
    engine.dispose()
