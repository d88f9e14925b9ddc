"""Sites page: site table, activation timeline, map, recruitment, forecast with what-if, funnel.

Only aggregates leave this module (site counts, dates, funnel counts): the sponsor sees
the page, so no patient id reaches the browser.
"""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, no_update

from dashboard.auth import audit, require_panel
from dashboard.callbacks.access import panel_result
from dashboard.callbacks.panel_state import DATABASE_DOWN, HIDDEN, SHOWN, panel_unavailable
from dashboard.callbacks.sites_view import (
    BASELINE,
    BadOption,
    assumption_items,
    forecast_sentence,
    funnel_reasons,
    kpi_cards,
    parse_what_if,
    site_forecast,
    site_rows,
    sites_data,
    sites_unknown,
    what_if_options,
)
from dashboard.components.cards import empty_state
from dashboard.components.grid import register_csv_export
from dashboard.figures.forecast import forecast_figure, target_reached_on
from dashboard.figures.site_map import site_map_figure
from dashboard.figures.sites import (
    activation_timeline_figure,
    recruitment_by_site_figure,
    screening_funnel_figure,
)
from dashboard.figures.theme import graph_style
from dashboard.formatting import format_date
from dashboard.ids import Shell, Sites
from dashboard.store import DataUnavailable

PANEL = "sites"
SITES_UNKNOWN = empty_state(
    "Site names, cities and activation milestones are not recorded in these data.",
    "They were loaded without a sites file (import --sites FILE, in the sites.csv "
    "format): each site is listed by its id, and activation times, enrollment rates per "
    "month of activity and site openings in the forecast cannot be computed.",
    color="info",
)


def audit_export() -> None:
    """The site table is about to be downloaded: check the role, then audit it."""
    require_panel(PANEL)
    audit("export", "/sites site table CSV (mtsa-sites.csv)")


def register(app) -> None:
    register_csv_export(app, Sites.GRID_CSV, Sites.GRID, on_export=audit_export)
    _register_page_data(app)
    _register_forecast(app)


