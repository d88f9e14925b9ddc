"""Each data-quality rule on small hand-made tables (analysis/quality).

Every test starts from a *clean* patient, who follows the protocol to the letter and
must raise nothing, and plants one problem in another patient built the same way. The
clean patient (``patient()`` below), data cut 2020-10-15, site STE recruiting:

- age 66, intermediate cytogenetics, screened 2020-04-17, CR on 2020-04-20 (11 days
  before enrollment), enrolled 2020-05-01, transplant 2020-06-01 (day 0);
- ANC and platelets on days 0, 3, 7, 10, 14, 17, 21, 24 (twice a week to day 28), then
  weekly on days 28, 35, ..., 91 (weeks 5 to 14); marrow blasts on day 90 (2020-08-30);
- a platelet transfusion on day 4, a serious grade 3 febrile neutropenia on day 5, a
  chimerism sample on day 30, last contact 2020-10-10.

Visit 1 falls due on 2020-08-01 (day 92 from enrollment, window 2020-07-04 to
2020-08-29: weekly counts lie in it); visit 2 on 2020-10-31, after the cut. Day n after
the transplant is 2020-06-01 + n: day 7 = 06-08, day 14 = 06-15, day 21 = 06-22,
day 50 = 07-21, day 56 = 07-27, day 90 = 08-30, day 91 = 08-31.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.quality import COLUMNS, QualitySettings, quality_findings
from tests.unit.tables import all_tables, table

CUT = "2020-10-15"
COUNT_DAYS = (0, 3, 7, 10, 14, 17, 21, 24, *range(28, 92, 7))
SITES = [
    {"site_id": "STE", "name": "CHU de Saint-Etienne", "status": "recruiting",
     "activated_on": "2019-01-08"},
    {"site_id": "CLF", "name": "CHU Estaing", "status": "not_yet_recruiting"},
]  # fmt: skip


def _day(start: str, days: int) -> str:
    return (pd.Timestamp(start) + pd.Timedelta(days=days)).date().isoformat()


def patient(
    pid: str,
    site: str = "STE",
    enrolled: str = "2020-05-01",
    transplant: str | None = "2020-06-01",
    last_contact: str | None = "2020-10-10",
) -> dict[str, list[dict]]:
    """The rows of one clean patient (module docstring), table by table."""
    rows = {
        "patients": [
            {"patient_id": pid, "site_id": site, "sex": "M", "age": 66,
             "diagnosis": "de_novo_aml", "cytogenetic_risk": "intermediate",
             "screened_on": _day(enrolled, -14), "enrolled_on": enrolled,
             "transplant_on": transplant}
        ],
        "responses": [{"patient_id": pid, "assessed_on": _day(enrolled, -11), "response": "CR"}],
        "follow_up": [{"patient_id": pid, "last_contact_on": last_contact}],
        "lab_results": [],
        "transfusions": [],
        "adverse_events": [],
        "chimerism": [],
    }  # fmt: skip
    if transplant is None:
        return rows
    for day in COUNT_DAYS:
        rows["lab_results"] += [
            {"patient_id": pid, "sampled_on": _day(transplant, day), "test": "ANC",
             "value": 0.1 if day < 14 else 1.5, "unit": "10^9/L"},
            {"patient_id": pid, "sampled_on": _day(transplant, day), "test": "PLT",
             "value": 15.0 if day < 14 else 120.0, "unit": "10^9/L"},
        ]  # fmt: skip
    rows["lab_results"].append(lab(pid, transplant, 90, "BM_BLAST_PCT", 2.0))
    rows["transfusions"].append(
        {"patient_id": pid, "given_on": _day(transplant, 4), "product": "platelets"}
    )
    rows["adverse_events"].append(
        event(pid, _day(transplant, 5), "Febrile neutropenia", 3, serious=True)
    )
    rows["chimerism"].append(
        {"patient_id": pid, "sampled_on": _day(transplant, 30), "donor_percent": 0.1,
         "detected": True}
    )  # fmt: skip
    return rows


def lab(pid: str, transplant: str, day: int, test: str, value: float) -> dict:
    unit = "%" if test.endswith("_PCT") else "10^9/L"
    return {"patient_id": pid, "sampled_on": _day(transplant, day), "test": test,
            "value": value, "unit": unit}  # fmt: skip


def event(pid: str, onset: str, term: str, grade: int, serious: bool) -> dict:
    return {"patient_id": pid, "term": term, "soc": "Infections and infestations",
            "grade": grade, "serious": serious, "related": "no", "onset_on": onset}  # fmt: skip


def died(rows: dict, on: str, cause: str | None = "infection") -> dict:
    """``rows`` of a patient who died ``on`` that day, records stopping there."""
    rows["follow_up"][0].update(last_contact_on=on, died_on=on, death_cause=cause)
    for name, column in (("lab_results", "sampled_on"), ("chimerism", "sampled_on")):
        rows[name] = [r for r in rows[name] if r[column] <= on]
    return rows


def build(*patients: dict, sites: list[dict] = SITES, cut: str = CUT) -> dict[str, pd.DataFrame]:
    """Typed trial tables holding ``patients`` (each from :func:`patient`)."""
    merged: dict[str, list[dict]] = {}
    for rows in patients:
        for name, records in rows.items():
            merged.setdefault(name, []).extend(records)
    trial = {"nct_id": "NCT03439371", "title": "MTSA", "target_enrollment": 21,
             "start_date": "2019-01-08", "data_cut": cut}  # fmt: skip
    frames = {name: table(name, records) for name, records in merged.items()}
    return all_tables(trial=table("trial", [trial]), sites=table("sites", sites), **frames)


def found(tables: dict[str, pd.DataFrame], **settings) -> list[tuple]:
    """``(rule, patient_id, site_id, date, detail)`` of every finding, in order."""
    result = quality_findings(tables, None, QualitySettings(**settings) if settings else None)
    assert list(result.columns) == COLUMNS
    dates = result["date"].dt.strftime("%Y-%m-%d")
    return list(zip(result["rule"], result["patient_id"], result["site_id"], dates,
                    result["detail"], strict=True))  # fmt: skip


def test_qual001_clean_patients_raise_nothing():
    tables = build(patient("C-001"), patient("C-002"))
    assert found(tables) == []
    result = quality_findings(tables, None)
    assert result.empty and result["date"].dtype == "datetime64[ns]"


def test_qual002_age_outside_60_to_74_or_missing():
    old, unknown, young, edge_high, edge_low = (
        patient(p) for p in ("P-1", "P-2", "P-3", "P-4", "P-5")
    )
    old["patients"][0]["age"] = 75
    unknown["patients"][0]["age"] = None
    young["patients"][0]["age"] = 59
    edge_high["patients"][0]["age"] = 74
    edge_low["patients"][0]["age"] = 60
    failure = {"patient_id": "S-1", "site_id": "STE", "age": 80, "screened_on": "2020-03-01",
               "screen_failure_reason": "age over 74"}  # fmt: skip
    extra = {"patients": [failure]}
    tables = build(patient("C-001"), old, unknown, young, edge_high, edge_low, extra)
    assert found(tables) == [
        ("ELIG-AGE", "P-1", "STE", "2020-05-01",
         "age 75 at enrollment on 2020-05-01: outside 60-74"),
        ("ELIG-AGE", "P-2", "STE", "2020-05-01",
         "age not recorded: eligibility (60-74) cannot be checked"),
        ("ELIG-AGE", "P-3", "STE", "2020-05-01",
         "age 59 at enrollment on 2020-05-01: outside 60-74"),
    ]  # fmt: skip


def test_qual003_cytogenetics_favourable_or_missing():
    favourable, unknown, adverse = patient("P-1"), patient("P-2"), patient("P-3")
    favourable["patients"][0]["cytogenetic_risk"] = "favorable"
    unknown["patients"][0]["cytogenetic_risk"] = None
    adverse["patients"][0]["cytogenetic_risk"] = "adverse"
    assert found(build(patient("C-001"), favourable, unknown, adverse)) == [
        ("ELIG-CYTO", "P-1", "STE", "2020-05-01",
         "cytogenetic risk favorable: not intermediate or adverse"),
        ("ELIG-CYTO", "P-2", "STE", "2020-05-01",
         "cytogenetic risk not recorded: eligibility (intermediate or adverse) cannot be checked"),
    ]  # fmt: skip


def test_qual004_no_remission_in_the_60_days_up_to_enrollment():
    none, on_the_day, sixty, partial, late = (
        patient(p) for p in ("P-1", "P-2", "P-3", "P-4", "P-5")
    )
    none["responses"] = []
    on_the_day["responses"][0].update(assessed_on="2020-05-01", response="CRi")
    sixty["responses"][0]["assessed_on"] = "2020-03-02"  # day -60: in the window
    partial["responses"][0]["response"] = "PR"
    late["responses"][0]["assessed_on"] = "2020-05-02"  # the day after enrollment
    tables = build(patient("C-001"), none, on_the_day, sixty, partial, late)
    window = "no CR, CRh or CRi assessed in the 60 days up to enrollment on 2020-05-01"
    assert found(tables) == [
        ("ELIG-CR", "P-1", "STE", "2020-05-01", window),
        ("ELIG-CR", "P-4", "STE", "2020-05-01",
         window + " (latest assessment before it: PR on 2020-04-20)"),
        ("RESP-BEFORE-ENROL", "P-4", "STE", "2020-04-20",
         "PR assessed on 2020-04-20, before enrollment on 2020-05-01 (not the remission at entry)"),
        ("ELIG-CR", "P-5", "STE", "2020-05-01", window),
    ]  # fmt: skip


def test_qual005_weeks_short_of_blood_counts_while_followed():
    """P-1 lacks the counts of days 3, 35 and 91. P-2 died on day 50 with counts to day
    49: weeks 1-7 (to day 48) are expected, and complete. P-3's last contact is day 20,
    counts to day 17: weeks 1-3 expected, complete. P-4 was transplanted 2020-09-20,
    day 25 at the cut, counts to day 24: weeks 1-3 expected, complete."""
    short = patient("P-1")
    short["lab_results"] = [
        r for r in short["lab_results"]
        if r["sampled_on"] not in ("2020-06-04", "2020-07-06", "2020-08-31")
    ]  # fmt: skip
    dead = died(patient("P-2"), "2020-07-21")
    lost = patient("P-3", last_contact="2020-06-21")
    lost["lab_results"] = [r for r in lost["lab_results"] if r["sampled_on"] <= "2020-06-18"]
    lost["chimerism"] = []
    recent = patient("P-4", enrolled="2020-08-20", transplant="2020-09-20", last_contact=CUT)
    tables = build(patient("C-001"), short, dead, lost, recent)
    assert found(tables) == [
        ("MISS-COUNTS", "P-1", "STE", "2020-06-01",
         "3 of 14 weeks followed after the transplant on 2020-06-01 below the blood-count "
         "schedule: week 1 (days 0-6): 1 of 2; week 6 (days 35-41): none of 1; "
         "week 14 (days 91-97): none of 1"),
    ]  # fmt: skip


def test_qual006_runs_of_short_weeks_are_summarised():
    """Counts on days 0, 7, 14 only, followed to day 100: weeks 1-3 have 1 of 2, week 4
    none of 2, weeks 5-14 none of 1; the marrow of day 90 is there, and a chimerism
    sample on 2020-07-20 makes visit 1 (window 07-04 to 08-29)."""
    sparse = patient("P-1")
    sparse["lab_results"] = [
        r for r in sparse["lab_results"]
        if r["test"] == "BM_BLAST_PCT"
        or r["sampled_on"] in ("2020-06-01", "2020-06-08", "2020-06-15")
    ]  # fmt: skip
    sparse["chimerism"] = [{"patient_id": "P-1", "sampled_on": "2020-07-20", "detected": False}]
    assert found(build(patient("C-001"), sparse)) == [
        ("MISS-COUNTS", "P-1", "STE", "2020-06-01",
         "14 of 14 weeks followed after the transplant on 2020-06-01 below the blood-count "
         "schedule: weeks 1-3 (days 0-20): 1 of 2 each; week 4 (days 21-27): none of 2; "
         "weeks 5-14 (days 28-97): none of 1 each"),
    ]  # fmt: skip


def test_qual007_day90_marrow_missing():
    """P-1 has no marrow; P-2's is on day 105, outside 76-104; P-3 relapsed on day 60
    (before the window) and has none; P-4's is on day 76, the window's first day."""
    missing, outside, relapsed, edge = (patient(p) for p in ("P-1", "P-2", "P-3", "P-4"))
    for rows in (missing, relapsed):
        rows["lab_results"] = [r for r in rows["lab_results"] if r["test"] != "BM_BLAST_PCT"]
    for rows, day in ((outside, 105), (edge, 76)):
        rows["lab_results"] = [r for r in rows["lab_results"] if r["test"] != "BM_BLAST_PCT"]
        rows["lab_results"].append(lab(rows["patients"][0]["patient_id"], "2020-06-01", day,
                                       "BM_BLAST_PCT", 1.0))  # fmt: skip
    relapsed["responses"].append({"patient_id": "P-3", "assessed_on": "2020-07-31",
                                  "response": "relapse"})  # fmt: skip
    window = (
        "no BM_BLAST_PCT result on days 76-104 after the transplant on 2020-06-01 "
        "(2020-08-16 to 2020-09-13)"
    )
    assert found(build(patient("C-001"), missing, outside, relapsed, edge)) == [
        ("MISS-MARROW90", "P-1", "STE", "2020-08-30", window),
        ("MISS-MARROW90", "P-2", "STE", "2020-08-30", window),
    ]


def test_qual008_three_monthly_visit_without_contact():
    """Not transplanted, so only the entry CR, enrollment and the last contact are dated.
    P-1: visit 1 due 2020-08-01, window 07-04 to 08-29, nothing in it. P-2: an adverse
    event on 2020-08-29, the window's last day, is a contact."""
    silent = patient("P-1", transplant=None)
    seen = patient("P-2", transplant=None)
    seen["adverse_events"].append(event("P-2", "2020-08-29", "Cough", 1, serious=False))
    assert found(build(patient("C-001"), silent, seen)) == [
        ("MISS-VISIT", "P-1", "STE", "2020-08-01",
         "visit 1 (day 92 after enrollment on 2020-05-01, due 2020-08-01): no contact from "
         "2020-07-04 to 2020-08-29"),
    ]  # fmt: skip


