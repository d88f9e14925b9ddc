"""Adverse events counted per group: patients by worst grade, events, serious and related.

A patient is counted once per row of a table, at the worst CTCAE grade recorded in that
row's group.

References
----------
.. [1] ICH E3, *Structure and Content of Clinical Study Reports*, 1995, section 12.2
   (tabulation by body system and severity).
"""

from __future__ import annotations

import pandas as pd

GRADES = (1, 2, 3, 4, 5)
COUNT_COLUMNS = (
    "patients",
    *(f"grade_{g}" for g in GRADES),
    "patients_grade3plus",
    "events",
    "serious_events",
    "related_events",
)


def ae_counts(events: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Per group of ``by``: patients by worst grade, events, serious and related events.

    ``events`` needs ``patient_id, grade, serious, related`` and the ``by`` columns;
    with ``by=()`` the result is one row over all events. Rows are sorted by
    patients (most first), then by the ``by`` columns.
    """
    keys = list(by)
    grouped = events.assign(
        _serious=events["serious"].fillna(False).astype(bool),
        _related=events["related"].eq("yes"),
        _all="all",
    )
    keys = keys or ["_all"]
    worst = grouped.groupby([*keys, "patient_id"], sort=False)["grade"].max().reset_index()
    per_group = worst.groupby(keys, sort=False)["grade"]
    table = pd.DataFrame({"patients": per_group.size()})
    for g in GRADES:
        table[f"grade_{g}"] = per_group.apply(lambda s, g=g: int((s == g).sum()))
    table["patients_grade3plus"] = per_group.apply(lambda s: int((s >= 3).sum()))
    sums = grouped.groupby(keys, sort=False).agg(
        events=("grade", "size"),
        serious_events=("_serious", "sum"),
        related_events=("_related", "sum"),
    )
    table = table.join(sums).astype(int).reset_index()
    if by:
        table = table.sort_values(["patients", *by], ascending=[False] + [True] * len(by))
        return table[[*by, *COUNT_COLUMNS]].reset_index(drop=True)
    if events.empty:
        return pd.DataFrame([dict.fromkeys(COUNT_COLUMNS, 0)])
    return table[list(COUNT_COLUMNS)]
