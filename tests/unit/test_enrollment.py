"""Enrollment counts on hand-built tables (every expected number counted by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.enrollment import enrollment_json, enrollment_summary
from tests.unit.tables import all_tables, table


def tables(patients, sites, follow_up=(), trial=None):
    out = all_tables(
        patients=table("patients", patients),
        sites=table("sites", sites),
        follow_up=table("follow_up", follow_up),
    )
    trial = trial or {
        "nct_id": "NCT03439371",
        "title": "MTSA",
        "target_enrollment": 21,
        "start_date": "2019-01-08",
        "planned_accrual_end": "2022-05-31",
        "data_cut": "2020-01-31",
    }
    out["trial"] = table("trial", [trial])
    return out


SITES = [
    {"site_id": "A", "name": "Site A", "status": "recruiting"},
    {"site_id": "B", "name": "Site B", "status": "recruiting"},
    {"site_id": "C", "name": "Site C", "status": "not_yet_recruiting"},
]
PATIENTS = [
    {"patient_id": "1", "site_id": "A", "screened_on": "2019-02-01", "enrolled_on": "2019-02-10"},
    {"patient_id": "2", "site_id": "A", "screened_on": "2019-03-01", "enrolled_on": "2019-03-05"},
    {"patient_id": "3", "site_id": "B", "screened_on": "2019-03-01", "enrolled_on": "2019-03-05",
     "withdrawn_on": "2019-06-01"},
    {"patient_id": "4", "site_id": "B", "screened_on": "2019-04-01",
     "screen_failure_reason": "favourable cytogenetics"},
    {"patient_id": "5", "site_id": "A", "screened_on": "2020-01-20"},  # still in screening
]  # fmt: skip


def test_enr001_counts_follow_the_definitions():
    summary = enrollment_summary(
        tables(PATIENTS, SITES, [{"patient_id": "2", "died_on": "2019-09-01"}]),
        dt.date(2020, 1, 31),
    )
    assert (summary.screened, summary.enrolled, summary.screen_failures) == (5, 3, 1)
    assert (summary.withdrawn, summary.deaths) == (1, 1)
    assert (summary.sites_recruiting, summary.sites_total) == (2, 3)
    assert summary.target == 21
    assert round(summary.percent_of_target, 2) == 14.29  # 3 / 21


def test_enr002_cumulative_counts_same_day_enrollments_together():
    summary = enrollment_summary(tables(PATIENTS, SITES), dt.date(2020, 1, 31))
    assert list(summary.cumulative["enrolled"]) == [1, 3]
    assert list(summary.cumulative["date"]) == [
        pd.Timestamp("2019-02-10"),
        pd.Timestamp("2019-03-05"),
    ]


def test_enr003_by_site_lists_sites_without_patients():
    by_site = enrollment_summary(tables(PATIENTS, SITES), None).by_site
    assert dict(zip(by_site["site_id"], by_site["enrolled"], strict=True)) == {
        "A": 2,
        "B": 1,
        "C": 0,
    }


def test_enr004_planned_line_runs_from_start_to_target():
    planned = enrollment_summary(tables(PATIENTS, SITES), None).planned
    assert list(planned["enrolled"]) == [0, 21]
    assert list(planned["date"]) == [pd.Timestamp("2019-01-08"), pd.Timestamp("2022-05-31")]


def test_enr005_no_patients_gives_zeros_not_errors():
    summary = enrollment_summary(tables([], SITES), None)
    assert (summary.screened, summary.enrolled, summary.deaths) == (0, 0, 0)
    assert summary.cumulative.empty


def test_enr006_json_is_plain_and_iso_dated():
    result = enrollment_json(tables(PATIENTS, SITES), dt.date(2020, 1, 31))
    assert result["cumulative"] == [
        {"date": "2019-02-10", "enrolled": 1},
        {"date": "2019-03-05", "enrolled": 3},
    ]
    assert isinstance(result["enrolled"], int)
