"""Recovery page: KPIs, trajectories, recovery curves, day-90 grid and microchimerism."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State

from analysis.left_out import left_out_json
from analysis.options import COUNT, DETECTION_LIMIT
from analysis.quality.summary import DEVIATION_RULES
from analysis.recovery import (
    LAST_DAY,
    RecoveryView,
    microchimerism_view,
    recovery_view,
    site_choices,
)
from analysis.study_content import WHAT, not_recorded
from dashboard.auth import audit
from dashboard.callbacks.access import panel_result, panel_view
from dashboard.callbacks.figure_csv import register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.quality import marked, quality_marks
from dashboard.callbacks.site_filter import site_option, site_options
from dashboard.components.cards import kpi_card
from dashboard.components.grid import register_csv_export
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
from dashboard.figures.chimerism import chimerism_figure, percent_text
from dashboard.figures.recovery import cif_figure, trajectory_figure
from dashboard.ids import Recovery, Shell
from dashboard.store import DataUnavailable

PANEL = "recovery"
DAY90_MARKS = (*DEVIATION_RULES, "MISS-MARROW90")
"""What the day-90 table marks: eligibility deviations and a missing day-90 marrow."""
RECOVERY_LINES = {"ANC": (("ANC ≥ 0.5", "neutrophil"),), "PLT": (("PLT ≥ 20", "platelet20"),)}


RECOVERY_DATA = ("transplant", "blood_counts", "transfusions", "chimerism")
"""What this page draws from, in the order its "not recorded" message names them."""


def _view(version, site) -> RecoveryView:
    return panel_result(PANEL, version, "view", recovery_view, site_filter=site_option(site))


def _median(day) -> str:
    return "Not reached" if day is None else f"Day {day:.0f}"


def kpi_cards(view: RecoveryView) -> list:
    n = view.n_transplanted
    cards = [
        kpi_card(
            title,
            _median(view.medians[name]),
            f"median day; {view.recovered(name)} of {n} transplanted patients recovered",
            card_id=f"recovery-kpi-{name}",
        )
        for title, name in (
            ("Neutrophils ≥ 0.5", "neutrophil"),
            ("Platelets ≥ 20", "platelet20"),
            ("Platelets ≥ 50", "platelet50"),
        )
    ]
    cr = view.cr
    cards.append(
        kpi_card(
            "CR counts at day 90",
            "—" if cr.share is None else f"{100 * cr.share:.0f}%",
            f"{cr.count} / {cr.evaluable} evaluable: marrow blasts < 5%, ANC ≥ 1, PLT ≥ 100",
            card_id="recovery-kpi-cr",
        )
    )
    aplasia = view.patients["prolonged_aplasia"]
    cards.append(
        kpi_card(
            "Prolonged aplasia",
            str(int((aplasia == True).sum())),  # noqa: E712 (nullable boolean)
            "no neutrophil recovery by day 42, alive",
            card_id="recovery-kpi-aplasia",
        )
    )
    return cards


RECOVERY_DAYS = ("neutrophil", "platelet20", "platelet50")
CR_TEXT = {True: "Met", False: "Not met", None: "Not evaluable"}
APLASIA_TEXT = {True: "Yes", False: "No", None: "Not yet known"}


def _text(values: pd.Series, mapping: dict) -> pd.Series:
    """Nullable booleans as words (missing -> ``mapping[None]``)."""
    known = values.astype("boolean")
    return known.map({True: mapping[True], False: mapping[False]}).fillna(mapping[None])


def _nullable(values: pd.Series, kind: type) -> list:
    return [None if pd.isna(v) else kind(v) for v in values]


def grid_rows(patients: pd.DataFrame) -> list[dict]:
    """One plain-JSON row per patient for the day-90 grid (column by column: a trial
    of thousands has as many rows)."""
    columns = {
        "patient_id": [str(p) for p in patients.index],
        "site_id": list(patients["site_id"]),
        "transplant_on": list(patients["transplant_on"].dt.strftime("%Y-%m-%d")),
        "cr_criteria": list(_text(patients["cr_criteria"], CR_TEXT)),
        "prolonged_aplasia": list(_text(patients["prolonged_aplasia"], APLASIA_TEXT)),
    }
    for name in RECOVERY_DAYS:
        columns[f"{name}_day"] = _nullable(patients[f"{name}_day"], int)
        columns[f"{name}_no_nadir"] = [bool(v) for v in patients[f"{name}_no_nadir"]]
    for column in ("ANC", "PLT", "PB_BLAST_PCT", "BM_BLAST_PCT", "donor_percent"):
        columns[column] = _nullable(patients[column], float)
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def cif_note(view: RecoveryView) -> str:
    """How the curves treat deaths and patients still followed, with the counts."""
    died = int(view.curves["neutrophil"].steps["n_death"].sum())
    return (
        f"Aalen–Johansen estimate: {died} patient{'s' * (died != 1)} died before "
        "neutrophil recovery, counted as a competing event rather than censored; patients "
        "alive without recovery are censored at their last contact or the data cut-off."
    )


def nobody_message(site: str | None):
    where = f" at site {site}" if site else ""
    return empty_state(
        f"No patient has had the micro-transplant yet{where}.",
        "Recovery is counted from the transplant (day 0): this page fills in with the "
        "first transplanted patient.",
        color="info",
    )


NO_PATIENT = {"label": "No patient highlighted", "value": "none"}


def patient_options(view: RecoveryView) -> list[dict]:
    return [NO_PATIENT] + [{"label": str(p), "value": str(p)} for p in view.patients.index]


def highlighted(patient) -> str | None:
    """The chosen patient, or None for the page's "no patient" option."""
    return None if patient in (None, "", NO_PATIENT["value"]) else str(patient)


