"""Sites and recruitment: activation, recruitment by site, map, forecast, screening funnel.

Aggregates only (no patient ids): the sponsor sees the whole page (``docs/roles.md``).
"""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.callbacks.sites_view import NO_EXTRA_SITE, RATE_OPTIONS
from dashboard.components.grid import (
    badge_column,
    data_grid,
    date_column,
    number_column,
    text_column,
)
from dashboard.components.panel import HIDDEN, figure_card, panel_card
from dashboard.figures.site_map import map_graph_config
from dashboard.figures.theme import SITE_STATUS_COLORS, SITE_STATUS_LABELS
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
    text_column("name", "Site", pinned="left", width=230),
    badge_column("status", "Status", STATUS_BADGE_COLORS, width=150),
    number_column("screened", "Screened", width=100),
    number_column("enrolled", "Enrolled", width=100),
    number_column("enrolled_per_month", "Enrolled per month active", decimals=2, width=115),
    number_column("days_to_activation", "Days ethics → activation", width=115),
    number_column("days_since_last_enrollment", "Days since last enrollment", width=115),
    number_column("screen_failures", "Screen failures", width=100),
    date_column("ethics_approved_on", "Ethics approval", width=120),
    date_column("contract_signed_on", "Contract signed", width=120),
    date_column("initiation_visit_on", "Initiation visit", width=120),
    date_column("activated_on", "Activated", width=120),
    date_column("first_enrolled_on", "First enrolled", width=120),
    date_column("last_enrolled_on", "Last enrolled", width=120),
    date_column("closed_on", "Closed", width=120),
    text_column("city", "City", width=170),
    text_column("site_id", "ID", width=80),
]
"""The columns a sponsor reads first (status, patients, rates, activation time) come
first; the milestone dates follow, also drawn in the activation figure."""

FORECAST_TEXT_CLASS = "fw-semibold mt-3 mb-2"
ASSUMPTIONS_CLASS = "small text-muted mb-0"


def _what_if_controls() -> dbc.Row:
    def control(label: str, component, width: int) -> dbc.Col:
        return dbc.Col([dbc.Label(label, html_for=component.id), component], md=width)

    return dbc.Row(
        [
            control(
                "If this site opens",
                dbc.Select(
                    id=Sites.WHATIF_SITE, options=[NO_EXTRA_SITE], value=NO_EXTRA_SITE["value"]
                ),
                5,
            ),
            control("on", dbc.Input(id=Sites.WHATIF_DATE, type="date", debounce=True), 3),
            control(
                "Recruitment rate of every site",
                dbc.Select(id=Sites.WHATIF_RATE, options=RATE_OPTIONS, value="1"),
                4,
            ),
        ],
        className="g-3 what-if",
    )


def site_map() -> dbc.Card:
    """The map card; its tiles are served from this server (no map service)."""
    return figure_card(
        Sites.MAP,
        "Where the sites are",
        subtitle="colour: site status",
        config=map_graph_config(dash.get_asset_url("geo/")),
    )


def layout(**_query):
    return html.Div(
        [
            html.H1("Sites and recruitment", className="page-title"),
            dcc.Loading(html.Div(id=Sites.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Sites.KPIS, className="row g-3 mb-3"),
                    panel_card(
                        "Sites",
                        [
                            data_grid(
                                Sites.GRID,
                                SITE_COLUMNS,
                                csv_file_name="mtsa-sites.csv",
                                export_button_id=Sites.GRID_CSV,
                                row_id="site_id",
                            )
                        ],
                        subtitle="activation milestones, patients and rates",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                figure_card(
                                    Sites.TIMELINE,
                                    "Activation",
                                    subtitle="ethics approval to opening, per site",
                                ),
                                lg=8,
                            ),
                            dbc.Col(site_map(), lg=4),
                        ],
                        className="g-3",
                    ),
                    figure_card(
                        Sites.FORECAST,
                        "When will the trial reach its target?",
                        before=[
                            _what_if_controls(),
                            html.Div(id=Sites.WHATIF_NOTE, className="mt-2"),
                            html.Div(id=Sites.FORECAST_MESSAGE),
                        ],
                        after=[
                            html.P(id=Sites.FORECAST_TEXT, className=FORECAST_TEXT_CLASS),
                            html.Ul(id=Sites.ASSUMPTIONS, className=ASSUMPTIONS_CLASS),
                        ],
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                figure_card(
                                    Sites.BY_SITE,
                                    "Recruitment by site",
                                    before=[html.Div(id=Sites.BY_SITE_MESSAGE)],
                                ),
                                lg=7,
                            ),
                            dbc.Col(
                                figure_card(
                                    Sites.FUNNEL,
                                    "Screening",
                                    before=[html.Div(id=Sites.FUNNEL_MESSAGE)],
                                    after=[html.Div(id=Sites.REASONS, className="small mt-3")],
                                ),
                                lg=5,
                            ),
                        ],
                        className="g-3",
                    ),
                ],
                id=Sites.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
