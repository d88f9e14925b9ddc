"""Patient profile (``/patients/<patient_id>``): one patient's whole course on one page.

The header (who, when, how it went), one figure of stacked lanes on a shared time axis
(:func:`dashboard.figures.patient.patient_course_figure`), and every record of the
patient in grids with CSV download. For the investigators (a site-bound one: patients
of their own site only) and the DSMB; an id the user may not see reads as unknown
(``dashboard.callbacks.patient``). Not in the navigation: the patient ids of the
listings (Safety, Recovery) link here, and the chooser at the top goes from patient to
patient.
"""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components.grid import data_grid, date_column, number_column, text_column
from dashboard.components.panel import HIDDEN, figure_card, panel_card
from dashboard.components.site_filter import site_select
from dashboard.figures.patient import AXES, TRANSPLANT
from dashboard.ids import Patient

dash.register_page(
    __name__,
    path_template="/patients/<patient_id>",
    name="Patient profile",
    title="Patient profile · MTSA",
    panel="patients",
    nav=False,
)

COURSE_MIN_WIDTH = 640  # px: six lanes and their titles; a phone scrolls sideways

EVENT_COLUMNS = [
    date_column("date", "Onset", width=125),
    number_column("day", "Day", width=80),
    date_column("end_date", "Resolved", width=125),
    number_column("end_day", "Day resolved", width=90),
    text_column("kind", "Kind", width=120),
    text_column("label", "Event", width=240),
    text_column("soc", "System organ class", width=240),
    number_column("grade", "Grade", width=80),
    text_column("serious", "Serious", width=90),
    text_column("related", "Related", width=90),
]
LAB_COLUMNS = [
    date_column("date", "Sampled", width=125),
    number_column("day", "Day", width=80),
    text_column("test", "Test", width=140),
    number_column("value", "Value", 2, width=100),
    text_column("unit", "Unit", width=100),
]
TRANSFUSION_COLUMNS = [
    date_column("date", "Given", width=125),
    number_column("day", "Day", width=80),
    text_column("product", "Product", width=160),
]
RESPONSE_COLUMNS = [
    date_column("date", "Assessed", width=125),
    number_column("day", "Day", width=80),
    text_column("response", "Response", width=140),
]
CHIMERISM_COLUMNS = [
    date_column("date", "Sampled", width=125),
    number_column("day", "Day", width=80),
    number_column("donor_percent", "Donor DNA %", 3, width=120),
    text_column("detected", "Detected", width=100),
]

RECORDS = (
    (
        "Adverse events and GVHD",
        "adverse-events",
        EVENT_COLUMNS,
        Patient.EVENTS_GRID,
        Patient.EVENTS_CSV,
    ),
    ("Laboratory results", "labs", LAB_COLUMNS, Patient.LABS_GRID, Patient.LABS_CSV),
    (
        "Transfusions",
        "transfusions",
        TRANSFUSION_COLUMNS,
        Patient.TRANSFUSIONS_GRID,
        Patient.TRANSFUSIONS_CSV,
    ),
    ("Responses", "responses", RESPONSE_COLUMNS, Patient.RESPONSES_GRID, Patient.RESPONSES_CSV),
    (
        "Donor chimerism",
        "chimerism",
        CHIMERISM_COLUMNS,
        Patient.CHIMERISM_GRID,
        Patient.CHIMERISM_CSV,
    ),
)
"""Each grid of records: title, file-name part, columns, grid id, CSV button id."""


def _with_min_width(column: dict) -> dict:
    width = column.get("width")
    return (
        column if width is None else {"minWidth": min(width, max(round(0.6 * width), 90)), **column}
    )


def record_grid(title, file_part, columns, grid_id, csv_id, patient_id, paged=False) -> dbc.Card:
    """One grid of the patient's records, fitted to the card, with its CSV button."""
    grid = data_grid(
        grid_id,
        [_with_min_width(c) for c in columns],
        csv_file_name=f"mtsa-{patient_id}-{file_part}.csv",
        export_button_id=csv_id,
    )
    table = grid.children[-1]
    table.columnSize = "responsiveSizeToFit"
    if paged:  # hundreds of daily counts: pages of 20 rows (the CSV holds them all)
        table.dashGridOptions = {
            **table.dashGridOptions,
            "pagination": True,
            "paginationPageSize": 20,
        }
    return panel_card(title, [grid])


def chooser(patient_id: str, site: str | None) -> html.Div:
    """ "Patients from", the patient chooser and previous / next (filled by the
    callbacks). The chooser searches every patient the user may see as they type; the
    site filter comes from the page the user came from (``?site=``)."""
    button = {"size": "sm", "color": "secondary", "outline": True, "disabled": True}
    site_filter = site_select(Patient.SITE)
    site_filter.style = {"width": "auto", "maxWidth": "100%", "minWidth": 0}
    if site:
        site_filter.options = [*site_filter.options, {"label": site, "value": site}]
        site_filter.value = site
    return html.Div(
        [
            dbc.Label("Patients from", html_for=Patient.SITE, className="small mb-0"),
            site_filter,
            dbc.Label("Patient", html_for=Patient.CHOOSER, className="small mb-0"),
            dbc.Select(
                id=Patient.CHOOSER,
                options=[{"label": patient_id, "value": patient_id}],
                value=patient_id,
                size="sm",
                style={"width": "auto", "minWidth": "7rem"},
            ),
            dbc.Button("‹ Previous", id=Patient.PREVIOUS, **button),
            dbc.Button("Next ›", id=Patient.NEXT, **button),
            dcc.Store(id=Patient.NEIGHBOURS, data={}),
            dcc.Location(id=Patient.GO, refresh="callback-nav"),
        ],
        className="d-flex align-items-center gap-2 flex-wrap mw-100 patient-chooser d-print-none",
    )


def course_controls() -> html.Div:
    return html.Div(
        [
            dbc.RadioItems(
                id=Patient.AXIS,
                options=[{"label": label, "value": value} for value, label in AXES.items()],
                value=TRANSPLANT,
                inline=True,
                className="small",
            ),
            dbc.Switch(id=Patient.LOG, label="Log scale", value=True, className="small mb-0"),
        ],
        className="d-flex align-items-center gap-3 flex-wrap",
    )


def layout(patient_id: str = "", site: str | None = None, **_query):
    return html.Div(
        [
            dcc.Store(id=Patient.PATIENT_ID, data=patient_id),
            html.Div(
                [
                    html.H1(f"Patient {patient_id}", className="page-title mb-0"),
                    chooser(patient_id, site),
                ],
                className="d-flex justify-content-between align-items-center flex-wrap gap-2 mb-3",
            ),
            dcc.Loading(html.Div(id=Patient.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Patient.HEADER),
                    figure_card(
                        Patient.COURSE,
                        "Course",
                        subtitle="every lane on one time axis: zoom one, all follow",
                        before=[course_controls()],
                        min_width=COURSE_MIN_WIDTH,
                    ),
                    *(
                        record_grid(*record, patient_id, paged=record[2] is LAB_COLUMNS)
                        for record in RECORDS
                    ),
                ],
                id=Patient.CONTENT,
                style=HIDDEN,
            ),
        ],
        className="patient-profile",
    )
