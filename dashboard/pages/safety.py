"""Safety (DSMB): adverse events by organ class and grade, serious events, deaths, GVHD,
and the early-NRM stopping boundary. (The DSMB reports are in the menu beside the
version chooser, on every page.)

The AE table expands to preferred terms with a switch ("Show preferred terms"): AG
Grid's tree data and row grouping are Enterprise features, so the rows are rebuilt
on the server, each organ class followed by its indented terms.
"""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from analysis.options import TERMS
from dashboard.auth import can_record_review
from dashboard.components.grid import (
    date_column,
    fitted_grid,
    number_column,
    patient_column,
    quality_column,
    text_column,
)
from dashboard.components.panel import HIDDEN, figure_card, panel_card
from dashboard.components.reviews import reviews_card
from dashboard.ids import Safety

dash.register_page(
    __name__,
    path="/safety",
    name="Safety",
    title="Safety · MTSA",
    order=4,
    panel="safety",
)

_FIXED = {"sortable": False, "filter": False}
PER_PATIENT_MIN_WIDTH = 640  # px: organ-class names and a column or row per patient


def _grade_column(g: int) -> dict:
    return number_column(f"grade_{g}", str(g), **_FIXED, width=60)


AE_COLUMNS = [
    text_column(
        "label",
        "System organ class / preferred term",
        **_FIXED,
        width=380,
        cellClassRules={"fw-semibold": "params.data.level < 1", "ps-4": "params.data.level == 1"},
    ),
    number_column("patients", "Patients", **_FIXED, width=90),
    number_column("percent", "% of safety population", **_FIXED, width=100),
    {
        "headerName": "Patients by worst grade",
        "children": [_grade_column(g) for g in range(1, 6)],
    },
    number_column("patients_grade3plus", "Grade ≥ 3", **_FIXED, width=90),
    number_column("events", "Events", **_FIXED, width=80),
    number_column("serious_events", "Serious events", **_FIXED, width=90),
    number_column("related_events", "Related events", **_FIXED, width=90),
]

CHANGE_COLUMNS = [
    text_column("change", "", width=100, cellClass="fw-semibold"),
    patient_column(width=110),
    text_column("what", "What", width=420),
    text_column("before", "Before", width=140),
    text_column("after", "Now", width=200),
]

SERIOUS_COLUMNS = [
    patient_column(pinned="left", width=110),
    text_column("term", "Preferred term", width=220),
    text_column("soc", "System organ class", width=300),
    number_column("grade", "Grade", width=90),
    text_column("related", "Related", width=100),
    date_column("onset_on", "Onset", width=130),
    number_column("day", "Day from transplant", width=130),
    date_column("resolved_on", "Resolved", width=130),
    text_column("imputed", "Date imputed", width=120),
    quality_column(),
]

DEATH_COLUMNS = [
    patient_column(pinned="left"),
    text_column("site_id", "Site"),
    date_column("died_on", "Died on"),
    number_column("day", "Day from enrollment"),
    number_column("day_from_transplant", "Day from transplant"),
    text_column("cause", "Cause"),
    text_column("nrm", "Non-relapse death"),
    text_column("date_imputed", "Date imputed"),
    quality_column(),
]

SINCE_ROW_CLASSES = {
    "since-new": "params.data.since_kind == 'new'",
    "since-changed": "params.data.since_kind == 'changed'",
}
"""The highlight of a listing row new or changed since the version compared with; its
"Since version N" column says the same in words (added by the listings' callback)."""

ARM_FIRST_COLUMN = text_column("label", "System organ class", **_FIXED, width=380)
"""The by-arm table's first column; one column per arm follows, built with the data."""


def _cutoff(cutoff_id: str) -> html.Div:
    return html.Div(id=cutoff_id, className="small text-muted mb-1")


def _listing(title, cutoff_id, empty_id, wrap_id, grid_id, csv_id, columns, file_name, note=None):
    grid = fitted_grid(grid_id, columns, file_name, csv_id)
    grid.children[-1].rowClassRules = SINCE_ROW_CLASSES
    body = [_cutoff(cutoff_id), html.Div(id=empty_id), html.Div(grid, id=wrap_id)]
    return panel_card(title, body + ([note] if note is not None else []))


def changes_card() -> dbc.Card:
    """What is new or changed in the safety data since an earlier version (by default
    the one the DSMB last reviewed)."""
    chooser = html.Div(
        [
            dbc.Label("Compared with", html_for=Safety.SINCE, className="small mb-0 text-nowrap"),
            dbc.Select(
                id=Safety.SINCE,
                options=[],
                size="sm",
                style={"width": "auto", "maxWidth": "100%"},  # a phone: under the label
            ),
        ],
        className="d-flex align-items-center gap-2 flex-wrap",
        style={"minWidth": 0, "maxWidth": "100%"},
    )
    grid = fitted_grid(
        Safety.CHANGES_GRID, CHANGE_COLUMNS, "mtsa-safety-changes.csv", Safety.CHANGES_CSV
    )
    return panel_card(
        "New and changed since an earlier version",
        [
            html.Div(id=Safety.CHANGES_SUMMARY, className="mb-2"),
            html.Div(grid, id=Safety.CHANGES_WRAP, style=HIDDEN),
        ],
        subtitle="adverse events, serious events, GVHD and deaths",
        actions=chooser,
    )


