"""Hematopoietic recovery: the numbers behind the Recovery page and ``stats recovery``.

Per patient the recovery days (:mod:`analysis.recovery_days`), the day-90 values
(:mod:`analysis.day90`) and the 3-month microchimerism (:mod:`analysis.chimerism`);
for the cohort the cumulative incidence of recovery and the blood-count trajectories.

Recovery curves are Aalen–Johansen cumulative incidence functions with death before
recovery as a competing risk (:func:`analysis.competing_risks.cumulative_incidence`,
causes ``{1: "recovery", 2: "death"}``), patients alive without recovery censored at
the earlier of the last contact and the data cut. One minus Kaplan–Meier, which
treats the deaths as censored, would overstate recovery. The median day is the first
day the curve reaches 50% (None if it never does).

Trajectories (:func:`trajectory_summary`) go from day 0 to day 100. Counts are drawn
about daily to day 21, every other day to day 35, weekly to day 90 (the protocol's
schedule), so days are binned: one bin per day from day 0 to day 27, then 7-day bins
(28-34, 35-41, ..., 91-97) and a last bin 98-100. A patient contributes one value per
bin, the median of the day values (each the lowest of its day) that fall in it; the
cohort median and quartiles (pandas' linear interpolation, R's type 7) are given for
bins with at least :data:`MIN_PATIENTS` patients. Only these binned values leave the
server, never the lab rows themselves.

References
----------
.. [1] Aalen, O. O. and Johansen, S. (1978). An empirical transition matrix for
   non-homogeneous Markov chains based on censored observations. *Scandinavian Journal
   of Statistics* 5, 141-150.
.. [2] Gooley, T. A., Leisenring, W., Crowley, J. and Storer, B. E. (1999). Estimation of
   failure probabilities in the presence of competing risks: new representations of old
   estimators. *Statistics in Medicine* 18, 695-706 (why not one minus Kaplan-Meier).
.. [3] Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages.
   *The American Statistician* 50, 361-365 (definition 7, the quartiles).
.. [4] Döhner, H. et al. (2017). Diagnosis and management of AML in adults: 2017 ELN
   recommendations. *Blood* 129, 424-447 (the complete-remission count criteria at day 90).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.chimerism import (
    DEFAULT_DETECTION_LIMIT,
    chimerism_day90,
    chimerism_days,
    detectable_share,
)
from analysis.competing_risks import CumulativeIncidence, cumulative_incidence, median_time
from analysis.day90 import DAY90_TESTS, Share, cr_criteria_met, cr_criteria_share, day90_values
from analysis.left_out import LeftOut, left_out, left_out_json
from analysis.options import COUNT, DETECTION_LIMIT
from analysis.recovery_days import (
    ENDPOINTS,
    competing_times,
    derive_recovery,
    lab_days,
    platelet_transfusion_days,
    transplanted_patients,
)

CAUSES = {1: "recovery", 2: "death"}
TRAJECTORY_TESTS = COUNT.choices
LAST_DAY = 100
DAILY_UNTIL = 28
BIN_DAYS = 7
MIN_PATIENTS = 3
AT_RISK_DAYS = (0, 10, 20, 30, 40, 60, 80, 100)


def day_bins(last_day: int = LAST_DAY) -> pd.DataFrame:
    """The trajectory bins: ``start, end`` (days, inclusive) and ``x`` (their middle)."""
    starts = [*range(0, DAILY_UNTIL), *range(DAILY_UNTIL, last_day + 1, BIN_DAYS)]
    ends = [s if s < DAILY_UNTIL else min(s + BIN_DAYS - 1, last_day) for s in starts]
    bins = pd.DataFrame({"start": starts, "end": ends})
    bins["x"] = (bins["start"] + bins["end"]) / 2
    return bins


@dataclass(frozen=True)
class Trajectory:
    """One test's binned values: ``lines`` per patient and ``cohort`` summary.

    ``lines``: ``patient_id, start, end, x, value``; ``cohort``: ``start, end, x,
    n_patients, median, q1, q3`` (bins with at least :data:`MIN_PATIENTS` patients).
    """

    test: str
    lines: pd.DataFrame
    cohort: pd.DataFrame


def trajectory_summary(labs: pd.DataFrame, test: str) -> Trajectory:
    """Binned per-patient values and cohort median/IQR of ``test``, days 0 to 100.

    ``labs`` has ``patient_id, test, day, value`` (days from the transplant).
    """
    bins = day_bins()
    rows = labs[(labs["test"] == test) & (labs["day"] >= 0) & (labs["day"] <= LAST_DAY)]
    rows = rows.dropna(subset=["value"]).astype({"day": "int64", "value": float})
    daily = rows.groupby(["patient_id", "day"], as_index=False)["value"].min()
    position = np.searchsorted(bins["start"].to_numpy(), daily["day"].to_numpy(), side="right") - 1
    daily["start"] = bins["start"].to_numpy()[position]
    lines = daily.groupby(["patient_id", "start"], as_index=False)["value"].median()
    lines = lines.merge(bins, on="start")[["patient_id", "start", "end", "x", "value"]]
    lines["value"] = lines["value"].astype(float)
    grouped = lines.groupby("start")["value"]
    cohort = pd.DataFrame(
        {
            "n_patients": grouped.size(),
            "median": grouped.median(),
            "q1": grouped.quantile(0.25),
            "q3": grouped.quantile(0.75),
        }
    ).reset_index()
    cohort = cohort[cohort["n_patients"] >= MIN_PATIENTS].merge(bins, on="start")
    cohort = cohort[["start", "end", "x", "n_patients", "median", "q1", "q3"]]
    return Trajectory(test, lines.reset_index(drop=True), cohort.reset_index(drop=True))


def numbers_at_risk(cif: CumulativeIncidence, times=AT_RISK_DAYS) -> list[int]:
    """Patients still at risk (neither recovered, dead nor censored before) at each time."""
    steps = cif.steps
    out = []
    for t in times:
        later = steps[steps["time"] >= t]
        out.append(int(later["n_at_risk"].iloc[0]) if len(later) else 0)
    return out


@dataclass(frozen=True)
class RecoveryView:
    """Everything the Recovery page draws, for the patients of the tables given.

    ``patients`` (indexed by ``patient_id``): :func:`derive_recovery` columns, the
    day-90 values and days of :data:`DAY90_TESTS`, ``cr_criteria`` (True/False/None)
    and the 3-month chimerism ``chimerism_day, donor_percent, detected``.
    ``curves``/``medians``: per endpoint name. ``transfusions``: platelet transfusions
    ``patient_id, day`` from day 0 to day 100. ``chimerism``: samples after day 0.
    ``left_out``: transplanted patients left out (:mod:`analysis.left_out`).
    """

    data_cut: dt.date | None
    patients: pd.DataFrame
    curves: dict[str, CumulativeIncidence]
    medians: dict[str, float | None]
    trajectories: dict[str, Trajectory]
    transfusions: pd.DataFrame
    chimerism: pd.DataFrame
    cr: Share
    left_out: list[LeftOut]

    @property
    def n_transplanted(self) -> int:
        return len(self.patients)

    def recovered(self, endpoint: str) -> int:
        return int(self.patients[f"{endpoint}_day"].notna().sum())


def _patient_table(
    tables, data_cut
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[LeftOut]]:
    recovery = derive_recovery(tables, data_cut)
    labs = lab_days(tables, recovery, data_cut)
    samples = chimerism_days(tables, recovery, data_cut)
    day90 = day90_values(labs, recovery.index)
    chim = chimerism_day90(samples, recovery.index).rename(columns={"day": "chimerism_day"})
    patients = recovery.join(day90).join(chim)
    patients["cr_criteria"] = pd.array(
        [cr_criteria_met(r.BM_BLAST_PCT, r.ANC, r.PLT) for r in patients.itertuples()],
        dtype="boolean",
    )
    return patients, labs, samples, left_out(recovery)


def recovery_curves(patients: pd.DataFrame) -> dict[str, CumulativeIncidence]:
    """Aalen–Johansen cumulative incidence of each recovery endpoint (module docstring)."""
    curves = {}
    for endpoint in ENDPOINTS:
        times = competing_times(patients, endpoint.name)
        curves[endpoint.name] = cumulative_incidence(times["time"], times["event"], CAUSES)
    return curves


def recovery_view(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> RecoveryView:
    """The Recovery page's numbers, for the patients of ``tables`` (the app restricts
    them to the user's and the page's sites before this runs)."""
    patients, labs, samples, left = _patient_table(tables, data_cut)
    curves = recovery_curves(patients)
    medians = {name: median_time(cif, "recovery") for name, cif in curves.items()}
    given = platelet_transfusion_days(tables, patients, data_cut)
    given = given[(given["day"] >= 0) & (given["day"] <= LAST_DAY)].reset_index(drop=True)
    return RecoveryView(
        data_cut=data_cut,
        patients=patients,
        curves=curves,
        medians=medians,
        trajectories={test: trajectory_summary(labs, test) for test in TRAJECTORY_TESTS},
        transfusions=given,
        chimerism=samples,
        cr=cr_criteria_share(patients),
        left_out=left,
    )


@dataclass(frozen=True)
class MicrochimerismView:
    """Samples after day 0 (``patient_id, day, donor_percent, detected``) and the
    share with detectable microchimerism at 3 months for ``limit`` (% donor DNA)."""

    limit: float
    samples: pd.DataFrame
    detectable: Share


def microchimerism_view(
    tables: dict[str, pd.DataFrame],
    data_cut: dt.date | None,
    limit: float = DEFAULT_DETECTION_LIMIT,
) -> MicrochimerismView:
    """Chimerism samples and the 3-month detectable share for one detection limit."""
    transplants = transplanted_patients(tables, data_cut)
    samples = chimerism_days(tables, transplants, data_cut)
    share = detectable_share(chimerism_day90(samples, transplants.index), limit)
    return MicrochimerismView(float(limit), samples, share)


def site_choices(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> list[dict]:
    """Every site with its number of transplanted patients, for the site filter."""
    counts = transplanted_patients(tables, data_cut).groupby("site_id").size()
    return [
        {"site_id": row.site_id, "name": row.name, "transplanted": int(counts.get(row.site_id, 0))}
        for row in tables["sites"].sort_values("site_id").itertuples(index=False)
    ]


def _day(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _value(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def recovery_json(
    tables: dict[str, pd.DataFrame],
    data_cut: dt.date | None,
    test: str | None = None,
    detection_limit: float = DEFAULT_DETECTION_LIMIT,
) -> dict:
    """``stats recovery`` (``docs/command-line.md``): per-patient days, day-90 values, CIF
    steps, the 3-month microchimerism share and, with ``test``, that count's trajectory.

    Days are whole numbers, ``null`` when not reached (not recovered as far as known,
    or no measurement in the day-90 window). ``cif`` has one ``{time, cif}`` per
    distinct time with a recovery, a death or a censoring (the Aalen–Johansen steps).
    """
    if test is not None:
        COUNT.check(test)
    detection_limit = DETECTION_LIMIT.parse(detection_limit)
    patients, labs, _samples, left = _patient_table(tables, data_cut)
    curves = recovery_curves(patients)
    rows = []
    for patient_id, row in zip(patients.index, patients.to_dict("records"), strict=True):
        day90 = {test: _value(row[test]) for test in DAY90_TESTS}
        day90["donor_percent"] = _value(row["donor_percent"])
        rows.append(
            {
                "patient_id": str(patient_id),
                "transplant_on": row["transplant_on"].date().isoformat(),
                **{f"{e.name}_day": _day(row[f"{e.name}_day"]) for e in ENDPOINTS},
                "day90": day90,
            }
        )
    share = microchimerism_view(tables, data_cut, detection_limit).detectable
    extra = {} if test is None else {"trajectory": _trajectory_json(labs, test)}
    return {
        "patients": rows,
        "left_out": left_out_json(left),
        "microchimerism": {
            "detection_limit": detection_limit,
            "detectable": share.count,
            "with_sample": share.evaluable,
            "transplanted": share.total,
        },
        **extra,
        "cif": {
            name: [
                {"time": _day(step.time), "cif": float(step.cif_recovery)}
                for step in cif.steps.itertuples()
            ]
            for name, cif in curves.items()
        },
    }


def _trajectory_json(labs: pd.DataFrame, test: str) -> dict:
    cohort = trajectory_summary(labs, test).cohort
    return {
        "test": test,
        "bins": [
            {
                "start": int(row.start),
                "end": int(row.end),
                "n_patients": int(row.n_patients),
                "median": float(row.median),
                "q1": float(row.q1),
                "q3": float(row.q3),
            }
            for row in cohort.itertuples(index=False)
        ],
    }