def _drawn(version, site, name: str, make, **options):
    """What ``make()`` draws from the page's results for ``site``, cached per data
    version (warm pages only serialise it)."""
    return panel_view(PANEL, version, name, make, site_filter=site_option(site), **options)


def trajectory_output(version, site, view: RecoveryView, test: str, patient: str | None):
    """(figure, graph style, note) for the chosen test and highlighted patient."""
    trajectory = view.trajectories[test]
    label = COUNT.labels[test][0].lower() + COUNT.labels[test][1:]
    if trajectory.lines.empty:
        note = empty_state(
            f"No {label} measured between day 0 and day {LAST_DAY}.",
            "Choose another test, or wait for the first counts after the transplant.",
            color="info",
        )
        return *NO_FIGURE, note
    if patient is not None and patient not in view.patients.index:
        patient = None
    note = None
    days = {}
    if patient is not None:
        if not (trajectory.lines["patient_id"] == patient).any():
            note = empty_state(
                f"{patient} has no {label} measured between day 0 and day {LAST_DAY}.",
                color="info",
            )
        for label, name in RECOVERY_LINES.get(test, ()):
            day = view.patients.loc[patient, f"{name}_day"]
            days[label] = None if pd.isna(day) else int(day)
    transfusions = view.transfusions if test == "PLT" else None
    figure = _drawn(
        version,
        site,
        "trajectory",
        lambda: trajectory_figure(trajectory, transfusions, patient, days),
        test=test,
        patient=patient,
    )
    return *figure_shown(figure), note


def detection_limit(value) -> tuple[float, object]:
    """The typed limit, or the default with a note saying why the typed one is not used."""
    try:
        return DETECTION_LIMIT.parse(value), None
    except ValueError:
        low, high = DETECTION_LIMIT.bounds
        default = DETECTION_LIMIT.default
        note = empty_state(
            f"The detection limit must be a number from {low:g} to {high:g} (% donor DNA): "
            f"showing the default, {percent_text(default)}.",
            color="warning",
        )
        return default, note


def share_sentence(share, limit: float) -> str:
    if not share.evaluable:
        return "No microchimerism sample at 3 months (days 76–104) yet."
    return (
        f"Detectable microchimerism at 3 months: {share.count} of {share.evaluable} "
        f"patients with a sample ({100 * share.share:.0f}%), detection limit "
        f"{percent_text(limit)}; {share.total - share.evaluable} transplanted without a "
        "3-month sample."
    )


