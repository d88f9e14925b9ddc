"""The DSMB reports menu beside the version chooser: every page, the data shown.

A report is built from the data version the pages show, so that the report of an
earlier version (what the DSMB saw at its meeting) can be built again. Each role sees
only the reports it may download (``REPORT_ROLES`` in ``dashboard/auth/roles.py``).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import report_kinds
from dashboard.ids import Shell

LABELS = {
    "closed": "Closed report (DSMB only)",
    "open": "Open report (aggregates)",
}
EVERY_PROFILE = "every"
"""The closed report's appendix with every enrolled patient's profile (by default, only
those with a serious event or death new since the review)."""
NEWS_ONLY = "news"


def report_menu() -> html.Div | None:
    """The menu for the signed-in user, or None when they may download no report."""
    kinds = report_kinds(current_user)
    if not kinds:
        return None
    items = [
        dbc.DropdownMenuItem(
            LABELS[kind], id={"type": Shell.REPORT_KIND, "kind": kind, "profiles": NEWS_ONLY}
        )
        for kind in kinds
    ]
    if "closed" in kinds:
        items.append(
            dbc.DropdownMenuItem(
                "Closed report with every patient's profile",
                id={"type": Shell.REPORT_KIND, "kind": "closed", "profiles": EVERY_PROFILE},
            )
        )
    status = dcc.Loading(
        html.Div([html.Div(id=Shell.REPORT_STATUS), dcc.Download(id=Shell.REPORT_DOWNLOAD)]),
        custom_spinner=html.Span(
            [dbc.Spinner(size="sm", color="primary"), "Building the report…"],
            className="d-inline-flex align-items-center gap-2 small text-muted text-nowrap",
        ),
        overlay_style={"visibility": "visible"},
    )
    menu = dbc.DropdownMenu(
        items,
        id=Shell.REPORT_MENU,
        label="DSMB report (PDF)",
        size="sm",
        color="primary",
        align_end=True,
    )
    return html.Div([status, menu], className="d-flex align-items-center gap-2 mb-2")
