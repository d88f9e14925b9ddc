"""Hematopoietic recovery days after the micro-transplant (``docs/definitions.md``).

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
   day 0 and is flagged ``no_nadir`` (even if transfusions held the platelets up: the
   rule makes no exception). A patient with no measurement of the test on or after day 0
   has not recovered, as far as known (censored).

:func:`recovery_day` states these rules for one patient; :func:`derive_recovery` applies
them to every patient at once with :func:`recovery_by_patient` (sorted numpy arrays, no
per-patient pandas work, so that a 10,000-patient trial takes seconds), and the unit
tests hold the two to the same answers.

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

from analysis.endpoints import LEFT_OUT, last_contact_dates

NEVER_ENROLLED = "never_enrolled"
DIED_BEFORE_TRANSPLANT = "died_before_transplant"
"""Reasons a transplanted patient is left out (:mod:`analysis.left_out`)."""
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


@dataclass(frozen=True)
class DailyLowest:
    """:func:`daily_lowest` of many patients at once, sorted by patient then day.

    ``patient`` is each day's patient as a position in the ids the table was built for,
    so that per-patient answers can be written straight into arrays in that order.
    """

    patient: np.ndarray
    day: np.ndarray
    value: np.ndarray

    def subset(self, keep: np.ndarray) -> DailyLowest:
        """The days picked by ``keep`` (a mask or increasing row numbers), still sorted."""
        return DailyLowest(self.patient[keep], self.day[keep], self.value[keep])


def _positions(patient_ids: pd.Index, ids) -> np.ndarray:
    """Position of each of ``ids`` in the distinct ``patient_ids``, -1 when absent."""
    return patient_ids.get_indexer(pd.Index(ids))


def daily_lowest_by_patient(rows: pd.DataFrame, patient_ids: pd.Index) -> DailyLowest:
    """:func:`daily_lowest` of every patient of ``patient_ids`` in one sort.

    ``rows`` has ``patient_id, day, value``; rows of other patients and rows missing a
    day or a value are dropped. One integer key per (patient, day) is sorted (lab rows
    mostly come sorted already, which a stable sort exploits) and each key's values are
    reduced to their minimum, instead of a groupby per patient.
    """
    patient = _positions(patient_ids, rows["patient_id"])
    day = rows["day"].to_numpy(dtype=float, na_value=np.nan)
    value = rows["value"].to_numpy(dtype=float, na_value=np.nan)
    keep = (patient >= 0) & ~np.isnan(day) & ~np.isnan(value)
    patient, day, value = patient[keep], day[keep].astype("int64"), value[keep]
    if len(day) == 0:
        return DailyLowest(patient, day, value)
    key = patient * (day.max() - day.min() + 1) + (day - day.min())
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    lowest = np.minimum.reduceat(value[order], first)
    return DailyLowest(patient[order][first], day[order][first], lowest)


def rows_by_test(labs: pd.DataFrame, tests) -> dict[str, pd.DataFrame]:
    """The rows of each of ``tests`` (none: no rows), split in one pass over ``labs``."""
    groups = {test: rows for test, rows in labs.groupby("test", sort=False)}
    return {test: groups.get(test, labs.iloc[0:0]) for test in tests}


def _first_day_per_patient(daily: DailyLowest, n_patients: int) -> tuple[np.ndarray, np.ndarray]:
    """``(found, day)`` per patient position: whether it has a day and its first day."""
    found = np.zeros(n_patients, dtype=bool)
    first = np.zeros(n_patients, dtype="int64")
    positions, index = np.unique(daily.patient, return_index=True)
    found[positions] = True
    first[positions] = daily.day[index]
    return found, first


def _run_starts(daily: DailyLowest, nadir_found, nadir_day, threshold: float) -> np.ndarray:
    """Row numbers of the days that begin a run of rule 3.

    A run is :data:`RUN_LENGTH` consecutive measurement days of one patient after its
    nadir, all at or above the threshold; the rows being sorted by patient and day, the
    run is the start row and the rows that follow it.
    """
    size = len(daily.day) - (RUN_LENGTH - 1)
    if size <= 0:
        return np.array([], dtype="int64")
    patient = daily.patient[:size]
    ok = patient == daily.patient[RUN_LENGTH - 1 :]
    ok &= nadir_found[patient] & (daily.day[:size] > nadir_day[patient])
    high = daily.value >= threshold
    for offset in range(RUN_LENGTH):
        ok &= high[offset : offset + size]
    return np.flatnonzero(ok)


def _transfusion_free(
    patient: np.ndarray, first: np.ndarray, last: np.ndarray, given: pd.DataFrame, ids, window
) -> np.ndarray:
    """Whether no transfusion of ``patient`` lies from ``first - window`` to ``last``.

    One sorted key per transfusion (patient, then day) lets two ``searchsorted`` count
    the transfusions inside every run's window at once (rule 4).
    """
    given_patient = _positions(ids, given["patient_id"])
    given_day = given["day"].to_numpy(dtype=float, na_value=np.nan)
    keep = (given_patient >= 0) & ~np.isnan(given_day)
    given_patient, given_day = given_patient[keep], given_day[keep].astype("int64")
    if len(given_day) == 0 or len(first) == 0:
        return np.ones(len(first), dtype=bool)
    low = first - window
    offset = min(low.min(), given_day.min())
    span = max(last.max(), given_day.max()) - offset + 1
    keys = np.sort(given_patient * span + (given_day - offset))
    inside = np.searchsorted(keys, patient * span + (last - offset), side="right")
    inside -= np.searchsorted(keys, patient * span + (low - offset), side="left")
    return inside == 0


def recovery_by_patient(
    rows: pd.DataFrame,
    patient_ids,
    threshold: float,
    transfusions: pd.DataFrame | None = None,
    window: int = TRANSFUSION_FREE_DAYS,
) -> pd.DataFrame:
    """:func:`recovery_day` of every patient at once: the same rules, the same answers.

    Parameters
    ----------
    rows : DataFrame
        One test's measurements, ``patient_id, day, value`` (whole days from day 0).
    patient_ids : sequence
        Distinct ids of the patients wanted; the result follows their order.
    threshold, window : as for :func:`recovery_day`.
    transfusions : DataFrame, optional
        Platelet transfusions ``patient_id, day`` when they matter (rule 4).

    Returns
    -------
    DataFrame
        Indexed by ``patient_id``: ``day`` and ``nadir_day`` (Int64), ``no_nadir`` and
        ``measured`` (bool), the fields of :class:`RecoveryDay`.
    """
    ids = pd.Index(patient_ids, name="patient_id")
    daily = daily_lowest_by_patient(rows, ids)
    daily = daily.subset(daily.day >= 0)
    measured, _ = _first_day_per_patient(daily, len(ids))
    nadir_found, nadir_day = _first_day_per_patient(daily.subset(daily.value < threshold), len(ids))
    starts = _run_starts(daily, nadir_found, nadir_day, threshold)
    if transfusions is not None:
        last = daily.day[starts + RUN_LENGTH - 1]
        patient, first = daily.patient[starts], daily.day[starts]
        starts = starts[_transfusion_free(patient, first, last, transfusions, ids, window)]
    recovered, recovery = _first_day_per_patient(daily.subset(starts), len(ids))
    no_nadir = measured & ~nadir_found
    return pd.DataFrame(
        {
            "day": pd.arrays.IntegerArray(np.where(no_nadir, 0, recovery), ~(no_nadir | recovered)),
            "nadir_day": pd.arrays.IntegerArray(nadir_day, ~nadir_found),
            "no_nadir": no_nadir,
            "measured": measured,
        },
        index=ids,
    )


def _days_from(dates: pd.Series, start: pd.Series) -> pd.Series:
    return (pd.to_datetime(dates) - start).dt.days


def transplanted_patients(
    tables: dict[str, pd.DataFrame], data_cut, last_contact: pd.Series | None = None
) -> pd.DataFrame:
    """Patients micro-transplanted on or before the data cut, indexed by ``patient_id``.

    A transplant of a patient never enrolled, or dated after the patient's death, is a
    data-quality finding and means nothing for recovery: such patients are left out and
    named in ``attrs[LEFT_OUT]`` (:mod:`analysis.left_out`).

    Columns ``site_id, transplant_on, death_day, follow_up_day``: days from the
    transplant to death (None if alive at the cut) and to the end of follow-up (death,
    or the earlier of the last contact and the data cut; never below 0).
    ``last_contact``: :func:`~analysis.endpoints.last_contact_dates` of ``tables`` when
    the caller has it already.
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
    died = pd.Series(pd.NaT, index=kept.index, dtype="datetime64[ns]")
    follow_up = tables.get("follow_up")
    if follow_up is not None and not follow_up.empty:
        deaths = follow_up.set_index("patient_id")["died_on"]
        deaths = pd.to_datetime(deaths[~deaths.index.duplicated(keep="last")])
        died = deaths.reindex(kept.index).where(lambda d: d <= cut)
    enrolled = pd.to_datetime(kept["enrolled_on"]) <= cut
    alive = ~(died < pd.to_datetime(kept["transplant_on"]))
    left_out = {
        NEVER_ENROLLED: tuple(kept.index[~enrolled]),
        DIED_BEFORE_TRANSPLANT: tuple(kept.index[enrolled & ~alive]),
    }
    kept, died = kept[enrolled & alive], died[enrolled & alive]
    start = pd.to_datetime(kept["transplant_on"])
    if last_contact is None:
        last_contact = last_contact_dates(tables)
    last = pd.to_datetime(last_contact.reindex(kept.index))
    end = last.where(last <= cut, cut).where(last.notna(), start).where(died.isna(), died)
    out = pd.DataFrame(
        {
            "site_id": kept["site_id"],
            "transplant_on": start,
            "death_day": _days_from(died, start).astype("Int64"),
            "follow_up_day": _days_from(end, start).clip(lower=0).astype("Int64"),
        }
    ).sort_index()
    out.attrs[LEFT_OUT] = left_out
    return out


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


