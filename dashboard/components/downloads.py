"""CSV downloads: the button every panel shows, and files safe to open in a spreadsheet."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc

from data_access.bundle_read import neutralise_formulas


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet could run as a formula (= + - @ …) get a leading quote,
    by the same rule as bundle exports; numbers and dates are left as they are."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = neutralise_formulas(safe[column])
    return safe


def send_csv(frame: pd.DataFrame, filename: str) -> dict:
    """A ``dcc.Download`` payload of ``frame`` as a spreadsheet-safe CSV."""
    return dcc.send_data_frame(spreadsheet_safe(frame).to_csv, filename, index=False)


def download_button(button_id: str, label: str = "Download CSV", title: str = "") -> dbc.Button:
    """The one look of a download button, on figures, grids and the audit log."""
    extra = {"title": title} if title else {}
    return dbc.Button(
        label,
        id=button_id,
        color="secondary",
        outline=True,
        size="sm",
        className="text-nowrap",
        **extra,
    )
