"""One patient's profile (analysis.patient_profile) on hand-made patients, numbers worked
out by hand in the comments, and on the small fixture bundle (its EXPECTED.md)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analysis.patient_profile import (
    PatientProfile,
    UnknownPatient,
    patient_json,
    patient_profile,
)
from analysis.recovery_days import derive_recovery
from data_access.bundle import read_bundle
from data_access.frames import data_cut_of
from tests.conftest import SMALL_BUNDLE
from tests.unit.tables import all_tables, table

CUT = dt.date(2020, 6, 30)
SITES = table("sites", [{"site_id": "STE", "name": "Saint-Etienne", "status": "recruiting"}])


def patient(**values) -> dict:
    row = {"patient_id": "P-1", "site_id": "STE", "screened_on": "2019-12-20", "age": 70}
    row.update(values)
    return row


def tables_of(patients, **records):
    return all_tables(
        sites=SITES,
        patients=table("patients", patients),
        **{name: table(name, rows) for name, rows in records.items()},
    )


def lab(day0: str, day: int, test: str, value: float) -> dict:
    date = pd.Timestamp(day0) + pd.Timedelta(days=day)
    return {"patient_id": "P-1", "sampled_on": date, "test": test, "value": value, "unit": "x"}


def test_prof001_no_transplant_counts_days_from_enrollment():
    # Enrolled 2020-01-10, never transplanted: day 0 is the enrollment.
    tables = tables_of(
        [patient(enrolled_on="2020-01-10")],
        lab_results=[lab("2020-01-10", 10, "ANC", 0.3)],
        adverse_events=[
            {
                "patient_id": "P-1",
                "term": "Nausea",
                "soc": "Gastrointestinal disorders",
                "grade": 1,
                "serious": False,
                "onset_on": "2020-01-15",
            }
        ],
        responses=[{"patient_id": "P-1", "assessed_on": "2020-02-01", "response": "CR"}],
    )
    profile = patient_profile(tables, CUT, "P-1")
    assert isinstance(profile, PatientProfile)
    assert profile.day0_on == dt.date(2020, 1, 10)
    assert profile.day0_is_transplant is False
    assert profile.transplant_on is None
    assert profile.labs["day"].tolist() == [10]
    assert profile.events["day"].tolist() == [5]  # 2020-01-15
    assert profile.events["kind"].tolist() == ["adverse event"]
    assert profile.responses["day"].tolist() == [22]  # 2020-02-01
    assert profile.recovery == {
        "neutrophil_day": None,
        "platelet20_day": None,
        "platelet50_day": None,
    }
    assert profile.best_response == "CR"
    assert profile.status == "alive in remission"
    assert profile.site_name == "Saint-Etienne"
    assert profile.age == 70.0


def test_prof002_death_before_recovery():
    # Transplant 2020-01-01. ANC 0.2 on day 0 (the nadir), then 0.6 and 0.7 on days 7
    # and 14: two days at or above 0.5, not three, so no recovery. Died on day 19, by
    # day 42: not prolonged aplasia.
    tables = tables_of(
        [patient(enrolled_on="2019-12-27", transplant_on="2020-01-01")],
        lab_results=[
            lab("2020-01-01", 0, "ANC", 0.2),
            lab("2020-01-01", 7, "ANC", 0.6),
            lab("2020-01-01", 14, "ANC", 0.7),
        ],
        follow_up=[
            {
                "patient_id": "P-1",
                "last_contact_on": "2020-01-20",
                "died_on": "2020-01-20",
                "death_cause": "infection",
            }
        ],
    )
    profile = patient_profile(tables, CUT, "P-1")
    assert profile.day0_is_transplant is True
    assert profile.died_on == dt.date(2020, 1, 20)
    assert profile.death_cause == "infection"
    assert profile.status == "died"
    assert profile.recovery["neutrophil_day"] is None
    assert profile.flags == ()
    assert profile.labs["day"].tolist() == [0, 7, 14]
    data = patient_json(tables, CUT, "P-1")
    assert data["died_on"] == "2020-01-20"
    assert data["recovery"]["neutrophil_day"] is None
    assert data["labs"][1] == {"date": "2020-01-08", "day": 7, "test": "ANC", "value": 0.6}


def test_prof003_recovery_days_and_a_gvhd_event():
    # Transplant 2020-01-01. ANC 0.1 on day 1 (nadir), then 0.6, 0.7, 0.8 on days 5, 6,
    # 8: neutrophils recover on day 5. PLT 10 on day 1 (nadir), 25, 30, 60 on days 10,
    # 12, 14; one platelet transfusion on day 2, before the window 3..14 of the run from
    # day 10: platelets >= 20 on day 10; >= 50 only on day 14: not reached.
    day0 = "2020-01-01"
    labs = [lab(day0, d, "ANC", v) for d, v in ((1, 0.1), (5, 0.6), (6, 0.7), (8, 0.8))]
    labs += [lab(day0, d, "PLT", v) for d, v in ((1, 10), (10, 25), (12, 30), (14, 60))]
    gvhd = {
        "patient_id": "P-1",
        "term": "Acute graft versus host disease",
        "soc": "Immune system disorders",
        "grade": 3,
        "serious": True,
        "related": "yes",
        "onset_on": "2020-02-01",
        "resolved_on": "2020-02-20",
        "gvhd_type": "acute",
        "gvhd_grade": "II",
    }
    fever = {
        "patient_id": "P-1",
        "term": "Febrile neutropenia",
        "soc": "Blood and lymphatic system disorders",
        "grade": 3,
        "serious": False,
        "onset_on": "2020-01-05",
        "resolved_on": "2020-01-09",
    }
    tables = tables_of(
        [patient(enrolled_on="2019-12-27", transplant_on=day0)],
        lab_results=labs,
        transfusions=[{"patient_id": "P-1", "given_on": "2020-01-03", "product": "platelets"}],
        adverse_events=[gvhd, fever],
        follow_up=[{"patient_id": "P-1", "last_contact_on": "2020-06-01"}],
    )
    profile = patient_profile(tables, CUT, "P-1")
    assert profile.recovery == {
        "neutrophil_day": 5,
        "platelet20_day": 10,
        "platelet50_day": None,
    }
    assert profile.flags == ()
    events = profile.events
    assert events["kind"].tolist() == ["adverse event", "GVHD"]  # sorted by date
    assert events["day"].tolist() == [4, 31]
    assert events["end_day"].tolist() == [8, 50]
    assert events["label"].iloc[1] == "Acute graft versus host disease (acute GVHD, grade II)"
    assert profile.transfusions["day"].tolist() == [2]
    assert patient_json(tables, CUT, "P-1")["events"][1] == {
        "date": "2020-02-01",
        "day": 31,
        "kind": "GVHD",
        "label": "Acute graft versus host disease (acute GVHD, grade II)",
        "grade": 3,
        "serious": True,
    }


def test_prof004_partial_data_no_labs_no_follow_up():
    tables = tables_of([patient(enrolled_on="2020-01-10", transplant_on="2020-02-01")])
    profile = patient_profile(tables, CUT, "P-1")
    assert profile.labs.empty
    assert list(profile.labs.columns) == ["date", "day", "test", "value", "unit"]
    assert profile.events.empty and profile.chimerism.empty
    assert profile.died_on is None and profile.death_cause is None
    assert profile.best_response == "NE"
    assert profile.status == "alive"
    data = patient_json(tables, CUT, "P-1")
    assert data["labs"] == [] and data["events"] == [] and data["chimerism"] == []
    assert data["transplant_on"] == "2020-02-01"
    assert data["arm"] is None
    json.dumps(data)  # plain JSON


def test_prof005_records_after_the_data_cut_are_left_out():
    cut = dt.date(2020, 3, 1)
    tables = tables_of(
        [patient(enrolled_on="2020-01-10", transplant_on="2020-02-01")],
        lab_results=[lab("2020-02-01", 10, "ANC", 0.3), lab("2020-02-01", 40, "ANC", 0.9)],
        adverse_events=[
            {
                "patient_id": "P-1",
                "term": "Sepsis",
                "soc": "Infections and infestations",
                "grade": 4,
                "serious": True,
                "onset_on": "2020-02-20",
                "resolved_on": "2020-03-10",  # after the cut: ongoing at the cut
            },
            {
                "patient_id": "P-1",
                "term": "Pneumonia",
                "soc": "Infections and infestations",
                "grade": 3,
                "serious": True,
                "onset_on": "2020-03-05",
            },
        ],
        follow_up=[
            {
                "patient_id": "P-1",
                "last_contact_on": "2020-04-01",
                "died_on": "2020-04-01",
                "death_cause": "sepsis",
            }
        ],
    )
    profile = patient_profile(tables, cut, "P-1")
    assert profile.labs["day"].tolist() == [10]
    assert profile.events["label"].tolist() == ["Sepsis"]
    assert profile.events["end_date"].isna().all()
    assert profile.died_on is None and profile.death_cause is None
    assert profile.last_contact_on == cut
    assert profile.status == "alive"
    assert profile.data_cut == cut


def test_prof006_unknown_patient_and_patient_screened_after_the_cut():
    tables = tables_of([patient(screened_on="2020-07-15")])
    with pytest.raises(UnknownPatient, match="no patient P-123"):
        patient_profile(tables, CUT, "P-123")
    with pytest.raises(UnknownPatient, match="no patient P-1"):
        patient_json(tables, CUT, "P-1")


@pytest.fixture(scope="module")
def small():
    tables = read_bundle(SMALL_BUNDLE)
    return tables, data_cut_of(tables)


def test_prof007_small_bundle_death_of_p002(small):
    # EXPECTED.md: P-002 (LYS) died 2019-10-14 of relapse; sepsis grade 4, serious.
    tables, cut = small
    assert cut == CUT
    data = patient_json(tables, cut, "P-002")
    assert {k: data[k] for k in ("site_id", "enrolled_on", "transplant_on", "died_on")} == {
        "site_id": "LYS",
        "enrolled_on": "2019-03-18",
        "transplant_on": "2019-04-22",
        "died_on": "2019-10-14",
    }
    assert data["death_cause"] == "relapse"
    assert data["events"] == [
        {
            "date": "2019-05-02",
            "day": 10,
            "kind": "adverse event",
            "label": "Sepsis",
            "grade": 4,
            "serious": True,
        }
    ]
    assert [(r["day"], r["response"]) for r in data["responses"]] == [(42, "CR"), (147, "relapse")]
    profile = patient_profile(tables, cut, "P-002")
    assert profile.status == "died" and profile.best_response == "CR"


def test_prof008_small_bundle_other_patients(small):
    tables, cut = small
    screen_failure = patient_profile(tables, cut, "P-003")
    assert screen_failure.status == "not enrolled"
    assert screen_failure.day0_on is None and screen_failure.best_response is None
    # EXPECTED.md: the 3-month chimerism sample of P-001 is on day 91 after the transplant.
    p001 = patient_profile(tables, cut, "P-001")
    assert p001.chimerism["day"].tolist() == [91]
    assert p001.status == "alive in remission"
    assert patient_profile(tables, cut, "P-004").best_response == "CRi"
    assert patient_profile(tables, cut, "P-006").best_response == "NE"


def test_prof009_small_bundle_recovery_agrees_with_the_whole_trial(small):
    tables, cut = small
    whole = derive_recovery(tables, cut)
    for patient_id, row in whole.iterrows():
        recovery = patient_profile(tables, cut, patient_id).recovery
        for name, day in recovery.items():
            expected = row[name]
            assert day == (None if pd.isna(expected) else int(expected)), (patient_id, name)


def test_prof010_eligibility_deviations_at_entry():
    # Enrolled 2020-01-10 at 76, favourable risk, the CR assessed 2019-12-01 (40 days
    # before, in the 60-day window): two deviations, age and cytogenetics.
    rows = [
        patient(
            age=76, cytogenetic_risk="favorable", enrolled_on="2020-01-10", screened_on="2019-11-20"
        )
    ]
    responses = [{"patient_id": "P-1", "assessed_on": "2019-12-01", "response": "CR"}]
    profile = patient_profile(tables_of(rows, responses=responses), CUT, "P-1")
    assert profile.deviations == (
        "age 76 at enrollment on 2020-01-10: outside 60-74",
        "cytogenetic risk favorable: not intermediate or adverse",
    )
    # aged 70, adverse risk, the same CR: no deviation; a screen failure has none either
    rows = [patient(cytogenetic_risk="adverse", enrolled_on="2020-01-10")]
    assert patient_profile(tables_of(rows, responses=responses), CUT, "P-1").deviations == ()
    failure = [patient(cytogenetic_risk="favorable")]
    assert patient_profile(tables_of(failure), CUT, "P-1").deviations == ()


def test_prof011_records_that_contradict_each_other():
    """A death dated before enrollment and a last contact after it: the profile still
    opens, with the contradictions in words; a screen failure given a transplant too."""
    rows = [patient(enrolled_on="2020-01-10", transplant_on="2020-02-01")]
    follow_up = [
        {
            "patient_id": "P-1",
            "died_on": "2020-01-05",
            "death_cause": "infection",
            "last_contact_on": "2020-01-20",
        }
    ]
    profile = patient_profile(tables_of(rows, follow_up=follow_up), CUT, "P-1")
    assert profile.contradictions == (  # by rule (display order), then date
        "last contact on 2020-01-20, after death on 2020-01-05",
        "transplant on 2020-02-01, after death on 2020-01-05",
        "death on 2020-01-05, before enrollment on 2020-01-10",
    )
    failure = [patient(transplant_on="2020-02-01")]
    assert patient_profile(tables_of(failure), CUT, "P-1").contradictions == (
        "transplant on 2020-02-01, but never enrolled",
    )
    clean = [patient(enrolled_on="2020-01-10", transplant_on="2020-02-01")]
    assert patient_profile(tables_of(clean), CUT, "P-1").contradictions == ()
