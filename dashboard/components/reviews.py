"""The DSMB reviews card: record a meeting's decision, list the reviews recorded."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.auth.reviews import DECISION_LENGTH
from dashboard.components.panel import panel_card
from dashboard.ids import Reviews


def reviews_card() -> dbc.Card:
    form = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Meeting date", html_for=Reviews.DATE, className="small mb-1"),
                    dbc.Input(id=Reviews.DATE, type="date"),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(
                        "Data version reviewed", html_for=Reviews.VERSION, className="small mb-1"
                    ),
                    dbc.Select(id=Reviews.VERSION, options=[]),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Decision", html_for=Reviews.DECISION, className="small mb-1"),
                    dbc.Textarea(
                        id=Reviews.DECISION,
                        maxLength=DECISION_LENGTH,
                        rows=2,
                        placeholder="for example: continue unchanged",
                    ),
                ],
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Button("Record the review", id=Reviews.SAVE, color="primary", size="sm"),
                    html.Div(id=Reviews.STATUS, className="small mt-2", role="status"),
                ],
                xs=12,
            ),
        ],
        className="g-2 mb-3",
    )
    return panel_card(
        "DSMB reviews",
        [form, html.Div(id=Reviews.LIST)],
        subtitle="each meeting, the data version it reviewed and its decision",
        card_id=Reviews.CARD,
    )