def register(app) -> None:
    @app.callback(
        Output(Recovery.MESSAGE, "children"),
        Output(Recovery.CONTENT, "style"),
        Output(Recovery.KPIS, "children"),
        *figure_outputs(Recovery.CIF),
        Output(Recovery.CIF_NOTE, "children"),
        Output(Recovery.GRID, "rowData"),
        Output(Recovery.PATIENT, "options"),
        Input(Shell.VERSION, "data"),
        Input(Recovery.SITE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_recovery(version, site, status):
        def hidden(message):
            return message, HIDDEN, [], *NO_FIGURE, "", [], [NO_PATIENT]

        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return hidden(unavailable)
        try:
            missing = panel_result(PANEL, version, "not-recorded", not_recorded)
            if missing & {"transplant", "blood_counts"}:
                return hidden(not_recorded_state([WHAT[m] for m in RECOVERY_DATA if m in missing]))
            view = _view(version, site)
        except DataUnavailable:
            return hidden(DATABASE_DOWN)
        except ValueError as error:
            return hidden(empty_state("This page cannot be drawn.", str(error), "warning"))
        if view.n_transplanted == 0:
            return hidden(nobody_message(site_option(site)))
        return (
            None,
            SHOWN,
            kpi_cards(view),
            *figure_shown(
                _drawn(version, site, "cif", lambda: cif_figure(view.curves, view.medians))
            ),
            [cif_note(view), left_out_note(left_out_json(view.left_out), "this page")],
            marked(
                _drawn(version, site, "day90-rows", lambda: grid_rows(view.patients)),
                quality_marks(version, DAY90_MARKS),
            ),
            patient_options(view),
        )

    @app.callback(
        *figure_outputs(Recovery.TRAJECTORY),
        Output(Recovery.TRAJECTORY_NOTE, "children"),
        Input(Shell.VERSION, "data"),
        Input(Recovery.SITE, "value"),
        Input(Recovery.TEST, "value"),
        Input(Recovery.PATIENT, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_trajectory(version, site, test, patient, status):
        patient = highlighted(patient)
        if panel_unavailable(version, status) is not None or test not in COUNT.choices:
            return *NO_FIGURE, None
        try:
            view = _view(version, site)
        except (DataUnavailable, ValueError):
            return *NO_FIGURE, None  # the page's message says why
        if view.n_transplanted == 0:
            return *NO_FIGURE, None
        return trajectory_output(version, site, view, test, patient)

    @app.callback(
        *figure_outputs(Recovery.CHIMERISM),
        Output(Recovery.CHIMERISM_SHARE, "children"),
        Output(Recovery.CHIMERISM_NOTE, "children"),
        Input(Shell.VERSION, "data"),
        Input(Recovery.SITE, "value"),
        Input(Recovery.PATIENT, "value"),
        Input(Recovery.CHIMERISM_LIMIT, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_chimerism(version, site, patient, limit_value, status):
        patient = highlighted(patient)
        nothing = *NO_FIGURE, "", None
        if panel_unavailable(version, status) is not None:
            return nothing
        limit, limit_note = detection_limit(limit_value)
        try:
            view = panel_result(
                PANEL,
                version,
                "chimerism",
                microchimerism_view,
                site_filter=site_option(site),
                limit=limit,
            )
            transplant_on = _view(version, site).patients["transplant_on"]
            missing = panel_result(PANEL, version, "not-recorded", not_recorded)
        except (DataUnavailable, ValueError):
            return nothing
        if "chimerism" in missing:
            return *NO_FIGURE, "", not_recorded_state([WHAT["chimerism"]])
        if view.samples.empty:
            note = empty_state("No chimerism sample after the transplant yet.", color="info")
            return *NO_FIGURE, "", note
        note = limit_note
        if patient is not None and not (view.samples["patient_id"] == patient).any():
            note = empty_state(f"{patient} has no chimerism sample yet.", color="info")
        figure = _drawn(
            version,
            site,
            "chimerism",
            lambda: chimerism_figure(view.samples, limit, patient, transplant_on),
            limit=limit,
            patient=patient,
        )
        return *figure_shown(figure), share_sentence(view.detectable, limit), note

    @app.callback(Output(Recovery.SITE, "options"), Input(Shell.VERSION, "data"))
    def update_recovery_sites(version):
        return site_options(
            PANEL, version, site_choices, lambda s: f"{s['transplanted']} transplanted"
        )

    register_figure_csv(app, PANEL, Recovery.TRAJECTORY, kind="blood-count-trajectories")
    register_figure_csv(app, PANEL, Recovery.CIF, kind="time-to-recovery")
    register_figure_csv(app, PANEL, Recovery.CHIMERISM, kind="microchimerism")
    register_csv_export(
        app,
        Recovery.GRID_CSV,
        Recovery.GRID,
        on_export=lambda: audit("export", "recovery day-90 table CSV"),
    )
