"""Controls of the data quality page shared by its layout and its callbacks."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from analysis.quality import RULES, SEVERITIES
from dashboard.components.grid import text_column
from dashboard.ids import Quality

ALL_SEVERITIES = "all"
ALL_RULES = "all"
SITE_FIRST_COLUMNS = [text_column("site_id", "Site", width=90)]
"""The per-site table's first column; the total and one column per rule follow, built
with the data (only the rules that found something)."""


def severity_select() -> html.Div:
    """ "Severity": every finding, or those of one severity (the table, the listing and
    the headline counts follow it)."""
    options = [{"label": "All severities", "value": ALL_SEVERITIES}] + [
        {"label": s.capitalize(), "value": s} for s in SEVERITIES
    ]
    return html.Div(
        [
            dbc.Label("Severity", html_for=Quality.SEVERITY, className="small mb-0"),
            dbc.Select(
                id=Quality.SEVERITY,
                options=options,
                value=ALL_SEVERITIES,
                size="sm",
                style={"width": "auto"},
            ),
        ],
        className="d-flex align-items-center gap-2",
    )


def rule_select(rule: str | None) -> html.Div:
    """ "Rule": every rule, or one (``?rule=`` in the address, as the Overview's alerts
    link here)."""
    known = {r.id for r in RULES}
    options = [{"label": "All rules", "value": ALL_RULES}] + [
        {"label": f"{r.id} · {r.title}", "value": r.id} for r in RULES
    ]
    return html.Div(
        [
            dbc.Label("Rule", html_for=Quality.RULE, className="small mb-0"),
            dbc.Select(
                id=Quality.RULE,
                options=options,
                value=rule if rule in known else ALL_RULES,
                size="sm",
                style={"width": "auto", "maxWidth": "100%", "minWidth": 0},
            ),
        ],
        className="d-flex align-items-center gap-2 mw-100",
        style={"minWidth": 0},
    )
