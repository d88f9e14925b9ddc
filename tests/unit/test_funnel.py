"""Screening funnel (analysis/funnel.py) on a hand-made bundle, data cut 2024-06-30.

Twelve patients (T = transplant date, day = days after T):

- P1 transplanted 2023-12-13 (200 days before the cut), alive → evaluable;
- P2 T 2023-12-13, died day 50, no lab → died before day 90;
- P3 T 2023-12-13, died day 80 but a day-78 lab → evaluable (lab in 76–104);
- P4 T 2024-05-31 (30 days before the cut) → too early;
- P5 enrolled, withdrawn before transplant ("consent withdrawn");
- P6 enrolled, awaiting transplant;
- P7, P8 screen failures "age over 74"; P9 "favourable cytogenetics";
- P10 screened, no decision yet (in screening);
- P11 T 2023-12-13, withdrawn day 40 without a reason, no lab → withdrawn before day 90;
- P12 T 2024-03-02 (120 days before), died on day 90 exactly → alive at day 90, evaluable.

Screened 12; failures 3; in screening 1; eligible 9; enrolled 8; withdrawn 2;
transplanted 6 = too early 1 + died 1 + withdrawn 1 + evaluable 3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest

from analysis.funnel import ScreeningFunnel, funnel_json, screening_funnel
from tests.unit.tables import table

CUT = dt.date(2024, 6, 30)


def day(transplant: str, n: int) -> str:
    return (pd.Timestamp(transplant) + pd.Timedelta(days=n)).date().isoformat()


T_OLD, T_NEW, T_120 = "2023-12-13", "2024-05-31", "2024-03-02"


def bundle() -> dict[str, pd.DataFrame]:
    def patient(pid, enrolled=None, reason=None, transplant=None, withdrawn=None, why=None):
        screened = "2023-10-01"
        return [pid, "AAA", "M", 66, None, "adverse", screened, enrolled, reason, transplant,
                withdrawn, why]  # fmt: skip

    enrolled = "2023-11-01"
    patients = table(
        "patients",
        [
            patient("P1", enrolled, transplant=T_OLD),
            patient("P2", enrolled, transplant=T_OLD),
            patient("P3", enrolled, transplant=T_OLD),
            patient("P4", "2024-04-01", transplant=T_NEW),
            patient("P5", enrolled, withdrawn="2023-11-20", why="consent withdrawn"),
            patient("P6", "2024-06-01"),
            patient("P7", reason="age over 74"),
            patient("P8", reason="age over 74"),
            patient("P9", reason="favourable cytogenetics"),
            patient("P10"),
            patient("P11", enrolled, transplant=T_OLD, withdrawn=day(T_OLD, 40)),
            patient("P12", "2024-01-15", transplant=T_120),
        ],
    )
    follow_up = table(
        "follow_up",
        [
            ["P2", None, None, day(T_OLD, 50), "infection"],
            ["P3", None, None, day(T_OLD, 80), "relapse"],
            ["P12", None, None, day(T_120, 90), "relapse"],
        ],
    )
    labs = table(
        "lab_results",
        [
            ["P3", day(T_OLD, 78), "ANC", 1.2, "10^9/L"],
            ["P2", day(T_OLD, 30), "ANC", 0.2, "10^9/L"],  # outside 76–104
            ["P11", day(T_OLD, 20), "PLT", 15.0, "10^9/L"],  # outside 76–104
        ],
    )
    return {"patients": patients, "follow_up": follow_up, "lab_results": labs}


def test_funnel001_stage_counts():
    funnel = screening_funnel(bundle(), CUT)
    assert funnel.stages == [
        ("Screened", 12),
        ("Eligible", 9),
        ("Enrolled", 8),
        ("Transplanted", 6),
        ("Evaluable at 3 months", 3),
    ]


def test_funnel002_exclusions_add_up_at_every_stage():
    f = screening_funnel(bundle(), CUT)
    assert (f.screen_failures, f.in_screening) == (3, 1)
    assert f.screened == f.screen_failures + f.in_screening + f.enrolled
    assert (f.withdrawn_before_transplant, f.awaiting_transplant) == (1, 1)
    assert f.enrolled == f.transplanted + f.withdrawn_before_transplant + f.awaiting_transplant
    assert (f.too_early_for_3_months, f.died_before_day_90, f.withdrawn_before_day_90) == (1, 1, 1)
    assert f.transplanted == (
        f.too_early_for_3_months
        + f.died_before_day_90
        + f.withdrawn_before_day_90
        + f.evaluable_3_months
    )


def test_funnel003_reasons_counted_largest_first_missing_as_not_recorded():
    f = screening_funnel(bundle(), CUT)
    assert list(f.screen_failure_reasons.items()) == [
        ("age over 74", 2),
        ("favourable cytogenetics", 1),
    ]
    assert f.withdrawn == 2
    assert f.withdrawal_reasons == {"consent withdrawn": 1, "not recorded": 1}


def test_funnel004_day76_104_lab_makes_an_early_death_evaluable():
    tables = bundle()
    tables["lab_results"] = tables["lab_results"][tables["lab_results"]["patient_id"] != "P3"]
    f = screening_funnel(tables, CUT)
    assert (f.evaluable_3_months, f.died_before_day_90) == (2, 2)


def test_funnel005_later_cut_makes_the_recent_transplant_evaluable_earlier_cut_not():
    assert screening_funnel(bundle(), dt.date(2024, 8, 29)).evaluable_3_months == 4  # P4 day 90
    early = screening_funnel(bundle(), dt.date(2024, 5, 30))  # P12 at day 89, P4 not yet
    assert (early.transplanted, early.too_early_for_3_months, early.evaluable_3_months) == (
        5,
        1,
        2,
    )


def test_funnel006_is_frozen_and_serialises_to_plain_json():
    f = screening_funnel(bundle(), CUT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.enrolled = 0  # type: ignore[misc]
    out = funnel_json(f)
    assert out["data_cut"] == "2024-06-30" and out["evaluable_3_months"] == 3
    assert set(out) == {field.name for field in dataclasses.fields(ScreeningFunnel)}
    json.dumps(out)


def test_funnel007_patients_only_bundle_works():
    tables = {"patients": bundle()["patients"]}
    f = screening_funnel(tables, CUT)
    # without follow-up or labs nobody is known dead; P2, P3 evaluable, P11 still withdrawn
    assert (f.evaluable_3_months, f.died_before_day_90, f.withdrawn_before_day_90) == (4, 0, 1)