def test_qual009_follow_up_overdue():
    """Last contacts before the cut 2020-10-15: P-1 2020-06-10 (127 days), P-2 the same
    but withdrawn that day, P-3 2020-06-17 (120 days: not more than 120)."""
    overdue = patient("P-1", transplant=None, last_contact="2020-06-10")
    withdrawn = patient("P-2", transplant=None, last_contact="2020-06-10")
    withdrawn["patients"][0].update(withdrawn_on="2020-06-10", withdrawal_reason="moved")
    edge = patient("P-3", transplant=None, last_contact="2020-06-17")
    assert found(build(patient("C-001"), overdue, withdrawn, edge)) == [
        ("FU-OVERDUE", "P-1", "STE", "2020-06-10",
         "alive, last contact on 2020-06-10: 127 days before the data cut 2020-10-15 "
         "(more than 120)"),
    ]  # fmt: skip


def test_qual009_completed_follow_up_is_not_overdue():
    """With a 60-day follow-up, a last contact on day 40 (2020-06-10) is within the final
    visit's grace (60 - 28 = day 32 on): follow-up complete, nothing overdue."""
    done = patient("P-1", transplant=None, last_contact="2020-06-10")
    assert found(build(done), follow_up_days=60) == []
    assert [f[0] for f in found(build(done))] == ["FU-OVERDUE"]  # 730 days by default


