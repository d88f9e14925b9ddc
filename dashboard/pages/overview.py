"""Overview: enrollment against the 21-patient target, screening, sites and deaths."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.compare import compare_hint, compare_select
from dashboard.components.panel import HIDDEN, figure_card
from dashboard.ids import Overview

dash.register_page(
    __name__, path="/", name="Overview", title="Overview · MTSA", order=0, panel="overview"
)


def layout(**_query):
    return html.Div(
        [
            html.H1("Enrollment overview", className="page-title"),
            dcc.Loading(html.Div(id=Overview.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Overview.KPIS, className="row g-3 mb-3"),
                    html.Div(id=Overview.ALERTS),
                    dbc.Row(
                        [
                            dbc.Col(
                                figure_card(
                                    Overview.CUMULATIVE,
                                    "Cumulative enrollment",
                                    subtitle="against the plan",
                                    before=[compare_hint(Overview.COMPARE_HINT)],
                                    actions=compare_select(Overview.COMPARE),
                                ),
                                lg=7,
                            ),
                            dbc.Col(
                                figure_card(
                                    Overview.BY_SITE,
                                    "Patients by site",
                                    subtitle="colour: site status",
                                ),
                                lg=5,
                            ),
                        ],
                        className="g-3",
                    ),
                ],
                id=Overview.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
