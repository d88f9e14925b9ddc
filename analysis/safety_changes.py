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

The Safety page also says how its headline numbers changed (:func:`kpi_changes`, in
words by :func:`change_words`) and marks the rows of its serious-event and death
listings that are new or changed (:func:`serious_listing_changes`,
:func:`death_listing_changes`), from the two versions' safety reports.

References
----------
ICH E6(R2) 5.5.3 and FDA, *Establishment and Operation of Clinical Trial Data
Monitoring Committees* (2006), 6.3: interim safety reports present the cumulative data
and what is new since the previous report.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.data_cut import as_of_data_cut

if TYPE_CHECKING:
    from analysis.safety import SafetyReport

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


# --- What the Safety page's headline numbers and listings say about the change ---------

KPIS = ("enrolled", "grade3plus", "serious", "deaths", "gvhd")
"""The Safety page's headline numbers (:func:`kpi_numbers`)."""
NEW = "new"
MINUS = "\u2212"  # a minus sign, not a hyphen


def kpi_numbers(report: SafetyReport) -> dict[str, int | None]:
    """The headline numbers of a safety report: patients enrolled, patients with a grade
    ≥ 3 event, serious events, deaths, and patients with GVHD (acute plus chronic, as the
    card adds them; None when the study does not record GVHD)."""
    gvhd = report.gvhd
    return {
        "enrolled": report.enrolled,
        "grade3plus": report.patients_grade3plus,
        "serious": report.serious["events"],
        "deaths": len(report.deaths.listing),
        "gvhd": None
        if "gvhd" in report.not_recorded
        else gvhd.acute_patients + gvhd.chronic_patients,
    }


def kpi_changes(before: SafetyReport, after: SafetyReport) -> dict[str, int | None]:
    """Each of :data:`KPIS` in ``after`` minus the same in ``before``; None where either
    version does not have the number."""
    old, new = kpi_numbers(before), kpi_numbers(after)
    return {
        name: None if old[name] is None or new[name] is None else new[name] - old[name]
        for name in KPIS
    }


def change_words(change: int | None, since: int) -> str | None:
    """'+2 since version 3', '−1 since version 3', 'no change since version 3'; None
    when there is no change to tell (``change`` None)."""
    if change is None:
        return None
    if change == 0:
        return f"no change since version {since}"
    sign = "+" if change > 0 else MINUS
    return f"{sign}{abs(change)} since version {since}"


def _difference(label: str, was, now) -> str | None:
    """'grade 4 → 5' ('—' for nothing), None when both are the same."""
    was, now = _text(was), _text(now)
    return None if was == now else f"{label} {was or '—'} → {now or '—'}"


def _within_key(frame: pd.DataFrame) -> np.ndarray:
    """Each row's rank among the rows of the same patient, term and onset, in order."""
    return frame.groupby(KEY, dropna=False, sort=False).cumcount().to_numpy()


def serious_listing_changes(before: SafetyReport, after: SafetyReport) -> list[str | None]:
    """For each row of ``after.serious_listing``, what changed since ``before``:
    :data:`NEW` when ``before`` did not count the event (serious or not), else each
    changed field ('grade 4 → 5; serious no → yes'), None when nothing did.

    Events pair as in :func:`safety_changes` (patient, term, onset; identical ones in
    their order), among every counted event of each version.
    """
    fields = [(column, label) for column, label in FIELDS.items() if column in after.events]
    columns = [column for column, _ in fields]
    events = after.events.assign(rank=_within_key(after.events))
    serious = events[events["serious"].fillna(False).astype(bool)]
    serious = serious.assign(within=_within_key(serious))[[*KEY, "within", "rank", *columns]]
    listing = after.serious_listing[KEY].assign(within=_within_key(after.serious_listing))
    earlier = before.events.assign(rank=_within_key(before.events))
    earlier = earlier[[*KEY, "rank", *[c for c in columns if c in earlier]]]
    paired = listing.merge(serious, on=[*KEY, "within"], how="left").merge(
        earlier, on=[*KEY, "rank"], how="left", suffixes=("", "_before"), indicator=True
    )
    marks = []
    for row in paired.to_dict("records"):
        if row["_merge"] == "left_only":
            marks.append(NEW)
            continue
        said = [_difference(label, row.get(f"{c}_before"), row[c]) for c, label in fields]
        marks.append("; ".join(s for s in said if s) or None)
    return marks


def death_listing_changes(before: SafetyReport, after: SafetyReport) -> list[str | None]:
    """For each row of ``after.deaths.listing``, what changed since ``before``:
    :data:`NEW` for a death ``before`` did not list, else a changed date or cause
    ('date of death 2020-04-20 → 2020-04-22'), None when neither did."""
    old = before.deaths.listing.set_index("patient_id")
    marks = []
    for row in after.deaths.listing.to_dict("records"):
        if row["patient_id"] not in old.index:
            marks.append(NEW)
            continue
        was = old.loc[row["patient_id"]]
        said = [
            _difference(label, was[column], row[column])
            for column, label in (("died_on", "date of death"), ("cause", "cause"))
        ]
        marks.append("; ".join(s for s in said if s) or None)
    return marks