def test_qual010_implausible_lab_values():
    odd = patient("P-1")
    values = {("2020-06-08", "ANC"): -1.0, ("2020-06-15", "ANC"): 150.0,
              ("2020-06-18", "ANC"): 100.0, ("2020-06-22", "PLT"): 2500.0,
              ("2020-08-30", "BM_BLAST_PCT"): 101.0}  # fmt: skip
    for row in odd["lab_results"]:
        row["value"] = values.get((row["sampled_on"], row["test"]), row["value"])
    assert found(build(patient("C-001"), odd)) == [
        ("LAB-IMPLAUSIBLE", "P-1", "STE", "2020-06-08",
         "ANC -1 x10^9/L on 2020-06-08 (day 7): negative"),
        ("LAB-IMPLAUSIBLE", "P-1", "STE", "2020-06-15",
         "ANC 150 x10^9/L on 2020-06-15 (day 14): above 100, a unit error?"),
        ("LAB-IMPLAUSIBLE", "P-1", "STE", "2020-06-22",
         "PLT 2500 x10^9/L on 2020-06-22 (day 21): above 2000, a unit error?"),
        ("LAB-IMPLAUSIBLE", "P-1", "STE", "2020-08-30",
         "BM_BLAST_PCT 101 % on 2020-08-30 (day 90): above 100, a unit error?"),
    ]  # fmt: skip


