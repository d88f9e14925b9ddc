"""Data-quality findings of the small fixture bundle (worked out by hand) and of the demo."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.quality import quality_findings
from data_access.bundle import read_bundle
from data_access.demo import full_trial, generate, truncate_at
from tests.conftest import SMALL_BUNDLE

COUNTS_NONE = "weeks 1-4 (days 0-27): none of 2 each; weeks 5-14 (days 28-97): none of 1 each"
SCHEDULE = "14 of 14 weeks followed after the transplant on {} below the blood-count schedule: "
CR = "no CR, CRh or CRi assessed in the 60 days up to enrollment on {}"
MARROW = "no BM_BLAST_PCT result on days 76-104 after the transplant on {} ({} to {})"
VISIT = "visit {} (day {} after enrollment on {}, due {}): no contact from {} to {}"
DORMANT = (
    "recruiting, no enrollment since {}: {} days before the data cut 2020-06-30 (more than 180)"
)


def test_qual101_small_bundle_findings_by_hand():
    """Cut 2020-06-30; every enrolled patient is 60-74 with intermediate or adverse risk.

    Followed until (first of death, last contact, withdrawal, cut): P-001 2020-06-15,
    P-002 2019-10-14 (death), P-004 2020-06-08, P-005 2020-05-25, P-006 2020-04-06
    (withdrawal), P-008 2020-06-22.

    - ELIG-CR, 6: every response is after its patient's enrollment.
    - MISS-MARROW90, 5: all six are followed past day 104; only P-001 has a marrow (day
      90, 2019-06-30); P-002 relapsed on day 147, after the window. Day 90 = transplant
      + 90 (P-002 2019-04-22 -> 07-21; P-004 06-24 -> 09-22; P-005 08-19 -> 11-17;
      P-006 10-28 -> 2020-01-26; P-008 2020-03-02 -> 05-31).
    - MISS-COUNTS, 6: all followed past day 97, so 14 weeks each. Count days: P-001
      days 0, 7, 14 (weeks 1-3 one each); P-002 day 7; the others none (P-004's lab is
      peripheral blasts, not a count).
    - MISS-VISIT, 8: visits due every 92 days from enrollment, window +/- 28 days,
      expected when the window ends by the end of follow-up. P-001 (enrolled 02-25):
      visit 1 2019-05-28 has the response of 05-13; visits 2-4 (08-28, 11-28,
      2020-02-28) have nothing; visit 5 (05-30) ends 06-27, after 06-15. P-002: visit 1
      (06-18) has the response of 06-03; visit 2 ends after the death. P-004 (05-20):
      visit 1 (08-20) has the CRi of 08-05; visits 2 (11-20) and 3 (2020-02-20) missed
      (chimerism 09-23 is before visit 2's window). P-005 (07-15): visit 1 (10-15) has
      the CR of 10-01; visits 2 (2020-01-15) and 3 (04-16) missed. P-006 (09-23):
      visit 1 (12-24) missed, visit 2 ends after the withdrawal. P-008 (2020-01-27):
      visit 1 (04-28) has the CR of 04-14.
    - SITE-DORMANT, 3: CLF (last enrollment 2019-05-20, 407 days), GRE (2019-07-15,
      351 days), LYS (2019-09-23, 281 days); STE's last is 2020-01-27 (155 days).
    - Nothing else: P-002's death has a cause and no record after it, its grade 4 sepsis
      is serious, no value is out of range, no one is overdue (last contacts within 36
      days of the cut, P-006 withdrawn).
    """
    result = quality_findings(read_bundle(SMALL_BUNDLE), None)
    got = list(
        zip(
            result["rule"],
            result["patient_id"],
            result["site_id"],
            result["date"].dt.strftime("%Y-%m-%d"),
            result["detail"],
            strict=True,
        )
    )
    assert got == [
        ("ELIG-CR", "P-004", "CLF", "2019-05-20", CR.format("2019-05-20")),
        ("MISS-MARROW90", "P-004", "CLF", "2019-09-22",
         MARROW.format("2019-06-24", "2019-09-08", "2019-10-06")),
        ("ELIG-CR", "P-005", "GRE", "2019-07-15", CR.format("2019-07-15")),
        ("MISS-MARROW90", "P-005", "GRE", "2019-11-17",
         MARROW.format("2019-08-19", "2019-11-03", "2019-12-01")),
        ("ELIG-CR", "P-002", "LYS", "2019-03-18", CR.format("2019-03-18")),
        ("MISS-MARROW90", "P-002", "LYS", "2019-07-21",
         MARROW.format("2019-04-22", "2019-07-07", "2019-08-04")),
        ("ELIG-CR", "P-006", "LYS", "2019-09-23", CR.format("2019-09-23")),
        ("MISS-MARROW90", "P-006", "LYS", "2020-01-26",
         MARROW.format("2019-10-28", "2020-01-12", "2020-02-09")),
        ("ELIG-CR", "P-001", "STE", "2019-02-25", CR.format("2019-02-25")),
        ("ELIG-CR", "P-008", "STE", "2020-01-27", CR.format("2020-01-27")),
        ("MISS-MARROW90", "P-008", "STE", "2020-05-31",
         MARROW.format("2020-03-02", "2020-05-17", "2020-06-14")),
        ("SITE-DORMANT", None, "CLF", "2019-05-20", DORMANT.format("2019-05-20", 407)),
        ("MISS-COUNTS", "P-004", "CLF", "2019-06-24", SCHEDULE.format("2019-06-24") + COUNTS_NONE),
        ("MISS-VISIT", "P-004", "CLF", "2019-11-20",
         VISIT.format(2, 184, "2019-05-20", "2019-11-20", "2019-10-23", "2019-12-18")),
        ("MISS-VISIT", "P-004", "CLF", "2020-02-20",
         VISIT.format(3, 276, "2019-05-20", "2020-02-20", "2020-01-23", "2020-03-19")),
        ("SITE-DORMANT", None, "GRE", "2019-07-15", DORMANT.format("2019-07-15", 351)),
        ("MISS-COUNTS", "P-005", "GRE", "2019-08-19", SCHEDULE.format("2019-08-19") + COUNTS_NONE),
        ("MISS-VISIT", "P-005", "GRE", "2020-01-15",
         VISIT.format(2, 184, "2019-07-15", "2020-01-15", "2019-12-18", "2020-02-12")),
        ("MISS-VISIT", "P-005", "GRE", "2020-04-16",
         VISIT.format(3, 276, "2019-07-15", "2020-04-16", "2020-03-19", "2020-05-14")),
        ("SITE-DORMANT", None, "LYS", "2019-09-23", DORMANT.format("2019-09-23", 281)),
        ("MISS-COUNTS", "P-002", "LYS", "2019-04-22",
         SCHEDULE.format("2019-04-22") + "week 1 (days 0-6): none of 2; week 2 (days 7-13): "
         "1 of 2; weeks 3-4 (days 14-27): none of 2 each; weeks 5-14 (days 28-97): none of 1 each"),
        ("MISS-COUNTS", "P-006", "LYS", "2019-10-28", SCHEDULE.format("2019-10-28") + COUNTS_NONE),
        ("MISS-VISIT", "P-006", "LYS", "2019-12-24",
         VISIT.format(1, 92, "2019-09-23", "2019-12-24", "2019-11-26", "2020-01-21")),
        ("MISS-COUNTS", "P-001", "STE", "2019-04-01",
         SCHEDULE.format("2019-04-01") + "weeks 1-3 (days 0-20): 1 of 2 each; week 4 (days "
         "21-27): none of 2; weeks 5-14 (days 28-97): none of 1 each"),
        ("MISS-VISIT", "P-001", "STE", "2019-08-28",
         VISIT.format(2, 184, "2019-02-25", "2019-08-28", "2019-07-31", "2019-09-25")),
        ("MISS-VISIT", "P-001", "STE", "2019-11-28",
         VISIT.format(3, 276, "2019-02-25", "2019-11-28", "2019-10-31", "2019-12-26")),
        ("MISS-VISIT", "P-001", "STE", "2020-02-28",
         VISIT.format(4, 368, "2019-02-25", "2020-02-28", "2020-01-31", "2020-03-27")),
        ("MISS-COUNTS", "P-008", "STE", "2020-03-02", SCHEDULE.format("2020-03-02") + COUNTS_NONE),
    ]  # fmt: skip


def test_qual102_default_demo_raises_a_handful():
    """The default demo (21 patients, mid-trial cut 2021-10-29, 14 enrolled) plants one
    protocol deviation (a patient enrolled at 75) and its slow academic accrual leaves
    three of the four recruiting sites without an enrollment for over 180 days: 4
    findings, none critical. The bound of 10 leaves room for a retuned generator while
    still failing on a schedule artefact, which would flag every patient."""
    result = quality_findings(generate(), None)
    assert 1 <= len(result) <= 10
    assert (result["severity"] != "critical").all()
    assert result["rule"].value_counts().to_dict() == {"SITE-DORMANT": 3, "ELIG-AGE": 1}


def test_qual103_demo_has_no_artefacts_at_any_cut():
    """A larger demo, seen at cuts a quarter apart to the end of the trial: no critical
    finding (every grade 4-5 event is serious; a fatal event is grade 4 until its death
    is known), no record after death, and at most one finding per 4 enrolled patients
    (the planted age deviations, missed weekly counts and patients lost to follow-up)."""
    trial = full_trial(patients=120, sites=9, seed=6)
    cut = trial.mid_cut
    while cut <= trial.end:
        tables = truncate_at(trial.tables, cut)
        result = quality_findings(tables, None)
        assert (result["severity"] != "critical").all(), cut
        enrolled = tables["patients"]["enrolled_on"].notna().sum()
        assert len(result) <= enrolled / 4, (cut, result["rule"].value_counts().to_dict())
        cut += dt.timedelta(days=91)
    full = quality_findings(trial.tables, pd.Timestamp(trial.end))
    assert set(full["rule"]) <= {"ELIG-AGE", "MISS-COUNTS", "FU-OVERDUE", "SITE-DORMANT"}
