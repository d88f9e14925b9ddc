"""Overview page: KPI cards, cumulative enrollment and enrollment by site."""

from __future__ import annotations

from dash import Input, Output, State

from analysis.enrollment import EnrollmentSummary, enrollment_summary
from dashboard.callbacks.access import panel_result, panel_view
from dashboard.callbacks.compare_versions import (
    compared_version,
    earlier_result,
    register_compare_choices,
    version_name,
)
from dashboard.callbacks.figure_csv import register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.components.cards import kpi_card
from dashboard.components.panel import HIDDEN, NO_FIGURE, SHOWN, figure_outputs, figure_shown
from dashboard.figures.enrollment import cumulative_enrollment_figure, enrollment_by_site_figure
from dashboard.formatting import format_percent
from dashboard.ids import Overview, Shell
from dashboard.store import DataUnavailable

PANEL = "overview"


def earlier_summary(since, version: dict) -> tuple[EnrollmentSummary | None, str]:
    """The enrollment of the version chosen in "Compare with" (None: none, or one that
    cannot be read any more) and its name in the legend."""
    try:
        number = compared_version(since, version)
        if number is None:
            return None, ""
        earlier = earlier_result(PANEL, number, "enrollment", enrollment_summary)
    except (LookupError, ValueError):  # removed since offered, or never offered
        return None, ""
    return earlier, version_name(number, earlier.data_cut)


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
        *figure_outputs(Overview.CUMULATIVE),
        *figure_outputs(Overview.BY_SITE),
        Input(Shell.VERSION, "data"),
        Input(Overview.COMPARE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_overview(version: dict | None, since, status: dict | None):
        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return unavailable, HIDDEN, [], *NO_FIGURE, *NO_FIGURE
        try:
            summary = panel_result(PANEL, version, "enrollment", enrollment_summary)
            earlier, name = earlier_summary(since, version)
        except DataUnavailable:
            return DATABASE_DOWN, HIDDEN, [], *NO_FIGURE, *NO_FIGURE
        start = summary.planned["date"].iloc[0] if not summary.planned.empty else None
        cumulative = panel_view(  # cached per version: warm pages only serialise them
            PANEL,
            version,
            "cumulative-figure",
            lambda: cumulative_enrollment_figure(
                summary, start_date=start, earlier=earlier, earlier_name=name
            ),
            since=since,
        )
        by_site = panel_view(
            PANEL, version, "by-site-figure", lambda: enrollment_by_site_figure(summary.by_site)
        )
        return None, SHOWN, kpi_cards(summary), *figure_shown(cumulative), *figure_shown(by_site)

    register_compare_choices(app, PANEL, Overview.COMPARE, Overview.COMPARE_HINT)

    register_figure_csv(app, PANEL, Overview.CUMULATIVE, kind="cumulative-enrollment")
    register_figure_csv(app, PANEL, Overview.BY_SITE, kind="enrollment-by-site")