def test_qual011_records_after_death():
    """P-1 died on day 50 (2020-07-21) but its counts go on to day 91 (days 56-91: 12,
    and the marrow of day 90: 13 lab results) and a transfusion on 07-25. P-2 died on
    2020-10-01 and has a lab on 10-20, after the cut: not known yet."""
    late = patient("P-1")
    late["follow_up"][0].update(last_contact_on="2020-07-21", died_on="2020-07-21",
                                death_cause="infection")  # fmt: skip
    late["transfusions"].append({"patient_id": "P-1", "given_on": "2020-07-25",
                                 "product": "red_cells"})  # fmt: skip
    after_cut = died(patient("P-2"), "2020-10-01")
    after_cut["lab_results"].append(lab("P-2", "2020-06-01", 141, "ANC", 2.0))  # 2020-10-20
    assert found(build(patient("C-001"), late, after_cut)) == [
        ("AFTER-DEATH", "P-1", "STE", "2020-07-25",
         "transfusion on 2020-07-25, after death on 2020-07-21"),
        ("AFTER-DEATH", "P-1", "STE", "2020-07-27",
         "13 lab results from 2020-07-27 to 2020-08-31, after death on 2020-07-21"),
    ]  # fmt: skip


def test_qual012_fatal_event_without_death_and_death_without_cause():
    """P-1: grade 5 sepsis, no death. P-2: grade 5 sepsis and a death (with its cause).
    P-3: died 2020-07-21 without a cause."""
    fatal = patient("P-1")
    fatal["adverse_events"].append(event("P-1", "2020-06-10", "Sepsis", 5, serious=True))
    dead = died(patient("P-2"), "2020-07-21")
    dead["adverse_events"].append(event("P-2", "2020-07-15", "Sepsis", 5, serious=True))
    no_cause = died(patient("P-3"), "2020-07-21", cause=None)
    assert found(build(patient("C-001"), fatal, dead, no_cause)) == [
        ("G5-NO-DEATH", "P-1", "STE", "2020-06-10",
         "grade 5 Sepsis (onset 2020-06-10) but no death recorded"),
        ("DEATH-NO-CAUSE", "P-3", "STE", "2020-07-21",
         "died on 2020-07-21, cause of death not recorded"),
    ]  # fmt: skip


