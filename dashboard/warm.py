"""Warm a new data version before the pages hear of it.

Every page's results and default figures are computed from the snapshot of a data
version the first time someone asks for them, then served from the shared cache. Left
to the first visitor after an import, that visitor waits for all of it (at 10,000
patients, tens of seconds). So a new version is *warmed* first: every page a role can
open is visited as the browser would visit it (:mod:`dashboard.page_visits`: the page's
layout, then every callback it fires, with the values it would send), once for each
role and, for investigators bound to a site, each site. The results and figures land in
the shared cache under the keys a real visit uses, because they are made by the same
callbacks.

The visits run in this process, straight through the server's request handling, for a
stand-in user that exists only for the visit: no account, no session cookie, no HTTP,
and nothing written to the audit log (the visitor is the system, not a person).

When the visits are done, the version is marked warm in the shared cache; the live poll
tells open pages about a version only once it is warm (:mod:`dashboard.callbacks.live`).
The import command warms what it loaded; a server that sees a version nobody warmed (a
sync, the demo feed, an import whose cache is not the server's) warms it in the
background, one worker at a time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import dash
import plotly.utils
from dash import Dash
from flask import Flask
from flask_login import login_user

from dashboard.auth import can_view
from dashboard.auth.roles import DSMB, INVESTIGATOR, SPONSOR
from dashboard.auth.state import SignedInUser
from dashboard.ids import Shell
from dashboard.page_visits import Reply, component_props, follow_page
from dashboard.store import EXTENSION, TrialStore
from dashboard.version_state import now_iso, version_data
from data_access.frames import DataVersion

log = logging.getLogger(__name__)
DEPENDENCIES_PATH = "/_dash-dependencies"
WARMER = "system:warm"
"""The stand-in user's name: never an account's, as account names cannot hold a colon
(:attr:`~dashboard.auth.state.SignedInUser.is_system`)."""


@dataclass
class WarmReport:
    """What warming one version did: pages visited, callbacks run, failures, seconds."""

    version: int
    visits: int = 0
    callbacks: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return (
            f"pages warmed for data version {self.version}: {self.visits} page visits, "
            f"{self.callbacks} callbacks{failed}, {self.seconds:.1f} s"
        )


def visitors(site_ids: list[str]) -> list[SignedInUser]:
    """Who the pages are warmed for: the board, the sponsor, an investigator of every
    site, and one bound to each site (each sees other results: their site's)."""
    roles = [(DSMB, None), (SPONSOR, None), (INVESTIGATOR, None)]
    roles += [(INVESTIGATOR, site) for site in site_ids]
    return [SignedInUser(0, WARMER, role, site) for role, site in roles]


def warm_version(app: Dash, version: DataVersion) -> WarmReport:
    """Visit every page of every visitor for ``version``, then mark it warm."""
    started = time.perf_counter()
    report = WarmReport(version.version)
    server = app.server
    store: TrialStore = server.extensions[EXTENSION]
    with server.app_context():
        site_ids = list(store.snapshot(version.version).tables["sites"]["site_id"])
    shell = {
        (Shell.VERSION, "data"): version_data(version, None),
        (Shell.STATUS, "data"): {"reachable": True, "since": now_iso(), "sync": None},
    }
    for visitor in visitors(site_ids):
        reply = _dispatch(server, visitor, "GET", DEPENDENCIES_PATH)
        dependencies = json.loads(reply.body)

        def post(path: str, body: dict, visitor=visitor) -> Reply:
            return _dispatch(server, visitor, "POST", path, body)

        for page in _pages(visitor):
            props = _layout_props(server, visitor, page)
            report.visits += 1
            for call, reply in follow_page(post, dependencies, props, shell):
                report.callbacks += 1
                if reply.status not in (200, 204):
                    report.failures.append(f"{page['path']} {call.name}: HTTP {reply.status}")
    report.seconds = time.perf_counter() - started
    store.mark_warm(version, report.seconds)
    return report


def _pages(visitor) -> list[dict]:
    """The pages ``visitor`` may open whose address is fixed (not a patient's profile)."""
    return [
        page
        for page in dash.page_registry.values()
        if not page.get("path_template")
        and page.get("panel") is not None
        and can_view(visitor, page["panel"])
    ]


def _layout_props(server: Flask, visitor, page: dict) -> dict[str, dict]:
    """The page's components as the routing callback would send them, without the
    audit record a person's page view makes."""
    layout = page["layout"]
    layout = getattr(layout, "__wrapped__", layout)
    with server.test_request_context(page["path"]):
        login_user(visitor)
        tree = layout() if callable(layout) else layout
        serialised = json.loads(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))
    return component_props(serialised)


def _dispatch(server: Flask, visitor, method: str, path: str, body: dict | None = None) -> Reply:
    """One request through the server's own handling (its guards included), as
    ``visitor``, in this process."""
    with server.test_request_context(path, method=method, json=body):
        login_user(visitor)
        response = server.full_dispatch_request()
        data = response.get_data()
    return Reply(response.status_code, data, len(data), "")


def warm_in_background(app: Dash, version: DataVersion) -> bool:
    """Start warming ``version`` in a thread of this process unless another process or
    thread already is; True if this call started it."""
    store: TrialStore = app.server.extensions[EXTENSION]
    if not store.claim_warming(version):
        return False

    def run():
        try:
            log.info(warm_version(app, version).line())
            store.forget_snapshot()
        except Exception:  # the pages then warm as visited, as before; never stuck cold
            log.exception("warming data version %s failed", version.version)
            store.mark_warm(version, None)

    threading.Thread(target=run, name=f"warm-v{version.version}", daemon=True).start()
    return True
