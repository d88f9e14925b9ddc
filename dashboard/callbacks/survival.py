"""Survival page: Kaplan–Meier curves, relapse/NRM, response and swimmer plot, CSVs."""

from __future__ import annotations

from dataclasses import dataclass

from dash import Input, Output, State, no_update
from flask_login import current_user

from analysis.options import BY, CONF_LEVEL, CONF_TYPE
from analysis.study_content import WHAT
from analysis.survival_summary import (
    SurvivalSummary,
    cif_steps_table,
    km_steps_table,
    outcomes_view,
    response_table,
    site_choices,
    survival_choices,
    survival_view,
)
from dashboard.auth import can_compare_arms
from dashboard.callbacks.access import panel_result, panel_view
from dashboard.callbacks.compare_versions import (
    compared_version,
    earlier_result,
    register_compare_choices,
    version_name,
)
from dashboard.callbacks.figure_csv import csv_name, register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.site_filter import site_option, site_options
from dashboard.components.cards import kpi_card
from dashboard.components.panel import (
    HIDDEN,
    NO_FIGURE,
    SHOWN,
    empty_state,
    figure_outputs,
    figure_shown,
    left_out_note,
    not_recorded_state,
    select_items,
)
from dashboard.figures.response import rate_texts, response_figure
from dashboard.figures.survival import cif_figure, km_figure, month_text
from dashboard.figures.swimmer import swimmer_figure
from dashboard.formatting import format_date, plural
from dashboard.ids import Shell, Survival
from dashboard.store import DataUnavailable

PANEL = "survival"
NO_GROUPING = {"label": "No grouping", "value": "none"}
BY_LABELS = {
    "cytogenetic_risk": "cytogenetic risk groups",
    "sex": "sexes",
    "site_id": "sites",
    "arm": "arms",
}
SMALL_GROUP = 5


class BadOption(ValueError):
    """An option value the page never offers (a forged or stale request)."""


@dataclass(frozen=True)
class Options:
    endpoint: str = "os"
    conf_type: str = "log"
    conf_level: float = 0.95
    by: str | None = None
    site: str | None = None

    def km(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "by": self.by,
            "conf_type": self.conf_type,
            "conf_level": self.conf_level,
        }


def parse_options(endpoint, conf_type, conf_level, group_by, site) -> Options:
    """The page's control values, checked; a ValueError for anything not offered.

    The endpoint is checked against the data by the analysis (a study's own endpoints
    are offered beside OS and PFS); comparing arms is for the DSMB only.
    """
    if not isinstance(endpoint, str) or not endpoint:
        raise BadOption(f"Unknown endpoint {endpoint!r}: choose one of the endpoints offered.")
    try:
        CONF_TYPE.check(conf_type)
        level = CONF_LEVEL.parse(conf_level)
        if level not in CONF_LEVEL.offered:
            raise ValueError(f"conf_level {conf_level!r} is not offered")
        if group_by != NO_GROUPING["value"]:
            BY.check(group_by)
    except (TypeError, ValueError) as error:
        raise BadOption(f"{error}: choose one of the values offered.") from None
    if group_by == "arm" and not can_compare_arms(current_user):
        raise BadOption("Comparing treatment arms is for the data safety monitoring board.")
    return Options(
        endpoint=endpoint,
        conf_type=conf_type,
        conf_level=level,
        by=None if group_by == NO_GROUPING["value"] else group_by,
        site=site_option(site),
    )


def summary_sentence(summary: SurvivalSummary) -> str:
    """'n patients, k deaths, median OS x months (95% CI a–b), median follow-up y months,
    data cut-off d' (PFS: 'k events (progression or death), median PFS ...')."""
    name = summary.endpoint.upper() if summary.endpoint in ("os", "pfs") else summary.label
    if summary.endpoint == "os":
        events = plural(summary.events, "death")
    elif summary.endpoint == "pfs":
        events = f"{plural(summary.events, 'event')} (progression or death)"
    else:
        events = plural(summary.events, "event")
    lower, upper = summary.median_ci
    ci = f"{100 * summary.conf_level:.0f}% CI {month_text(lower)}–{month_text(upper)}"
    if summary.median is not None:
        median = f"median {name} {month_text(summary.median)} months ({ci})"
    else:  # its interval's lower limit may be reached: the curve tooltip shows the band
        median = f"median {name} not reached"
    follow_up = (
        "median follow-up not reached"
        if summary.follow_up_median is None
        else f"median follow-up {month_text(summary.follow_up_median)} months"
    )
    return (
        f"{plural(summary.n, 'patient')}, {events}, {median}, {follow_up}, "
        f"data cut-off {format_date(summary.data_cut)}"
    )