def test_qual013_grade_4_event_not_serious():
    quiet = patient("P-1")
    quiet["adverse_events"] += [
        event("P-1", "2020-06-12", "Lung infection", 4, serious=False),
        event("P-1", "2020-06-14", "Diarrhea", 3, serious=False),
    ]
    assert found(build(patient("C-001"), quiet)) == [
        ("SAE-NOT-SERIOUS", "P-1", "STE", "2020-06-12",
         "grade 4 Lung infection (onset 2020-06-12) not marked serious"),
    ]  # fmt: skip


def test_qual014_transplant_before_enrollment():
    """Enrolled 2020-06-05 (CR 05-25), transplanted 2020-06-01: visit 1 is due 09-05,
    window 08-08 to 10-03, where the counts of days 70-91 lie."""
    early = patient("P-1", enrolled="2020-06-05")
    assert found(build(patient("C-001"), early)) == [
        ("TX-BEFORE-ENROL", "P-1", "STE", "2020-06-01",
         "transplant on 2020-06-01, before enrollment on 2020-06-05"),
    ]  # fmt: skip


def test_qual015_response_before_enrollment_other_than_the_entry_remission():
    """P-1: a PD 47 days before enrollment besides the entry CR. P-2: a CR 61 days
    before enrollment, outside the 60-day window, besides the entry CR."""
    progressed, old_cr = patient("P-1"), patient("P-2")
    progressed["responses"].append({"patient_id": "P-1", "assessed_on": "2020-03-15",
                                    "response": "PD"})  # fmt: skip
    old_cr["responses"].append({"patient_id": "P-2", "assessed_on": "2020-03-01",
                                "response": "CR"})  # fmt: skip
    assert found(build(patient("C-001"), progressed, old_cr)) == [
        ("RESP-BEFORE-ENROL", "P-1", "STE", "2020-03-15",
         "PD assessed on 2020-03-15, before enrollment on 2020-05-01 (not the remission at entry)"),
        ("RESP-BEFORE-ENROL", "P-2", "STE", "2020-03-01",
         "CR assessed on 2020-03-01, before enrollment on 2020-05-01 (not the remission at entry)"),
    ]  # fmt: skip


