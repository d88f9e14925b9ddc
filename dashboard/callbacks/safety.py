"""Safety page: KPIs, AE table, heat map and timeline, listings, GVHD, stopping rule.

Every callback gets its numbers through ``panel_result("safety", ...)`` (role check,
site scope, cache per data version), so the computation runs once per data version
however many callbacks ask.

With an earlier version to compare with (the "Compared with" choice, ``Safety.SINCE``),
the headline numbers say how they changed since it and the serious-event and death
listings mark their new and changed rows. The earlier version's report is the same
computation on that version (:func:`dashboard.callbacks.compare_versions.earlier_result`:
same site scope, cached per version).
"""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, html
from flask_login import current_user

from analysis.left_out import left_out_json
from analysis.quality.summary import DEVIATION_RULES
from analysis.safety import ANY_AE, ae_table, safety_report
from analysis.safety_changes import (
    NEW,
    change_words,
    death_listing_changes,
    kpi_changes,
    serious_listing_changes,
)
from analysis.study_content import WHAT
from dashboard.auth import audit, can_compare_arms, require_panel
from dashboard.callbacks.access import panel_result, panel_view
from dashboard.callbacks.compare_versions import compared_version, earlier_result
from dashboard.callbacks.figure_csv import register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.quality import marked, quality_marks
from dashboard.components.cards import kpi_card
from dashboard.components.grid import register_csv_export, text_column
from dashboard.components.panel import (
    HIDDEN,
    NO_FIGURE,
    SHOWN,
    empty_state,
    figure_outputs,
    figure_shown,
    left_out_note,
    not_recorded_state,
)
from dashboard.figures.safety import (
    ae_timeline_figure,
    gvhd_incidence_figure,
    stopping_boundary_figure,
    worst_grade_heatmap,
)
from dashboard.formatting import format_date
from dashboard.ids import Safety, Shell
from dashboard.reports.render import figure_renderer
from dashboard.store import DataUnavailable

PANEL = "safety"
NO_AE = "No adverse event reported up to the data cut-off."
#: update_safety's outputs after the message when there is nothing to show.
_NOTHING_SHOWN = (
    *(HIDDEN, "", "", ""),
    *(HIDDEN, *NO_FIGURE, *NO_FIGURE),
    *(None, None, *NO_FIGURE),
    *(None, None, *NO_FIGURE),
)


def on_listing_exported(filename: str) -> None:
    """A safety listing is about to be downloaded: check the role, record it."""
    require_panel("safety")
    audit("export", f"/safety {filename}")


def _report(version, status):
    """(report, None) when there is something to draw, else (None, message)."""
    unavailable = panel_unavailable(version, status)
    if unavailable is not None:
        return None, unavailable
    try:
        return panel_result(PANEL, version, "report", safety_report), None
    except DataUnavailable:
        return None, DATABASE_DOWN


def _earlier(version, since):
    """``(report, number)`` of the earlier version chosen to compare with, or ``(None,
    None)`` when there is none (the first version) or it cannot be read (the changes
    card says why)."""
    try:
        number = compared_version(since, version)
        if number is None:
            return None, None
        return earlier_result(PANEL, number, "report", safety_report), number
    except (DataUnavailable, ValueError):
        return None, None


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}% of the safety population" if total else ""


IMPUTED_NAMES = {"onset_on": "onset", "resolved_on": "resolution"}


def _gvhd_card(report, change: str | None):
    gvhd = report.gvhd
    if "gvhd" in report.not_recorded:
        return kpi_card("GVHD", "—", "not recorded in this study", card_id="safety-kpi-gvhd")
    return kpi_card(
        "GVHD",
        str(gvhd.acute_patients + gvhd.chronic_patients),
        f"acute {gvhd.acute_patients} (grade III–IV {gvhd.acute_grade3plus}), "
        f"chronic {gvhd.chronic_patients}",
        card_id="safety-kpi-gvhd",
        change=change,
    )


