"""A sortable, filterable table (dash-ag-grid) with a "Download CSV" button.

Generic on purpose: a page gives column definitions (built with the helpers below so
dates, numbers and badges look the same everywhere), rows as plain JSON values, a CSV
file name and an id. Formatting runs in the browser through dash-ag-grid's safe
expression interpreter (``{"function": ...}`` strings are parsed, never ``eval``-ed,
so the page keeps its strict Content-Security-Policy); the badge renderer lives in
``assets/dashAgGridComponentFunctions.js``. The grid's theme is AG Grid's own (Quartz,
injected by the bundled grid script): no stylesheet from a CDN. The CSV export holds
the rows as filtered and sorted on screen, with raw values (ISO dates, unrounded
numbers, empty cells for missing ones) rather than the formatted text, and a text that
a spreadsheet would run as a formula starts with ``'`` (``csvSafeCell`` in
``assets/dashAgGridFunctions.js``).

Usage::

    data_grid(Ids.GRID, [text_column("name", "Site"), date_column("activated_on",
              "Activated")], csv_file_name="sites.csv", export_button_id=Ids.CSV)
    # in the page's register(app):
    register_csv_export(app, Ids.CSV, Ids.GRID)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import dash_ag_grid as dag
from dash import Input, Output, html

from dashboard.components.downloads import download_button

MISSING = "—"
_ISO = "%Y-%m-%d"
_SHOWN_DATE = "%d %b %Y"  # dashboard.formatting.DATE_FORMAT

# Text that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first)
# gets a ' in front in the CSV download, as in every CSV file the server writes
# (data_access.bundle_read.neutralise_formulas); assets/dashAgGridFunctions.js.
CSV_SAFE_CELL = {"function": "csvSafeCell(params)"}

DEFAULT_COLUMN = {
    "sortable": True,
    "filter": True,
    "resizable": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
    # A narrow column wraps its text onto more lines rather than cutting it ("not re…").
    "wrapText": True,
    "autoHeight": True,
    "cellStyle": {"lineHeight": "1.4", "paddingTop": "6px", "paddingBottom": "6px"},
    "minWidth": 80,
}


def text_column(field: str, header: str, **extra) -> dict:
    """A text column with a text filter."""
    return {"field": field, "headerName": header, "filter": "agTextColumnFilter", **extra}


def number_column(field: str, header: str, decimals: int = 0, **extra) -> dict:
    """A right-aligned number shown with ``decimals`` places ('—' when missing); the CSV
    export writes the number itself (empty when missing)."""
    return {
        "field": field,
        "headerName": header,
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
        "valueFormatter": {
            "function": (
                f"params.value == null ? '{MISSING}' : d3.format('.{decimals}f')(params.value)"
            )
        },
        "useValueFormatterForExport": False,
        **extra,
    }


def patient_column(header: str = "Patient", **extra) -> dict:
    """The ``patient_id`` column, each id a link to the patient's profile
    (``/patients/<id>``, the earlier data version shown kept: ``PatientLink`` in
    ``assets/dashAgGridComponentFunctions.js``)."""
    return text_column("patient_id", header, cellRenderer="PatientLink", **extra)


def date_column(field: str, header: str, **extra) -> dict:
    """An ISO date (``YYYY-MM-DD`` in the rows) shown as '08 Jan 2019', '—' when missing.

    Sorting and the date filter work on the date (AG Grid's ``dateString`` type); the
    CSV export writes the ISO date (empty when missing).
    """
    return {
        "field": field,
        "headerName": header,
        "cellDataType": "dateString",
        "filter": "agDateColumnFilter",
        "valueFormatter": {
            "function": (
                f"params.value ? d3.timeFormat('{_SHOWN_DATE}')"
                f"(d3.timeParse('{_ISO}')(params.value)) : '{MISSING}'"
            )
        },
        "useValueFormatterForExport": False,
        **extra,
    }


def badge_column(field: str, header: str, colors: Mapping[str, str], **extra) -> dict:
    """A text shown as a coloured badge; ``colors`` maps each value to a CSS colour."""
    return {
        "field": field,
        "headerName": header,
        "filter": "agTextColumnFilter",
        "cellRenderer": "Badge",
        "cellRendererParams": {"colors": dict(colors)},
        **extra,
    }


def data_grid(
    grid_id: str,
    column_defs: list[dict],
    row_data: list[dict] | None = None,
    *,
    csv_file_name: str,
    export_button_id: str | None = None,
    export_label: str = "Download CSV",
    row_id: str | None = None,
    title: str | None = None,
) -> html.Div:
    """The grid, with a CSV export button above it when ``export_button_id`` is given.

    ``title`` heads the table, on the line of the button. ``row_id`` names a field that
    identifies each row (kept across data refreshes, and ``row-id`` in the page for
    tests). The grid sizes its height to its rows and draws every column (``domLayout:
    autoHeight``, no column virtualisation): keep it for tables of tens of rows.
    """
    extra = {"getRowId": f"params.data.{row_id}"} if row_id else {}
    grid = dag.AgGrid(
        id=grid_id,
        columnDefs=column_defs,
        rowData=row_data or [],
        defaultColDef=DEFAULT_COLUMN,
        csvExportParams={"fileName": csv_file_name, "processCellCallback": CSV_SAFE_CELL},
        dashGridOptions={
            "domLayout": "autoHeight",
            "animateRows": False,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            "suppressColumnVirtualisation": True,
            "tooltipShowDelay": 300,
        },
        style={"height": None},
        className="data-grid",
        **extra,
    )
    toolbar = [html.H2(title, className="h5 fw-semibold mb-0")] if title else [html.Span()]
    if export_button_id:
        toolbar.append(download_button(export_button_id, export_label))
    children = [grid]
    if len(toolbar) > 1 or title:
        bar = html.Div(toolbar, className="d-flex justify-content-between align-items-center mb-2")
        children.insert(0, bar)
    return html.Div(children)


def register_csv_export(
    app, button_id: str, grid_id: str, on_export: Callable[[], None] | None = None
) -> None:
    """Clicking ``button_id`` downloads the grid's rows, as filtered and sorted, as CSV.

    ``on_export`` runs on the server first (for example to audit the export); if it
    raises, nothing is downloaded.
    """

    @app.callback(
        Output(grid_id, "exportDataAsCsv"),
        Input(button_id, "n_clicks"),
        prevent_initial_call=True,
    )
    def export_grid_csv(n_clicks):
        if on_export is not None:
            on_export()
        return bool(n_clicks)


def with_min_width(column: dict) -> dict:
    """Fitting never squeezes a column under 60% of its width, nor under 100 px (a
    header and its filter icon): a phone scrolls instead of breaking "Skin and
    subcutaneous tissue disorders" or "Patient" letter by letter."""
    if "children" in column:
        return {**column, "children": [with_min_width(c) for c in column["children"]]}
    if "width" not in column:
        return column
    width = column["width"]
    return {"minWidth": min(width, max(round(0.6 * width), 100)), **column}


def fitted_grid(grid_id, columns, file_name, csv_id) -> html.Div:
    """data_grid with the columns fitted to the card's width (no horizontal scroll where
    the card is wide enough)."""
    columns = [with_min_width(column) for column in columns]
    wrapper = data_grid(grid_id, columns, csv_file_name=file_name, export_button_id=csv_id)
    wrapper.children[-1].columnSize = "responsiveSizeToFit"
    return wrapper


def quality_column(**extra) -> dict:
    """ "Data quality": the patient's findings in words (an eligibility deviation, a
    missing day-90 marrow), in red; empty when nothing was found."""
    return text_column(
        "quality",
        "Data quality",
        width=200,
        cellClassRules={"text-danger fw-semibold": "params.value"},
        **extra,
    )
