"""The data quality page's and API's views of the findings, on hand-made findings."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.quality.summary import (
    alerts,
    patient_marks,
    quality_trend,
    scoped_json,
    site_rule_counts,
    with_rule,
    with_severity,
)

COLUMNS = ["rule", "severity", "patient_id", "site_id", "date", "detail"]


def findings(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


V1 = findings(
    ("AFTER-DEATH", "critical", "P-1", "STE", "2020-03-01", "lab after death"),
    ("ELIG-AGE", "major", "P-2", "STE", None, "aged 76"),
    ("ELIG-AGE", "major", "P-3", "LYS", None, "aged 59"),
    ("SITE-DORMANT", "minor", None, "GRE", None, "no enrollment for 200 days"),
)
# version 2: P-1's lab corrected (resolved), P-4 new, the rest unchanged
V2 = findings(
    ("ELIG-AGE", "major", "P-2", "STE", None, "aged 76"),
    ("ELIG-AGE", "major", "P-3", "LYS", None, "aged 59"),
    ("ELIG-AGE", "major", "P-4", "LYS", None, "aged 80"),
    ("SITE-DORMANT", "minor", None, "GRE", None, "no enrollment for 200 days"),
)


def test_qsum001_one_severity_or_all():
    assert with_severity(V1, None) is V1
    assert with_severity(V1, "major")["patient_id"].tolist() == ["P-2", "P-3"]
    with pytest.raises(ValueError, match="unknown severity"):
        with_severity(V1, "grave")


def test_qsum002_counts_per_site_and_rule_most_first():
    rules, rows = site_rule_counts(V2)
    assert rules == ["ELIG-AGE", "SITE-DORMANT"]  # documented order, only rules that found
    assert rows == [
        {"site_id": "LYS", "total": 2, "ELIG-AGE": 2, "SITE-DORMANT": 0},
        {"site_id": "GRE", "total": 1, "ELIG-AGE": 0, "SITE-DORMANT": 1},
        {"site_id": "STE", "total": 1, "ELIG-AGE": 1, "SITE-DORMANT": 0},
    ]
    assert site_rule_counts(V2.iloc[0:0]) == ([], [])


def test_qsum003_trend_counts_new_and_resolved():
    trend = quality_trend([(1, V1), (2, V2)])
    rows = trend.astype(object).where(trend.notna(), None).to_dict("records")
    assert rows == [
        {"version": 1, "critical": 1, "major": 2, "minor": 1, "total": 4, "new": None,
         "resolved": None},
        {"version": 2, "critical": 0, "major": 3, "minor": 1, "total": 4, "new": 1,
         "resolved": 1},
    ]  # fmt: skip


def test_qsum004_a_user_sees_their_site_and_the_sponsor_no_patient():
    result = {
        "rules": [{"id": "ELIG-AGE"}],
        "findings": [
            {"rule": "ELIG-AGE", "patient_id": "P-2", "site_id": "STE"},
            {"rule": "ELIG-AGE", "patient_id": "P-3", "site_id": "LYS"},
        ],
        "by_site": [
            {"site_id": "STE", "rule": "ELIG-AGE", "count": 1},
            {"site_id": "LYS", "rule": "ELIG-AGE", "count": 1},
        ],
    }
    ste = scoped_json(result, "STE", patient_level=True)
    assert [f["patient_id"] for f in ste["findings"]] == ["P-2"]
    assert ste["by_site"] == [{"site_id": "STE", "rule": "ELIG-AGE", "count": 1}]
    sponsor = scoped_json(result, None, patient_level=False)
    assert "findings" not in sponsor and len(sponsor["by_site"]) == 2
    assert "P-" not in str(sponsor)


def test_qsum005_alerts_in_their_order_and_for_the_sponsor_sites_only():
    found = findings(
        ("MISS-MARROW90", "major", "P-2", "STE", "2020-05-01", "no marrow"),
        ("MISS-MARROW90", "major", "P-3", "LYS", "2020-05-01", "no marrow"),
        ("ELIG-AGE", "major", "P-3", "LYS", None, "aged 59"),  # not an alert
        ("SITE-DORMANT", "minor", None, "GRE", None, "no enrollment for 200 days"),
    )
    assert alerts(found) == [
        {"rule": "SITE-DORMANT", "title": "Dormant site", "count": 1, "sites": ["GRE"]},
        {"rule": "MISS-MARROW90", "title": "Day-90 marrow missing", "count": 2,
         "sites": ["LYS", "STE"]},
    ]  # fmt: skip
    assert [a["rule"] for a in alerts(found, site_level_only=True)] == ["SITE-DORMANT"]
    assert alerts(found.iloc[0:0]) == []
    assert with_rule(found, "ELIG-AGE")["patient_id"].tolist() == ["P-3"]
    with pytest.raises(ValueError, match="unknown rule"):
        with_rule(found, "NOPE")


def test_qsum006_patient_marks_in_the_rules_order():
    found = findings(
        ("MISS-MARROW90", "major", "P-2", "STE", "2020-05-01", "no marrow"),
        ("ELIG-CR", "major", "P-2", "STE", None, "no CR"),
        ("ELIG-AGE", "major", "P-2", "STE", None, "aged 76"),
        ("ELIG-AGE", "major", "P-3", "LYS", None, "aged 59"),
        ("SITE-DORMANT", "minor", None, "GRE", None, "no enrollment for 200 days"),
    )
    assert patient_marks(found, ("ELIG-AGE", "ELIG-CR", "MISS-MARROW90")) == {
        "P-2": "Age not eligible; No remission at entry; Day-90 marrow missing",
        "P-3": "Age not eligible",
    }
    assert patient_marks(found, ("ELIG-CYTO",)) == {}
