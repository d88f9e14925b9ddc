"""Swimmer rows on hand-made patients: bar length, marker days, ordering.

Days are counted from 2024-01-01 (day 0); the data cut is day 366 (2025-01-01).
Every expected number below is worked out by hand from these dates.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.swimmer import COLUMNS, swimmer_rows
from tests.unit.tables import table

DAY0 = pd.Timestamp("2024-01-01")
CUT = dt.date(2025, 1, 1)  # day 366


def d(day):
    return pd.NaT if day is None else DAY0 + pd.Timedelta(days=day)


def make_tables():
    """Five patients.

    A enrolled day 0, CRi day 30, CR day 60, relapse response day 200, died day 250
       -> bar 250 days, response CRi on day 30 (the first remission), relapse 200,
          death 250, status died.
    B enrolled day 10, CR day 40, alive, last contact day 310 -> bar 300, alive.
    C enrolled day 20, PR only, progressed_on day 120, last contact day 320
       -> bar 300 (tie with B: ordered by id, B first), relapse day 100.
    D enrolled day 100, no follow-up row; latest record a CR response on day 150
       -> last contact day 150: bar 50, response day 50, alive.
    E enrolled day 5, died day 35 without relapse (NRM), withdrawn day 20 -> bar 30.
    F screened only: no row.
    """
    patients = table(
        "patients",
        [
            ("A", "S1", "F", "adverse", d(0), None),
            ("B", "S1", "M", "intermediate", d(10), None),
            ("C", "S2", "F", "adverse", d(20), None),
            ("D", "S2", "M", "intermediate", d(100), None),
            ("E", "S1", "M", "adverse", d(5), d(20)),
            ("F", "S2", "F", "adverse", None, None),
        ],
        ["patient_id", "site_id", "sex", "cytogenetic_risk", "enrolled_on", "withdrawn_on"],
    )
    follow_up = table(
        "follow_up",
        [
            ("A", d(250), None, d(250)),
            ("B", d(310), None, None),
            ("C", d(320), d(120), None),
            ("E", d(35), None, d(35)),
        ],
        ["patient_id", "last_contact_on", "progressed_on", "died_on"],
    )
    responses = table(
        "responses",
        [
            ("A", d(30), "CRi"),
            ("A", d(60), "CR"),
            ("A", d(200), "relapse"),
            ("B", d(40), "CR"),
            ("C", d(50), "PR"),
            ("D", d(150), "CR"),
        ],
    )
    return {"patients": patients, "follow_up": follow_up, "responses": responses}


@pytest.fixture
def rows():
    return swimmer_rows(make_tables(), CUT).set_index("patient_id")


def test_one_row_per_enrolled_patient_with_the_documented_columns():
    out = swimmer_rows(make_tables(), CUT)
    assert list(out.columns) == list(COLUMNS)
    assert sorted(out["patient_id"]) == ["A", "B", "C", "D", "E"]


def test_bar_runs_from_enrollment_to_death_or_last_contact(rows):
    assert rows["follow_up_days"].to_dict() == {"A": 250, "B": 300, "C": 300, "D": 50, "E": 30}
    assert rows.loc["B", "end_on"] == d(310)
    assert rows.loc["D", "end_on"] == d(150)  # latest dated record, no follow-up row


def test_markers_are_days_from_enrollment(rows):
    assert rows.loc["A", "response"] == "CRi"  # the first remission, not the best
    assert rows.loc["A", "response_day"] == 30
    assert rows.loc["A", "best_response"] == "CR"
    assert rows.loc["A", "relapse_day"] == 200
    assert rows.loc["A", "death_day"] == 250
    assert rows.loc["B", "response_day"] == 30
    assert rows.loc["C", "relapse_day"] == 100  # progressed_on day 120, enrolled day 20
    assert pd.isna(rows.loc["C", "response_day"])  # PR is not a remission
    assert rows.loc["C", "response"] is None
    assert rows.loc["D", "response_day"] == 50
    assert pd.isna(rows.loc["E", "relapse_day"])
    assert rows.loc["E", "death_day"] == 30


def test_status_and_withdrawal(rows):
    assert rows["status"].to_dict() == {
        "A": "died",
        "B": "alive",
        "C": "alive",
        "D": "alive",
        "E": "died",
    }
    assert rows.loc["E", "withdrawn_on"] == d(20)
    assert pd.isna(rows.loc["A", "withdrawn_on"])


def test_ordered_by_follow_up_longest_first_ties_by_id():
    out = swimmer_rows(make_tables(), CUT)
    assert list(out["patient_id"]) == ["B", "C", "A", "D", "E"]


def test_events_after_the_data_cut_are_not_yet_known():
    tables = make_tables()
    early_cut = dt.date(2024, 7, 1)  # day 182: A's relapse (200) and death (250) are later
    rows = swimmer_rows(tables, early_cut).set_index("patient_id")
    assert rows.loc["A", "status"] == "alive"
    assert pd.isna(rows.loc["A", "death_day"])
    assert pd.isna(rows.loc["A", "relapse_day"])
    assert rows.loc["A", "follow_up_days"] == 182  # censored at the cut


def test_shuffled_rows_give_the_same_result():
    tables = make_tables()
    shuffled = {name: t.sample(frac=1, random_state=3) for name, t in tables.items()}
    pd.testing.assert_frame_equal(swimmer_rows(shuffled, CUT), swimmer_rows(tables, CUT))


def test_nobody_enrolled_gives_an_empty_frame_with_the_columns():
    tables = make_tables()
    tables["patients"] = tables["patients"].iloc[:0]
    out = swimmer_rows(tables, CUT)
    assert out.empty
    assert list(out.columns) == list(COLUMNS)


def test_no_responses_table_at_all():
    tables = make_tables()
    del tables["responses"]
    rows = swimmer_rows(tables, CUT).set_index("patient_id")
    assert rows["response_day"].isna().all()
    assert (rows["best_response"] == "NE").all()
    assert rows.loc["C", "relapse_day"] == 100  # progressed_on still counts


def test_missing_data_cut_is_an_error_that_says_what_to_do():
    with pytest.raises(ValueError, match="data_cut is missing"):
        swimmer_rows(make_tables(), None)
