"""The 3-month (day 90) values and the complete-remission count criteria.

Definitions: ``docs/definitions.md``, "Day-90 values and the CR count criteria".

The day-90 value of a test is the measurement closest to day 90 within days 76 to 104
(both included), the earlier one when two are equally close, else missing. Several
values on one day count as one, the lowest, as for recovery. :func:`closest_to_day`
states the rule for one patient; :func:`day90_values` applies it to every patient at
once with :func:`closest_by_patient`.

CR count criteria at day 90 (ELN 2017/2022 complete remission, the blood-count and
marrow parts): marrow blasts < 5%, ANC >= 1.0 x 10^9/L and platelets >= 100 x 10^9/L.
They are judged "where the data allow": a patient meets them when all three day-90
values are known and pass, does not meet them as soon as one known value fails, and
is not evaluable otherwise (a value missing and none failing).

References
----------
Döhner H, Wei AH, Appelbaum FR, et al. Diagnosis and management of AML in adults:
2022 recommendations from an international expert panel on behalf of the ELN.
Blood 2022;140(12):1345-1377 (response criteria, table 7).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.recovery_days import daily_lowest, daily_lowest_by_patient, rows_by_test

DAY90 = 90
WINDOW = (76, 104)
DAY90_TESTS = ("ANC", "PLT", "PB_BLAST_PCT", "BM_BLAST_PCT")
CR_BM_BLASTS_BELOW = 5.0
CR_ANC_AT_LEAST = 1.0
CR_PLT_AT_LEAST = 100.0


def closest_to_day(days, values, target: int = DAY90, window=WINDOW) -> tuple[int, float] | None:
    """``(day, value)`` of the measurement closest to ``target`` inside ``window``.

    The lowest value of a day stands for the day; on a tie in distance the earlier day
    wins; None when nothing lies in the window (bounds included).
    """
    series = daily_lowest(days, values)
    low, high = window
    series = series[(series.index >= low) & (series.index <= high)]
    if series.empty:
        return None
    distance = np.abs(series.index.to_numpy() - target)
    i = int(np.argmin(distance))  # first minimum = earlier day, the index is sorted
    return int(series.index[i]), float(series.iloc[i])


def closest_by_patient(
    rows: pd.DataFrame, patient_ids: pd.Index, target: int = DAY90, window=WINDOW
) -> tuple[pd.arrays.IntegerArray, np.ndarray]:
    """:func:`closest_to_day` of every patient at once: ``(day, value)`` arrays.

    ``rows`` has ``patient_id, day, value``; the arrays follow the distinct
    ``patient_ids`` and are missing where nothing lies in the window. Sorting each
    patient's days by distance, then day, puts the closest (the earlier on a tie) first.
    """
    daily = daily_lowest_by_patient(rows, patient_ids)
    low, high = window
    daily = daily.subset((daily.day >= low) & (daily.day <= high))
    order = np.lexsort((daily.day, np.abs(daily.day - target), daily.patient))
    patients, first = np.unique(daily.patient[order], return_index=True)
    chosen = order[first]
    found = np.zeros(len(patient_ids), dtype=bool)
    day = np.zeros(len(patient_ids), dtype="int64")
    value = np.full(len(patient_ids), np.nan)
    found[patients] = True
    day[patients] = daily.day[chosen]
    value[patients] = daily.value[chosen]
    return pd.arrays.IntegerArray(day, ~found), value


def day90_values(labs: pd.DataFrame, patient_ids) -> pd.DataFrame:
    """Day-90 value and its day for each test of :data:`DAY90_TESTS`, per patient.

    ``labs`` has ``patient_id, test, day, value`` (days from the transplant). The
    result is indexed by ``patient_id`` (every id of ``patient_ids``) with columns
    ``<TEST>`` (float, NaN when missing) and ``<TEST>_day`` (Int64).
    """
    index = pd.Index(list(patient_ids), name="patient_id")
    out = pd.DataFrame(index=index)
    tests = rows_by_test(labs, DAY90_TESTS)
    for test in DAY90_TESTS:
        day, value = closest_by_patient(tests[test], index)
        out[test] = value
        out[f"{test}_day"] = day
    return out


def cr_criteria_met(bm_blasts, anc, plt) -> bool | None:
    """True when all three criteria pass, False when a known value fails, else None."""
    checks = [
        None if pd.isna(bm_blasts) else bm_blasts < CR_BM_BLASTS_BELOW,
        None if pd.isna(anc) else anc >= CR_ANC_AT_LEAST,
        None if pd.isna(plt) else plt >= CR_PLT_AT_LEAST,
    ]
    if any(check is False for check in checks):
        return False
    if all(check is True for check in checks):
        return True
    return None


@dataclass(frozen=True)
class Share:
    """``count`` of ``evaluable`` patients (``share`` None when nobody is evaluable)."""

    count: int
    evaluable: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.evaluable if self.evaluable else None


def cr_criteria_share(day90: pd.DataFrame) -> Share:
    """Patients meeting the CR count criteria at day 90 among those evaluable."""
    status = [
        cr_criteria_met(row.BM_BLAST_PCT, row.ANC, row.PLT)
        for row in day90[["BM_BLAST_PCT", "ANC", "PLT"]].itertuples()
    ]
    met = sum(s is True for s in status)
    evaluable = sum(s is not None for s in status)
    return Share(met, evaluable, len(status))
