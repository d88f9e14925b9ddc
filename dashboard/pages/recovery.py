"""Hematopoietic recovery: counts to day 100, recovery curves, day-90 table, microchimerism."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from analysis.options import COUNT, DETECTION_LIMIT
from dashboard.callbacks.recovery import NO_PATIENT
from dashboard.components.grid import (
    badge_column,
    data_grid,
    date_column,
    number_column,
    patient_column,
    quality_column,
    text_column,
)
from dashboard.components.panel import HIDDEN, figure_card, panel_card, select_items
from dashboard.components.site_filter import site_select
from dashboard.ids import Recovery

dash.register_page(
    __name__,
    path="/recovery",
    name="Recovery",
    title="Hematopoietic recovery · MTSA",
    order=2,
    panel="recovery",
)

RED = {"backgroundColor": "#f8d7da", "color": "#842029"}
AMBER = {"backgroundColor": "#fff3cd", "color": "#664d03"}
MISSING_DAY = "recoveryDay(params)"  # assets/dashAgGridFunctions.js


def _cues(*rules: tuple[str, dict]) -> dict:
    return {"styleConditions": [{"condition": c, "style": s} for c, s in rules]}


def _day(field: str, header: str) -> dict:
    return number_column(
        field,
        header,
        valueFormatter={"function": MISSING_DAY},
        minWidth=85,
        headerTooltip="First of three days in a row at or above the threshold after the nadir",
        cellStyle=_cues(("params.value == null", {"color": "#6c757d"})),
    )


def _value(field: str, header: str, decimals: int, *rules) -> dict:
    return number_column(field, header, decimals, cellStyle=_cues(*rules), minWidth=85)


def _group(header: str, children: list[dict]) -> dict:
    return {"headerName": header, "children": children}


DAY90_COLUMNS = [
    patient_column(width=110, flex=0),
    text_column("site_id", "Site", width=80, flex=0),
    quality_column(flex=0),
    date_column("transplant_on", "Transplant", width=125, flex=0),
    _group(
        "Recovery day",
        [
            _day("neutrophil_day", "ANC ≥ 0.5"),
            _day("platelet20_day", "PLT ≥ 20"),
            _day("platelet50_day", "PLT ≥ 50"),
        ],
    ),
    _group(
        "Day-90 value",
        [
            _value(
                "ANC",
                "ANC ×10⁹/L",
                2,
                ("params.value != null && params.value < 0.5", RED),
                ("params.value != null && params.value < 1", AMBER),
            ),
            _value(
                "PLT",
                "PLT ×10⁹/L",
                0,
                ("params.value != null && params.value < 20", RED),
                ("params.value != null && params.value < 100", AMBER),
            ),
            _value(
                "PB_BLAST_PCT",
                "Blood blasts %",
                1,
                ("params.value != null && params.value > 0", AMBER),
            ),
            _value(
                "BM_BLAST_PCT",
                "Marrow blasts %",
                1,
                ("params.value != null && params.value >= 5", RED),
            ),
            number_column("donor_percent", "Donor DNA %", 3, minWidth=85),
        ],
    ),
    _group(
        "Flags",
        [
            badge_column(
                "cr_criteria",
                "CR counts day 90",
                {"Met": "#2e7d32", "Not met": "#b02a37", "Not evaluable": "#adb5bd"},
                minWidth=120,
            ),
            badge_column(
                "prolonged_aplasia",
                "Prolonged aplasia",
                {"Yes": "#b02a37", "No": "#e9ecef", "Not yet known": "#adb5bd"},
                minWidth=120,
            ),
        ],
    ),
]


def _label(text: str, target: str) -> dbc.Label:
    return dbc.Label(text, html_for=target, className="small text-muted mb-1")


def controls() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _label("Patients from", Recovery.SITE),
                            site_select(Recovery.SITE),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            _label("Highlight a patient", Recovery.PATIENT),
                            dbc.Select(
                                id=Recovery.PATIENT,
                                options=[NO_PATIENT],
                                value=NO_PATIENT["value"],
                            ),
                        ],
                        md=4,
                    ),
                ],
                className="g-3 align-items-end",
            ),
            className="py-2",
        ),
        className="kpi-card mb-3",
    )


def trajectories() -> dbc.Card:
    picker = html.Div(
        [
            dbc.Label(COUNT.label, html_for=Recovery.TEST, className="small mb-0"),
            dbc.Select(
                id=Recovery.TEST,
                options=select_items(COUNT),
                value=COUNT.default,
                size="sm",
                style={"width": "auto"},
            ),
        ],
        className="d-flex align-items-center gap-2",
    )
    return figure_card(
        Recovery.TRAJECTORY,
        "Blood counts after the micro-transplant",
        subtitle="cohort median and interquartile range in blue, each patient in grey (up to 100)",
        before=[html.Div(id=Recovery.TRAJECTORY_NOTE)],
        actions=picker,
    )


def time_to_recovery() -> dbc.Card:
    return figure_card(
        Recovery.CIF,
        "Time to recovery",
        subtitle="cumulative incidence, death before recovery competing",
        before=[html.P(id=Recovery.CIF_NOTE, className="small text-muted")],
    )


def microchimerism() -> dbc.Card:
    limit = dbc.InputGroup(
        [
            dbc.Label(
                DETECTION_LIMIT.label,
                html_for=Recovery.CHIMERISM_LIMIT,
                className="input-group-text mb-0",
            ),
            dbc.Input(
                id=Recovery.CHIMERISM_LIMIT,
                type="number",
                value=DETECTION_LIMIT.default,
                min=DETECTION_LIMIT.bounds[0],
                max=DETECTION_LIMIT.bounds[1],
                step="any",
                debounce=True,
                style={"maxWidth": "6rem"},
            ),
            dbc.InputGroupText("% donor DNA"),
        ],
        size="sm",
        style={"width": "auto"},
    )
    return figure_card(
        Recovery.CHIMERISM,
        "Microchimerism",
        subtitle="donor DNA in the patient's blood",
        before=[
            html.P(id=Recovery.CHIMERISM_SHARE, className="fw-semibold mb-1"),
            html.Div(id=Recovery.CHIMERISM_NOTE),
        ],
        actions=limit,
    )


def day90_table() -> dbc.Card:
    legend = html.P(
        [
            "Day-90 value: the measurement closest to day 90 within days 76–104 (the "
            "earlier on a tie). ",
            html.Span("Red", style=RED | {"padding": "0 0.3em"}),
            " ANC < 0.5, platelets < 20 ×10⁹/L or marrow blasts ≥ 5%; ",
            html.Span("amber", style=AMBER | {"padding": "0 0.3em"}),
            " ANC < 1.0 or platelets < 100 (under complete-remission counts) or blasts in "
            "the blood. Prolonged aplasia: no neutrophil recovery by day 42 while alive.",
        ],
        className="small text-muted mb-2",
    )
    grid = data_grid(
        Recovery.GRID,
        DAY90_COLUMNS,
        csv_file_name="mtsa-recovery-day90.csv",
        export_button_id=Recovery.GRID_CSV,
    )
    table = grid.children[-1]
    # 14 columns: share the card's width (flex) rather than size to content, which
    # overflows; flex needs no sizing call while the page is still hidden.
    table.columnSize = None
    table.defaultColDef = {**table.defaultColDef, "flex": 1, "suppressHeaderFilterButton": True}
    table.getRowId = "params.data.patient_id"
    return panel_card(
        "Recovery days and day-90 values",
        [legend, grid],
        subtitle="one row per transplanted patient",
    )


def layout(**_query):
    return html.Div(
        [
            html.H1("Hematopoietic recovery", className="page-title"),
            controls(),
            dcc.Loading(html.Div(id=Recovery.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Recovery.KPIS, className="row g-3 mb-3"),
                    trajectories(),
                    dbc.Row(
                        [
                            dbc.Col(
                                time_to_recovery(),
                                lg=6,
                            ),
                            dbc.Col(microchimerism(), lg=6),
                        ],
                        className="g-3",
                    ),
                    day90_table(),
                ],
                id=Recovery.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
