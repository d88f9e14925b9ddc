"""Safety page: what is new or changed since an earlier data version.

The comparison defaults to the version of the last recorded DSMB review (the DSMB's
question: "what has happened since we last looked?"), else to the version before the
one shown. Both versions are seen in the same site scope (:mod:`dashboard.callbacks.access`).
"""

from __future__ import annotations

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from analysis.safety_changes import safety_changes
from dashboard.auth import require_panel
from dashboard.callbacks.access import panel_changes
from dashboard.callbacks.compare_versions import default_since, since_choices
from dashboard.callbacks.compare_versions import last_reviewed as _last_reviewed
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.safety import on_listing_exported
from dashboard.components.grid import register_csv_export
from dashboard.components.panel import HIDDEN, SHOWN, empty_state
from dashboard.ids import Safety, Shell
from dashboard.store import DataUnavailable, trial_store

PANEL = "safety"
CHANGE_WORDS = {"new": "New", "changed": "Changed"}


def change_rows(changes: dict) -> list[dict]:
    return [
        {"change": CHANGE_WORDS[kind], **row}
        for kind in ("new", "changed")
        for row in changes[kind]
    ]


def summary(changes: dict, since: int, reviewed: int | None) -> str:
    new, changed = len(changes["new"]), len(changes["changed"])
    basis = " (the version of the last DSMB review)" if since == reviewed else ""
    if not new and not changed:
        return f"Nothing new or changed since version {since}{basis}."
    return f"Since version {since}{basis}: {new} new, {changed} changed."


def register(app) -> None:
    register_csv_export(
        app,
        Safety.CHANGES_CSV,
        Safety.CHANGES_GRID,
        on_export=lambda: on_listing_exported("mtsa-safety-changes.csv"),
    )

    @app.callback(
        Output(Safety.SINCE, "options"),
        Output(Safety.SINCE, "value"),
        Input(Shell.VERSION, "data"),
        State(Safety.SINCE, "value"),
    )
    def update_since_choices(version, chosen):
        require_panel(PANEL)
        if not version or version.get("version") is None:
            raise PreventUpdate
        try:
            choices = since_choices(trial_store().versions(), version["version"])
        except DataUnavailable:
            raise PreventUpdate from None
        if chosen in [c["value"] for c in choices]:
            return choices, chosen
        return choices, default_since(choices, _last_reviewed())

    @app.callback(
        Output(Safety.CHANGES_SUMMARY, "children"),
        Output(Safety.CHANGES_WRAP, "style"),
        Output(Safety.CHANGES_GRID, "rowData"),
        Input(Shell.VERSION, "data"),
        Input(Safety.SINCE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_changes(version, since, status):
        require_panel(PANEL)
        if panel_unavailable(version, status) is not None:
            return None, HIDDEN, []  # the page's message says why
        if not since:
            first = empty_state("This is the first data version: nothing to compare with yet.")
            return first, HIDDEN, []
        try:
            changes = panel_changes(PANEL, version, int(since), safety_changes)
        except DataUnavailable:
            return DATABASE_DOWN, HIDDEN, []
        except ValueError as error:
            return empty_state(str(error), color="warning"), HIDDEN, []
        text = summary(changes, int(since), _last_reviewed())
        rows = change_rows(changes)
        return text, SHOWN if rows else HIDDEN, rows
