"""Page access on the server: layouts and callbacks check the role of their page.

Dash renders pages through its own routing callback, which cannot be decorated, so
the layouts in the page registry are wrapped once at start-up instead. A user who
types or forges the path of a page outside their role gets a notice, never its
components.

Callbacks are checked by the ids of their outputs: every component id starts with the
name of its page (``dashboard/ids.py``), so one check before each
``_dash-update-component`` request refuses (403) a callback of a page outside the
user's role, whatever inputs it was sent and whether or not it would have reached
its own ``require_panel`` call.
"""

from __future__ import annotations

import functools
import re

import dash
from dash import html
from flask import Flask, request
from flask_login import current_user

from dashboard.auth import PANEL_ROLES, ROLES, audit, can_view, require_panel
from dashboard.components.panel import empty_state

ROLE_NAMES = {
    "investigator": "the investigators",
    "dsmb": "the data safety monitoring board",
    "sponsor": "the sponsor",
    "admin": "the administrators",
}


def not_allowed(panel: str) -> html.Div:
    allowed = [ROLE_NAMES[role] for role in ROLES if role in PANEL_ROLES[panel]]
    who = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " and " + allowed[-1]
    return html.Div(
        [
            html.H1("Not available for your role", className="page-title"),
            empty_state(
                f"This page is for {who}.",
                "Use the navigation bar to open the pages of your role.",
                color="warning",
            ),
        ],
        id="page-not-allowed",
    )


def shown_path(page: dict, query: dict) -> str:
    """The page's address as opened: a ``path_template`` page (``/patients/<patient_id>``)
    with its variables filled in, so that the audit log names the patient."""
    template = page.get("path_template")
    if not template:
        return page["path"]
    return re.sub(r"<(\w+)>", lambda m: str(query.get(m.group(1), "")), template)


def _guard(page: dict):
    layout = page["layout"]
    if getattr(layout, "guarded", False):
        return layout

    @functools.wraps(layout)
    def guarded_layout(**query):
        panel = page.get("panel")
        path = shown_path(page, query)
        if panel is not None and not can_view(current_user, panel):
            audit("page_view", f"{path} (refused)")
            return not_allowed(panel)
        audit("page_view", path)
        return layout(**query)

    guarded_layout.guarded = True
    return guarded_layout


def guard_pages() -> None:
    """Wrap every registered page's layout with the role check and the audit record."""
    for page in dash.page_registry.values():
        page["layout"] = _guard(page)


def _output_ids(body: dict) -> list[str]:
    outputs = body.get("outputs") or []
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return [str(o.get("id", "")) for o in outputs if isinstance(o, dict)]


def guard_callbacks(server: Flask) -> None:
    """Refuse callbacks whose outputs belong to a page outside the user's role."""

    @server.before_request
    def check_callback_page():
        if request.method != "POST" or request.path != "/_dash-update-component":
            return
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return
        for component_id in _output_ids(body):
            page = component_id.split("-", 1)[0]
            if page in PANEL_ROLES:
                require_panel(page)