def test_qual016_dormant_recruiting_sites():
    """Cut 2020-10-15. LYS recruiting since 2019-03-01, never enrolled: 594 days. GRE's
    last enrollment 2020-04-01: 197 days. LIL's 2020-04-18: 180 days, not more. STE's
    2020-05-01: 167 days. CLF is not yet recruiting."""
    sites = SITES + [
        {"site_id": site, "name": site, "status": "recruiting", "activated_on": "2019-03-01"}
        for site in ("LYS", "GRE", "LIL")
    ]
    grenoble = patient("G-1", site="GRE", enrolled="2020-04-01", transplant="2020-05-02")
    lille = patient("L-1", site="LIL", enrolled="2020-04-18", transplant="2020-05-19")
    assert found(build(patient("C-001"), grenoble, lille, sites=sites)) == [
        ("SITE-DORMANT", None, "GRE", "2020-04-01",
         "recruiting, no enrollment since 2020-04-01: 197 days before the data cut 2020-10-15 "
         "(more than 180)"),
        ("SITE-DORMANT", None, "LYS", "2019-03-01",
         "recruiting, no enrollment since activation on 2019-03-01: 594 days before the data "
         "cut 2020-10-15 (more than 180)"),
    ]  # fmt: skip


def test_qual017_sorted_by_severity_site_patient_rule_date():
    """A critical finding at STE comes before major ones at CLF; within a patient the
    rules follow the display order (ELIG-AGE before ELIG-CYTO)."""
    a = patient("P-A", site="CLF")
    a["patients"][0].update(age=80, cytogenetic_risk="favorable")
    b = patient("P-B")
    b["adverse_events"].append(event("P-B", "2020-06-12", "Sepsis", 4, serious=False))
    c = patient("P-C", site="CLF")
    c["patients"][0]["age"] = 59
    rows = [f[:3] for f in found(build(patient("C-001"), c, a, b))]
    assert rows == [
        ("SAE-NOT-SERIOUS", "P-B", "STE"),
        ("ELIG-AGE", "P-A", "CLF"),
        ("ELIG-CYTO", "P-A", "CLF"),
        ("ELIG-AGE", "P-C", "CLF"),
    ]


def test_qual018_what_follows_the_cut_is_not_known_yet():
    """A patient enrolled after the cut is not checked; a lab after the cut is not
    either. With a cut passed explicitly the trial's own is not used."""
    later = patient("P-1", enrolled="2020-10-20", transplant=None, last_contact=None)
    later["patients"][0]["age"] = 80
    odd = patient("P-2")
    odd["lab_results"].append(lab("P-2", "2020-06-01", 140, "ANC", 500.0))  # 2020-10-19
    tables = build(patient("C-001"), later, odd)
    assert found(tables) == []
    earlier = quality_findings(tables, "2020-10-25")
    assert set(zip(earlier["rule"], earlier["patient_id"], strict=True)) >= {
        ("ELIG-AGE", "P-1"),
        ("LAB-IMPLAUSIBLE", "P-2"),
    }


def test_qual019_settings_from_the_trial_row_are_used():
    old = patient("P-1")
    old["patients"][0]["age"] = 75
    tables = build(patient("C-001"), old)
    assert [f[0] for f in found(tables)] == ["ELIG-AGE"]
    tables["trial"] = tables["trial"].assign(quality_max_age=75)
    assert found(tables) == []
    with pytest.raises(ValueError, match="max_age"):
        quality_findings(
            tables.copy() | {"trial": tables["trial"].assign(quality_max_age=50)}, None
        )
