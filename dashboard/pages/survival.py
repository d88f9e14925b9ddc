"""Survival and response: Kaplan–Meier OS/PFS, relapse/NRM, response rates, swimmer plot."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from analysis.options import BY, CONF_LEVEL, CONF_TYPE, ENDPOINT
from analysis.survival_panels import BUILT_IN_ENDPOINTS
from dashboard.callbacks.survival import NO_GROUPING
from dashboard.components.compare import compare_hint, compare_select
from dashboard.components.panel import HIDDEN, figure_card, select_items
from dashboard.components.site_filter import site_select
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
GROUP_OPTIONS = [NO_GROUPING, *select_items(BY, [f for f in BY.choices if f != "arm"])]
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
    endpoint = dbc.Select(
        id=Survival.ENDPOINT, options=ENDPOINT_OPTIONS, value=ENDPOINT.default, size="sm"
    )
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    _control(ENDPOINT.label, endpoint, 4),
                    _control(
                        CONF_TYPE.label,
                        dbc.Select(
                            id=Survival.CONF_TYPE,
                            options=select_items(CONF_TYPE),
                            value=CONF_TYPE.default,
                            size="sm",
                        ),
                        2,
                    ),
                    _control(
                        CONF_LEVEL.label,
                        dbc.Select(
                            id=Survival.CONF_LEVEL,
                            options=select_items(CONF_LEVEL),
                            value=str(CONF_LEVEL.default),
                            size="sm",
                        ),
                        1,
                    ),
                    _control(
                        BY.label,
                        dbc.Select(
                            id=Survival.GROUP_BY,
                            options=GROUP_OPTIONS,
                            value=NO_GROUPING["value"],
                            size="sm",
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
                            html.Div(id=Survival.COMPARE_NOTE),
                            html.Div(id=Survival.LOGRANK, className="small text-muted mb-2"),
                            compare_hint(Survival.COMPARE_HINT),
                        ],
                        actions=compare_select(Survival.COMPARE),
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
                        subtitle=(
                            "one bar per patient, ordered by follow-up; "
                            "click one to open the profile"
                        ),
                        before=[html.Div(id=Survival.SWIMMER_NOTE)],
                    ),
                ],
                id=Survival.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
