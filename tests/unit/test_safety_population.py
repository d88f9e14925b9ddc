"""Who and what the safety tables count (analysis/safety_population.py), by hand.

Cut 2024-12-31. Four enrolled patients in two arms:
- A1 (arm A) treated 2024-02-01: Nausea grade 1 on 2024-01-20 (before treatment), Rash
  grade 3 on 2024-02-05, Rash grade 2 on 2024-03-01.
- A2 (arm A) never treated: Fatigue grade 2 on 2024-02-10.
- B1 (arm B) treated 2024-02-15: Nausea grade 2 on 2024-02-15 (the day of treatment).
- B2 (arm B) treated 2024-03-01: no event.
Treated: A1, B1, B2 (3). Treatment-emergent (onset on or after the first treatment):
A1 Rash x2, B1 Nausea. Any TEAE: arm A 1 of 1 treated (100%), 2 events; arm B 1 of 2
(50%), 1 event. Skin: A 1 (100%) [2]; B 0.
"""

from __future__ import annotations

import pandas as pd

from analysis.safety import safety_json, safety_report
from tests.unit.tables import all_tables, table

CUT = "2024-12-31"


def _patient(pid, arm, treated=None, **extra):
    return {
        "patient_id": pid,
        "site_id": "S",
        "screened_on": "2024-01-01",
        "enrolled_on": "2024-01-15",
        "arm": arm,
        "treatment_start_on": treated,
        **extra,
    }


def _event(pid, term, soc, grade, onset, **extra):
    return {
        "patient_id": pid,
        "term": term,
        "soc": soc,
        "grade": grade,
        "serious": False,
        "related": "no",
        "onset_on": onset,
        **extra,
    }


def make_tables(**patient_extra):
    patients = [
        _patient("A1", "A", "2024-02-01"),
        _patient("A2", "A"),
        _patient("B1", "B", "2024-02-15"),
        _patient("B2", "B", "2024-03-01"),
    ]
    for row in patients:
        row.update(patient_extra.get(row["patient_id"], {}))
    return all_tables(
        trial=table(
            "trial",
            [
                {
                    "nct_id": "X",
                    "title": "X",
                    "target_enrollment": 4,
                    "start_date": "2024-01-01",
                    "data_cut": CUT,
                }
            ],
        ),
        sites=table("sites", [{"site_id": "S", "name": "S", "status": "recruiting"}]),
        patients=table("patients", patients),
        adverse_events=table(
            "adverse_events",
            [
                _event("A1", "Nausea", "Gastrointestinal", 1, "2024-01-20"),
                _event("A1", "Rash", "Skin", 3, "2024-02-05"),
                _event("A1", "Rash", "Skin", 2, "2024-03-01"),
                _event("A2", "Fatigue", "General", 2, "2024-02-10"),
                _event("B1", "Nausea", "Gastrointestinal", 2, "2024-02-15"),
            ],
        ),
    )


def test_safpop001_treated_patients_and_treatment_emergent_events():
    report = safety_report(make_tables(), CUT)
    assert (report.enrolled, report.safety_n) == (4, 3)
    assert (report.basis.population, report.basis.events) == ("treated", "on treatment")
    overall = report.overall.iloc[0]
    assert (overall["patients"], overall["events"], overall["patients_grade3plus"]) == (2, 3, 1)
    assert report.basis.sentence(3) == (
        "Treatment-emergent events (onset on or after the first treatment); percentages of "
        "the 3 patients in the treated population (enrolled and treated by the data "
        "cut-off)."
    )


def test_safpop002_counts_by_arm():
    report = safety_report(make_tables(), CUT)
    assert report.arms == ("A", "B")
    rows = {(r.arm, r.soc): r for r in report.by_arm.itertuples(index=False)}
    a, b = rows[("A", None)], rows[("B", None)]
    assert (a.n, a.patients, a.percent, a.events) == (1, 1, 100.0, 2)
    assert (b.n, b.patients, b.percent, b.events) == (2, 1, 50.0, 1)
    assert (rows[("A", "Skin")].patients, rows[("A", "Skin")].events) == (1, 2)
    assert ("B", "Skin") not in rows


def test_safpop003_study_flags_win_over_dates():
    # The study flags A2 into its safety population and B1's nausea as not emergent.
    tables = make_tables(
        A2={"safety_population": True},
        B1={"safety_population": True},
        A1={"safety_population": True},
        B2={"safety_population": False},
    )
    tables["adverse_events"]["treatment_emergent"] = pd.array(
        [False, True, True, True, False], dtype="boolean"
    )
    report = safety_report(tables, CUT)
    assert report.safety_n == 3  # A1, A2, B1
    assert (report.basis.population, report.basis.events) == ("study flag", "study flag")
    # A1 Rash x2 and A2 Fatigue: 2 patients, 3 events.
    overall = report.overall.iloc[0]
    assert (overall["patients"], overall["events"]) == (2, 3)


def test_safpop004_without_treatment_dates_every_event_of_every_enrolled_patient():
    tables = make_tables()
    tables["patients"]["treatment_start_on"] = pd.NaT
    report = safety_report(tables, CUT)
    assert (report.safety_n, report.basis.events) == (4, "every event")
    assert report.overall.iloc[0]["events"] == 5


def test_safpop005_grades_mapped_from_severity_are_said():
    tables = make_tables()
    tables["adverse_events"]["grade_from_severity"] = pd.array([True] * 5, dtype="boolean")
    data = safety_json(tables, CUT)
    assert data["grades_from_severity"] is True
    assert "mapped from the study's severity" in safety_report(tables, CUT).basis.sentence(3)


def test_safpop006_single_arm_has_no_split():
    tables = make_tables()
    tables["patients"]["arm"] = "MTSA"
    report = safety_report(tables, CUT)
    assert report.arms == () and report.by_arm.empty
