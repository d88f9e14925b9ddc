"""Reusable layout pieces: KPI cards and empty-state messages."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(title: str, value: str, detail: str = "", card_id: str | None = None) -> dbc.Col:
    """A headline number with a one-line explanation under it."""
    body = [
        html.Div(title, className="kpi-title"),
        html.Div(value, className="kpi-value", id=card_id and f"{card_id}-value"),
        html.Div(detail, className="kpi-detail"),
    ]
    return dbc.Col(dbc.Card(dbc.CardBody(body), className="kpi-card h-100"), md=True)


def empty_state(message: str, hint=None, color: str = "secondary") -> dbc.Alert:
    """What a panel shows instead of a figure: what is missing and what to do about it."""
    children = [html.Div(message, className="fw-semibold")]
    if hint:
        children.append(html.Div(hint, className="small mt-1"))
    return dbc.Alert(children, color=color, className="empty-state")


def not_recorded_state(what: list[str]) -> dbc.Alert:
    """What a panel shows when the study's data do not hold what it draws at all (a
    study of another design): nothing is missing, there is nothing to show."""
    listed = ", ".join(w[0].lower() + w[1:] for w in what[1:])
    names = what[0] + (f", {listed}" if listed else "")
    return empty_state(
        f"Not recorded in this study: {names}.",
        "The data loaded come from a study that does not collect them; this panel "
        "applies to trials that do.",
    )


NO_DATA_HINT = [
    "Load a CSV bundle with ",
    html.Code("python -m dashboard import DIR"),
    ", or build the demo database with ",
    html.Code("python -m dashboard demo-db"),
    ".",
]
