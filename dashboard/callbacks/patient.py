"""Patient profile page: header, course figure, record grids, chooser, previous / next.

The profile comes from :func:`dashboard.callbacks.access.patient_result` (role check,
site scope, one patient's rows, cache per data version and patient). An unknown id and
a patient outside the user's scope get the same notice: telling them apart would say
that the id exists at another site. The chooser, previous and next go through the
patients the user may see (:func:`~dashboard.callbacks.access.patient_list`, in the
user's site scope) from the site of the "Patients from" filter, which a patient link
carries from the page it was on (``?site=``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from analysis.patient_list import ids_around, neighbours, site_counts
from analysis.patient_profile import PatientProfile, UnknownPatient, patient_profile
from dashboard.auth import audit, require_panel
from dashboard.callbacks.access import patient_list, patient_result, patient_view
from dashboard.callbacks.figure_csv import csv_name, register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.callbacks.site_filter import labelled_sites
from dashboard.components.panel import (
    HIDDEN,
    NO_FIGURE,
    SHOWN,
    empty_state,
    figure_outputs,
    figure_shown,
    panel_card,
)
from dashboard.components.site_filter import ALL_SITES
from dashboard.figures.numbers import figure_numbers
from dashboard.figures.patient import TRANSPLANT, patient_course_figure
from dashboard.formatting import format_date, plural
from dashboard.ids import Patient, Shell
from dashboard.patient_header import header_items
from dashboard.store import DataUnavailable

PANEL = "patients"
CHOOSER_OPTIONS = 200  # patients listed at once; previous / next reach the others
RECORD_GRIDS = (
    ("events", Patient.EVENTS_GRID, Patient.EVENTS_CSV),
    ("labs", Patient.LABS_GRID, Patient.LABS_CSV),
    ("transfusions", Patient.TRANSFUSIONS_GRID, Patient.TRANSFUSIONS_CSV),
    ("responses", Patient.RESPONSES_GRID, Patient.RESPONSES_CSV),
    ("chimerism", Patient.CHIMERISM_GRID, Patient.CHIMERISM_CSV),
)


def unknown_patient(patient_id: str):
    """The notice for an id the user cannot see: not in the data, or not in their scope."""
    return empty_state(
        f"No patient {patient_id} among the patients you may see.",
        "Check the id, or choose a patient in the list above. Investigators bound to a "
        "site see the patients of their own site only.",
        color="warning",
    )


def header_card(profile: PatientProfile):
    """The header: who, when, how it went; recovery days counted from the transplant."""
    items = header_items(profile)
    groups = (("Patient", items[:7]), ("Dates", items[7:12]), ("Course", items[12:]))
    columns = [
        html.Div(
            [
                html.H3(title, className="h6 text-muted mb-2"),
                html.Dl(
                    [
                        part
                        for key, label, value in rows
                        for part in (
                            html.Dt(label, className="col-5 fw-normal text-muted"),
                            html.Dd(value, className="col-7 mb-1", id=f"{Patient.HEADER}-{key}"),
                        )
                    ],
                    className="row mb-0 small",
                ),
            ],
            className="col-12 col-md-4",
        )
        for title, rows in groups
    ]
    anchor = "the transplant" if profile.day0_is_transplant else "the enrollment (not transplanted)"
    return panel_card(
        f"Patient {profile.patient_id}",
        [html.Div(columns, className="row g-3")],
        subtitle=f"as of the data cut {format_date(profile.data_cut)}; days from {anchor}",
    )


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON rows: ISO dates, yes/no for flags, None for missing (whole columns at once:
    a dense profile has hundreds of rows)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime", "datetime64"):
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            values = values.map({True: "yes", False: "no"})
        values = values.astype(object)
        out[column] = values.where(values.notna(), None)
    return pd.DataFrame(out, index=frame.index).to_dict("records")


def _profile(version, patient_id):
    """(profile, None), or (None, the notice that shows instead)."""
    try:
        return patient_result(version, patient_id, patient_profile), None
    except UnknownPatient:
        return None, unknown_patient(patient_id)
    except DataUnavailable:
        return None, DATABASE_DOWN


def profile_path(patient_id: str) -> str:
    """The profile's path (the query, ``?version=N``, is kept as it is)."""
    return f"/patients/{quote(patient_id, safe='')}"


def profile_query(query: str | None, site: str | None) -> str:
    """``query`` (``?version=N``...) with ``site=`` set to the site filter, or left out
    for all sites."""
    params = dict(parse_qsl((query or "").lstrip("?")))
    params.pop("site", None)
    if site and site != ALL_SITES:
        params["site"] = site
    return f"?{urlencode(params)}" if params else ""


def _listed(version, status, site) -> pd.DataFrame:
    """The patients the user may see (of ``site`` unless all sites); PreventUpdate
    while no data can be read or for a site outside the user's scope (the page's
    notice says why)."""
    if panel_unavailable(version, status) is not None:
        raise PreventUpdate
    try:
        return patient_list(version, None if site in (None, ALL_SITES) else site)
    except (DataUnavailable, ValueError):
        raise PreventUpdate from None


def _ids(listed: pd.DataFrame) -> list[str]:
    return listed["patient_id"].tolist()


