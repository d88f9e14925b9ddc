"""Typed trial tables for the unit tests.

Every builder passes its rows through :func:`data_access.frames.typed_frame`, so the
analysis under test sees the same columns and dtypes as it does in the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from data_access.frames import bundle_columns, empty_tables, typed_frame
from data_access.schema import BUNDLE_TABLES

SCHEMA = {table.name: table for table in BUNDLE_TABLES.values()}


def table(name: str, rows: Iterable = (), columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The bundle table ``name`` (e.g. ``"patients"``) built from ``rows``, typed.

    ``rows`` are dicts keyed by column, or sequences in the order of ``columns``
    (default: every bundle column of the table). A frame of columns is taken as is.
    Columns not given are empty.
    """
    if not isinstance(rows, pd.DataFrame):
        rows = list(rows)
        if columns is None and rows and not isinstance(rows[0], dict):
            columns = bundle_columns(SCHEMA[name])[: len(rows[0])]
        rows = pd.DataFrame(rows, columns=columns)
    return typed_frame(SCHEMA[name], rows)


def all_tables(**frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every bundle table, empty but for the typed frames given by name."""
    tables = empty_tables()
    tables.update(frames)
    return tables