def kpi_cards(report, earlier=None, since: int | None = None) -> list:
    """The headline numbers; with ``earlier`` (the report of version ``since``), each
    says how it changed since that version."""
    changes = kpi_changes(earlier, report) if earlier is not None else {}
    said = {name: change_words(changes.get(name), since) for name in changes}
    n = report.enrolled
    early = report.deaths.early
    treated = (
        f"{report.safety_n} in the safety population"
        if "transplant" in report.not_recorded
        else f"{report.gvhd.transplanted} transplanted"
    )
    return [
        kpi_card(
            "Enrolled",
            f"{n} / {report.target}" if report.target else str(n),
            treated,
            card_id="safety-kpi-enrolled",
            change=said.get("enrolled"),
        ),
        kpi_card(
            "Grade ≥ 3 AE",
            str(report.patients_grade3plus),
            f"patients, {_pct(report.patients_grade3plus, report.safety_n)}",
            card_id="safety-kpi-grade3",
            change=said.get("grade3plus"),
        ),
        kpi_card(
            "Serious AEs",
            str(report.serious["events"]),
            f"events in {report.serious['patients']} patients",
            card_id="safety-kpi-serious",
            change=said.get("serious"),
        ),
        kpi_card(
            "Deaths",
            str(len(report.deaths.listing)),
            f"{early[('enrollment', 30)]} by day 30, {early[('enrollment', 100)]} by day 100 "
            f"from enrollment; {report.deaths.nrm_deaths} without relapse",
            card_id="safety-kpi-deaths",
            change=said.get("deaths"),
        ),
        _gvhd_card(report, said.get("gvhd")),
    ]


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON rows: ISO dates, None for missing."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


def ae_rows(report, with_terms: bool) -> list[dict]:
    table = ae_table(report, with_terms).drop(columns=["soc", "term"])
    return _records(table.assign(percent=table["percent"].round(1)))


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map({True: "yes", False: "no"})


def _marked(rows: list[dict], marks: list[str | None] | None) -> list[dict]:
    """Rows with ``since`` (what changed since the earlier version: "new", "grade 4 →
    5", None) and ``since_kind`` ("new", "changed" or None, for the row's highlight)."""
    if marks is None:
        return rows
    return [
        {**row, "since": mark, "since_kind": mark and (NEW if mark == NEW else "changed")}
        for row, mark in zip(rows, marks, strict=True)
    ]


def serious_rows(report, earlier=None) -> list[dict]:
    """The serious-event listing, each imputed date named (onset, resolution); with
    ``earlier`` (an earlier version's report), each row says what changed since."""
    listing = report.serious_listing
    imputed = (
        listing["imputed"]
        .fillna("")
        .str.split()
        .map(lambda names: ", ".join(IMPUTED_NAMES[n] for n in names) or None)
    )
    marks = None if earlier is None else serious_listing_changes(earlier, report)
    return _marked(_records(listing.assign(imputed=imputed)), marks)


def death_rows(report, earlier=None) -> list[dict]:
    """The deaths listing; with ``earlier``, each row says what changed since."""
    listing = report.deaths.listing
    columns = ["patient_id", "site_id", "died_on", "day", "day_from_transplant", "cause"]
    rows = _records(
        listing[columns].assign(
            nrm=_yes_no(listing["nrm"]), date_imputed=_yes_no(listing["date_imputed"])
        )
    )
    return _marked(rows, None if earlier is None else death_listing_changes(earlier, report))


def with_since_column(columns: list[dict], since: int | None) -> list[dict]:
    """A listing's columns with "Since version N" after the patient when comparing with
    version ``since``, without it otherwise."""
    columns = [column for column in columns if column.get("field") != "since"]
    if since is None:
        return columns
    since_column = text_column(
        "since", f"Since version {since}", width=170, minWidth=110, cellClass="fw-semibold"
    )
    return [*columns[:1], since_column, *columns[1:]]


def arm_table(report) -> tuple[list[dict], list[dict]]:
    """Column definitions and rows of the by-arm table: ``n (%) [events]`` per arm."""
    columns = [{"field": "label", "headerName": "System organ class"}]
    rows: dict[str, dict] = {}
    for index, arm in enumerate(report.arms):
        part = report.by_arm[report.by_arm["arm"] == arm]
        field = f"arm_{index}"
        columns.append({"field": field, "headerName": f"{arm} (N={int(part['n'].iloc[0])})"})
        for row in part.itertuples(index=False):
            label = ANY_AE if row.soc is None else row.soc
            percent = "" if pd.isna(row.percent) else f" ({row.percent:.1f}%)"
            rows.setdefault(label, {"label": label})[field] = (
                f"{row.patients}{percent} [{row.events}]" if row.patients else "0"
            )
    order = [ANY_AE, *report.by_soc["soc"]]
    return columns, [rows[label] for label in order if label in rows]


def _drawn(version, name: str, make, **options):
    """What ``make()`` draws from the report, cached per data version (warm pages only
    serialise it)."""
    return panel_view(PANEL, version, name, make, **options)


