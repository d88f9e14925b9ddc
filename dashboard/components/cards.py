"""The headline number of a page: a KPI card."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(
    title: str,
    value: str,
    detail: str = "",
    card_id: str | None = None,
    change: str | None = None,
) -> dbc.Col:
    """A headline number with a one-line explanation under it, and under the number
    its ``change`` since an earlier data version when given ("+2 since version 3")."""
    body = [
        html.Div(title, className="kpi-title"),
        html.Div(value, className="kpi-value", id=card_id and f"{card_id}-value"),
        html.Div(detail, className="kpi-detail"),
    ]
    if change is not None:
        body.insert(2, html.Div(change, className="kpi-change", id=card_id and f"{card_id}-change"))
    return dbc.Col(dbc.Card(dbc.CardBody(body), className="kpi-card h-100"), md=True)
