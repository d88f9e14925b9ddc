"""Survival and response: Kaplan–Meier OS/PFS, relapse/NRM, response rates, swimmer plot."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from analysis.survival_panels import BUILT_IN_ENDPOINTS
from dashboard.components.panel import HIDDEN, figure_card
from dashboard.components.site_filter import site_select
from dashboard.formatting import GROUP_NAMES
from dashboard.ids import Survival

dash.register_page(
    __name__,
    path="/survival",
    name="Survival",
    title="Survival and response · MTSA",
    order=3,
    panel="survival",
)

ENDPOINT_OPTIONS = [{"label": e["label"], "value": e["endpoint"]} for e in BUILT_IN_ENDPOINTS]
"""The endpoints every trial offers; a study's own (ADTTE) are added with its data."""
CONF_TYPE_OPTIONS = [
    {"label": "log (R default)", "value": "log"},
    {"label": "log-log (SAS default)", "value": "log-log"},
    {"label": "plain (linear)", "value": "plain"},
]
CONF_LEVEL_OPTIONS = [
    {"label": f"{level}%", "value": f"0.{level}"} for level in ("80", "90", "95", "99")
]
GROUP_OPTIONS = [{"label": "No grouping", "value": "none"}] + [
    {"label": label, "value": field} for field, label in GROUP_NAMES.items() if field != "arm"
]
"""Arms are offered with the data, to the DSMB, when a trial has two or more."""


def _control(label: str, component, width: int) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=component.id, className="small text-muted mb-1 d-block"),
            html.Div(component),
        ],
        md=width,
    )


def controls() -> dbc.Card:
    endpoint = dbc.Select(id=Survival.ENDPOINT, options=ENDPOINT_OPTIONS, value="os", size="sm")
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    _control("Endpoint", endpoint, 4),
                    _control(
                        "Confidence interval",
                        dbc.Select(
                            id=Survival.CONF_TYPE, options=CONF_TYPE_OPTIONS, value="log", size="sm"
                        ),
                        2,
                    ),
                    _control(
                        "Level",
                        dbc.Select(
                            id=Survival.CONF_LEVEL,
                            options=CONF_LEVEL_OPTIONS,
                            value="0.95",
                            size="sm",
                        ),
                        1,
                    ),
                    _control(
                        "Compare groups",
                        dbc.Select(
                            id=Survival.GROUP_BY, options=GROUP_OPTIONS, value="none", size="sm"
                        ),
                        2,
                    ),
                    _control(
                        "Patients from",
                        site_select(Survival.SITE),
                        3,
                    ),
                ],
                className="g-3 align-items-end",
            ),
            className="py-2",
        ),
        className="kpi-card mb-3",
    )


def layout(**_query):
    return html.Div(
        [
            html.H1("Survival and response", className="page-title"),
            controls(),
            dcc.Loading(html.Div(id=Survival.MESSAGE), type="dot"),
            html.Div(
                [
                    figure_card(
                        Survival.KM,
                        "Kaplan–Meier curves",
                        subtitle="months since enrollment",
                        before=[
                            html.P(id=Survival.SUMMARY, className="fs-6 fw-semibold mb-2"),
                            html.Div(id=Survival.NOTE),
                            html.Div(id=Survival.LOGRANK, className="small text-muted mb-2"),
                        ],
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                figure_card(
                                    Survival.CIF,
                                    "Relapse and non-relapse mortality",
                                    subtitle="Aalen–Johansen",
                                    before=[html.Div(id=Survival.CIF_NOTE)],
                                ),
                                lg=6,
                            ),
                            dbc.Col(
                                figure_card(
                                    Survival.RESPONSE,
                                    "Response",
                                    subtitle="all enrolled patients",
                                    before=[
                                        html.Div(id=Survival.RESPONSE_NOTE),
                                        html.Div(id=Survival.RATES, className="row g-3 mb-3"),
                                    ],
                                ),
                                lg=6,
                            ),
                        ],
                        className="g-3",
                    ),
                    figure_card(
                        Survival.SWIMMER,
                        "Swimmer plot",
                        subtitle="one bar per patient, ordered by follow-up",
                    ),
                ],
                id=Survival.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
