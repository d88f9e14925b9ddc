"""Sites page: site table, activation timeline, map, recruitment, forecast with what-if, funnel.

Only aggregates leave this module (site counts, dates, funnel counts): the sponsor sees
the page, so no patient id reaches the browser.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, no_update

from analysis.quality.rules import SITE_DATES
from dashboard.auth import audit, require_panel
from dashboard.callbacks.access import panel_result, panel_view
from dashboard.callbacks.figure_csv import register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.sites_view import (
    BASELINE,
    NO_EXTRA_SITE,
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
from dashboard.components.grid import register_csv_export
from dashboard.components.panel import (
    HIDDEN,
    NO_FIGURE,
    SHOWN,
    empty_state,
    figure_outputs,
    figure_shown,
    quality_href,
)
from dashboard.figures.forecast import forecast_figure, target_reached_on
from dashboard.figures.site_map import site_map_figure
from dashboard.figures.sites import (
    activation_timeline_figure,
    recruitment_by_site_figure,
    screening_funnel_figure,
)
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


def milestones_note(metrics: pd.DataFrame):
    """What the table leaves out for sites whose milestones are out of order, and a link
    to those findings; None when every site's are in order."""
    sites = list(metrics.loc[metrics["dates_out_of_order"], "site_id"])
    if not sites:
        return None
    return dbc.Alert(
        [
            f"Time to activation or enrollment rate not shown for {', '.join(sites)}: "
            "activation dated before the ethics approval, or closure before activation (",
            dcc.Link(
                f"{SITE_DATES} findings", href=quality_href(SITE_DATES), className="alert-link"
            ),
            ").",
        ],
        color="warning",
        className="left-out-note small",
    )


def register(app) -> None:
    register_csv_export(app, Sites.GRID_CSV, Sites.GRID, on_export=audit_export)
    for ids, kind in (
        (Sites.TIMELINE, "site-activation"),
        (Sites.MAP, "site-map"),
        (Sites.FORECAST, "enrollment-forecast"),
        (Sites.BY_SITE, "recruitment-by-site"),
        (Sites.FUNNEL, "screening-funnel"),
    ):
        register_figure_csv(app, PANEL, ids, kind=kind)
    _register_page_data(app)
    _register_forecast(app)


def _register_page_data(app) -> None:
    outputs = (
        Output(Sites.MESSAGE, "children"),
        Output(Sites.CONTENT, "style"),
        Output(Sites.KPIS, "children"),
        Output(Sites.GRID, "rowData"),
        *figure_outputs(Sites.TIMELINE),
        *figure_outputs(Sites.MAP),
        Output(Sites.BY_SITE_MESSAGE, "children"),
        *figure_outputs(Sites.BY_SITE),
        Output(Sites.FUNNEL_MESSAGE, "children"),
        *figure_outputs(Sites.FUNNEL),
        Output(Sites.REASONS, "children"),
        Output(Sites.WHATIF_SITE, "options"),
        Output(Sites.WHATIF_DATE, "min"),
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

        def drawn(name, make):  # cached per version: warm pages only serialise them
            return figure_shown(panel_view(PANEL, version, name, make))

        by_site_message, by_site = None, NO_FIGURE
        if data.metrics["enrolled"].sum() == 0:
            by_site_message = empty_state("No patient has been enrolled yet.")
        else:
            by_site = drawn(
                "by-site-figure",
                lambda: recruitment_by_site_figure(data.metrics, data.by_site, data.data_cut),
            )
        funnel_message, funnel = None, NO_FIGURE
        if data.funnel.screened == 0:
            funnel_message = empty_state("No patient has been screened yet.")
        else:
            funnel = drawn("funnel-figure", lambda: screening_funnel_figure(data.funnel))
        unknown = sites_unknown(data.metrics)
        timeline = site_map = NO_FIGURE
        if not unknown:
            timeline = drawn(
                "timeline-figure",
                lambda: activation_timeline_figure(data.metrics, data.data_cut),
            )
            site_map = drawn("map-figure", lambda: site_map_figure(data.metrics))
        return (
            [SITES_UNKNOWN if unknown else None, milestones_note(data.metrics)],
            SHOWN,
            kpi_cards(data, forecast),
            site_rows(data.metrics),
            *timeline,
            *site_map,
            by_site_message,
            *by_site,
            funnel_message,
            *funnel,
            funnel_reasons(data.funnel) if data.funnel.screened else None,
            what_if_options(data.metrics, data.data_cut),
            (data.data_cut + pd.Timedelta(days=1)).isoformat(),
        )

    @app.callback(
        Output(Sites.WHATIF_DATE, "value"),
        Input(Sites.WHATIF_SITE, "value"),
        State(Sites.WHATIF_DATE, "value"),
        State(Sites.WHATIF_DATE, "min"),
        prevent_initial_call=True,
    )
    def suggest_opening_date(site, day, earliest):
        """Picking a site without a date proposes the first of the month after the cut."""
        if site in (None, NO_EXTRA_SITE["value"]) or day or not earliest:
            return no_update
        first = pd.Timestamp(earliest) - pd.Timedelta(days=1) + pd.offsets.MonthBegin(1)
        return first.date().isoformat()


def _register_forecast(app) -> None:
    @app.callback(
        Output(Sites.FORECAST_MESSAGE, "children"),
        *figure_outputs(Sites.FORECAST),
        Output(Sites.FORECAST_TEXT, "children"),
        Output(Sites.ASSUMPTIONS, "children"),
        Input(Shell.VERSION, "data"),
        Input(Sites.WHATIF_SITE, "value"),
        Input(Sites.WHATIF_DATE, "value"),
        Input(Sites.WHATIF_RATE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_forecast(version, site, day, rate, status):
        if panel_unavailable(version, status) is not None:
            return None, *NO_FIGURE, None, None

        def problem(message: str, color: str = "warning"):
            return empty_state(message, color=color), *NO_FIGURE, None, None

        try:
            data = panel_result(PANEL, version, "page", sites_data)
            options = parse_what_if(site, day, rate, data.data_cut)
            forecast = panel_result(PANEL, version, "forecast", site_forecast, **options)
        except BadOption as error:
            return problem(str(error))
        except DataUnavailable:
            return None, *NO_FIGURE, None, None
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
            return None, *figure_shown(figure), text, None
        scenario = options != BASELINE
        return (
            None,
            *figure_shown(figure),
            forecast_sentence(forecast, scenario),
            assumption_items(forecast),
        )