def derive_recovery(
    tables: dict[str, pd.DataFrame],
    data_cut: dt.date | None,
    last_contact: pd.Series | None = None,
) -> pd.DataFrame:
    """Recovery days of every transplanted patient, indexed by ``patient_id``.

    Columns: those of :func:`transplanted_patients` (``last_contact`` as there); for
    each endpoint of :data:`ENDPOINTS` ``<name>_day`` (Int64, missing when not
    recovered), ``<name>_no_nadir`` and ``<name>_measured`` (bool);
    ``prolonged_aplasia`` (nullable boolean: missing while not yet known,
    :func:`prolonged_aplasia`).
    """
    transplants = transplanted_patients(tables, data_cut, last_contact)
    out = transplants.copy()
    labs = lab_days(tables, transplants, data_cut)
    given = platelet_transfusion_days(tables, transplants, data_cut)
    tests = rows_by_test(labs, {endpoint.test for endpoint in ENDPOINTS})
    for endpoint in ENDPOINTS:
        found = recovery_by_patient(
            tests[endpoint.test],
            out.index,
            endpoint.threshold,
            given if endpoint.transfusion_independent else None,
        )
        out[f"{endpoint.name}_day"] = found["day"]
        out[f"{endpoint.name}_no_nadir"] = found["no_nadir"]
        out[f"{endpoint.name}_measured"] = found["measured"]
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
