"""Quality settings, the rules list, findings counted by site, and changes between runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.quality import (
    COLUMNS,
    RULES,
    SEVERITIES,
    QualitySettings,
    finding_changes,
    findings_by_site,
    rules_for,
)


def _findings(rows: list[tuple]) -> pd.DataFrame:
    """A findings table from ``(rule, severity, patient_id, site_id, date, detail)``."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_qual201_defaults_are_the_protocol():
    s = QualitySettings()
    assert (s.min_age, s.max_age, s.eligible_cytogenetics) == (60, 74, ("intermediate", "adverse"))
    assert (s.cr_window_days, s.marrow_test, s.marrow_day, s.marrow_window_days) == (
        60, "BM_BLAST_PCT", 90, 14,
    )  # fmt: skip
    assert (s.counts_early_per_week, s.counts_early_to_day) == (2, 28)
    assert (s.counts_late_per_week, s.counts_late_to_day) == (1, 100)
    assert (s.visit_interval_days, s.overdue_days, s.dormant_days) == (92, 120, 180)
    assert (s.max_anc, s.max_platelets, s.max_blasts_percent) == (100, 2000, 100)


def test_qual202_from_settings_reads_quality_keys():
    s = QualitySettings.from_settings(
        {
            "quality_max_anc": "50",
            "quality_cr_window_days": 30.0,
            "quality_eligible_cytogenetics": "adverse, intermediate favorable",
            "quality_marrow_test": "PB_BLAST_PCT",
            "quality_min_age": None,
            "quality_max_age": math.nan,
            "quality_dormant_days": "",
            "stopping_p0": 0.3,
            "title": "MTSA",
        }
    )
    assert s == QualitySettings(
        max_anc=50.0,
        cr_window_days=30,
        eligible_cytogenetics=("adverse", "intermediate", "favorable"),
        marrow_test="PB_BLAST_PCT",
    )
    assert isinstance(s.cr_window_days, int)
    assert QualitySettings.from_settings(None) == QualitySettings()
    assert QualitySettings.from_settings({}) == QualitySettings()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"quality_cr_window_days": "-1"}, "cr_window_days"),
        ({"quality_cr_window_days": "7.5"}, "whole number"),
        ({"quality_max_anc": "0"}, "max_anc"),
        ({"quality_min_age": 80}, "min_age 80 is above max_age 74"),
        ({"quality_visit_interval_days": 0}, "visit_interval_days"),
    ],
)
def test_qual203_from_settings_refuses_impossible_values(settings, message):
    with pytest.raises(ValueError, match=message):
        QualitySettings.from_settings(settings)


def test_qual204_rules_in_display_order_with_stable_ids():
    ids = [rule.id for rule in RULES]
    assert len(set(ids)) == len(ids) == 20
    ranks = [SEVERITIES.index(rule.severity) for rule in RULES]
    assert ranks == sorted(ranks)
    assert [r.id for r in RULES if r.scope == "site"] == ["SITE-DATES", "SITE-DORMANT"]
    assert {r.id for r in RULES if r.id.startswith("ELIG")} == {"ELIG-AGE", "ELIG-CYTO", "ELIG-CR"}
    assert all(r.severity == "major" for r in RULES if r.id.startswith("ELIG"))
    for rule in RULES:
        assert rule.title and len(rule.title.split()) <= 6, rule.id
        assert rule.description.endswith("."), rule.id


def test_qual205_descriptions_state_the_settings_in_force():
    default = {r.id: r.description for r in RULES}
    assert "under 60 or over 74" in default["ELIG-AGE"]
    assert "ANC above 100 x10^9/L, platelets above 2000 x10^9/L" in default["LAB-IMPLAUSIBLE"]
    assert "in the 180 days before" in default["SITE-DORMANT"]
    changed = {r.id: r.description for r in rules_for(QualitySettings(dormant_days=90, max_age=75))}
    assert "in the 90 days before" in changed["SITE-DORMANT"]
    assert "over 75" in changed["ELIG-AGE"]


def test_qual206_findings_by_site_counts_per_site_and_rule():
    findings = _findings(
        [
            ("SAE-NOT-SERIOUS", "critical", "P-2", "STE", "2020-01-05", "a"),
            ("ELIG-AGE", "major", "P-1", "CLF", "2020-01-01", "b"),
            ("MISS-VISIT", "minor", "P-1", "CLF", "2020-04-01", "c"),
            ("MISS-VISIT", "minor", "P-1", "CLF", "2020-07-01", "d"),
            ("SITE-DORMANT", "minor", None, "CLF", "2019-06-01", "e"),
            ("ELIG-AGE", "major", "P-2", "STE", "2020-01-05", "f"),
        ]
    )
    counts = findings_by_site(findings)
    assert list(counts.columns) == ["site_id", "rule", "count"]
    assert list(counts.itertuples(index=False, name=None)) == [
        ("CLF", "ELIG-AGE", 1),
        ("CLF", "MISS-VISIT", 2),
        ("CLF", "SITE-DORMANT", 1),
        ("STE", "SAE-NOT-SERIOUS", 1),
        ("STE", "ELIG-AGE", 1),
    ]
    assert findings_by_site(findings.iloc[0:0]).empty


def test_qual207_changes_new_and_resolved():
    """Matched on rule, patient, site and detail (not date or severity); two identical
    findings before and one after leave one resolved."""
    visit = ("MISS-VISIT", "minor", "P-1", "CLF", "2020-04-01", "visit 1 missed")
    dormant = ("SITE-DORMANT", "minor", None, "CLF", "2019-06-01", "no enrollment")
    before = _findings(
        [
            ("ELIG-AGE", "major", "P-1", "CLF", "2020-01-01", "age 75"),
            visit,
            visit,
            dormant,
        ]
    )
    after = _findings(
        [
            visit,
            ("ELIG-AGE", "major", "P-1", "CLF", "2020-01-01", "age 76"),
            (*dormant[:4], "2019-07-01", "no enrollment"),  # another date: the same finding
            ("SAE-NOT-SERIOUS", "critical", "P-2", "STE", "2020-01-05", "grade 4"),
        ]
    )
    changes = finding_changes(before, after)
    assert list(changes.columns) == ["change", *COLUMNS]
    assert list(zip(changes["change"], changes["rule"], changes["detail"], strict=True)) == [
        ("new", "SAE-NOT-SERIOUS", "grade 4"),
        ("new", "ELIG-AGE", "age 76"),
        ("resolved", "ELIG-AGE", "age 75"),
        ("resolved", "MISS-VISIT", "visit 1 missed"),
    ]
    assert changes["date"].dtype == "datetime64[ns]"
    assert finding_changes(after, after).empty
    assert (finding_changes(before.iloc[0:0], after)["change"] == "new").all()
