"""CSV downloads from the pages neutralise spreadsheet formulas, as bundle exports do.

The grids' "Download CSV" runs in the browser (AG Grid's exportDataAsCsv), so the
server's :func:`data_access.bundle_read.neutralise_formulas` cannot reach it: the grid's
``processCellCallback`` (``csvSafeCell`` in assets/dashAgGridFunctions.js) applies the
same rule. Site names and cities are free text in the bundle, so a hostile bundle can
put a formula in the sites table that a sponsor downloads.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from dash.testing.wait import until

from data_access.bundle_read import neutralise_formulas, restore_formulas
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

ROWS = "#sites-grid .ag-center-cols-container .ag-row"
HOSTILE = {  # site_id: (name, city)
    "CLF": ("=cmd|' /C calc'!A0", "@SUM(A1)"),
    "GRE": ("+1+1", "-2+3"),
    "LIL": ("'=already quoted", "\t=tab first"),
}
FUNCTIONS = Path(__file__).resolve().parents[2] / "assets" / "dashAgGridFunctions.js"


@pytest.fixture
def hostile_db(tmp_path, sqlite_url):
    bundle = tmp_path / "bundle"
    shutil.copytree(SMALL_BUNDLE, bundle)
    with open(bundle / "sites.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for cells in rows[1:]:
        if cells[0] in HOSTILE:
            cells[1], cells[2] = HOSTILE[cells[0]]
    with open(bundle / "sites.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    import_bundle(make_engine(sqlite_url), bundle)
    return sqlite_url


def downloaded_rows(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_res030_grid_csv_download_neutralises_formulas(dash_duo, open_app, make_app, hostile_db):
    open_app(make_app(hostile_db), username="spencer", path="/sites")
    until(lambda: len(dash_duo.find_elements(ROWS)) == 7, timeout=10)
    dash_duo.find_element("#sites-grid-csv").click()
    path = Path(dash_duo.download_path) / "mtsa-sites.csv"
    until(lambda: path.exists() and path.stat().st_size > 0, timeout=10)
    by_id = {row["ID"]: row for row in downloaded_rows(path)}
    for site_id, cells in HOSTILE.items():
        stored = restore_formulas(pd.Series(cells))  # the import removes one leading '
        assert [by_id[site_id]["Site"], by_id[site_id]["City"]] == ["'" + v for v in stored]
    assert by_id["STE"]["Site"] == "CHU de Saint-Etienne (sponsor)"
    assert (by_id["STE"]["Screened"], by_id["STE"]["Activated"]) == ("3", "2019-01-08")
    assert dash_duo.get_logs() == []


CELL_CASES = [  # value, formatted value (when the column formats for export), expected
    ("=1+1", None, "'=1+1"),
    ("'=x", None, "''=x"),
    ("-5 units", None, "'-5 units"),
    ("\r=cr", None, "'\r=cr"),
    ("a=b", None, "a=b"),
    (-1.5, None, -1.5),  # numbers are never quoted
    (None, None, ""),
    (3, "=3 (formatted)", "=3 (formatted)"),  # a formatted number is not text data
    ("x", "@x", "'@x"),
]


def test_res031_grid_cell_rule_matches_the_server(dash_duo):
    """csvSafeCell, run in the browser, agrees with ``neutralise_formulas`` on text."""
    dash_duo.driver.get("about:blank")
    dash_duo.driver.execute_script(FUNCTIONS.read_text(encoding="utf-8"))
    for value, formatted, expected in CELL_CASES:
        result = dash_duo.driver.execute_script(
            "var p = arguments[0], formats = arguments[1];"
            "p.column = {getColDef: function () { return formats ? {valueFormatter: 1} : {}; }};"
            "p.formatValue = function () { return p.formatted; };"
            "return window.dashAgGridFunctions.csvSafeCell(p);",
            {"value": value, "formatted": formatted},
            formatted is not None,
        )
        assert result == expected, (value, formatted)
        if isinstance(value, str) and formatted is None:
            assert result == neutralise_formulas(pd.Series([value])).iloc[0]