def no_event_note(summary: SurvivalSummary):
    if summary.events:
        return None
    if summary.endpoint == "os":
        text = "No deaths yet: the OS curve stays at 100% and the median is not reached."
    elif summary.endpoint == "pfs":
        text = (
            "No progression or death yet: the PFS curve stays at 100% and the median is "
            "not reached."
        )
    else:
        text = f"No event yet ({summary.label}): the curve stays at 100%."
    return empty_state(text, color="info")


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def logrank_texts(curves: dict, by: str | None) -> tuple[str, str | None]:
    """The log-rank line above the figure and the short note written on it."""
    if by is None:
        return "", None
    small = [g for g in curves["groups"] if g["n"] < SMALL_GROUP]
    caution = " Groups of fewer than 5 patients: read their curves with caution." if small else ""
    test = curves["logrank"]
    if test is None:
        return (
            "Log-rank test not available: it needs at least two groups with patients "
            f"at risk at an event time.{caution}",
            None,
        )
    p = _p_text(test["p"])
    line = (
        f"Log-rank test across {BY_LABELS[by]}: χ² = {test['chi2']:.2f}, "
        f"{test['df']} df, {p}.{caution}"
    )
    return line, f"Log-rank {p}"


def nobody_message(options: Options):
    if options.site is not None:
        return empty_state(
            f"No enrolled patients at site {options.site} yet.",
            "Choose “All sites” or another site to see the curves.",
            color="info",
        )
    return empty_state(
        "No patients enrolled yet.",
        "The curves, response rates and swimmer plot appear with the first enrollment.",
        color="info",
    )


def earlier_curves(since, version: dict, options: Options) -> tuple[dict | None, str, object]:
    """The Kaplan–Meier curves of the version chosen in "Compare with", for the same
    options and patients' scope: ``(curves or None, name in the legend, note)``; the
    note says why an earlier version chosen draws no curve."""
    try:
        number = compared_version(since, version)
    except ValueError:  # never offered: draw the shown curves only
        return None, "", None
    if number is None:
        return None, "", None
    try:
        earlier = earlier_result(
            PANEL, number, "km", survival_view, site_filter=options.site, **options.km()
        )
    except (LookupError, ValueError) as error:
        return None, "", _compare_note(f"Version {number} cannot be drawn: {error}")
    if earlier.summary.n == 0:
        return None, "", _compare_note(f"Version {number} has no enrolled patient here.")
    return earlier.curves, version_name(number, earlier.summary.data_cut), None


def _compare_note(text: str):
    return empty_state(text, color="info")


def rate_cards(response: dict) -> list:
    texts = rate_texts(response)
    cr, cr_cri = response["cr_rate"], response["cr_cri_rate"]
    return [
        kpi_card(
            "CR rate",
            "—" if cr["estimate"] is None else f"{100 * cr['estimate']:.0f}%",
            texts["cr"],
            card_id="survival-cr-rate",
        ),
        kpi_card(
            "CR + CRi rate",
            "—" if cr_cri["estimate"] is None else f"{100 * cr_cri['estimate']:.0f}%",
            texts["cr_cri"],
            card_id="survival-cr-cri-rate",
        ),
    ]


OPTION_STATES = (
    State(Survival.ENDPOINT, "value"),
    State(Survival.CONF_TYPE, "value"),
    State(Survival.CONF_LEVEL, "value"),
    State(Survival.GROUP_BY, "value"),
    State(Survival.SITE, "value"),
)


def _drawn(version, site: str | None, name: str, make, **options):
    """What ``make()`` draws from the page's results for ``site``, cached per data
    version and options (warm pages only serialise it)."""
    return panel_view(PANEL, version, name, make, site_filter=site, **options)


