"""Assessments the protocol schedules after the micro-transplant: blood counts, day-90 marrow.

Days count from the transplant (day 0), as for recovery. An assessment is expected
only when the patient was followed (:mod:`analysis.quality.context`) to the end of the
period it belongs to: a week of blood counts once its last day is reached, the day-90
marrow once its window has closed.

- Blood counts: week *w* covers days 7(w-1) to 7w-1. A week that ends before
  ``counts_early_to_day`` needs ``counts_early_per_week`` days with a count (ANC or
  platelets); a later week that ends by ``counts_late_to_day`` needs
  ``counts_late_per_week``. Several counts on one day are one. One finding per
  patient lists the weeks short of the schedule.
- Day-90 marrow: a ``marrow_test`` result within ``marrow_day`` +/- ``marrow_window_days``.
  Not expected after a relapse before the window opens (the first ``relapse`` or ``PD``
  response, or ``progressed_on``): the patient has left the remission schedule.
"""

from __future__ import annotations

import pandas as pd

from analysis.endpoints import PROGRESSION_RESPONSES
from analysis.quality.context import Context
from analysis.quality.findings import empty, iso, make
from analysis.quality.rules import MISS_COUNTS, MISS_MARROW90
from analysis.recovery_days import lab_days

COUNT_TESTS = ("ANC", "PLT")


def _transplants(ctx: Context) -> pd.DataFrame:
    """Transplanted patients: ``transplant_on`` and ``end_day`` (last day followed)."""
    transplant_on = ctx.enrolled["transplant_on"].dropna()
    end = ctx.followed_until.reindex(transplant_on.index)
    return pd.DataFrame(
        {"transplant_on": transplant_on, "end_day": (end - transplant_on).dt.days},
        index=transplant_on.index,
    )


def scheduled_weeks(ctx: Context) -> pd.DataFrame:
    """The weeks with a blood-count schedule: ``week, first_day, last_day, needed``."""
    s = ctx.settings
    rows = []
    week = 1
    while 7 * week - 1 <= max(s.counts_late_to_day, s.counts_early_to_day - 1):
        last = 7 * week - 1
        needed = s.counts_early_per_week if last < s.counts_early_to_day else s.counts_late_per_week
        rows.append((week, last - 6, last, needed))
        week += 1
    weeks = pd.DataFrame(rows, columns=["week", "first_day", "last_day", "needed"])
    return weeks[weeks["needed"] > 0]


def _week_runs(short: pd.DataFrame) -> str:
    """Consecutive short weeks with the same count and need, in words."""
    parts = []
    run = (short["week"].diff() != 1) | (short["count"].diff() != 0)
    run |= short["needed"].diff() != 0
    for _, group in short.groupby(run.cumsum()):
        first, last = group.iloc[0], group.iloc[-1]
        got = "none" if first["count"] == 0 else str(int(first["count"]))
        if len(group) == 1:
            where = f"week {first['week']} (days {first['first_day']}-{first['last_day']})"
            parts.append(f"{where}: {got} of {first['needed']}")
        else:
            days = f"days {first['first_day']}-{last['last_day']}"
            where = f"weeks {first['week']}-{last['week']} ({days})"
            parts.append(f"{where}: {got} of {first['needed']} each")
    return "; ".join(parts)


def counts_findings(ctx: Context) -> pd.DataFrame:
    """One finding per transplanted patient with weeks short of the blood-count schedule."""
    transplants = _transplants(ctx)
    weeks = scheduled_weeks(ctx)
    if transplants.empty or weeks.empty:
        return empty()
    expected = transplants.reset_index().merge(weeks, how="cross")
    expected = expected[expected["last_day"] <= expected["end_day"]]
    labs = lab_days(ctx.tables, transplants, ctx.cut)
    labs = labs[labs["test"].isin(COUNT_TESTS) & (labs["day"] >= 0)]
    sampled = labs[["patient_id", "day"]].drop_duplicates()
    counts = sampled.groupby(["patient_id", sampled["day"] // 7 + 1]).size().rename("count")
    expected = expected.join(counts, on=["patient_id", "week"])
    expected["count"] = expected["count"].fillna(0).astype(int)
    expected["short"] = expected["count"] < expected["needed"]
    rows = []
    for patient, weeks_of in expected.groupby("patient_id", sort=True):
        short = weeks_of[weeks_of["short"]]
        if short.empty:
            continue
        transplant_on = weeks_of["transplant_on"].iloc[0]
        detail = (
            f"{len(short)} of {len(weeks_of)} weeks followed after the transplant on "
            f"{iso(transplant_on)} below the blood-count schedule: {_week_runs(short)}"
        )
        first = transplant_on + pd.Timedelta(days=int(short["first_day"].iloc[0]))
        rows.append((patient, first, detail))
    return ctx.found(MISS_COUNTS, rows)


def relapse_dates(ctx: Context) -> pd.Series:
    """First relapse of each enrolled patient: ``progressed_on`` or a relapse/PD response."""
    dates = []
    follow_up = ctx.rows("follow_up")
    if not follow_up.empty:
        dates.append(follow_up.set_index("patient_id")["progressed_on"].dropna())
    responses = ctx.rows("responses")
    if not responses.empty:
        hits = responses[responses["response"].isin(PROGRESSION_RESPONSES)]
        dates.append(hits.set_index("patient_id")["assessed_on"])
    if not dates:
        return pd.Series(pd.NaT, index=ctx.enrolled.index, dtype="datetime64[ns]")
    first = pd.concat(dates).groupby(level=0).min()
    return first.reindex(ctx.enrolled.index).astype("datetime64[ns]")


def marrow_findings(ctx: Context) -> pd.DataFrame:
    """Transplanted patients followed past the day-90 window without a marrow result in it."""
    s = ctx.settings
    low, high = s.marrow_day - s.marrow_window_days, s.marrow_day + s.marrow_window_days
    transplants = _transplants(ctx)
    relapse_day = relapse_dates(ctx).reindex(transplants.index) - transplants["transplant_on"]
    expected = transplants[(transplants["end_day"] >= high) & ~(relapse_day.dt.days < low)]
    labs = lab_days(ctx.tables, expected, ctx.cut)
    found = labs[(labs["test"] == s.marrow_test) & labs["day"].between(low, high)]
    missing = expected[~expected.index.isin(found["patient_id"])]
    start = missing["transplant_on"]
    detail = [
        f"no {s.marrow_test} result on days {low}-{high} after the transplant on {iso(t)} "
        f"({iso(t + pd.Timedelta(days=low))} to {iso(t + pd.Timedelta(days=high))})"
        for t in start
    ]
    due = start + pd.Timedelta(days=s.marrow_day)
    return make(MISS_MARROW90, missing.index, ctx.site_of(missing.index), due, detail)
