"""The whole-cohort recovery and day-90 code gives the answers of the per-patient rules.

:func:`recovery_day` and :func:`closest_to_day` state the rules one patient at a time
(their hand-worked tests are in ``test_recovery.py``); the bulk functions used on the
trial tables must agree with them on every patient, whatever the rows look like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.day90 import closest_by_patient, closest_to_day
from analysis.recovery_days import recovery_by_patient, recovery_day

THRESHOLD = 0.5
# Values either side of the threshold, on it, and missing.
VALUES = st.sampled_from([0.1, 0.49, THRESHOLD, 0.8, np.nan])
# A few days before day 0 and a narrow range after it, so that several values fall on
# one day, runs meet low values and transfusions land on the edges of the 7-day window.
RECOVERY_DAYS = st.integers(-3, 16)
TRANSFUSION_DAYS = st.integers(-10, 18)
WINDOW_DAYS = st.integers(72, 108)  # around the day-90 window 76..104

Patient = tuple[list[tuple[int, float]], list[int]]


def patients(days) -> st.SearchStrategy[list[Patient]]:
    """Patients, each with measurements ``(day, value)`` and transfusion days (maybe none)."""
    measurements = st.lists(st.tuples(days, VALUES), max_size=12)
    return st.lists(st.tuples(measurements, st.lists(TRANSFUSION_DAYS, max_size=3)), max_size=8)


def frames(cohort: list[Patient], rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(labs, transfusions)`` rows of the cohort (patient ``P<i>``), in shuffled order.

    An outsider ``X`` not among the patients asked for has rows that must be ignored.
    """
    labs = [(f"P{i}", day, value) for i, (rows, _) in enumerate(cohort) for day, value in rows]
    labs += [("X", 5, 0.1), ("X", 6, 0.9)]
    given = [(f"P{i}", day) for i, (_, days) in enumerate(cohort) for day in days] + [("X", 6)]
    labs = pd.DataFrame(labs, columns=["patient_id", "day", "value"]).astype({"day": "int64"})
    given = pd.DataFrame(given, columns=["patient_id", "day"]).astype({"day": "int64"})
    return labs.sample(frac=1, random_state=rng), given.sample(frac=1, random_state=rng)


def ids(cohort: list[Patient]) -> list[str]:
    """The patients asked for, in reverse order: the result must follow this order."""
    return [f"P{i}" for i in reversed(range(len(cohort)))]


def as_tuples(found: pd.DataFrame) -> list[tuple]:
    """The result rows as the fields of ``RecoveryDay`` (None for missing days)."""
    found = found.astype({"day": object, "nadir_day": object})
    found = found.where(found.notna(), None)
    return [(r.day, r.nadir_day, bool(r.no_nadir), bool(r.measured)) for r in found.itertuples()]


@settings(max_examples=150, deadline=None)
@given(patients(RECOVERY_DAYS), st.booleans(), st.integers(0, 2**32 - 1))
def test_bulk_recovery_equals_the_per_patient_rule(cohort, transfusions_matter, seed):
    labs, given_rows = frames(cohort, np.random.default_rng(seed))
    found = recovery_by_patient(
        labs, ids(cohort), THRESHOLD, given_rows if transfusions_matter else None
    )
    expected = []
    for patient_id in ids(cohort):
        rows = cohort[int(patient_id[1:])]
        transfusions = rows[1] if transfusions_matter else None
        r = recovery_day([d for d, _ in rows[0]], [v for _, v in rows[0]], THRESHOLD, transfusions)
        expected.append((r.day, r.nadir_day, r.no_nadir, r.measured))
    assert list(found.index) == ids(cohort)
    assert as_tuples(found) == expected