def register(app) -> None:
    record_outputs = [Output(grid, "rowData") for _, grid, _ in RECORD_GRIDS]

    @app.callback(
        Output(Patient.MESSAGE, "children"),
        Output(Patient.CONTENT, "style"),
        Output(Patient.HEADER, "children"),
        *record_outputs,
        Input(Shell.VERSION, "data"),
        Input(Patient.PATIENT_ID, "data"),
        State(Shell.STATUS, "data"),
    )
    def update_profile(version, patient_id, status):
        nothing = (HIDDEN, None, *([[]] * len(RECORD_GRIDS)))
        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return unavailable, *nothing
        profile, notice = _profile(version, patient_id)
        if profile is None:
            return notice, *nothing
        rows = patient_view(
            version,
            patient_id,
            "records",
            lambda: [_records(getattr(profile, name)) for name, _, _ in RECORD_GRIDS],
        )
        return None, SHOWN, header_card(profile), *rows

    @app.callback(
        *figure_outputs(Patient.COURSE),
        Input(Shell.VERSION, "data"),
        Input(Patient.PATIENT_ID, "data"),
        Input(Patient.AXIS, "value"),
        Input(Patient.LOG, "value"),
        State(Shell.STATUS, "data"),
    )
    def draw_course(version, patient_id, axis, log, status):
        if panel_unavailable(version, status) is not None:
            return NO_FIGURE
        profile, _ = _profile(version, patient_id)
        if profile is None:
            return NO_FIGURE
        axis, log = axis or TRANSPLANT, bool(log)
        return figure_shown(
            patient_view(
                version,
                patient_id,
                "course",
                lambda: patient_course_figure(profile, axis, log),
                axis=axis,
                log=log,
            )
        )

    @app.callback(
        Output(Patient.SITE, "options"),
        Input(Shell.VERSION, "data"),
        State(Patient.SITE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_site_choices(version, site, status):
        """The sites with patients the user may see, and the site the page was opened
        with even when it has none (so that the filter keeps showing it)."""
        listed = _listed(version, status, None)
        sites = site_counts(listed)
        if site not in (ALL_SITES, *(s["site_id"] for s in sites)):
            sites.append({"site_id": site, "name": "no patients", "patients": 0})
        return labelled_sites(sites, lambda s: plural(s["patients"], "patient"))

    @app.callback(
        Output(Patient.CHOOSER, "options"),
        Input(Shell.VERSION, "data"),
        Input(Patient.PATIENT_ID, "data"),
        Input(Patient.SITE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_chooser(version, patient_id, site, status):
        """The patients of the site filter (up to :data:`CHOOSER_OPTIONS` around the one
        shown). The id shown stays an option (the chooser shows its value), marked and
        not to be chosen when not among them (another site than the filter's, or an id
        the user cannot see)."""
        ids = _ids(_listed(version, status, site))
        options = [{"label": i, "value": i} for i in ids_around(ids, patient_id, CHOOSER_OPTIONS)]
        if patient_id not in ids:
            outside = {"label": f"{patient_id} (not in the list)", "value": patient_id}
            options = sorted([*options, {**outside, "disabled": True}], key=lambda o: o["value"])
        return options

    @app.callback(
        Output(Patient.NEIGHBOURS, "data"),
        Output(Patient.PREVIOUS, "disabled"),
        Output(Patient.NEXT, "disabled"),
        Input(Shell.VERSION, "data"),
        Input(Patient.PATIENT_ID, "data"),
        Input(Patient.SITE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_neighbours(version, patient_id, site, status):
        """The patients before and after this one among those of the site filter."""
        previous, following = neighbours(_ids(_listed(version, status, site)), patient_id)
        return {"previous": previous, "next": following}, previous is None, following is None

    @app.callback(
        Output(Patient.GO, "pathname"),
        Output(Patient.GO, "search"),
        Input(Patient.CHOOSER, "value"),
        Input(Patient.PREVIOUS, "n_clicks"),
        Input(Patient.NEXT, "n_clicks"),
        State(Patient.PATIENT_ID, "data"),
        State(Patient.NEIGHBOURS, "data"),
        State(Patient.SITE, "value"),
        State(Patient.GO, "search"),
        prevent_initial_call=True,
    )
    def go_to_patient(chosen, _previous, _next, patient_id, around, site, query):
        """Choosing a patient, or previous / next, opens that profile: the data version
        shown (``?version=N``) kept, the site filter (``?site=``) carried."""
        step = {Patient.PREVIOUS: "previous", Patient.NEXT: "next"}.get(ctx.triggered_id)
        if step is not None:
            chosen = (around or {}).get(step)
        if not chosen or chosen == patient_id:
            raise PreventUpdate
        return profile_path(chosen), profile_query(query, site)

    for name, grid, button in RECORD_GRIDS:
        _register_record_export(app, name, grid, button)

    register_figure_csv(
        app,
        PANEL,
        Patient.COURSE,
        table=lambda version, figure, patient_id: (
            figure_numbers(figure),
            csv_name(f"patient-{patient_id}-course", version),
        ),
        states=(State(Patient.COURSE.graph, "figure"), State(Patient.PATIENT_ID, "data")),
    )


def _register_record_export(app, name: str, grid: str, button: str) -> None:
    """The grid's "Download CSV": checked and audited with the patient id first."""

    @app.callback(
        Output(grid, "exportDataAsCsv"),
        Input(button, "n_clicks"),
        State(Patient.PATIENT_ID, "data"),
        prevent_initial_call=True,
    )
    def export_records(n_clicks, patient_id):
        require_panel(PANEL)
        audit("export", f"/patients/{patient_id} {name} CSV")
        return bool(n_clicks) if ctx.triggered_id == button else no_update

    export_records.__name__ = f"export_{grid.replace('-', '_')}"