def layout(**_query):
    terms = dbc.Switch(
        id=Safety.AE_TERMS, label=TERMS.label, value=TERMS.default == "yes", className="mb-0"
    )
    ae_grid = fitted_grid(
        Safety.AE_GRID, AE_COLUMNS, "mtsa-adverse-events-by-soc.csv", Safety.AE_CSV
    )
    return html.Div(
        [
            html.Div(
                [html.H1("Safety", className="page-title mb-0")],
                className="d-flex justify-content-between align-items-center mb-3",
            ),
            dcc.Loading(html.Div(id=Safety.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Safety.KPIS, className="row g-3 mb-3"),
                    changes_card(),
                    panel_card(
                        "Adverse events by system organ class and worst grade",
                        [
                            _cutoff(Safety.CUTOFF),
                            html.Div(id=Safety.AE_BASIS, className="small mb-2"),
                            html.Div(id=Safety.AE_EMPTY),
                            html.Div(ae_grid, id=Safety.AE_WRAP),
                        ],
                        actions=terms,
                    ),
                    html.Div(
                        panel_card(
                            "Adverse events by treatment arm (DSMB)",
                            [
                                html.Div(
                                    "Patients with at least one event, n (% of the arm) "
                                    "[events]. Shown to the DSMB only: it unblinds.",
                                    className="small text-muted mb-2",
                                ),
                                fitted_grid(
                                    Safety.ARM_GRID,
                                    [ARM_FIRST_COLUMN],
                                    "mtsa-adverse-events-by-arm.csv",
                                    Safety.ARM_CSV,
                                ),
                            ],
                        ),
                        id=Safety.ARM_CARD,
                        style=HIDDEN,
                    ),
                    html.Div(
                        [
                            figure_card(
                                Safety.HEATMAP,
                                "Worst grade per patient and organ class",
                                subtitle="one column per patient; click one to open the profile",
                                min_width=PER_PATIENT_MIN_WIDTH,
                            ),
                            figure_card(
                                Safety.TIMELINE,
                                "Adverse events over time",
                                subtitle=(
                                    "days from the micro-transplant; "
                                    "click a patient to open the profile"
                                ),
                                min_width=PER_PATIENT_MIN_WIDTH,
                            ),
                        ],
                        id=Safety.GRAPHS_WRAP,
                    ),
                    html.Div(
                        [
                            html.Div(
                                _listing(
                                    "Serious adverse events",
                                    Safety.SERIOUS_CUTOFF,
                                    Safety.SERIOUS_EMPTY,
                                    Safety.SERIOUS_WRAP,
                                    Safety.SERIOUS_GRID,
                                    Safety.SERIOUS_CSV,
                                    SERIOUS_COLUMNS,
                                    "mtsa-serious-adverse-events.csv",
                                ),
                                className="col-12",
                            ),
                            html.Div(
                                _listing(
                                    "Deaths",
                                    Safety.DEATHS_CUTOFF,
                                    Safety.DEATHS_EMPTY,
                                    Safety.DEATHS_WRAP,
                                    Safety.DEATHS_GRID,
                                    Safety.DEATHS_CSV,
                                    DEATH_COLUMNS,
                                    "mtsa-deaths.csv",
                                    html.Div(id=Safety.DEATHS_SUMMARY, className="small mt-2"),
                                ),
                                className="col-12",
                            ),
                        ],
                        className="row g-3",
                    ),
                    html.Div(
                        [
                            html.Div(
                                figure_card(
                                    Safety.GVHD,
                                    "Graft-versus-host disease",
                                    before=[
                                        html.Div(id=Safety.GVHD_COUNTS, className="small mb-2"),
                                        html.Div(id=Safety.GVHD_EMPTY),
                                    ],
                                ),
                                className="col-lg-6",
                            ),
                            html.Div(
                                figure_card(
                                    Safety.STOPPING,
                                    "Stopping rule: early non-relapse mortality",
                                    before=[
                                        html.Div(
                                            id=Safety.STOPPING_SENTENCE,
                                            className="fw-semibold mb-1",
                                        ),
                                        html.Div(id=Safety.STOPPING_RULE, className="mb-2"),
                                    ],
                                ),
                                className="col-lg-6",
                            ),
                        ],
                        className="row g-3",
                    ),
                ],
                id=Safety.CONTENT,
                style=HIDDEN,
            ),
            reviews_card() if can_record_review(current_user) else None,
        ]
    )
