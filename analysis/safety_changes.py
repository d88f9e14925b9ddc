"""What is new or changed in the safety data since an earlier data version.

A DSMB's first question at each meeting: which adverse events, serious events, GVHD and
deaths appeared since the data it last reviewed, and which changed (a grade that
worsened, an event now serious, an event resolved). Both versions are taken as known at
their own data cut (:mod:`analysis.data_cut`).

An adverse event is the same event in both versions when it has the same patient,
term and onset date (events identical on all three are paired in their order). A
death is the follow-up's ``died_on``. Each difference is one row: ``patient_id``,
``what`` (the event in words, then the field that changed), ``before`` and
``after`` (text; ``None`` when there was nothing before). An event the later
version no longer holds is a change to "no longer reported".

References
----------
ICH E6(R2) 5.5.3 and FDA, *Establishment and Operation of Clinical Trial Data
Monitoring Committees* (2006), 6.3: interim safety reports present the cumulative data
and what is new since the previous report.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis.data_cut import as_of_data_cut

KEY = ["patient_id", "term", "onset_on"]
FIELDS = {
    "grade": "grade",
    "serious": "serious",
    "related": "related",
    "resolved_on": "resolved",
    "soc": "organ class",
    "gvhd_type": "GVHD type",
    "gvhd_grade": "GVHD grade",
}
GONE = "no longer reported"


def _text(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | dt.date):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _event(row) -> str:
    kind = "serious adverse event" if _text(row.get("serious")) == "yes" else "adverse event"
    if _text(row.get("gvhd_type")):
        kind = f"{row['gvhd_type']} GVHD"
    return f"{kind}: {row['term']}, onset {_text(row['onset_on'])}"


def _keyed(events: pd.DataFrame) -> pd.DataFrame:
    """Events indexed by patient, term, onset and rank among identical keys."""
    events = events.sort_values(KEY, kind="stable", na_position="last")
    rank = events.groupby(KEY, dropna=False).cumcount()
    return events.assign(rank=rank.to_numpy()).set_index([*KEY, "rank"])


def _event_changes(before: pd.DataFrame, after: pd.DataFrame) -> tuple[list, list]:
    old, new = _keyed(before), _keyed(after)
    added = [
        {"patient_id": str(row["patient_id"]), "what": _event(row), "before": None,
         "after": f"grade {_text(row['grade'])}"}
        for row in new[~new.index.isin(old.index)].reset_index().to_dict("records")
    ]  # fmt: skip
    changed = []
    for key in new.index[new.index.isin(old.index)]:
        was, now = old.loc[key], new.loc[key]
        event = _event({**now.to_dict(), **dict(zip(KEY, key, strict=False))})
        for column, label in FIELDS.items():
            if column in now and _text(was.get(column)) != _text(now[column]):
                changed.append(
                    {
                        "patient_id": str(key[0]),
                        "what": f"{event}: {label}",
                        "before": _text(was.get(column)),
                        "after": _text(now[column]),
                    }
                )
    for row in old[~old.index.isin(new.index)].reset_index().to_dict("records"):
        changed.append(
            {"patient_id": str(row["patient_id"]), "what": _event(row),
             "before": f"grade {_text(row['grade'])}", "after": GONE}
        )  # fmt: skip
    return added, changed


def _death_changes(before: pd.DataFrame, after: pd.DataFrame) -> tuple[list, list]:
    old = before.set_index("patient_id")[["died_on", "death_cause"]]
    new = after.set_index("patient_id")[["died_on", "death_cause"]]
    added, changed = [], []
    for patient_id, row in new[new["died_on"].notna()].iterrows():
        was = old.loc[patient_id] if patient_id in old.index else None
        if was is None or pd.isna(was["died_on"]):
            cause = _text(row["death_cause"]) or "cause not given"
            after_text = f"died {_text(row['died_on'])} ({cause})"
            added.append(
                {
                    "patient_id": str(patient_id),
                    "what": "death",
                    "before": None,
                    "after": after_text,
                }
            )
            continue
        for column, label in (("died_on", "date of death"), ("death_cause", "cause of death")):
            if _text(was[column]) != _text(row[column]):
                changed.append(
                    {
                        "patient_id": str(patient_id),
                        "what": label,
                        "before": _text(was[column]),
                        "after": _text(row[column]),
                    }
                )
    return added, changed


def safety_changes(
    before: dict[str, pd.DataFrame],
    before_cut: dt.date | None,
    after: dict[str, pd.DataFrame],
    after_cut: dt.date | None,
) -> dict:
    """``{new, changed}`` between two versions' tables (module docstring), each a list
    of ``{patient_id, what, before, after}`` ordered by patient."""
    before, after = as_of_data_cut(before, before_cut), as_of_data_cut(after, after_cut)
    new_events, changed_events = _event_changes(before["adverse_events"], after["adverse_events"])
    new_deaths, changed_deaths = _death_changes(before["follow_up"], after["follow_up"])

    def ordered(rows: list) -> list:
        return sorted(rows, key=lambda r: (r["patient_id"], r["what"]))

    return {
        "new": ordered(new_events + new_deaths),
        "changed": ordered(changed_events + changed_deaths),
    }
