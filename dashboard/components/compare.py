"""The "Compare with" control of a figure: none, or an earlier kept data version.

Filled by :func:`dashboard.callbacks.compare_versions.compare_choices`: disabled, with
a hint saying why, while no earlier version is kept.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.callbacks.compare_versions import NO_COMPARISON, NONE_CHOICE


def compare_select(select_id: str) -> html.Div:
    """'Compare with [none | version N, data cut …]', compact, for a card's actions."""
    return html.Div(
        [
            dbc.Label("Compare with", html_for=select_id, className="small mb-0 text-nowrap"),
            dbc.Select(
                id=select_id,
                options=[NONE_CHOICE],
                value=NO_COMPARISON,
                disabled=True,
                size="sm",
                style={"width": "auto", "maxWidth": "100%"},
            ),
        ],
        # a phone puts the select under its label, never past the card's edge
        className="d-flex flex-wrap align-items-center gap-2 mw-100",
    )


def compare_hint(hint_id: str) -> html.Div:
    """What the comparison draws, or why there is nothing to compare with."""
    return html.Div(id=hint_id, className="small text-muted mb-2")
