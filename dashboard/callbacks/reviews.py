"""DSMB reviews: the list and the version choices kept current, a review recorded."""

from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from flask_login import current_user

from dashboard.auth import require_review
from dashboard.auth.audit import client_address
from dashboard.auth.reviews import ReviewError, list_reviews, record_review
from dashboard.auth.state import auth_state
from dashboard.components.panel import empty_state
from dashboard.formatting import format_date, format_time
from dashboard.ids import Reviews, Shell
from dashboard.store import DataUnavailable, trial_store


def review_table(reviews) -> html.Div:
    if not reviews:
        return empty_state("No DSMB review recorded yet.", color="info")
    head = html.Thead(
        html.Tr([html.Th(t) for t in ("Meeting", "Data version", "Decision", "Recorded")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(format_date(r.meeting_on)),
                    html.Td(str(r.data_version)),
                    html.Td(r.decision, style={"whiteSpace": "pre-wrap"}),
                    html.Td(f"{r.recorded_by}, {format_time(r.recorded_at)}"),
                ]
            )
            for r in reviews
        ]
    )
    return dbc.Table([head, body], size="sm", striped=True, responsive=True, className="mb-0")


def version_items(versions: list[dict]) -> list[dict]:
    """Every version, newest first, labelled with its data cut."""
    return [
        {
            "label": f"Version {v['version']}, data cut "
            + (format_date(v["data_cut"]) if v["data_cut"] else "not given"),
            "value": str(v["version"]),
        }
        for v in reversed(versions)
    ]


def _parse_date(text) -> dt.date:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        raise ReviewError("Give the meeting date.") from None


def _note(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="py-1 mb-0")


def _save(meeting, chosen, decision, versions: list[dict]) -> None:
    """Record the review; :class:`ReviewError` says what is missing or wrong."""
    with auth_state().sessions.begin() as session:
        record_review(
            session,
            meeting_on=_parse_date(meeting),
            data_version=int(chosen) if chosen else -1,
            decision=decision,
            username=current_user.username,
            versions={v["version"] for v in versions},
            client_address=client_address(),
        )


def register(app) -> None:
    @app.callback(
        Output(Reviews.LIST, "children"),
        Output(Reviews.VERSION, "options"),
        Output(Reviews.VERSION, "value"),
        Output(Reviews.STATUS, "children"),
        Output(Reviews.DECISION, "value"),
        Input(Shell.VERSION, "data"),
        Input(Reviews.SAVE, "n_clicks"),
        State(Reviews.DATE, "value"),
        State(Reviews.VERSION, "value"),
        State(Reviews.DECISION, "value"),
    )
    def update_reviews(shown, _clicks, meeting, chosen, decision):
        require_review()
        try:
            versions = trial_store().versions()
        except DataUnavailable:
            note = _note("The trial database cannot be reached.", "danger")
            return no_update, no_update, no_update, note, no_update
        note, cleared = None, no_update
        if ctx.triggered_id == Reviews.SAVE:
            try:
                _save(meeting, chosen, decision, versions)
                note, cleared = _note("Review recorded.", "success"), ""
            except ReviewError as error:
                note = _note(str(error), "warning")
        with auth_state().sessions() as session:
            reviews = list_reviews(session)
        default = chosen or (shown or {}).get("version")
        version = None if default is None else str(default)
        return review_table(reviews), version_items(versions), version, note, cleared
