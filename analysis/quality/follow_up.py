"""Follow-up contacts: 3-monthly visits missed, and patients whose follow-up is overdue.

A *contact* is any dated record of the patient: a lab, response, transfusion, adverse
event, chimerism sample, the dates of the patients and follow-up tables (the last
contact itself among them). Each of them shows the patient was seen.

- Missed visit: visits fall due every ``visit_interval_days`` from enrollment up to
  ``follow_up_days``; a visit is made when a contact lies within ``visit_grace_days``
  of its due day, and missed when none does although the patient was followed past
  the end of that window (one finding per missed visit).
- Overdue: a patient alive, not withdrawn, whose follow-up is not complete (last
  contact before the final visit's window) and whose last contact is more than
  ``overdue_days`` before the data cut. This covers the time after the last contact,
  which the missed-visit rule does not (the patient is not followed then).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.quality.context import Context
from analysis.quality.findings import iso, make
from analysis.quality.rules import FU_OVERDUE, MISS_VISIT


def contacts(ctx: Context) -> pd.DataFrame:
    """Every dated record of an enrolled patient: ``patient_id, date``."""
    parts = []
    for frame in ctx.tables.values():
        if frame is None or frame.empty or "patient_id" not in frame:
            continue
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                part = frame[["patient_id", column]].dropna()
                parts.append(part.set_axis(["patient_id", "date"], axis=1))
    if not parts:
        return pd.DataFrame({"patient_id": [], "date": pd.Series([], dtype="datetime64[ns]")})
    found = pd.concat(parts, ignore_index=True)
    return found[found["patient_id"].isin(ctx.enrolled.index)]


def count_between(found: pd.DataFrame, patient_ids, start, end) -> np.ndarray:
    """How many records of ``found`` (``patient_id, date``) each patient has in [start, end].

    ``patient_ids``, ``start`` and ``end`` are equally long. One sorted search over
    (patient, day) keys keeps this fast for thousands of patients.
    """
    ids = pd.Series(patient_ids, dtype=object)
    codes, _ = pd.factorize(pd.concat([found["patient_id"], ids], ignore_index=True))
    span = np.int64(2 * 10**6)  # more days than any date holds, either side of 1970
    owner = codes.astype(np.int64) * span + span // 2

    def days(values) -> np.ndarray:
        return np.asarray(values, dtype="datetime64[D]").astype(np.int64)

    keys = np.sort(owner[: len(found)] + days(found["date"]))
    ask = owner[len(found) :]
    low = np.searchsorted(keys, ask + days(start), "left")
    return np.searchsorted(keys, ask + days(end), "right") - low


def visit_findings(ctx: Context) -> pd.DataFrame:
    """One finding per 3-monthly visit without a contact in its window."""
    s = ctx.settings
    visits = np.arange(1, s.follow_up_days // s.visit_interval_days + 1)
    enrolled = ctx.enrolled
    due = pd.DataFrame(
        {
            "patient_id": np.repeat(enrolled.index.to_numpy(), len(visits)),
            "visit": np.tile(visits, len(enrolled)),
            "enrolled_on": np.repeat(enrolled["enrolled_on"].to_numpy(), len(visits)),
            "followed_until": np.repeat(ctx.followed_until.to_numpy(), len(visits)),
        }
    )
    due["day"] = due["visit"] * s.visit_interval_days
    due["due"] = due["enrolled_on"] + pd.to_timedelta(due["day"], unit="D")
    grace = pd.Timedelta(days=s.visit_grace_days)
    due = due[due["due"] + grace <= due["followed_until"]]
    seen = count_between(contacts(ctx), due["patient_id"], due["due"] - grace, due["due"] + grace)
    missed = due[seen == 0]
    detail = [
        f"visit {v} (day {d} after enrollment on {iso(e)}, due {iso(t)}): no contact from "
        f"{iso(t - grace)} to {iso(t + grace)}"
        for v, d, e, t in zip(
            missed["visit"], missed["day"], missed["enrolled_on"], missed["due"], strict=True
        )
    ]
    site = ctx.site_of(missed["patient_id"])
    return make(MISS_VISIT, missed["patient_id"], site, missed["due"], detail)


def overdue_findings(ctx: Context) -> pd.DataFrame:
    """Patients alive and in follow-up whose last contact is long before the data cut."""
    s, enrolled = ctx.settings, ctx.enrolled
    last = ctx.last_contact
    complete_from = enrolled["enrolled_on"] + pd.Timedelta(
        days=s.follow_up_days - s.visit_grace_days
    )
    waited = (ctx.cut - last).dt.days
    overdue = (
        ctx.died.isna()
        & enrolled["withdrawn_on"].isna()
        & (last < complete_from)
        & (waited > s.overdue_days)
    )
    ids = enrolled.index[overdue]
    detail = [
        f"alive, last contact on {iso(day)}: {n} days before the data cut {iso(ctx.cut)} "
        f"(more than {s.overdue_days})"
        for day, n in zip(last[ids], waited[ids], strict=True)
    ]
    return make(FU_OVERDUE, ids, enrolled.loc[ids, "site_id"], last[ids], detail)
