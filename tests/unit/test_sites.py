"""Site metrics (analysis/sites.py) on a hand-made three-site bundle.

Hand computation, data cut 2024-06-30:

- AAA: ethics 2023-01-10 → activated 2023-03-01: 21 + 28 + 1 = 50 days. Active
  2023-03-01 → 2024-06-30 = 366 (to 2024-03-01, leap year) + 31 + 30 + 31 + 29 = 487
  days = 487 / 30.4375 = 16 months exactly; 4 enrolled → 0.25 per month. Screened 6
  (4 enrolled, 1 screen failure, 1 still in screening). Last enrollment 2024-05-31 →
  30 days before the cut.
- BBB: ethics 2023-06-01 → activated 2023-09-01: 29 + 31 + 31 + 1 = 92 days. Closed
  2024-01-01 (completed): active 30 + 31 + 30 + 31 = 122 days (not to the cut),
  122 / 30.4375 = 4.00821 months; 2 enrolled → 2 × 30.4375 / 122 = 0.4989754 per month.
- CCC: ethics 2024-03-01, never activated, nobody screened: days_to_activation and
  enrolled_per_month missing, zero counts.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from analysis.sites import JSON_KEYS, METRIC_COLUMNS, cumulative_by_site, site_metrics, sites_json
from tests.unit.tables import table

CUT = dt.date(2024, 6, 30)


def bundle() -> dict[str, pd.DataFrame]:
    sites = table(
        "sites",
        [
            ["AAA", "Alpha", "Lyon", 45.7, 4.8, "recruiting", "2023-01-10", "2023-02-01",
             "2023-02-20", "2023-03-01", None],
            ["BBB", "Beta", "Lille", 50.6, 3.0, "completed", "2023-06-01", None, None,
             "2023-09-01", "2024-01-01"],
            ["CCC", "Gamma", None, None, None, "not_yet_recruiting", "2024-03-01", None, None,
             None, None],
        ],
    )  # fmt: skip

    def patient(pid, site, screened, enrolled=None, reason=None):
        return [pid, site, "F", 65, None, "adverse", screened, enrolled, reason, None, None, None]

    patients = table(
        "patients",
        [
            patient("A1", "AAA", "2023-04-10", "2023-04-15"),
            patient("A2", "AAA", "2023-08-01", "2023-08-03"),
            patient("A3", "AAA", "2024-01-05", "2024-01-09"),
            patient("A4", "AAA", "2024-05-28", "2024-05-31"),
            patient("A5", "AAA", "2023-06-01", reason="age over 74"),
            patient("A6", "AAA", "2024-06-20"),
            patient("B1", "BBB", "2023-10-01", "2023-10-02"),
            patient("B2", "BBB", "2023-12-01", "2023-12-02"),
        ],
    )
    return {"sites": sites, "patients": patients}


def by_site(frame: pd.DataFrame) -> dict:
    return frame.set_index("site_id").to_dict(orient="index")


def test_site001_one_row_per_site_with_all_columns():
    metrics = site_metrics(bundle(), CUT)
    assert list(metrics.columns) == METRIC_COLUMNS
    assert list(metrics["site_id"]) == ["AAA", "BBB", "CCC"]


def test_site002_days_to_activation_counts_from_ethics_approval():
    rows = by_site(site_metrics(bundle(), CUT))
    assert rows["AAA"]["days_to_activation"] == 50
    assert rows["BBB"]["days_to_activation"] == 92
    assert pd.isna(rows["CCC"]["days_to_activation"])


def test_site003_enrolled_per_month_uses_30_4375_day_months():
    rows = by_site(site_metrics(bundle(), CUT))
    assert_allclose(rows["AAA"]["enrolled_per_month"], 0.25, rtol=1e-12)


def test_site004_closed_site_is_active_until_its_closure_not_the_cut():
    rows = by_site(site_metrics(bundle(), CUT))
    assert_allclose(rows["BBB"]["enrolled_per_month"], 2 * 30.4375 / 122, rtol=1e-12)
    assert rows["BBB"]["days_since_last_enrollment"] == (CUT - dt.date(2023, 12, 2)).days


def test_site005_zero_enrolled_never_activated_site_is_listed_with_missing_rate():
    rows = by_site(site_metrics(bundle(), CUT))
    ccc = rows["CCC"]
    assert (ccc["screened"], ccc["enrolled"], ccc["screen_failures"]) == (0, 0, 0)
    assert np.isnan(ccc["enrolled_per_month"])
    assert pd.isna(ccc["first_enrolled_on"]) and pd.isna(ccc["days_since_last_enrollment"])


def test_site006_counts_and_enrollment_dates():
    aaa = by_site(site_metrics(bundle(), CUT))["AAA"]
    assert (aaa["screened"], aaa["enrolled"], aaa["screen_failures"]) == (6, 4, 1)
    assert aaa["first_enrolled_on"] == pd.Timestamp("2023-04-15")
    assert aaa["last_enrolled_on"] == pd.Timestamp("2024-05-31")
    assert aaa["days_since_last_enrollment"] == 30


def test_site007_activated_site_with_nobody_enrolled_has_rate_zero():
    tables = bundle()
    tables["patients"] = tables["patients"][tables["patients"]["site_id"] != "AAA"]
    aaa = by_site(site_metrics(tables, CUT))["AAA"]
    assert aaa["enrolled"] == 0 and aaa["enrolled_per_month"] == 0.0


def test_site008_events_after_the_cut_are_not_counted():
    early_cut = dt.date(2024, 1, 31)  # before A4 (2024-05-31) and A6 screening
    aaa = by_site(site_metrics(bundle(), early_cut))["AAA"]
    assert (aaa["screened"], aaa["enrolled"]) == (4, 3)
    assert aaa["days_since_last_enrollment"] == 22  # 2024-01-09 → 2024-01-31


def test_site009_row_order_of_the_input_changes_nothing():
    tables = bundle()
    shuffled = {name: frame.sample(frac=1, random_state=3) for name, frame in tables.items()}
    pd.testing.assert_frame_equal(site_metrics(tables, CUT), site_metrics(shuffled, CUT))


def test_site010_json_has_exactly_the_section5_keys_and_plain_values():
    out = sites_json(bundle(), CUT)
    assert out["data_cut"] == "2024-06-30"
    assert [tuple(site) for site in out["sites"]] == [JSON_KEYS] * 3
    aaa, bbb, ccc = out["sites"]
    assert aaa["activated_on"] == "2023-03-01" and aaa["first_enrolled_on"] == "2023-04-15"
    assert type(aaa["screened"]) is int and type(aaa["days_to_activation"]) is int
    assert type(bbb["enrolled_per_month"]) is float
    assert ccc["activated_on"] is None and ccc["enrolled_per_month"] is None
    assert ccc["city"] is None and ccc["days_to_activation"] is None
    json.dumps(out, allow_nan=False)  # plain types only, no NaN


def test_site011_cumulative_by_site_counts_same_day_enrollments_together():
    tables = bundle()
    extra = tables["patients"].iloc[[0]].assign(patient_id="A7")
    tables["patients"] = pd.concat([tables["patients"], extra], ignore_index=True)
    out = cumulative_by_site(tables)
    assert list(out.columns) == ["date", "site_id", "enrolled"]
    aaa = out[out["site_id"] == "AAA"]
    assert list(aaa["enrolled"]) == [2, 3, 4, 5]
    assert aaa["date"].iloc[0] == pd.Timestamp("2023-04-15")
    assert list(out[out["site_id"] == "BBB"]["enrolled"]) == [1, 2]
    assert "CCC" not in set(out["site_id"])


def test_site012_missing_cut_defaults_to_the_trial_data_cut():
    tables = bundle()
    tables["trial"] = pd.DataFrame({"data_cut": pd.to_datetime(["2024-06-30"])})
    assert sites_json(tables, None)["data_cut"] == "2024-06-30"


def test_site015_milestones_out_of_order_leave_time_and_rate_out():
    """AAA activated before its ethics approval, BBB closed before its activation: no
    negative time to activation, no rate for a site closed before it opened."""
    tables = bundle()
    sites = tables["sites"].copy()
    sites.loc[sites["site_id"] == "AAA", "ethics_approved_on"] = pd.Timestamp("2023-03-05")
    sites.loc[sites["site_id"] == "BBB", "closed_on"] = pd.Timestamp("2023-08-01")
    rows = by_site(site_metrics({**tables, "sites": sites}, CUT))
    assert pd.isna(rows["AAA"]["days_to_activation"])  # would be -4
    assert np.isnan(rows["BBB"]["enrolled_per_month"])  # active -31 days
    assert [rows[s]["dates_out_of_order"] for s in ("AAA", "BBB", "CCC")] == [True, True, False]
    assert not site_metrics(bundle(), CUT)["dates_out_of_order"].any()
