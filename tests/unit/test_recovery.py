"""Recovery rules (docs/definitions.md) on hand-built patients; answers worked out by hand.

Day 0 is the micro-transplant. In the comments "d5 0.6" means a value of 0.6 on day 5.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.day90 import Share, closest_to_day, cr_criteria_met, cr_criteria_share, day90_values
from analysis.recovery import (
    day_bins,
    numbers_at_risk,
    recovery_json,
    recovery_view,
    site_choices,
    trajectory_summary,
)
from analysis.recovery_days import (
    competing_times,
    daily_lowest,
    derive_recovery,
    prolonged_aplasia,
    recovery_day,
)
from analysis.scope import restrict_to_site
from tests.unit.tables import all_tables, table

DAY0 = pd.Timestamp("2024-03-01")
CUT = (DAY0 + pd.Timedelta(days=200)).date()


def d(day):
    return None if day is None else (DAY0 + pd.Timedelta(days=day)).date()


def patient(pid, site="S1", transplant=0):
    return {
        "patient_id": pid,
        "site_id": site,
        "screened_on": d(-60),
        "enrolled_on": d(-40),
        "transplant_on": d(transplant),
    }


def labs(pid, test, pairs):
    return [{"patient_id": pid, "sampled_on": d(day), "test": test, "value": v} for day, v in pairs]


def make_tables(patients, follow_up=(), lab_rows=(), transfusions=(), chimerism=()):
    return all_tables(
        sites=table("sites", [{"site_id": s, "name": f"Site {s}"} for s in ("S1", "S2")]),
        patients=table("patients", patients),
        follow_up=table("follow_up", follow_up),
        lab_results=table("lab_results", lab_rows),
        transfusions=table("transfusions", transfusions),
        chimerism=table("chimerism", chimerism),
    )


# --- the rule for one series -----------------------------------------------------------


def test_run_broken_by_a_low_value_starts_again():
    # d0 2.0, nadir d2 0.3; d5 0.6, d6 0.7 then d7 0.4 breaks the run;
    # d8 0.6, d9 0.8, d10 0.9 are three in a row -> recovery day 8.
    r = recovery_day([0, 2, 5, 6, 7, 8, 9, 10], [2.0, 0.3, 0.6, 0.7, 0.4, 0.6, 0.8, 0.9], 0.5)
    assert (r.day, r.nadir_day, r.no_nadir, r.measured) == (8, 2, False, True)


def test_two_values_on_one_day_count_once_the_lowest():
    # d4 has 0.6 and 0.4: the day counts as 0.4 (low), so d3 0.6 is cut off and the
    # first run of three is d5 0.7, d6 0.8, d7 0.9 -> day 5 (the highest would give 3).
    r = recovery_day([0, 3, 4, 4, 5, 6, 7], [0.1, 0.6, 0.6, 0.4, 0.7, 0.8, 0.9], 0.5)
    assert r.day == 5
    # Two high values on d3 are one measurement day: d3, d3, d4 is not three days.
    r = recovery_day([0, 3, 3, 4], [0.1, 0.6, 0.9, 0.7], 0.5)
    assert r.day is None and r.nadir_day == 0
    assert daily_lowest([4, 4, 2], [0.6, 0.4, 1.0]).to_dict() == {2: 1.0, 4: 0.4}


def test_threshold_is_inclusive_and_nadir_is_on_or_after_day0():
    # d-3 0.1 is before day 0 and ignored; d0 0.5 is not below 0.5 -> never below: day 0.
    r = recovery_day([-3, 0, 2, 9], [0.1, 0.5, 0.8, 1.0], 0.5)
    assert (r.day, r.nadir_day, r.no_nadir) == (0, None, True)
    # nadir d1 0.49; d2 0.5, d3 0.5, d4 0.5 all at the threshold -> day 2.
    assert recovery_day([0, 1, 2, 3, 4], [0.7, 0.49, 0.5, 0.5, 0.5], 0.5).day == 2


def test_no_measurement_after_day0_is_not_recovered():
    r = recovery_day([-10, -2], [0.1, 0.2], 0.5)
    assert (r.day, r.nadir_day, r.no_nadir, r.measured) == (None, None, False, False)
    assert recovery_day([], [], 0.5).measured is False


def test_only_two_high_values_after_the_nadir_is_not_recovered():
    assert recovery_day([0, 5, 6], [0.1, 0.6, 0.7], 0.5).day is None


@pytest.mark.parametrize(
    ("transfusion_days", "expected"),
    [
        # PLT nadir d0 10; d10 25, d11 30, d12 35, d13 40.
        ([], 10),  # no transfusion: run d10-d12 -> day 10
        ([2], 10),  # d2 = 10 - 8: just outside the 7 days before d10 -> day 10
        ([3], 11),  # d3 = 10 - 7: inside -> run d10 fails; run d11-d13 window d4..d13 -> 11
        ([12], None),  # d12 is inside both runs (d10-d12 and d11-d13) -> not recovered
        ([14], 10),  # after the third measurement of run d10-d12 -> does not matter
    ],
)
def test_platelet_transfusion_window(transfusion_days, expected):
    r = recovery_day([0, 10, 11, 12, 13], [10, 25, 30, 35, 40], 20, transfusion_days)
    assert r.day == expected


def test_no_nadir_for_platelets_ignores_transfusions():
    # Never below 20 after day 0 -> day 0 and no_nadir, as the rules state, transfusions or not.
    r = recovery_day([0, 3, 6], [40, 25, 30], 20, [1, 4])
    assert (r.day, r.no_nadir) == (0, True)


# --- per patient from the trial tables, and the competing-risk curve -------------------


def six_patients():
    """Neutrophils of six patients, all transplanted on DAY0 (cut at day 200).

    G  d0 1.5, d3 0.9, d7 1.2           never below 0.5 -> day 0, no nadir   event 1 at 0
    A  d0 0.4 (nadir), d10 0.6, d11 0.7, d13 0.9                  -> day 10   event 1 at 10
    B  d1 0.2, d8 0.6, d9 0.3 (breaks), d14 0.5, d15 0.8, d16 1.0 -> day 14   event 1 at 14
    C  d0 0.3, d5 0.1, d10 0.6, d11 0.7, died d12 (two high only) -> none     event 2 at 12
    D  d0 0.2, d7 0.1, d14 0.3, last contact d20                  -> none     censored 20
    E  a count on d-5 only, last contact d30                      -> none     censored 30
    Platelets: A d0 15, d10 25, d11 30, d12 35 with a platelet transfusion on d4
    (inside 7 days before d10) and red cells on d9 (not counted): the run d10-d12
    fails and there is no other -> A's platelet20_day is None. B: d1 30, d5 40 ->
    never below 20 -> platelet20 day 0 and no nadir; below 50 on d1 -> nadir d1, no run.
    """
    patients = [patient(p, site="S2" if p == "E" else "S1") for p in "GABCDE"]
    follow_up = [
        {"patient_id": "G", "last_contact_on": d(150)},
        {"patient_id": "A", "last_contact_on": d(150)},
        {"patient_id": "B", "last_contact_on": d(150)},
        {"patient_id": "C", "last_contact_on": d(12), "died_on": d(12), "death_cause": "sepsis"},
        {"patient_id": "D", "last_contact_on": d(20)},
        {"patient_id": "E", "last_contact_on": d(30)},
    ]
    rows = (
        labs("G", "ANC", [(0, 1.5), (3, 0.9), (7, 1.2)])
        + labs("A", "ANC", [(0, 0.4), (10, 0.6), (11, 0.7), (13, 0.9)])
        + labs("B", "ANC", [(1, 0.2), (8, 0.6), (9, 0.3), (14, 0.5), (15, 0.8), (16, 1.0)])
        + labs("C", "ANC", [(0, 0.3), (5, 0.1), (10, 0.6), (11, 0.7)])
        + labs("D", "ANC", [(0, 0.2), (7, 0.1), (14, 0.3)])
        + labs("E", "ANC", [(-5, 2.0)])
        + labs("A", "PLT", [(0, 15), (10, 25), (11, 30), (12, 35)])
        + labs("B", "PLT", [(1, 30), (5, 40)])
    )
    transfusions = [
        {"patient_id": "A", "given_on": d(4), "product": "platelets"},
        {"patient_id": "A", "given_on": d(9), "product": "red_cells"},
    ]
    return make_tables(patients, follow_up, rows, transfusions)


def test_derive_recovery_per_patient():
    r = derive_recovery(six_patients(), CUT)
    assert list(r.index) == ["A", "B", "C", "D", "E", "G"]
    days = r["neutrophil_day"].astype(object).where(r["neutrophil_day"].notna(), None)
    assert days.to_dict() == {"A": 10, "B": 14, "C": None, "D": None, "E": None, "G": 0}
    assert r["neutrophil_no_nadir"].to_dict() == dict.fromkeys("ABCDE", False) | {"G": True}
    assert r.loc["E", "neutrophil_measured"] == False  # noqa: E712 (numpy bool)
    assert pd.isna(r.loc["A", "platelet20_day"])  # transfusion on d4 spoils d10-d12
    assert r.loc["B", "platelet20_day"] == 0 and r.loc["B", "platelet20_no_nadir"]
    assert pd.isna(r.loc["B", "platelet50_day"])
    assert r.loc["C", "death_day"] == 12
    assert r["follow_up_day"].to_dict() == {
        "A": 150,
        "B": 150,
        "C": 12,
        "D": 20,
        "E": 30,
        "G": 150,
    }


def test_death_before_recovery_is_a_competing_event():
    times = competing_times(derive_recovery(six_patients(), CUT), "neutrophil")
    assert times.to_dict("index") == {
        "A": {"time": 10, "event": 1},
        "B": {"time": 14, "event": 1},
        "C": {"time": 12, "event": 2},
        "D": {"time": 20, "event": 0},
        "E": {"time": 30, "event": 0},
        "G": {"time": 0, "event": 1},
    }


def test_aalen_johansen_recovery_curve_by_hand():
    # n = 6. t0: 6 at risk, 1 recovery: CIF 1/6, S = 5/6.
    # t10: 5 at risk, 1 recovery: CIF 1/6 + 5/6 * 1/5 = 2/6, S = 4/6.
    # t12: 4 at risk, 1 death: CIF unchanged 2/6, S = 4/6 * 3/4 = 3/6.
    # t14: 3 at risk, 1 recovery: CIF 2/6 + 3/6 * 1/3 = 3/6 -> median day 14.
    # t20, t30: censorings. (1 - Kaplan–Meier, deaths censored, would give
    # 1 - 5/6 * 4/5 * 2/3 = 0.556 at day 14: more than the 0.5 observed.)
    view = recovery_view(six_patients(), CUT)
    steps = view.curves["neutrophil"].steps
    assert list(steps["time"]) == [0, 10, 12, 14, 20, 30]
    assert_allclose(steps["cif_recovery"], [1 / 6, 2 / 6, 2 / 6, 3 / 6, 3 / 6, 3 / 6])
    assert_allclose(steps["cif_death"], [0, 0, 1 / 6, 1 / 6, 1 / 6, 1 / 6])
    assert view.medians["neutrophil"] == 14
    assert view.recovered("neutrophil") == 3 and view.n_transplanted == 6
    assert numbers_at_risk(view.curves["neutrophil"], [0, 10, 13, 20, 30, 40]) == [
        6,
        5,
        3,
        2,
        1,
        0,
    ]


def test_censoring_at_the_data_cut():
    # d0 0.1, d30 0.6, d32 0.7, d36 0.8; last contact d40.
    # Cut at d35: d36 is not known yet -> not recovered, censored at the cut (35).
    # Cut at d40: run d30, d32, d36 -> recovered on day 30.
    tables = make_tables(
        [patient("H")],
        [{"patient_id": "H", "last_contact_on": d(40)}],
        labs("H", "ANC", [(0, 0.1), (30, 0.6), (32, 0.7), (36, 0.8)]),
    )
    early = derive_recovery(tables, d(35))
    assert pd.isna(early.loc["H", "neutrophil_day"]) and early.loc["H", "follow_up_day"] == 35
    assert competing_times(early, "neutrophil").loc["H"].tolist() == [35, 0]
    assert derive_recovery(tables, d(40)).loc["H", "neutrophil_day"] == 30
    # Transplanted after the cut: not in the analysis at all.
    assert derive_recovery(tables, d(-1)).empty


@pytest.mark.parametrize(
    ("neutrophil_day", "death_day", "follow_up_day", "expected"),
    [
        (50, None, 60, True),  # recovered after day 42, alive at 42
        (42, None, 60, False),  # recovered by day 42
        (None, 30, 30, False),  # died before day 42: not "alive at day 42"
        (None, 50, 50, True),  # alive at 42 without recovery, died later
        (None, None, 42, True),  # followed exactly to day 42
        (None, None, 30, None),  # follow-up too short to tell
    ],
)
def test_prolonged_aplasia(neutrophil_day, death_day, follow_up_day, expected):
    assert prolonged_aplasia(neutrophil_day, death_day, follow_up_day) is expected


def test_prolonged_aplasia_from_tables():
    # Counts stay at 0.1-0.3 to day 60, last contact day 60 -> prolonged aplasia.
    tables = make_tables(
        [patient("P")],
        [{"patient_id": "P", "last_contact_on": d(60)}],
        labs("P", "ANC", [(0, 0.2), (20, 0.1), (40, 0.3), (60, 0.2)]),
    )
    flags = derive_recovery(tables, CUT)["prolonged_aplasia"]
    assert flags.dtype == "boolean" and flags.tolist() == [True]


# --- day 90 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected_day"),
    [
        ([80, 95], 95),  # 5 days from 90 beats 10
        ([86, 94], 86),  # tie (4 and 4) -> the earlier
        ([76, 104], 76),  # both bounds are inside the window; tie -> earlier
        ([104], 104),
        ([75, 105], None),  # just outside on both sides
        ([30, 180], None),
    ],
)
def test_day90_window(days, expected_day):
    hit = closest_to_day(days, [float(x) for x in days])
    assert (None if hit is None else hit[0]) == expected_day


def test_day90_lowest_of_the_day_and_per_patient_table():
    assert closest_to_day([90, 90, 88], [1.2, 0.9, 5.0]) == (90, 0.9)
    rows = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B"],
            "test": ["ANC", "ANC", "PLT", "ANC"],
            "day": [85, 93, 75, 60],
            "value": [1.1, 1.4, 150.0, 2.0],
        }
    )
    out = day90_values(rows, ["A", "B"])
    assert out.loc["A", "ANC"] == 1.4 and out.loc["A", "ANC_day"] == 93  # 3 days beats 5
    assert np.isnan(out.loc["A", "PLT"])  # day 75 is outside
    assert np.isnan(out.loc["B", "ANC"]) and pd.isna(out.loc["B", "ANC_day"])


def test_cr_criteria_share_where_data_allow():
    # P1 BM 2, ANC 1.5, PLT 150       all pass            -> met
    # P2 BM 6, ANC -, PLT -           marrow fails        -> not met (evaluable)
    # P3 BM 3, ANC 1.2, PLT -         none fails, one gap -> not evaluable
    # P4 BM 1, ANC 0.9, PLT 200       ANC fails           -> not met
    # P5 BM 4.9, ANC 1.0, PLT 100     bounds pass         -> met
    # -> 2 of 4 evaluable (5 patients): 50%.
    day90 = pd.DataFrame(
        {
            "BM_BLAST_PCT": [2, 6, 3, 1, 4.9],
            "ANC": [1.5, np.nan, 1.2, 0.9, 1.0],
            "PLT": [150, np.nan, np.nan, 200, 100],
        }
    )
    share = cr_criteria_share(day90)
    assert share == Share(count=2, evaluable=4, total=5) and share.share == 0.5
    assert cr_criteria_met(5.0, 2, 200) is False  # 5% is not below 5%
    assert Share(0, 0, 3).share is None


# --- trajectories, site filter and the stats JSON --------------------------------------


def test_day_bins_daily_then_weekly():
    bins = day_bins()
    assert list(bins["start"][:3]) == [0, 1, 2] and bins["end"][27] == 27
    weekly = bins[bins["start"] >= 28]
    assert list(weekly["start"]) == [28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98]
    assert weekly["end"].iloc[-1] == 100 and weekly["x"].iloc[0] == 31


def test_trajectory_summary_median_and_iqr():
    # Day 5: A 1 (lowest of 1 and 4), B 2, C 3 -> median 2, quartiles 1.5 and 2.5.
    # Bin 28-34: A has d29 1.0 and d33 3.0 -> its value is their median 2.0; only two
    # patients in the bin -> no cohort point. Day 120 is beyond day 100: dropped.
    rows = pd.DataFrame(
        {
            "patient_id": ["A", "A", "B", "C", "A", "A", "B", "C"],
            "test": ["ANC"] * 8,
            "day": [5, 5, 5, 5, 29, 33, 30, 120],
            "value": [4.0, 1.0, 2.0, 3.0, 1.0, 3.0, 5.0, 9.0],
        }
    )
    trajectory = trajectory_summary(rows, "ANC")
    cohort = trajectory.cohort.set_index("start")
    assert list(cohort.index) == [5]
    assert cohort.loc[5, ["n_patients", "median", "q1", "q3"]].tolist() == [3, 2.0, 1.5, 2.5]
    lines = trajectory.lines.set_index(["patient_id", "start"])["value"]
    assert lines[("A", 28)] == 2.0 and lines[("A", 5)] == 1.0
    assert trajectory.lines["end"].max() <= 100 and "C" not in set(
        trajectory.lines.loc[trajectory.lines["start"] > 5, "patient_id"]
    )


def test_trajectory_summary_without_rows():
    rows = pd.DataFrame(columns=["patient_id", "test", "day", "value"])
    trajectory = trajectory_summary(rows, "PLT")
    assert trajectory.lines.empty and trajectory.cohort.empty
    one = pd.DataFrame({"patient_id": ["A"], "test": ["PLT"], "day": [3], "value": [40.0]})
    assert trajectory_summary(one, "PLT").cohort.empty  # fewer than 3 patients


def test_site_filter_and_choices():
    tables = six_patients()
    s2 = restrict_to_site(tables, "S2")
    assert recovery_view(s2, CUT).patients.index.tolist() == ["E"]
    assert site_choices(tables, CUT) == [
        {"site_id": "S1", "name": "Site S1", "transplanted": 5},
        {"site_id": "S2", "name": "Site S2", "transplanted": 1},
    ]
    with pytest.raises(ValueError, match="unknown site"):
        restrict_to_site(tables, "NOPE")


def test_recovery_json_shape_and_values():
    tables = six_patients()
    extra = labs("A", "ANC", [(88, 2.1), (93, 1.9)]) + labs("A", "BM_BLAST_PCT", [(91, 1.5)])
    tables["lab_results"] = pd.concat([tables["lab_results"], table("lab_results", extra)])
    tables["chimerism"] = table(
        "chimerism",
        [{"patient_id": "A", "sampled_on": d(89), "donor_percent": 0.05, "detected": True}],
    )
    out = recovery_json(tables, CUT)
    json.dumps(out)  # plain Python types only
    assert set(out) == {"patients", "left_out", "microchimerism", "cif"}
    assert out["left_out"] == []
    # A's day-89 sample, 0.05% >= 0.01%: detectable; the five others have no sample.
    assert out["microchimerism"] == {
        "detection_limit": 0.01,
        "detectable": 1,
        "with_sample": 1,
        "transplanted": 6,
    }
    assert recovery_json(tables, CUT, detection_limit=0.1)["microchimerism"]["detectable"] == 0
    assert set(out["cif"]) == {"neutrophil", "platelet20", "platelet50"}
    a = next(p for p in out["patients"] if p["patient_id"] == "A")
    assert a == {
        "patient_id": "A",
        "transplant_on": "2024-03-01",
        "neutrophil_day": 10,
        "platelet20_day": None,
        "platelet50_day": None,
        "day90": {
            "ANC": 2.1,  # d88 (2 days) beats d93 (3 days)
            "PLT": None,
            "PB_BLAST_PCT": None,
            "BM_BLAST_PCT": 1.5,
            "donor_percent": 0.05,
        },
    }
    assert out["cif"]["neutrophil"][3] == {"time": 14, "cif": pytest.approx(0.5)}
    assert all(isinstance(step["time"], int) for step in out["cif"]["neutrophil"])


def test_recovery_json_without_transplants():
    tables = make_tables([{**patient("X"), "transplant_on": None}])
    assert recovery_json(tables, CUT) == {
        "patients": [],
        "left_out": [],
        "microchimerism": {
            "detection_limit": 0.01,
            "detectable": 0,
            "with_sample": 0,
            "transplanted": 0,
        },
        "cif": {"neutrophil": [], "platelet20": [], "platelet50": []},
    }
    assert recovery_json(tables, None)["patients"] == []


def test_recovery_json_trajectory_of_the_chosen_count():
    # Day 0 ANC: G 1.5, A 0.4, C 0.3, D 0.2 (B starts on day 1, E before day 0).
    # Median (0.3 + 0.4) / 2 = 0.35; type-7 quartiles 0.2 + 0.75 x 0.1 = 0.275 and
    # 0.4 + 0.25 x 1.1 = 0.675. Day 14: A's 0.9 is on day 13; B 0.5, D 0.3: too few.
    out = recovery_json(six_patients(), CUT, test="ANC")
    first = out["trajectory"]["bins"][0]
    assert out["trajectory"]["test"] == "ANC"
    assert first == {
        "start": 0,
        "end": 0,
        "n_patients": 4,
        "median": pytest.approx(0.35),
        "q1": pytest.approx(0.275),
        "q3": pytest.approx(0.675),
    }
    assert all(b["n_patients"] >= 3 for b in out["trajectory"]["bins"])
    with pytest.raises(ValueError, match="test must be one of"):
        recovery_json(six_patients(), CUT, test="HGB")
    with pytest.raises(ValueError, match="detection_limit must lie between"):
        recovery_json(six_patients(), CUT, detection_limit=0)


def test_rows_order_does_not_matter():
    tables = six_patients()
    shuffled = dict(tables)
    shuffled["lab_results"] = tables["lab_results"].sample(frac=1, random_state=3)
    shuffled["patients"] = tables["patients"].iloc[::-1].reset_index(drop=True)
    assert recovery_json(shuffled, dt.date(2024, 9, 17)) == recovery_json(
        tables, dt.date(2024, 9, 17)
    )


def test_recovery_leaves_out_transplants_that_contradict_the_course():
    """A transplant of a patient never enrolled, or dated after the patient's death, has
    no day 0 for recovery: left out and counted by reason (each is a finding)."""
    ghost = {**patient("G"), "enrolled_on": None}
    dead = patient("D", transplant=10)
    tables = make_tables(
        [patient("A"), ghost, dead],
        follow_up=[{"patient_id": "D", "died_on": d(5), "death_cause": "infection"}],
        lab_rows=labs("A", "ANC", [(7, 0.1), (14, 0.6), (15, 0.7), (16, 0.8)]),
    )
    out = recovery_json(tables, CUT)
    assert [p["patient_id"] for p in out["patients"]] == ["A"]
    assert out["left_out"] == [
        {
            "rule": "ENROL-STATUS",
            "patients": 1,
            "reason": "transplant recorded for a patient never enrolled",
        },
        {
            "rule": "AFTER-DEATH",
            "patients": 1,
            "reason": "transplant dated after the patient's death",
        },
    ]
    assert out["patients"][0]["neutrophil_day"] == 14
