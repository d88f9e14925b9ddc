"""Enrollment against target: the counts behind the Overview page and ``stats enrollment``.

Definitions (``docs/definitions.md``): enrolled = patients with ``enrolled_on``; screen
failures = screened, not enrolled, and with a reason; the target comes from trial.csv.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis._recruitment_common import iso
from analysis.forecast import enrollment_forecast_json, forecast_accrual

RECRUITING = "recruiting"


@dataclass(frozen=True)
class EnrollmentSummary:
    """Trial-level counts at the data cut, and the cumulative enrollment curve.

    ``cumulative`` has one row per enrollment date (``date``, ``enrolled`` running
    total); ``planned`` is the straight line from (start, 0) to (planned end, target),
    empty when the trial has no planned end of accrual; ``by_site`` lists every site
    with its enrolled count.
    """

    data_cut: dt.date | None
    target: int | None
    screened: int
    screen_failures: int
    enrolled: int
    withdrawn: int
    deaths: int
    sites_recruiting: int
    sites_total: int
    cumulative: pd.DataFrame
    planned: pd.DataFrame
    by_site: pd.DataFrame

    @property
    def percent_of_target(self) -> float | None:
        if not self.target:
            return None
        return 100.0 * self.enrolled / self.target


def _trial_value(trial: pd.DataFrame, column: str):
    if trial.empty or pd.isna(trial[column].iloc[0]):
        return None
    return trial[column].iloc[0]


def cumulative_enrollment(patients: pd.DataFrame) -> pd.DataFrame:
    """Running total of enrolled patients, one row per date on which someone enrolled."""
    dates = patients["enrolled_on"].dropna().sort_values()
    counts = dates.value_counts().sort_index()
    return pd.DataFrame({"date": counts.index, "enrolled": counts.cumsum().to_numpy()})


def planned_accrual(trial: pd.DataFrame) -> pd.DataFrame:
    """Straight line from the start date (0 patients) to the planned end (the target)."""
    start = _trial_value(trial, "start_date")
    end = _trial_value(trial, "planned_accrual_end")
    target = _trial_value(trial, "target_enrollment")
    if start is None or end is None or target is None:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "enrolled": []})
    return pd.DataFrame({"date": [start, end], "enrolled": [0, int(target)]})


def enrollment_by_site(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Enrolled patients per site, every site listed (zero where none), largest first."""
    sites = tables["sites"][["site_id", "name", "city", "status"]]
    enrolled = tables["patients"].dropna(subset=["enrolled_on"]).groupby("site_id").size()
    out = sites.assign(enrolled=sites["site_id"].map(enrolled).fillna(0).astype(int))
    return out.sort_values(["enrolled", "site_id"], ascending=[False, True], ignore_index=True)


def enrollment_summary(
    tables: dict[str, pd.DataFrame], data_cut: dt.date | None
) -> EnrollmentSummary:
    """Counts for the Overview KPI cards and the cumulative enrollment chart."""
    patients = tables["patients"]
    trial = tables["trial"]
    is_enrolled = patients["enrolled_on"].notna()
    failures = ~is_enrolled & patients["screen_failure_reason"].notna()
    target = _trial_value(trial, "target_enrollment")
    sites = tables["sites"]
    return EnrollmentSummary(
        data_cut=data_cut,
        target=None if target is None else int(target),
        screened=len(patients),
        screen_failures=int(failures.sum()),
        enrolled=int(is_enrolled.sum()),
        withdrawn=int(patients.loc[is_enrolled, "withdrawn_on"].notna().sum()),
        deaths=int(tables["follow_up"]["died_on"].notna().sum()),
        sites_recruiting=int((sites["status"] == RECRUITING).sum()),
        sites_total=len(sites),
        cumulative=cumulative_enrollment(patients),
        planned=planned_accrual(trial),
        by_site=enrollment_by_site(tables),
    )


def enrollment_json(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> dict:
    """``stats enrollment`` (``docs/command-line.md``), with the accrual forecast.

    The forecast is None at target, and also while nobody is enrolled.
    """
    summary = enrollment_summary(tables, data_cut)
    forecast = forecast_accrual(tables, data_cut) if summary.enrolled else None
    return {
        "target": summary.target,
        "screened": summary.screened,
        "screen_failures": summary.screen_failures,
        "enrolled": summary.enrolled,
        "withdrawn": summary.withdrawn,
        "cumulative": [
            {"date": iso(row.date), "enrolled": int(row.enrolled)}
            for row in summary.cumulative.itertuples()
        ],
        "forecast": enrollment_forecast_json(forecast),
    }
