"""Page access on the server: every page's layout checks the role and is audited.

Dash renders pages through its own routing callback, which cannot be decorated, so
the layouts in the page registry are wrapped once at start-up instead. A user who
types or forges the path of a page outside their role gets a notice, never its
components; the page's data callbacks refuse them separately (``require_panel``).
"""

from __future__ import annotations

import functools

import dash
from dash import html
from flask_login import current_user

from dashboard.auth import PANEL_ROLES, ROLES, audit, can_view
from dashboard.components.cards import empty_state

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


def _guard(page: dict):
    layout = page["layout"]
    if getattr(layout, "guarded", False):
        return layout

    @functools.wraps(layout)
    def guarded_layout(**query):
        panel = page.get("panel")
        if panel is not None and not can_view(current_user, panel):
            audit("page_view", f"{page['path']} (refused)")
            return not_allowed(panel)
        audit("page_view", page["path"])
        return layout(**query)

    guarded_layout.guarded = True
    return guarded_layout


def guard_pages() -> None:
    """Wrap every registered page's layout with the role check and the audit record."""
    for page in dash.page_registry.values():
        page["layout"] = _guard(page)
