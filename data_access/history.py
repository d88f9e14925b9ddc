"""Every data version kept: the rows an import replaces move to history tables.

Each trial table holds the current rows, each with ``valid_from``, the version that
brought it in. An import compares the new rows with the current ones by their content
(every bundle column): a row found in both stays, with its ``valid_from``; a current
row the new data no longer hold moves to the table's history twin (``<table>_history``)
with ``valid_to`` set to the new version; a new row comes in with ``valid_from`` set to
the new version. A changed row is thus one row retired and one brought in, and the
database grows with what changes, not with the number of versions.

The rows of version N are the current rows with ``valid_from`` <= N and the history
rows with ``valid_from`` <= N < ``valid_to``. Rows loaded by a release that kept no
history have no ``valid_from``: they were there before the first version whose rows are
kept, and the versions loaded before that one cannot be shown
(``data_versions.rows_kept``).

Identical rows (two equal lab results of a day) are told apart by their order among
equals, so a table is compared as a multiset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, and_, or_, select, union_all

from data_access.frames import bundle_columns, typed_frame
from data_access.schema import HISTORY_TABLES, VALID_FROM

VALID_TO = "valid_to"


def row_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """One key per row: the hash of its values and its rank among identical rows."""
    if frame.empty:
        return pd.MultiIndex.from_arrays([[], []])
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    rank = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
    return pd.MultiIndex.from_arrays([hashes, rank])


def compare(
    current: pd.DataFrame, since: pd.Series, new: pd.DataFrame, version: int
) -> tuple[pd.Series, pd.DataFrame]:
    """The new rows' ``valid_from`` and the current rows the new data retire.

    ``current`` and ``new`` are typed frames of one table (the same columns);
    ``since`` is the ``valid_from`` of each current row (missing: from before history).
    Returns ``(valid_from of each new row, retired rows with valid_from and valid_to)``.
    """
    old_keys, new_keys = row_keys(current), row_keys(new)
    since = pd.Series(since.to_numpy(), index=old_keys, dtype="Int64")
    kept = new_keys.isin(old_keys)
    valid_from = pd.Series(version, index=range(len(new)), dtype="Int64")
    if kept.any():
        valid_from[kept] = since.reindex(new_keys[kept]).to_numpy()
    gone = ~old_keys.isin(new_keys)
    retired = current[gone].reset_index(drop=True)
    retired[VALID_FROM] = since.to_numpy()[gone]
    retired[VALID_TO] = version
    return valid_from, retired


def current_rows(conn: Connection, table: Table) -> tuple[pd.DataFrame, pd.Series]:
    """The current rows of ``table`` as a typed frame, and the ``valid_from`` of each."""
    columns = bundle_columns(table)
    rows = conn.execute(select(*(table.c[c] for c in columns), table.c[VALID_FROM])).all()
    frame = pd.DataFrame(rows, columns=[*columns, VALID_FROM])
    return typed_frame(table, frame), frame[VALID_FROM].astype("Int64")


def as_of_rows(
    conn: Connection, table: Table, version: int, patient_id: str | None = None
) -> pd.DataFrame:
    """The rows of ``table`` in data version ``version``, as a typed frame.

    Sorted by every bundle column, so that two reads of one version compare equal
    whatever order the rows were stored in. ``patient_id``: that patient's rows only
    (``WHERE patient_id = ...``), for a table keyed by patient.
    """
    history = HISTORY_TABLES[table.name]
    columns = bundle_columns(table)

    def since_ok(t: Table):
        kept = [or_(t.c[VALID_FROM] <= version, t.c[VALID_FROM].is_(None))]
        if patient_id is not None:
            kept.append(t.c.patient_id == patient_id)
        return and_(*kept)

    current = select(*(table.c[c] for c in columns)).where(since_ok(table))
    retired = select(*(history.c[c] for c in columns)).where(
        since_ok(history), history.c[VALID_TO] > version
    )
    rows = conn.execute(union_all(current, retired)).all()
    frame = typed_frame(table, pd.DataFrame(rows, columns=columns))
    return sorted_rows(frame)


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order of their values, missing values last (a stable, content-only order)."""
    if frame.empty:
        return frame
    order = np.lexsort([_sortable(frame[c]) for c in reversed(frame.columns)])
    return frame.iloc[order].reset_index(drop=True)


def _sortable(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values, sort=True)
    return np.where(codes < 0, np.iinfo(np.int64).max, codes)