def _ae_graphs(version, report) -> tuple:
    if report.events.empty:
        return HIDDEN, *NO_FIGURE, *NO_FIGURE
    socs = list(report.by_soc["soc"])
    heatmap = _drawn(
        version, "heatmap", lambda: worst_grade_heatmap(report.worst_grade, report.follow_up, socs)
    )
    timeline = _drawn(
        version, "timeline", lambda: ae_timeline_figure(report.events, report.follow_up)
    )
    return SHOWN, *figure_shown(heatmap), *figure_shown(timeline)


def _gvhd_parts(version, report) -> tuple:
    gvhd = report.gvhd
    if "gvhd" in report.not_recorded:
        return "", not_recorded_state([WHAT["gvhd"]]), *NO_FIGURE
    acute = ", ".join(f"{g} {n}" for g, n in gvhd.acute_by_grade.items() if n)
    chronic = ", ".join(f"{s} {n}" for s, n in gvhd.chronic_by_severity.items() if n)
    counts = (
        f"Acute GVHD: {gvhd.acute_patients} patients" + (f" ({acute})" if acute else "")
        + f"; chronic GVHD: {gvhd.chronic_patients} patients"
        + (f" ({chronic})" if chronic else "")
        + f"; {gvhd.transplanted} patients transplanted."
    )  # fmt: skip
    if gvhd.any_reported and gvhd.transplanted:
        figure = _drawn(
            version, "gvhd", lambda: gvhd_incidence_figure(gvhd.acute_cif, gvhd.chronic_cif)
        )
        return counts, None, *figure_shown(figure)
    return counts, empty_state("No GVHD reported.", color="info"), *NO_FIGURE


