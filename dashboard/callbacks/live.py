"""Live refresh: poll the data version, keep the banner current, report outages.

Each poll runs one cheap query. Nothing is sent back unless the version or the
database's reachability changed (``PreventUpdate`` answers with an empty 204), so the
pages recompute only when new data have been loaded.
"""

from __future__ import annotations

import datetime as dt

from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from dashboard.components.banner import data_banner
from dashboard.ids import Shell
from dashboard.store import trial_store


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def version_data(poll_version, previous: dict | None) -> dict:
    """What the version store holds: the loaded version and whether it replaced another."""
    if poll_version is None:
        return {"version": None, "previous": None}
    known = previous.get("version") if previous else None
    return {
        "version": poll_version.version,
        "loaded_at": poll_version.loaded_at.isoformat(),
        "data_cut": poll_version.data_cut and poll_version.data_cut.isoformat(),
        "source_kind": poll_version.source_kind,
        "previous": known,
        "changed_at": _now() if known is not None else None,
    }


def register(app) -> None:
    @app.callback(
        Output(Shell.MENU, "is_open"),
        Input(Shell.MENU_TOGGLE, "n_clicks"),
        State(Shell.MENU, "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(_clicks, is_open):
        """The navigation folds behind a button on narrow screens (phones)."""
        return not is_open

    @app.callback(
        Output(Shell.VERSION, "data"),
        Output(Shell.STATUS, "data"),
        Input(Shell.INTERVAL, "n_intervals"),
        State(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def poll_data_version(_n, current: dict | None, status: dict | None):
        poll = trial_store().poll()
        was_reachable = status is None or status.get("reachable", True)
        new_status = no_update
        if poll.reachable != was_reachable or status is None:
            new_status = {"reachable": poll.reachable, "since": _now()}
        new_version = no_update
        latest = poll.version.version if poll.version else None
        if poll.reachable and (current is None or current.get("version") != latest):
            new_version = version_data(poll.version, current)
        if new_version is no_update and new_status is no_update:
            raise PreventUpdate
        return new_version, new_status

    @app.callback(
        Output(Shell.BANNER, "children"),
        Input(Shell.VERSION, "data"),
        Input(Shell.STATUS, "data"),
    )
    def update_banner(version: dict | None, status: dict | None):
        return data_banner(version, status)
