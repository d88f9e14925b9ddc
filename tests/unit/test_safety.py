"""Safety tables (analysis/safety.py, analysis/gvhd.py) on hand-made events.

Every expected number below is counted by hand from the table in :func:`make_tables`.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analysis.competing_risks import cif_at
from analysis.gvhd import acute_grade, chronic_severity
from analysis.safety import ANY_AE, ae_table, safety_json, safety_report
from analysis.stopping import StoppingRule
from tests.unit.tables import all_tables, table

CUT = dt.date(2021, 1, 1)
SOC_GI = "Gastrointestinal disorders"
SOC_INF = "Infections and infestations"
SOC_BLOOD = "Blood and lymphatic system disorders"
SOC_IMMUNE = "Immune system disorders"


def patient(pid, enrolled="2020-01-01", transplant="2020-02-01"):
    return {
        "patient_id": pid,
        "site_id": "STE",
        "sex": "F",
        "age": 68,
        "cytogenetic_risk": "adverse",
        "screened_on": "2019-12-15",
        "enrolled_on": enrolled,
        "transplant_on": transplant,
    }


def ae(pid, term, soc, grade, onset, serious=False, related="no", gvhd=(None, None)):
    return {
        "patient_id": pid,
        "term": term,
        "soc": soc,
        "grade": grade,
        "serious": serious,
        "related": related,
        "onset_on": onset,
        "gvhd_type": gvhd[0],
        "gvhd_grade": gvhd[1],
    }


def make_tables(events: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """Six enrolled patients, all enrolled 2020-01-01, transplanted 2020-02-01 (day 0).

    P1 GI: nausea g1 (related), mucositis g2, diarrhoea g3 (serious): one patient, worst 3
    P2 GI: nausea g2; infections: sepsis g5 (serious, related unknown); died 2020-02-20
       (day 50 from enrollment, 19 from transplant), no relapse -> NRM
    P3 blood: febrile neutropenia g4 (serious, related); acute GVHD II then III
    P4 chronic GVHD moderate (g2); progressed 2020-09-01, died 2020-12-01 (not NRM)
    P5 not transplanted; an AE after the data cut (ignored); died 2020-01-20 (day 19) NRM
    P6 enrolled 2020-12-01, alive: followed 31 days, not evaluable for early NRM
    """
    trial = table(
        "trial",
        [
            {
                "nct_id": "NCT03439371",
                "title": "MTSA",
                "target_enrollment": 10,
                "start_date": "2019-01-01",
                "data_cut": CUT.isoformat(),
            }
        ],
    )
    patients = table(
        "patients",
        [
            patient("P1"),
            patient("P2"),
            patient("P3"),
            patient("P4"),
            patient("P5", transplant=None),
            patient("P6", enrolled="2020-12-01", transplant=None),
        ],
    )
    follow_up = table(
        "follow_up",
        [
            {"patient_id": "P1", "last_contact_on": "2020-12-15"},
            {"patient_id": "P2", "died_on": "2020-02-20", "death_cause": "sepsis"},
            {"patient_id": "P3", "last_contact_on": "2020-11-01"},
            {
                "patient_id": "P4",
                "progressed_on": "2020-09-01",
                "died_on": "2020-12-01",
                "death_cause": "relapse",
            },
            {"patient_id": "P5", "died_on": "2020-01-20", "death_cause": "infection"},
        ],
    )
    if events is None:
        events = [
            ae("P1", "Nausea", SOC_GI, 1, "2020-02-03", related="yes"),
            ae("P1", "Mucositis oral", SOC_GI, 2, "2020-02-05"),
            ae("P1", "Diarrhea", SOC_GI, 3, "2020-02-06", serious=True),
            ae("P2", "Nausea", SOC_GI, 2, "2020-02-04"),
            ae("P2", "Sepsis", SOC_INF, 5, "2020-02-15", serious=True, related="unknown"),
            ae("P3", "Febrile neutropenia", SOC_BLOOD, 4, "2020-02-08", True, "yes"),
            ae("P3", "Acute GVHD", SOC_IMMUNE, 2, "2020-02-21", False, "yes", ("acute", "II")),
            ae("P3", "Acute GVHD", SOC_IMMUNE, 3, "2020-03-01", False, "yes", ("acute", "III")),
            ae("P4", "Chronic GVHD", SOC_IMMUNE, 2, "2020-06-01", False, "yes",
               ("chronic", "moderate")),
            ae("P5", "Fatigue", "General disorders", 2, "2021-02-01"),
        ]  # fmt: skip
    return all_tables(
        trial=trial,
        patients=patients,
        follow_up=follow_up,
        adverse_events=table("adverse_events", events),
    )


@pytest.fixture(scope="module")
def report():
    return safety_report(make_tables(), CUT)


def row(table: pd.DataFrame, **keys) -> dict:
    mask = pd.Series(True, index=table.index)
    for column, value in keys.items():
        mask &= table[column] == value
    assert mask.sum() == 1, keys
    return table[mask].iloc[0].to_dict()


def test_saf001_patient_counted_once_per_soc_at_worst_grade(report):
    gi = row(report.by_soc, soc=SOC_GI)
    # P1 (worst 3 of grades 1, 2, 3) and P2 (grade 2): two patients, four events.
    assert gi["patients"] == 2
    assert [gi[f"grade_{g}"] for g in range(1, 6)] == [0, 1, 1, 0, 0]
    assert gi["patients_grade3plus"] == 1
    assert gi["events"] == 4
    assert gi["serious_events"] == 1
    assert gi["related_events"] == 1


def test_saf002_grade_5_event_counts_as_worst_and_grade3plus(report):
    inf = row(report.by_soc, soc=SOC_INF)
    assert (inf["patients"], inf["grade_5"], inf["patients_grade3plus"]) == (1, 1, 1)
    assert inf["related_events"] == 0  # "unknown" is not related


def test_saf003_overall_row_counts_each_patient_once(report):
    overall = report.overall.iloc[0]
    # Worst grades: P1 3, P2 5, P3 4, P4 2; P5's only AE is after the cut; P6 none.
    assert overall["patients"] == 4
    assert [overall[f"grade_{g}"] for g in range(1, 6)] == [0, 1, 1, 1, 1]
    assert overall["patients_grade3plus"] == 3 == report.patients_grade3plus
    assert overall["events"] == 9
    assert report.enrolled == 6


def test_saf004_soc_order_and_preferred_terms(report):
    assert list(report.by_soc["soc"]) == [SOC_GI, SOC_IMMUNE, SOC_BLOOD, SOC_INF]
    nausea = row(report.by_term, soc=SOC_GI, term="Nausea")
    assert (nausea["patients"], nausea["grade_1"], nausea["grade_2"], nausea["events"]) == (
        2,
        1,
        1,
        2,
    )
    gvhd = row(report.by_term, soc=SOC_IMMUNE, term="Acute GVHD")
    assert (gvhd["patients"], gvhd["grade_3"], gvhd["events"]) == (1, 1, 2)


def test_saf005_serious_and_related(report):
    assert report.serious == {"patients": 3, "events": 3}
    assert report.related == {"patients": 3, "events": 5}
    assert list(report.serious_listing["patient_id"]) == ["P1", "P3", "P2"]  # by onset
    assert list(report.serious_listing["day"]) == [5, 7, 14]  # from transplant


def test_saf006_worst_grade_per_patient_and_soc(report):
    worst = report.worst_grade.set_index(["patient_id", "soc"])["worst_grade"]
    assert worst[("P1", SOC_GI)] == 3
    assert worst[("P3", SOC_IMMUNE)] == 3
    assert len(worst) == 6  # P1 GI, P2 GI, P2 INF, P3 BLOOD, P3 IMMUNE, P4 IMMUNE


def test_saf007_deaths_listing_days_and_early_mortality(report):
    deaths = report.deaths.listing.set_index("patient_id")
    assert list(deaths.index) == ["P5", "P2", "P4"]  # by date of death
    assert deaths.loc["P2", "day"] == 50
    assert deaths.loc["P2", "day_from_transplant"] == 19
    assert pd.isna(deaths.loc["P5", "day_from_transplant"])  # never transplanted
    assert deaths.loc["P4", "day"] == 335
    assert list(deaths["nrm"]) == [True, True, False]
    assert report.deaths.early == {
        ("enrollment", 30): 1,  # P5 day 19
        ("transplant", 30): 1,  # P2 day 19
        ("enrollment", 100): 2,  # P5, P2
        ("transplant", 100): 1,
    }
    assert report.deaths.nrm_deaths == 2


def test_saf008_gvhd_counts_at_worst_grade(report):
    gvhd = report.gvhd
    assert gvhd.transplanted == 4
    assert gvhd.acute_patients == 1
    assert gvhd.acute_by_grade == {"I": 0, "II": 0, "III": 1, "IV": 0, "not graded": 0}
    assert gvhd.acute_grade3plus == 1
    assert gvhd.chronic_patients == 1
    assert gvhd.chronic_by_severity["moderate"] == 1


def test_saf009_gvhd_incidence_with_death_competing(report):
    # Acute, from transplant: P2 dies day 19 (competing, 4 at risk), P3 GVHD day 20
    # (3 at risk): CIF = 3/4 x 1/3 = 0.25. Chronic: P4 day 121 with 3 at risk: 0.25.
    assert cif_at(report.gvhd.acute_cif, "gvhd", 19) == 0
    assert cif_at(report.gvhd.acute_cif, "gvhd", 20) == pytest.approx(0.25)
    assert cif_at(report.gvhd.acute_cif, "death", 19) == pytest.approx(0.25)
    assert cif_at(report.gvhd.chronic_cif, "gvhd", 121) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("text", "grade"),
    [("I", 1), ("ii", 2), ("III", 3), ("IV", 4), ("1", 1), ("4", 4), ("grade II", 2),
     (" 3 ", 3), ("V", None), ("5", None), ("", None), (None, None)],
)  # fmt: skip
def test_saf010_acute_grade_accepts_roman_and_arabic(text, grade):
    assert acute_grade(text) == grade


def test_saf011_chronic_severity():
    assert [chronic_severity(v) for v in ("Mild", "severe", "extensive", None)] == [
        "mild",
        "severe",
        None,
        None,
    ]


def test_saf012_event_without_grade_is_an_error():
    events = [ae("P1", "Nausea", SOC_GI, None, "2020-02-03")]
    with pytest.raises(ValueError, match="P1 have no grade"):
        safety_report(make_tables(events), CUT)


def test_saf013_stopping_rule_on_early_nrm(report):
    # Evaluated in date order: P5 (NRM day 19), P2 (NRM day 50), then P1, P3, P4 at
    # day 100 without NRM (P4 relapsed later). P6 is followed 31 days: not evaluable.
    stopping = report.stopping
    assert (stopping.evaluated, stopping.events) == (5, 2)
    assert list(stopping.table["observed"].head(5)) == [1, 2, 2, 2, 2]
    assert stopping.first_crossed_at == 2  # default prior: boundary 2 at n = 2
    assert stopping.sentence == (
        "Boundary crossed (2 of 5, boundary at 3): the stopping rule was met at patient 2."
    )
    assert len(stopping.table) == 10  # the target


def test_saf014_stopping_window_from_transplant():
    rule = StoppingRule(anchor="transplant", window_days=30)
    stopping = safety_report(make_tables(), CUT, rule=rule).stopping
    # P5 never transplanted: out. P2 NRM on day 19 after transplant: event. P1, P3, P4
    # followed past day 30 after transplant without NRM.
    assert (stopping.evaluated, stopping.events) == (4, 1)


def test_saf015_ae_table_rows_total_then_soc_then_terms(report):
    table = ae_table(report, with_terms=True)
    assert table["label"].iloc[0] == ANY_AE
    assert list(table["level"].head(5)) == [-1, 0, 1, 1, 1]
    assert list(table["label"].iloc[1:5]) == [SOC_GI, "Nausea", "Diarrhea", "Mucositis oral"]
    assert table["percent"].iloc[0] == pytest.approx(100 * 4 / 6)
    assert len(ae_table(report)) == 1 + 4


def test_saf016_no_events_gives_zero_counts():
    report = safety_report(make_tables(events=[]), CUT)
    assert report.by_soc.empty
    assert report.overall.iloc[0]["patients"] == 0
    assert report.serious == {"patients": 0, "events": 0}
    assert not report.gvhd.any_reported


def test_saf017_safety_json_has_the_contract_shape():
    data = safety_json(make_tables(), CUT)
    json.dumps(data)  # plain Python types only
    assert set(data) == {
        "data_cut",
        "enrolled",
        "safety_population",
        "events_counted",
        "grades_from_severity",
        "by_soc",
        "serious",
        "deaths",
        "gvhd",
        "nrm_left_out",
    }
    assert data["nrm_left_out"] == []
    assert data["data_cut"] == "2021-01-01"
    assert data["enrolled"] == data["safety_population"] == 6  # no treatment dates: all
    assert (data["events_counted"], data["grades_from_severity"]) == ("every event", False)
    assert data["by_soc"][0] == {
        "soc": SOC_GI,
        "patients": 2,
        "patients_grade3plus": 1,
        "events": 4,
    }
    assert data["serious"] == {"patients": 3, "events": 3}
    assert data["deaths"][1] == {
        "patient_id": "P2",
        "died_on": "2020-02-20",
        "day": 50,
        "cause": "sepsis",
    }
    assert data["gvhd"] == {"acute": {"patients": 1, "grade3plus": 1}, "chronic": {"patients": 1}}
    assert all(type(v) is int for soc in data["by_soc"] for k, v in soc.items() if k != "soc")


def test_saf017b_safety_json_lists_terms_when_asked():
    assert "by_term" not in safety_json(make_tables(), CUT, terms="no")
    terms = safety_json(make_tables(), CUT, terms="yes")["by_term"]
    # Nausea: P1 grade 1 and P2 grade 2, one event each; sepsis: P2 grade 5.
    rows = {row["term"]: row for row in terms}
    assert rows["Nausea"] == {
        "soc": SOC_GI,
        "term": "Nausea",
        "patients": 2,
        "patients_grade3plus": 0,
        "events": 2,
    }
    assert rows["Sepsis"]["patients_grade3plus"] == 1
    with pytest.raises(ValueError, match="terms must be one of"):
        safety_json(make_tables(), CUT, terms="true")


def test_saf018_row_order_does_not_matter():
    tables = make_tables()
    shuffled = dict(tables)
    shuffled["adverse_events"] = tables["adverse_events"].sample(frac=1, random_state=3)
    shuffled["patients"] = tables["patients"].iloc[::-1].reset_index(drop=True)
    a, b = safety_report(tables, CUT), safety_report(shuffled, CUT)
    pd.testing.assert_frame_equal(a.by_soc, b.by_soc)
    pd.testing.assert_frame_equal(a.by_term, b.by_term)
    assert a.stopping.sentence == b.stopping.sentence


def test_saf030_death_before_enrollment_leaves_the_patient_out_of_the_stopping_rule():
    """P5's death moved before its enrollment: no time from enrollment, so P5 leaves the
    NRM incidence and the stopping rule (counted by reason); its death is still listed."""
    tables = make_tables()
    follow_up = tables["follow_up"].copy()
    follow_up.loc[follow_up["patient_id"] == "P5", "died_on"] = pd.Timestamp("2019-12-20")
    tables["follow_up"] = follow_up
    report = safety_report(tables, CUT)
    assert (report.stopping.evaluated, report.stopping.events) == (4, 1)  # P2's NRM only
    assert [item.json() for item in report.nrm_left_out] == [
        {
            "rule": "FU-BEFORE-ENROL",
            "patients": 1,
            "reason": "death, progression or last contact dated before enrollment",
        }
    ]
    assert "P5" in set(report.deaths.listing["patient_id"])