def register(app) -> None:
    for ids, kind in (
        (Safety.HEATMAP, "worst-grade-by-organ-class"),
        (Safety.TIMELINE, "adverse-event-timeline"),
        (Safety.GVHD, "gvhd-cumulative-incidence"),
        (Safety.STOPPING, "stopping-boundary"),
    ):
        register_figure_csv(app, PANEL, ids, kind=kind)
    register_csv_export(app, Safety.AE_CSV, Safety.AE_GRID)
    register_csv_export(
        app,
        Safety.ARM_CSV,
        Safety.ARM_GRID,
        on_export=lambda: on_listing_exported("mtsa-adverse-events-by-arm.csv"),
    )
    for button, grid, name in (
        (Safety.SERIOUS_CSV, Safety.SERIOUS_GRID, "mtsa-serious-adverse-events.csv"),
        (Safety.DEATHS_CSV, Safety.DEATHS_GRID, "mtsa-deaths.csv"),
    ):
        register_csv_export(
            app, button, grid, on_export=lambda name=name: on_listing_exported(name)
        )

    @app.callback(
        Output(Safety.MESSAGE, "children"),
        Output(Safety.CONTENT, "style"),
        Output(Safety.CUTOFF, "children"),
        Output(Safety.SERIOUS_CUTOFF, "children"),
        Output(Safety.DEATHS_CUTOFF, "children"),
        Output(Safety.GRAPHS_WRAP, "style"),
        *figure_outputs(Safety.HEATMAP),
        *figure_outputs(Safety.TIMELINE),
        Output(Safety.GVHD_COUNTS, "children"),
        Output(Safety.GVHD_EMPTY, "children"),
        *figure_outputs(Safety.GVHD),
        Output(Safety.STOPPING_SENTENCE, "children"),
        Output(Safety.STOPPING_RULE, "children"),
        *figure_outputs(Safety.STOPPING),
        Input(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def update_safety(version, status):
        """Everything drawn with Plotly, in one pass with the content shown, so that
        no graph is laid out while hidden (it would keep a zero size)."""
        report, message = _report(version, status)
        if report is None or report.enrolled == 0:
            if report is not None:
                message = empty_state("No patient has been enrolled yet.", color="info")
            return (message, *_NOTHING_SHOWN)
        if not current_user.is_system:  # a person may ask for a report: have it take seconds
            figure_renderer().start_in_background()
        cutoff = f"Data cut-off: {format_date(report.data_cut)}"
        return (
            None,
            SHOWN,
            cutoff,
            cutoff,
            cutoff,
            *_ae_graphs(version, report),
            *_gvhd_parts(version, report),
            report.stopping.sentence,
            [
                html.Div(report.stopping.rule.describe(), className="small text-muted"),
                left_out_note(left_out_json(report.nrm_left_out), "the stopping rule"),
            ],
            *figure_shown(
                _drawn(version, "stopping", lambda: stopping_boundary_figure(report.stopping))
            ),
        )

    @app.callback(
        Output(Safety.KPIS, "children"),
        Input(Shell.VERSION, "data"),
        Input(Safety.SINCE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_kpis(version, since, status):
        """The headline numbers, with their change since the version compared with."""
        report, _ = _report(version, status)
        if report is None or report.enrolled == 0:  # the page says why (update_safety)
            return []
        earlier, number = _earlier(version, since)
        return kpi_cards(report, earlier, number)

    @app.callback(
        Output(Safety.AE_EMPTY, "children"),
        Output(Safety.AE_WRAP, "style"),
        Output(Safety.AE_GRID, "rowData"),
        Output(Safety.AE_BASIS, "children"),
        Input(Shell.VERSION, "data"),
        Input(Safety.AE_TERMS, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_ae_table(version, with_terms, status):
        report, _ = _report(version, status)
        if report is None:  # the page says why (update_safety)
            return None, HIDDEN, [], ""
        basis = report.basis.sentence(report.safety_n)
        if report.events.empty:
            return empty_state(NO_AE, color="info"), HIDDEN, [], basis
        terms = bool(with_terms)
        rows = _drawn(version, "ae-rows", lambda: ae_rows(report, terms), terms=terms)
        return None, SHOWN, rows, basis

    @app.callback(
        Output(Safety.ARM_CARD, "style"),
        Output(Safety.ARM_GRID, "columnDefs"),
        Output(Safety.ARM_GRID, "rowData"),
        Input(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def update_arm_table(version, status):
        """Adverse events by treatment arm: for the DSMB, when the trial has two or more."""
        report, _ = _report(version, status)
        if report is None or not report.arms or not can_compare_arms(current_user):
            return HIDDEN, [], []
        columns, rows = _drawn(version, "arm-rows", lambda: arm_table(report))
        return SHOWN, columns, rows

    @app.callback(
        Output(Safety.SERIOUS_EMPTY, "children"),
        Output(Safety.SERIOUS_WRAP, "style"),
        Output(Safety.SERIOUS_GRID, "rowData"),
        Output(Safety.SERIOUS_GRID, "columnDefs"),
        Output(Safety.DEATHS_EMPTY, "children"),
        Output(Safety.DEATHS_WRAP, "style"),
        Output(Safety.DEATHS_GRID, "rowData"),
        Output(Safety.DEATHS_GRID, "columnDefs"),
        Output(Safety.DEATHS_SUMMARY, "children"),
        Input(Shell.VERSION, "data"),
        Input(Safety.SINCE, "value"),
        State(Shell.STATUS, "data"),
        State(Safety.SERIOUS_GRID, "columnDefs"),
        State(Safety.DEATHS_GRID, "columnDefs"),
    )
    def update_safety_listings(version, since, status, serious_columns, death_columns):
        """The serious-event and death listings; rows new or changed since the version
        compared with are marked, in a "Since version N" column and a highlight."""
        report, _ = _report(version, status)
        earlier, number = (None, None) if report is None else _earlier(version, since)
        serious_columns = with_since_column(serious_columns or [], number)
        death_columns = with_since_column(death_columns or [], number)
        if report is None:
            return None, HIDDEN, [], serious_columns, None, HIDDEN, [], death_columns, None
        serious = report.serious_listing
        deaths = report.deaths.listing
        early = report.deaths.early
        summary = (
            f"Early mortality: {early[('enrollment', 30)]} death(s) within 30 days and "
            f"{early[('enrollment', 100)]} within 100 days of enrollment; "
            f"{early[('transplant', 30)]} and {early[('transplant', 100)]} of transplant. "
            f"Non-relapse mortality: {report.deaths.nrm_deaths}."
        )
        marks = quality_marks(version, DEVIATION_RULES)  # eligibility deviations
        no_serious = empty_state("No serious adverse event reported.", color="info")
        no_death = empty_state("No death reported.", color="info")
        return (
            no_serious if serious.empty else None,
            HIDDEN if serious.empty else SHOWN,
            marked(
                _drawn(
                    version, "serious-rows", lambda: serious_rows(report, earlier), since=number
                ),
                marks,
            ),
            serious_columns,
            no_death if deaths.empty else None,
            HIDDEN if deaths.empty else SHOWN,
            marked(
                _drawn(version, "death-rows", lambda: death_rows(report, earlier), since=number),
                marks,
            ),
            death_columns,
            summary,
        )
