"""Small helpers shared by the recruitment analyses (enrollment, sites, funnel, forecast).

Private to :mod:`analysis.enrollment`, :mod:`analysis.sites`, :mod:`analysis.funnel` and
:mod:`analysis.forecast`: converting between ``datetime64`` cells and
:class:`datetime.date`, and finding the data cut when the caller has none.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def to_date(value) -> dt.date | None:
    """A table cell (Timestamp, date, string or missing) as a date, ``None`` if missing."""
    if value is None or value is pd.NaT or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def iso(value) -> str | None:
    """A table cell as an ISO date string, ``None`` if missing."""
    day = to_date(value)
    return None if day is None else day.isoformat()


def trial_value(tables: dict[str, pd.DataFrame], column: str):
    """``column`` of the single trial row, ``None`` if there is no row or no value."""
    trial = tables.get("trial")
    if trial is None or trial.empty or column not in trial or pd.isna(trial[column].iloc[0]):
        return None
    return trial[column].iloc[0]


def resolve_cut(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> pd.Timestamp:
    """The data cut as a Timestamp: ``data_cut``, else trial.csv's, else the latest date.

    Mirrors the bundle's rule (``docs/data-bundle.md``: an empty ``trial.data_cut``
    means the latest date in the data) so the analyses also work on a bare dictionary
    of frames.

    Raises
    ------
    ValueError
        If no cut is given and the tables hold no date at all.
    """
    if data_cut is not None:
        return pd.Timestamp(data_cut).normalize()
    from_trial = to_date(trial_value(tables, "data_cut"))
    if from_trial is not None:
        return pd.Timestamp(from_trial)
    latest = None
    for name, frame in tables.items():
        if name == "trial":
            continue
        for column in frame.columns:
            series = frame[column]
            if pd.api.types.is_datetime64_any_dtype(series) and series.notna().any():
                latest = series.max() if latest is None else max(latest, series.max())
    if latest is None:
        raise ValueError("no data cut: pass data_cut or give the trial table a data_cut date")
    return pd.Timestamp(latest).normalize()
