"""Typed pandas frames for the bundle tables, and the snapshot the app analyses.

Every path into and out of the database (queries, CSV import, demo data) passes its
frames through :func:`typed_frame`, so the analysis layer always sees the same
dtypes: dates as ``datetime64[ns]`` (midnight), integers as nullable ``Int64``,
booleans as nullable ``boolean``, text as ``object`` with ``None`` for missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Table

from data_access.schema import BUNDLE_TABLES, is_bundle_column


def bundle_columns(table: Table) -> list[str]:
    """Columns that appear in the CSV bundle, in file order (no surrogate ids)."""
    return [c.name for c in table.columns if is_bundle_column(c)]


def _dtype(column) -> str:
    kind = column.type
    if isinstance(kind, (Date, DateTime)):
        return "datetime64[ns]"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "Int64"
    if isinstance(kind, Float):
        return "float64"
    return "object"


def typed_frame(
    table: Table, frame: pd.DataFrame | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """``frame`` restricted to the bundle columns of ``table`` (to ``columns`` when
    given), with the house dtypes."""
    columns = bundle_columns(table) if columns is None else columns
    frame = pd.DataFrame(columns=columns) if frame is None else frame
    out = {}
    for name in columns:
        dtype = _dtype(table.columns[name])
        values = (
            frame[name].reset_index(drop=True)
            if name in frame
            else pd.Series([None] * len(frame), dtype=object)
        )
        if dtype == "datetime64[ns]":
            out[name] = pd.to_datetime(values).astype("datetime64[ns]").dt.normalize()
        elif dtype == "object":
            out[name] = values.astype(object).where(values.notna(), None)
        else:
            out[name] = values.astype(dtype)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


@dataclass(frozen=True)
class DataVersion:
    version: int
    loaded_at: dt.datetime
    data_cut: dt.date | None
    source: str
    source_kind: str | None = None


@dataclass(frozen=True)
class TrialSnapshot:
    """All trial tables as read in one transaction, with the version they belong to."""

    version: DataVersion | None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def is_empty(self) -> bool:
        return self.version is None or self.tables["patients"].empty

    @property
    def data_cut(self) -> dt.date | None:
        return data_cut_of(self.tables)


def data_cut_of(tables: dict[str, pd.DataFrame]) -> dt.date | None:
    """The trial's data cut: trial.csv's, else the latest date anywhere in the data."""
    trial = tables.get("trial")
    if trial is not None and not trial.empty and pd.notna(trial["data_cut"].iloc[0]):
        return pd.Timestamp(trial["data_cut"].iloc[0]).date()
    return latest_date(tables)


def latest_date(tables: dict[str, pd.DataFrame]) -> dt.date | None:
    """The latest date in any table other than trial planning dates."""
    latest = None
    for name, frame in tables.items():
        if name == "trial":
            continue
        for column in frame.columns:
            if frame[column].dtype == "datetime64[ns]" and frame[column].notna().any():
                value = frame[column].max()
                latest = value if latest is None else max(latest, value)
    return None if latest is None else latest.date()


def empty_tables() -> dict[str, pd.DataFrame]:
    """One empty typed frame per bundle table, keyed by table name."""
    return {t.name: typed_frame(t) for t in BUNDLE_TABLES.values()}