@settings(max_examples=150, deadline=None)
@given(patients(WINDOW_DAYS), st.integers(0, 2**32 - 1))
def test_bulk_day90_equals_the_per_patient_rule(cohort, seed):
    labs, _ = frames(cohort, np.random.default_rng(seed))
    day, value = closest_by_patient(labs, pd.Index(ids(cohort)))
    for i, patient_id in enumerate(ids(cohort)):
        rows = cohort[int(patient_id[1:])][0]
        hit = closest_to_day([d for d, _ in rows], [v for _, v in rows])
        got = None if pd.isna(day[i]) else (int(day[i]), float(value[i]))
        assert got == hit
        assert hit is not None or np.isnan(value[i])


def test_bulk_recovery_on_a_large_random_cohort():
    # 600 patients with 0 to 20 PLT counts each between day -5 and day 40, many around
    # the threshold, and 0 to 4 platelet transfusions each: bulk and per-patient agree.
    rng = np.random.default_rng(20240301)
    counts = rng.integers(0, 21, size=600)
    patient = np.repeat([f"P{i:03d}" for i in range(600)], counts)
    labs = pd.DataFrame(
        {
            "patient_id": patient,
            "day": rng.integers(-5, 41, size=len(patient)),
            "value": rng.choice([5.0, 15.0, 20.0, 25.0, 60.0, np.nan], size=len(patient)),
        }
    )
    given_rows = pd.DataFrame(
        {
            "patient_id": np.repeat(labs["patient_id"].unique()[:400], 2),
            "day": rng.integers(-10, 45, size=800),
        }
    )
    patient_ids = [f"P{i:03d}" for i in range(600)]
    found = recovery_by_patient(labs, patient_ids, 20.0, given_rows)
    by_patient = dict(tuple(labs.groupby("patient_id")))
    given_days = given_rows.groupby("patient_id")["day"].apply(list).to_dict()
    expected = []
    for patient_id in patient_ids:
        rows = by_patient.get(patient_id, labs.iloc[0:0])
        transfusions = given_days.get(patient_id, [])
        r = recovery_day(rows["day"], rows["value"], 20.0, transfusions)
        expected.append((r.day, r.nadir_day, r.no_nadir, r.measured))
    assert as_tuples(found) == expected
    assert found["day"].notna().sum() > 100 and found["nadir_day"].notna().sum() > 300


def test_transfusion_window_edges_for_several_patients_at_once():
    # The cases of test_platelet_transfusion_window, one patient each, in one call:
    # PLT d0 10; d10 25, d11 30, d12 35, d13 40 and a transfusion on d2 (8 days before
    # d10: outside), d3 (7 days: inside, run d11-d13 wins), d12 (inside both runs),
    # d14 (after the run) or none. Each patient's transfusion concerns only that patient.
    cases = {"none": [], "d2": [2], "d3": [3], "d12": [12], "d14": [14]}
    expected = {"none": 10, "d2": 10, "d3": 11, "d12": None, "d14": 10}
    days, values = [0, 10, 11, 12, 13], [10.0, 25.0, 30.0, 35.0, 40.0]
    labs = pd.DataFrame(
        [(p, d, v) for p in cases for d, v in zip(days, values, strict=True)],
        columns=["patient_id", "day", "value"],
    )
    given_rows = pd.DataFrame(
        [(p, d) for p, ds in cases.items() for d in ds], columns=["patient_id", "day"]
    )
    found = recovery_by_patient(labs, list(cases), 20.0, given_rows)["day"]
    assert found.astype(object).where(found.notna(), None).to_dict() == expected


def test_no_rows_at_all():
    labs = pd.DataFrame(columns=["patient_id", "day", "value"])
    given_rows = pd.DataFrame(columns=["patient_id", "day"])
    found = recovery_by_patient(labs, ["A", "B"], THRESHOLD, given_rows)
    assert found["day"].isna().all() and not found["measured"].any()
    assert found.dtypes.astype(str).to_dict() == {
        "day": "Int64",
        "nadir_day": "Int64",
        "no_nadir": "bool",
        "measured": "bool",
    }
    day, value = closest_by_patient(labs, pd.Index(["A"]))
    assert day.isna().all() and np.isnan(value).all()
