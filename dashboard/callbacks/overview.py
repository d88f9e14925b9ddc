"""Overview page: KPI cards, cumulative enrollment and enrollment by site."""

from __future__ import annotations

from dash import Input, Output, State

from analysis.enrollment import enrollment_summary
from dashboard.callbacks.access import panel_result
from dashboard.callbacks.panel_state import DATABASE_DOWN, HIDDEN, SHOWN, panel_unavailable
from dashboard.components.cards import kpi_card
from dashboard.figures.enrollment import cumulative_enrollment_figure, enrollment_by_site_figure
from dashboard.figures.theme import graph_style
from dashboard.formatting import format_percent
from dashboard.ids import Overview, Shell
from dashboard.store import DataUnavailable


def kpi_cards(summary) -> list:
    target = summary.target
    return [
        kpi_card(
            "Enrolled",
            f"{summary.enrolled} / {target}" if target else str(summary.enrolled),
            f"{format_percent(summary.percent_of_target)} of the target" if target else "",
            card_id="kpi-enrolled",
        ),
        kpi_card(
            "Screened",
            str(summary.screened),
            "patients screened for eligibility",
            card_id="kpi-screened",
        ),
        kpi_card(
            "Screen failures",
            str(summary.screen_failures),
            "screened, not enrolled",
            card_id="kpi-screen-failures",
        ),
        kpi_card(
            "Sites recruiting",
            f"{summary.sites_recruiting} / {summary.sites_total}",
            "sites open to recruitment",
            card_id="kpi-sites",
        ),
        kpi_card(
            "Deaths",
            str(summary.deaths),
            "among enrolled patients",
            card_id="kpi-deaths",
        ),
    ]


def register(app) -> None:
    @app.callback(
        Output(Overview.MESSAGE, "children"),
        Output(Overview.CONTENT, "style"),
        Output(Overview.KPIS, "children"),
        Output(Overview.CUMULATIVE, "figure"),
        Output(Overview.BY_SITE, "figure"),
        Output(Overview.BY_SITE, "style"),
        Input(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def update_overview(version: dict | None, status: dict | None):
        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return unavailable, HIDDEN, [], {}, {}, {}
        try:
            summary = panel_result("overview", version, "enrollment", enrollment_summary)
        except DataUnavailable:
            return DATABASE_DOWN, HIDDEN, [], {}, {}, {}
        start = summary.planned["date"].iloc[0] if not summary.planned.empty else None
        by_site = enrollment_by_site_figure(summary.by_site)
        return (
            None,
            SHOWN,
            kpi_cards(summary),
            cumulative_enrollment_figure(summary, start_date=start),
            by_site,
            graph_style(by_site),
        )
