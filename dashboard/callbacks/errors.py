"""The app-wide safety net for callbacks: log the error, tell the user in plain words.

No traceback reaches the browser: the failing callback's outputs are left as they
were and a short notice appears under the banner.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import set_props
from werkzeug.exceptions import HTTPException

from dashboard.ids import Shell

log = logging.getLogger(__name__)


def report_callback_error(error: Exception):
    if isinstance(error, HTTPException):  # 401/403 from the access checks go out as they are
        raise error
    log.exception("callback failed", exc_info=error)
    set_props(
        Shell.ERROR,
        {
            "children": dbc.Alert(
                "A panel could not be updated. The error has been logged; "
                "the rest of the page is current.",
                color="warning",
                dismissable=True,
                className="py-2",
            )
        },
    )