def _register_page_data(app) -> None:
    outputs = (
        Output(Sites.MESSAGE, "children"),
        Output(Sites.CONTENT, "style"),
        Output(Sites.KPIS, "children"),
        Output(Sites.GRID, "rowData"),
        Output(Sites.TIMELINE, "figure"),
        Output(Sites.TIMELINE, "style"),
        Output(Sites.MAP, "figure"),
        Output(Sites.MAP, "style"),
        Output(Sites.BY_SITE_MESSAGE, "children"),
        Output(Sites.BY_SITE, "figure"),
        Output(Sites.BY_SITE, "style"),
        Output(Sites.FUNNEL_MESSAGE, "children"),
        Output(Sites.FUNNEL, "figure"),
        Output(Sites.FUNNEL, "style"),
        Output(Sites.REASONS, "children"),
        Output(Sites.WHATIF_SITE, "options"),
        Output(Sites.WHATIF_DATE, "min_date_allowed"),
        Output(Sites.WHATIF_DATE, "initial_visible_month"),
    )

    def nothing(message):
        return (message, HIDDEN, *[no_update] * (len(outputs) - 2))

    @app.callback(*outputs, Input(Shell.VERSION, "data"), State(Shell.STATUS, "data"))
    def update_sites(version: dict | None, status: dict | None):
        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return nothing(unavailable)
        try:
            data = panel_result(PANEL, version, "page", sites_data)
        except DataUnavailable:
            return nothing(DATABASE_DOWN)
        except ValueError as error:
            return nothing(empty_state(f"The site data cannot be summarised: {error}"))
        try:
            forecast = panel_result(PANEL, version, "forecast", site_forecast, **BASELINE)
        except (DataUnavailable, ValueError):
            forecast = None
        if data.metrics.empty:
            return nothing(
                empty_state(
                    "The trial data have no sites.",
                    "Add the sites to sites.csv and import the bundle again.",
                    color="info",
                )
            )
        by_site_message, by_site, by_site_style = None, no_update, HIDDEN
        if data.metrics["enrolled"].sum() == 0:
            by_site_message = empty_state("No patient has been enrolled yet.")
        else:
            by_site = recruitment_by_site_figure(data.metrics, data.by_site, data.data_cut)
            by_site_style = graph_style(by_site)
        funnel_message, funnel, funnel_style = None, no_update, HIDDEN
        if data.funnel.screened == 0:
            funnel_message = empty_state("No patient has been screened yet.")
        else:
            funnel = screening_funnel_figure(data.funnel)
            funnel_style = graph_style(funnel)
        unknown = sites_unknown(data.metrics)
        timeline = {} if unknown else activation_timeline_figure(data.metrics, data.data_cut)
        site_map = {} if unknown else site_map_figure(data.metrics)
        cut = data.data_cut.isoformat()
        return (
            SITES_UNKNOWN if unknown else None,
            SHOWN,
            kpi_cards(data, forecast),
            site_rows(data.metrics),
            timeline,
            HIDDEN if unknown else graph_style(timeline),
            site_map,
            HIDDEN if unknown else graph_style(site_map),
            by_site_message,
            by_site,
            by_site_style,
            funnel_message,
            funnel,
            funnel_style,
            funnel_reasons(data.funnel) if data.funnel.screened else None,
            what_if_options(data.metrics, data.data_cut),
            cut,
            cut,
        )

    @app.callback(
        Output(Sites.WHATIF_DATE, "date"),
        Input(Sites.WHATIF_SITE, "value"),
        State(Sites.WHATIF_DATE, "date"),
        State(Sites.WHATIF_DATE, "min_date_allowed"),
        prevent_initial_call=True,
    )
    def suggest_opening_date(site, day, earliest):
        """Picking a site without a date proposes the first of the month after the cut."""
        if not site or day or not earliest:
            return no_update
        first = pd.Timestamp(earliest) + pd.offsets.MonthBegin(1)
        return first.date().isoformat()


def _register_forecast(app) -> None:
    @app.callback(
        Output(Sites.FORECAST_MESSAGE, "children"),
        Output(Sites.FORECAST, "figure"),
        Output(Sites.FORECAST, "style"),
        Output(Sites.FORECAST_TEXT, "children"),
        Output(Sites.ASSUMPTIONS, "children"),
        Input(Shell.VERSION, "data"),
        Input(Sites.WHATIF_SITE, "value"),
        Input(Sites.WHATIF_DATE, "date"),
        Input(Sites.WHATIF_RATE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_forecast(version, site, day, rate, status):
        if panel_unavailable(version, status) is not None:
            return None, no_update, HIDDEN, None, None

        def problem(message: str, color: str = "warning"):
            return empty_state(message, color=color), no_update, HIDDEN, None, None

        try:
            options = parse_what_if(site, day, rate)
        except BadOption as error:
            return problem(str(error))
        try:
            data = panel_result(PANEL, version, "page", sites_data)
            forecast = panel_result(PANEL, version, "forecast", site_forecast, **options)
        except DataUnavailable:
            return None, no_update, HIDDEN, None, None
        except ValueError as error:
            return problem(f"This scenario cannot be forecast: {error}.")
        figure = forecast_figure(
            data.cumulative,
            forecast,
            target=data.target,
            data_cut=data.data_cut,
            planned_end=data.planned_end,
            start_date=data.start_date,
        )
        if forecast is None:
            reached = target_reached_on(data.cumulative, data.target)
            text = f"Target reached on {format_date(reached)}." if reached else None
            return None, figure, graph_style(figure), text, None
        scenario = options != BASELINE
        return (
            None,
            figure,
            graph_style(figure),
            forecast_sentence(forecast, scenario),
            assumption_items(forecast),
        )
