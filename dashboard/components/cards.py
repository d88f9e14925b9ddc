"""The headline number of a page: a KPI card."""

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
