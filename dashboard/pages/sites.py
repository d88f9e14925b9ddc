"""Sites and recruitment: activation, recruitment by site, map, forecast, screening funnel.

Aggregates only (no patient ids): the sponsor sees the whole page (``docs/roles.md``).
"""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.grid import (
    badge_column,
    data_grid,
    date_column,
    number_column,
    text_column,
)
from dashboard.figures.site_map import map_graph_config
from dashboard.figures.theme import GRAPH_CONFIG, SITE_STATUS_COLORS, SITE_STATUS_LABELS
from dashboard.ids import Sites

dash.register_page(
    __name__,
    path="/sites",
    name="Sites",
    title="Sites and recruitment · MTSA",
    order=1,
    panel="sites",
)

STATUS_BADGE_COLORS = {
    SITE_STATUS_LABELS[status]: color for status, color in SITE_STATUS_COLORS.items()
}
SITE_COLUMNS = [
    text_column("name", "Site", pinned="left", width=270, tooltipField="name"),
    text_column("site_id", "ID", width=80),
    text_column("city", "City", width=190, tooltipField="city"),
    badge_column("status", "Status", STATUS_BADGE_COLORS, width=170),
    date_column("ethics_approved_on", "Ethics approval", width=125),
    date_column("contract_signed_on", "Contract signed", width=125),
    date_column("initiation_visit_on", "Initiation visit", width=125),
    date_column("activated_on", "Activated", width=125),
    date_column("closed_on", "Closed", width=125),
    number_column("days_to_activation", "Days ethics → activation", width=120),
    number_column("screened", "Screened", width=110),
    number_column("enrolled", "Enrolled", width=110),
    number_column("screen_failures", "Screen failures", width=110),
    date_column("first_enrolled_on", "First enrolled", width=125),
    date_column("last_enrolled_on", "Last enrolled", width=125),
    number_column("enrolled_per_month", "Enrolled per month active", decimals=2, width=120),
    number_column("days_since_last_enrollment", "Days since last enrollment", width=120),
]

FORECAST_TEXT_CLASS = "fw-semibold mt-3 mb-2"
ASSUMPTIONS_CLASS = "small text-muted mb-0"
RATE_MARKS = {k: f"×{k:g}" for k in (0.5, 1, 1.5, 2, 2.5, 3)}


def _card(title: str, body: list, class_name: str = "") -> dbc.Card:
    return dbc.Card(
        dbc.CardBody([html.H2(title, className="h5 fw-semibold mb-3"), *body]),
        className=f"kpi-card mb-3 {class_name}".strip(),
    )


def _what_if_controls() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("If this site opens", html_for=Sites.WHATIF_SITE),
                    dcc.Dropdown(
                        id=Sites.WHATIF_SITE,
                        options=[],
                        value=None,
                        placeholder="No extra site (sites open as predicted)",
                        clearable=True,
                    ),
                ],
                md=5,
            ),
            dbc.Col(
                [
                    dbc.Label("on", html_for=Sites.WHATIF_DATE),
                    html.Div(
                        dcc.DatePickerSingle(
                            id=Sites.WHATIF_DATE,
                            display_format="DD MMM YYYY",
                            placeholder="Opening date",
                            first_day_of_week=1,
                        )
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Recruitment rate of every site", html_for=Sites.WHATIF_RATE),
                    dcc.Slider(
                        id=Sites.WHATIF_RATE,
                        min=0.5,
                        max=3,
                        step=0.25,
                        value=1,
                        marks=RATE_MARKS,
                    ),
                ],
                md=4,
            ),
        ],
        className="g-3 what-if",
    )


def layout(**_query):
    return html.Div(
        [
            html.H1("Sites and recruitment", className="page-title"),
            dcc.Loading(html.Div(id=Sites.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Sites.KPIS, className="row g-3 mb-3"),
                    dbc.Card(
                        dbc.CardBody(
                            data_grid(
                                Sites.GRID,
                                SITE_COLUMNS,
                                csv_file_name="mtsa-sites.csv",
                                export_button_id=Sites.GRID_CSV,
                                row_id="site_id",
                                title="Sites",
                            )
                        ),
                        className="kpi-card mb-3",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Graph(id=Sites.TIMELINE, config=GRAPH_CONFIG),
                                lg=8,
                            ),
                            dbc.Col(
                                dcc.Graph(
                                    id=Sites.MAP,
                                    config=map_graph_config(dash.get_asset_url("geo/")),
                                ),
                                lg=4,
                            ),
                        ],
                        className="g-3 mb-3",
                    ),
                    _card(
                        "When will the trial reach its target?",
                        [
                            _what_if_controls(),
                            html.Div(id=Sites.WHATIF_NOTE, className="mt-2"),
                            dcc.Loading(
                                [
                                    html.Div(id=Sites.FORECAST_MESSAGE),
                                    dcc.Graph(id=Sites.FORECAST, config=GRAPH_CONFIG),
                                    html.P(id=Sites.FORECAST_TEXT, className=FORECAST_TEXT_CLASS),
                                    html.Ul(id=Sites.ASSUMPTIONS, className=ASSUMPTIONS_CLASS),
                                ],
                                type="circle",
                            ),
                        ],
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    html.Div(id=Sites.BY_SITE_MESSAGE),
                                    dcc.Graph(id=Sites.BY_SITE, config=GRAPH_CONFIG),
                                ],
                                lg=7,
                            ),
                            dbc.Col(
                                [
                                    html.Div(id=Sites.FUNNEL_MESSAGE),
                                    dcc.Graph(id=Sites.FUNNEL, config=GRAPH_CONFIG),
                                    dbc.Card(
                                        dbc.CardBody(id=Sites.REASONS, className="small"),
                                        className="kpi-card mt-3",
                                    ),
                                ],
                                lg=5,
                            ),
                        ],
                        className="g-3 mb-3",
                    ),
                ],
                id=Sites.CONTENT,
                style={"display": "none"},
            ),
        ]
    )
