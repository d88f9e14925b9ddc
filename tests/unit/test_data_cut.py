"""The trial as known at its data cut (analysis/data_cut.py), on a hand-made trial.

Cut 2024-06-30. P1 enrolled 2024-01-10, treated 2024-02-01, last contact 2024-08-01
(after the cut: alive at the cut), a lab on 2024-06-30 (kept) and 2024-07-01 (left out),
an event from 2024-06-01 resolved 2024-07-15 (ongoing at the cut). P2 screened
2024-06-20, enrolled 2024-07-02 (not yet at the cut), died 2024-07-20 (unknown).
P3 screened 2024-07-05: not yet screened at the cut.
"""

from __future__ import annotations

import pandas as pd

from analysis.data_cut import as_of_data_cut
from tests.unit.tables import all_tables, table

CUT = "2024-06-30"


def make_tables():
    return all_tables(
        sites=table(
            "sites",
            [
                {"site_id": "A", "name": "A", "status": "recruiting", "activated_on": "2024-01-02"},
                {"site_id": "B", "name": "B", "status": "recruiting", "activated_on": "2024-08-01"},
            ],
        ),
        patients=table(
            "patients",
            [
                {
                    "patient_id": "P1",
                    "site_id": "A",
                    "screened_on": "2024-01-02",
                    "enrolled_on": "2024-01-10",
                    "treatment_start_on": "2024-02-01",
                },
                {
                    "patient_id": "P2",
                    "site_id": "A",
                    "screened_on": "2024-06-20",
                    "enrolled_on": "2024-07-02",
                    "withdrawn_on": "2024-07-10",
                    "withdrawal_reason": "consent withdrawn",
                },
                {"patient_id": "P3", "site_id": "A", "screened_on": "2024-07-05"},
            ],
        ),
        follow_up=table(
            "follow_up",
            [
                {"patient_id": "P1", "last_contact_on": "2024-08-01"},
                {
                    "patient_id": "P2",
                    "last_contact_on": "2024-07-20",
                    "died_on": "2024-07-20",
                    "death_cause": "sepsis",
                },
            ],
        ),
        lab_results=table(
            "lab_results",
            [
                {
                    "patient_id": "P1",
                    "sampled_on": "2024-06-30",
                    "test": "ANC",
                    "value": 1.0,
                    "unit": "10^9/L",
                },
                {
                    "patient_id": "P1",
                    "sampled_on": "2024-07-01",
                    "test": "ANC",
                    "value": 2.0,
                    "unit": "10^9/L",
                },
                {
                    "patient_id": "P3",
                    "sampled_on": "2024-07-05",
                    "test": "ANC",
                    "value": 3.0,
                    "unit": "10^9/L",
                },
            ],
        ),
        adverse_events=table(
            "adverse_events",
            [
                {
                    "patient_id": "P1",
                    "term": "Fever",
                    "soc": "General",
                    "grade": 1,
                    "serious": False,
                    "onset_on": "2024-06-01",
                    "resolved_on": "2024-07-15",
                },
                {
                    "patient_id": "P1",
                    "term": "Rash",
                    "soc": "Skin",
                    "grade": 1,
                    "serious": False,
                    "onset_on": "2024-07-02",
                },
            ],
        ),
    )


def test_cut001_nothing_dated_after_the_cut_is_known():
    out = as_of_data_cut(make_tables(), CUT)
    patients = out["patients"].set_index("patient_id")
    assert list(patients.index) == ["P1", "P2"]  # P3 not yet screened
    assert pd.isna(patients.loc["P2", "enrolled_on"])  # screened only at the cut
    assert pd.isna(patients.loc["P2", "withdrawn_on"])
    assert patients.loc["P2", "withdrawal_reason"] is None
    assert list(out["lab_results"]["value"]) == [1.0]
    assert list(out["adverse_events"]["term"]) == ["Fever"]
    assert pd.isna(out["adverse_events"]["resolved_on"].iloc[0])  # ongoing at the cut
    sites = out["sites"].set_index("site_id")  # site management data: as delivered
    assert sites.loc["B", "activated_on"] == pd.Timestamp("2024-08-01")


def test_cut002_follow_up_after_the_cut():
    follow_up = as_of_data_cut(make_tables(), CUT)["follow_up"].set_index("patient_id")
    # P1 was seen after the cut, so known alive at it; P2's death is not yet known.
    assert follow_up.loc["P1", "last_contact_on"] == pd.Timestamp(CUT)
    assert pd.isna(follow_up.loc["P2", "died_on"])
    assert follow_up.loc["P2", "death_cause"] is None


def test_cut003_idempotent_and_input_untouched():
    tables = make_tables()
    before = {name: frame.copy() for name, frame in tables.items()}
    once = as_of_data_cut(tables, CUT)
    twice = as_of_data_cut(once, CUT)
    for name in once:
        pd.testing.assert_frame_equal(once[name], twice[name])
        pd.testing.assert_frame_equal(tables[name], before[name])


def test_cut004_no_cut_changes_nothing():
    tables = make_tables()
    assert as_of_data_cut(tables, None) is tables


def test_cut005_not_yet_treated_not_yet_in_the_safety_population_and_marks_follow():
    tables = make_tables()
    patients = tables["patients"]
    patients["treatment_start_on"] = pd.to_datetime(["2024-07-01", None, None])
    patients["safety_population"] = pd.array([True, True, None], dtype="boolean")
    tables["adverse_events"]["imputed"] = ["onset_on resolved_on", None]
    out = as_of_data_cut(tables, CUT)
    # P1 flagged by the study but first treated after the cut; P2 flagged, not treated.
    assert list(out["patients"]["safety_population"]) == [False, True]
    assert list(out["adverse_events"]["imputed"]) == ["onset_on"]  # resolution cleared
