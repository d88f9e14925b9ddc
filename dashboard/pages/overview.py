"""Overview: enrollment against the 21-patient target, screening, sites and deaths."""

import dash
from dash import dcc, html

from dashboard.figures.theme import GRAPH_CONFIG
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
                    html.Div(
                        [
                            html.Div(
                                dcc.Graph(id=Overview.CUMULATIVE, config=GRAPH_CONFIG),
                                className="col-lg-7",
                            ),
                            html.Div(
                                dcc.Graph(id=Overview.BY_SITE, config=GRAPH_CONFIG),
                                className="col-lg-5",
                            ),
                        ],
                        className="row g-3",
                    ),
                ],
                id=Overview.CONTENT,
                style={"display": "none"},
            ),
        ]
    )
