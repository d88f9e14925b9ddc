"""Hematopoietic recovery days after the micro-transplant (ARCHITECTURE §4).

Day 0 is ``transplant_on``; a day is a whole number of days from it. For one test and
one threshold the rules are, in this order:

1. Several values on one day count as one, the lowest (:func:`daily_lowest`).
   Measurements before day 0 are not used.
2. The nadir is the first value below the threshold on or after day 0.
3. Recovery is the first of three consecutive measurement days (different days, with
   no other measurement between them) after the nadir whose values are all at or
   above the threshold. A low value breaks a run, which starts again with the next
   value at or above the threshold.
4. Platelets only: a run counts only if no platelet transfusion was given from 7 days
   before its first measurement to its third, both days included (transfusion
   independence). A run that fails this is skipped and the next run is tried (the
   window slides by one measurement day).
5. A patient whose counts never fall below the threshold on or after day 0 recovers on
   day 0 and is flagged ``no_nadir`` (even if transfusions held the platelets up: §4
   makes no exception). A patient with no measurement of the test on or after day 0
   has not recovered, as far as known (censored).

Thresholds: neutrophils ANC >= 0.5 x 10^9/L; platelets PLT >= 20 x 10^9/L and,
separately, >= 50 x 10^9/L. These are the CIBMTR and ASTCT definitions: the first of
three consecutive measurements on different days at or above the threshold after the
nadir, platelets without a transfusion in the preceding 7 days.

References
----------
Kharfan-Dabaja MA, Kumar A, Ayala E, et al. Standardizing definitions of hematopoietic
recovery, graft rejection, graft failure, poor graft function, and donor chimerism in
allogeneic hematopoietic cell transplantation: a report on behalf of the American
Society for Transplantation and Cellular Therapy. Transplant Cell Ther
2021;27(8):642-649.
CIBMTR Forms Instruction Manual, Post-HCT follow-up (form 2100), "Hematopoietic
Recovery": ANC >= 0.5 x 10^9/L for three consecutive measurements on different days;
platelets >= 20 x 10^9/L (and >= 50 x 10^9/L) for three consecutive measurements on
different days, no platelet transfusion in the previous 7 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.endpoints import last_contact_dates

RUN_LENGTH = 3
TRANSFUSION_FREE_DAYS = 7
APLASIA_DAY = 42


@dataclass(frozen=True)
class Endpoint:
    """One recovery endpoint: a lab test, its threshold, and whether transfusions matter."""

    name: str
    test: str
    threshold: float
    transfusion_independent: bool
    label: str


ENDPOINTS = (
    Endpoint("neutrophil", "ANC", 0.5, False, "Neutrophils ≥ 0.5 ×10⁹/L"),
    Endpoint("platelet20", "PLT", 20.0, True, "Platelets ≥ 20 ×10⁹/L"),
    Endpoint("platelet50", "PLT", 50.0, True, "Platelets ≥ 50 ×10⁹/L"),
)
ENDPOINT_NAMES = tuple(e.name for e in ENDPOINTS)


@dataclass(frozen=True)
class RecoveryDay:
    """The outcome of the rules for one patient, test and threshold.

    ``day`` is the recovery day (None if not recovered, as far as known); ``nadir_day``
    the first day below the threshold (None when there is none); ``no_nadir`` is True
    when the counts never fell below the threshold (then ``day`` is 0); ``measured`` is
    False when the test was never measured on or after day 0.
    """

    day: int | None
    nadir_day: int | None
    no_nadir: bool
    measured: bool


def daily_lowest(days, values) -> pd.Series:
    """One value per day, the lowest of the day, indexed by day in increasing order.

    Missing values are dropped.
    """
    frame = pd.DataFrame({"day": np.asarray(days), "value": np.asarray(values, dtype=float)})
    frame = frame.dropna()
    if frame.empty:
        return pd.Series([], index=pd.Index([], dtype="int64", name="day"), dtype=float)
    out = frame.groupby(frame["day"].astype("int64"))["value"].min().sort_index()
    out.index.name = "day"
    return out


def recovery_day(
    days,
    values,
    threshold: float,
    transfusion_days=None,
    window: int = TRANSFUSION_FREE_DAYS,
) -> RecoveryDay:
    """Recovery day of one patient for one test and threshold (module docstring rules).

    Parameters
    ----------
    days, values : array-like
        Day of each measurement (from day 0) and its value; several per day allowed.
    threshold : float
        Recovery means values at or above it; the nadir is a value below it.
    transfusion_days : array-like of int, optional
        Days of platelet transfusions; when given, a run counts only if none of them
        lies from ``window`` days before its first day to its third day (inclusive).
    window : int
        Transfusion-free days before a run (7 in the CIBMTR definition).

    Returns
    -------
    RecoveryDay
    """
    series = daily_lowest(days, values)
    series = series[series.index >= 0]
    if series.empty:
        return RecoveryDay(None, None, False, False)
    below = series.to_numpy() < threshold
    if not below.any():
        return RecoveryDay(0, None, True, True)
    nadir = int(series.index[np.argmax(below)])
    after = series[series.index > nadir]
    run_days = after.index.to_numpy()
    high = after.to_numpy() >= threshold
    given = np.array([] if transfusion_days is None else transfusion_days, dtype=float)
    given = given[~np.isnan(given)]
    for i in range(len(run_days) - RUN_LENGTH + 1):
        if not high[i : i + RUN_LENGTH].all():
            continue
        first, last = run_days[i], run_days[i + RUN_LENGTH - 1]
        if np.any((given >= first - window) & (given <= last)):
            continue
        return RecoveryDay(int(first), nadir, False, True)
    return RecoveryDay(None, nadir, False, True)


def _days_from(dates: pd.Series, start: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - start).dt.days


def transplanted_patients(tables: dict[str, pd.DataFrame], data_cut) -> pd.DataFrame:
    """Patients micro-transplanted on or before the data cut, indexed by ``patient_id``.

    Columns ``site_id, transplant_on, death_day, follow_up_day``: days from the
    transplant to death (None if alive at the cut) and to the end of follow-up (death,
    or the earlier of the last contact and the data cut; never below 0).
    """
    patients = tables["patients"]
    columns = ["site_id", "transplant_on", "death_day", "follow_up_day"]
    if data_cut is None or patients.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="patient_id"))
    cut = pd.Timestamp(data_cut)
    transplant = pd.to_datetime(patients["transplant_on"])
    kept = patients[transplant.notna() & (transplant <= cut)].set_index("patient_id")
    if kept.index.duplicated().any():
        raise ValueError("patients has duplicate patient_id values; each patient must appear once")
    start = pd.to_datetime(kept["transplant_on"])
    died = pd.Series(pd.NaT, index=kept.index, dtype="datetime64[ns]")
    follow_up = tables.get("follow_up")
    if follow_up is not None and not follow_up.empty:
        deaths = follow_up.set_index("patient_id")["died_on"]
        deaths = pd.to_datetime(deaths[~deaths.index.duplicated(keep="last")])
        died = deaths.reindex(kept.index).where(lambda d: d <= cut)
    last = pd.to_datetime(last_contact_dates(tables).reindex(kept.index))
    end = last.where(last <= cut, cut).where(last.notna(), start).where(died.isna(), died)
    out = pd.DataFrame(
        {
            "site_id": kept["site_id"],
            "transplant_on": start,
            "death_day": _days_from(died, start).astype("Int64"),
            "follow_up_day": _days_from(end, start).clip(lower=0).astype("Int64"),
        }
    )
    return out.sort_index()


def lab_days(tables: dict[str, pd.DataFrame], transplants: pd.DataFrame, data_cut) -> pd.DataFrame:
    """Lab rows of transplanted patients up to the data cut, with ``day`` from day 0."""
    labs = tables.get("lab_results")
    if labs is None or labs.empty or transplants.empty:
        return pd.DataFrame(columns=["patient_id", "test", "day", "value"])
    labs = labs[labs["patient_id"].isin(transplants.index)]
    labs = labs[pd.to_datetime(labs["sampled_on"]) <= pd.Timestamp(data_cut)]
    start = labs["patient_id"].map(transplants["transplant_on"])
    return pd.DataFrame(
        {
            "patient_id": labs["patient_id"].to_numpy(),
            "test": labs["test"].to_numpy(),
            "day": _days_from(labs["sampled_on"], start).to_numpy(dtype="int64"),
            "value": labs["value"].to_numpy(dtype=float),
        }
    )


def platelet_transfusion_days(
    tables: dict[str, pd.DataFrame], transplants: pd.DataFrame, data_cut
) -> pd.DataFrame:
    """Platelet transfusions (``patient_id, day``) of transplanted patients to the cut."""
    given = tables.get("transfusions")
    if given is None or given.empty or transplants.empty:
        return pd.DataFrame(columns=["patient_id", "day"])
    given = given[(given["product"] == "platelets") & given["patient_id"].isin(transplants.index)]
    given = given[pd.to_datetime(given["given_on"]) <= pd.Timestamp(data_cut)]
    start = given["patient_id"].map(transplants["transplant_on"])
    return pd.DataFrame(
        {
            "patient_id": given["patient_id"].to_numpy(),
            "day": _days_from(given["given_on"], start).to_numpy(dtype="int64"),
        }
    )


def prolonged_aplasia(neutrophil_day, death_day, follow_up_day) -> bool | None:
    """No neutrophil recovery by day 42 while alive at day 42; None while not yet known.

    False when neutrophils recovered on or before day 42 or the patient died by day 42;
    None when follow-up ended before day 42 without recovery or death.
    """
    if neutrophil_day is not None and not pd.isna(neutrophil_day) and neutrophil_day <= APLASIA_DAY:
        return False
    if death_day is not None and not pd.isna(death_day):
        return bool(death_day > APLASIA_DAY)
    if follow_up_day is not None and not pd.isna(follow_up_day) and follow_up_day >= APLASIA_DAY:
        return True
    return None


def derive_recovery(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> pd.DataFrame:
    """Recovery days of every transplanted patient, indexed by ``patient_id``.

    Columns: those of :func:`transplanted_patients`; for each endpoint of
    :data:`ENDPOINTS` ``<name>_day`` (Int64, missing when not recovered),
    ``<name>_no_nadir`` and ``<name>_measured`` (bool); ``prolonged_aplasia``
    (nullable boolean: missing while not yet known, :func:`prolonged_aplasia`).
    """
    transplants = transplanted_patients(tables, data_cut)
    out = transplants.copy()
    labs = lab_days(tables, transplants, data_cut)
    given = platelet_transfusion_days(tables, transplants, data_cut)
    by_test = {key: rows for key, rows in labs.groupby(["patient_id", "test"])}
    given_by_patient = {key: rows["day"].to_numpy() for key, rows in given.groupby("patient_id")}
    empty = labs.iloc[0:0]
    for endpoint in ENDPOINTS:
        results = []
        for patient_id in transplants.index:
            rows = by_test.get((patient_id, endpoint.test), empty)
            transfusions = (
                given_by_patient.get(patient_id, np.array([]))
                if endpoint.transfusion_independent
                else None
            )
            results.append(
                recovery_day(rows["day"], rows["value"], endpoint.threshold, transfusions)
            )
        out[f"{endpoint.name}_day"] = pd.array([r.day for r in results], dtype="Int64")
        out[f"{endpoint.name}_no_nadir"] = [r.no_nadir for r in results]
        out[f"{endpoint.name}_measured"] = [r.measured for r in results]
    out["prolonged_aplasia"] = pd.array(
        [
            prolonged_aplasia(row.neutrophil_day, row.death_day, row.follow_up_day)
            for row in out.itertuples()
        ],
        dtype="boolean",
    )
    return out


RECOVERED, DIED = 1, 2


def competing_times(recovery: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Time and event for the cumulative incidence of recovery, per patient.

    ``event`` is 1 (recovered, at the recovery day), 2 (died before recovering, at the
    day of death) or 0 (censored at the end of follow-up).
    """
    day = recovery[f"{endpoint}_day"]
    recovered = day.notna()
    died = recovery["death_day"].notna() & ~recovered
    time = recovery["follow_up_day"].where(~died, recovery["death_day"]).where(~recovered, day)
    event = pd.Series(0, index=recovery.index).where(~died, DIED).where(~recovered, RECOVERED)
    return pd.DataFrame({"time": time.astype("int64"), "event": event.astype("int64")})
