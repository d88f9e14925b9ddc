"""The patient profile page's header and record rows, on a hand-made profile."""

from __future__ import annotations

import datetime as dt

from dashboard.callbacks.patient import _records, profile_path, profile_query
from dashboard.page_guard import shown_path
from dashboard.patient_header import header_items
from tests.unit.test_patient_figure import profile


def test_pp_page001_header_says_who_when_and_how_it_went():
    items = {key: value for key, _, value in header_items(profile())}
    assert items["id"] == "P-002"
    assert items["site"] == "LYS (Lyon)"
    assert (items["age"], items["sex"], items["diagnosis"]) == ("71", "male", "secondary AML")
    assert items["risk"] == "adverse" and items["arm"] == "—"
    assert items["transplant"] == "22 Apr 2019"
    assert items["death"] == "14 Oct 2019, day 175 (relapse)"
    assert (items["anc"], items["plt20"], items["plt50"]) == ("day 21", "day 21", "not reached")
    assert items["flags"] == "none"


def test_pp_page002_not_transplanted_counts_from_enrollment():
    alive = profile(
        transplant_on=None,
        day0_on=dt.date(2019, 3, 18),
        day0_is_transplant=False,
        died_on=None,
        death_cause=None,
        flags=("no nadir of neutrophils",),
    )
    items = {key: value for key, _, value in header_items(alive)}
    assert items["transplant"] == "not transplanted"
    assert items["anc"] == "not transplanted"
    assert items["last-contact"] == "14 Oct 2019, day 210 from enrollment"
    assert items["death"] == "—"
    assert items["flags"] == "no nadir of neutrophils"


def test_pp_page003_grid_rows_are_plain_json():
    rows = _records(profile().events)
    assert rows[0]["date"] == "2019-05-02" and rows[0]["end_date"] == "2019-05-20"
    assert rows[1]["end_date"] is None and rows[1]["end_day"] is None
    assert rows[0]["serious"] == "yes" and rows[1]["serious"] == "no"


def test_pp_page004_paths_and_audited_path():
    assert profile_path("A/B 1") == "/patients/A%2FB%201"
    page = {"path": "/patients/none", "path_template": "/patients/<patient_id>"}
    assert shown_path(page, {"patient_id": "P-002"}) == "/patients/P-002"
    assert shown_path({"path": "/safety"}, {}) == "/safety"


def test_pp_page005_moving_on_keeps_the_version_and_carries_the_site_filter():
    assert profile_query("", "all") == ""
    assert profile_query(None, "STE") == "?site=STE"
    assert profile_query("?version=2", "STE") == "?version=2&site=STE"
    assert profile_query("?version=2&site=LYS", "all") == "?version=2"
    assert profile_query("?site=LYS", "GRE") == "?site=GRE"