def register(app) -> None:
    @app.callback(
        Output(Survival.MESSAGE, "children"),
        Output(Survival.CONTENT, "style"),
        Output(Survival.SUMMARY, "children"),
        Output(Survival.NOTE, "children"),
        Output(Survival.LOGRANK, "children"),
        Output(Survival.COMPARE_NOTE, "children"),
        *figure_outputs(Survival.KM),
        Input(Shell.VERSION, "data"),
        Input(Survival.ENDPOINT, "value"),
        Input(Survival.CONF_TYPE, "value"),
        Input(Survival.CONF_LEVEL, "value"),
        Input(Survival.GROUP_BY, "value"),
        Input(Survival.SITE, "value"),
        Input(Survival.COMPARE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_survival_curves(
        version, endpoint, conf_type, conf_level, group_by, site, since, status
    ):
        def hidden(message):
            return message, HIDDEN, "", None, "", None, *NO_FIGURE

        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return hidden(unavailable)
        try:
            options = parse_options(endpoint, conf_type, conf_level, group_by, site)
            view = panel_result(
                PANEL, version, "km", survival_view, site_filter=options.site, **options.km()
            )
        except DataUnavailable:
            return hidden(DATABASE_DOWN)
        except ValueError as error:
            return hidden(empty_state("These curves cannot be drawn.", str(error), "warning"))
        if view.summary.n == 0:
            return hidden(nobody_message(options))
        try:
            earlier, name, compare_note = earlier_curves(since, version, options)
        except DataUnavailable:
            return hidden(DATABASE_DOWN)
        line, note = logrank_texts(view.curves, options.by)
        figure = _drawn(
            version,
            options.site,
            "km-figure",
            lambda: km_figure(
                view.curves,
                options.conf_level,
                by=options.by,
                note=note,
                earlier=earlier,
                earlier_name=name,
            ),
            since=since,
            **options.km(),
        )
        return (
            None,
            SHOWN,
            summary_sentence(view.summary),
            [left_out_note(view.curves["left_out"], "these curves"), no_event_note(view.summary)],
            line,
            compare_note,
            *figure_shown(figure),
        )

    @app.callback(
        *figure_outputs(Survival.CIF),
        Output(Survival.CIF_NOTE, "children"),
        *figure_outputs(Survival.RESPONSE),
        Output(Survival.RESPONSE_NOTE, "children"),
        Output(Survival.RATES, "children"),
        *figure_outputs(Survival.SWIMMER),
        Output(Survival.SWIMMER_NOTE, "children"),
        Input(Shell.VERSION, "data"),
        Input(Survival.SITE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_outcomes(version, site, status):
        nothing = *NO_FIGURE, None, *NO_FIGURE, None, [], *NO_FIGURE, None
        if panel_unavailable(version, status) is not None:
            return nothing
        try:
            options = parse_options("os", "log", 0.95, "none", site)
            view = panel_result(PANEL, version, "outcomes", outcomes_view, site_filter=options.site)
            choices = panel_result(PANEL, version, "choices", survival_choices)
        except (DataUnavailable, ValueError):
            return nothing  # the curves' callback shows why
        if view.n == 0:
            return nothing
        swimmer = figure_shown(
            _drawn(version, options.site, "swimmer-figure", lambda: swimmer_figure(view.swimmer))
        )
        swimmer_note = left_out_note(view.swimmer_left_out, "the swimmer plot")
        if "responses" in choices.not_recorded:
            missing = not_recorded_state([WHAT["responses"]])
            return *NO_FIGURE, missing, *NO_FIGURE, missing, [], *swimmer, swimmer_note
        return (
            *figure_shown(
                _drawn(version, options.site, "cif-figure", lambda: cif_figure(view.relapse))
            ),
            left_out_note(view.relapse["left_out"], "the relapse and NRM incidence"),
            *figure_shown(
                _drawn(
                    version, options.site, "response-figure", lambda: response_figure(view.response)
                )
            ),
            None,
            rate_cards(view.response),
            *swimmer,
            swimmer_note,
        )

    @app.callback(
        Output(Survival.ENDPOINT, "options"),
        Output(Survival.GROUP_BY, "options"),
        Input(Shell.VERSION, "data"),
    )
    def update_choices(version):
        """Endpoints of these data (a study's own, from ADTTE, beside OS and PFS), and
        arms to compare for the DSMB when the trial has two or more."""
        if not version or version.get("version") is None:
            return no_update, no_update
        try:
            choices = panel_result(PANEL, version, "choices", survival_choices)
        except DataUnavailable:
            return no_update, no_update
        endpoints = [{"label": c["label"], "value": c["endpoint"]} for c in choices.endpoints]
        offered = [
            f for f in BY.choices if f != "arm" or (choices.arms and can_compare_arms(current_user))
        ]
        return endpoints, [
            {"label": "No grouping", "value": NO_GROUPING},
            *select_items(BY, offered),
        ]

    register_compare_choices(app, PANEL, Survival.COMPARE, Survival.COMPARE_HINT)

    @app.callback(Output(Survival.SITE, "options"), Input(Shell.VERSION, "data"))
    def update_site_choices(version):
        return site_options(
            PANEL, version, site_choices, lambda s: plural(s["enrolled"], "patient")
        )

    _register_downloads(app)


def _register_downloads(app) -> None:
    def table(make):
        def frame_and_name(version, *values):
            options = parse_options(*values)
            frame, kind = make(version, options)
            return frame, csv_name(kind, version, options.site)

        return frame_and_name

    def km(version, options):
        view = panel_result(
            PANEL, version, "km", survival_view, site_filter=options.site, **options.km()
        )
        return km_steps_table(view.curves), f"{options.endpoint}-kaplan-meier-steps"

    def outcomes(version, options):
        return panel_result(PANEL, version, "outcomes", outcomes_view, site_filter=options.site)

    for ids, make in (
        (Survival.KM, km),
        (
            Survival.CIF,
            lambda v, o: (cif_steps_table(outcomes(v, o).relapse), "relapse-nrm-cif-steps"),
        ),
        (
            Survival.RESPONSE,
            lambda v, o: (response_table(outcomes(v, o).response), "best-response"),
        ),
        (Survival.SWIMMER, lambda v, o: (outcomes(v, o).swimmer, "swimmer-rows")),
    ):
        register_figure_csv(app, PANEL, ids, table=table(make), states=OPTION_STATES)
