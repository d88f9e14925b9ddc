"""The findings as the data quality page, ``stats quality`` and ``/api/stats/quality``
show them: counts per site and rule, the trend across data versions, and JSON.

The findings themselves come from :func:`analysis.quality.quality_findings` (the rules
are in ``docs/quality.md``).
"""

from __future__ import annotations

import pandas as pd

from analysis.quality import (
    RULES,
    SEVERITIES,
    finding_changes,
    findings_by_site,
    quality_findings,
    rules_for,
    settings_from_tables,
)

TREND_COLUMNS = ("version", *SEVERITIES, "total", "new", "resolved")


ALERT_RULES = ("SITE-DORMANT", "SAE-NOT-SERIOUS", "FU-OVERDUE", "MISS-MARROW90")
"""The findings that need action now, on the Overview: a site to revive, serious events
to report as such, patients to contact, day-90 marrows to chase."""


def alerts(findings: pd.DataFrame, site_level_only: bool = False) -> list[dict]:
    """``rule, title, count, sites`` (ids, sorted) for each rule of :data:`ALERT_RULES`
    that found something, in that order; ``site_level_only``: the rules about sites
    only (what the sponsor may see)."""
    rules = {rule.id: rule for rule in RULES}
    out = []
    for rule_id in ALERT_RULES:
        rule = rules[rule_id]
        if site_level_only and rule.scope != "site":
            continue
        found = findings[findings["rule"] == rule_id]
        if not found.empty:
            sites = sorted(found["site_id"].dropna().unique().tolist())
            out.append({"rule": rule_id, "title": rule.title, "count": len(found), "sites": sites})
    return out


DEVIATION_RULES = ("ELIG-AGE", "ELIG-CYTO", "ELIG-CR")
"""The eligibility deviations at entry, which every patient listing marks."""


def patient_marks(findings: pd.DataFrame, rules: tuple[str, ...]) -> dict[str, str]:
    """Patient id -> the titles of ``rules`` that found something for the patient
    ("Age not eligible; Day-90 marrow missing"), in the rules' documented order: the
    "Data quality" column of a listing."""
    titles = {rule.id: rule.title for rule in RULES}
    order = [rule.id for rule in RULES if rule.id in rules]
    found = findings[findings["rule"].isin(rules) & findings["patient_id"].notna()]
    marks: dict[str, list[str]] = {}
    for rule_id in order:
        for patient in found.loc[found["rule"] == rule_id, "patient_id"].unique():
            marks.setdefault(str(patient), []).append(titles[rule_id])
    return {patient: "; ".join(words) for patient, words in marks.items()}


def with_rule(findings: pd.DataFrame, rule: str | None) -> pd.DataFrame:
    """The findings of one rule (all of them for None)."""
    if rule is None:
        return findings
    if rule not in {r.id for r in RULES}:
        raise ValueError(f"unknown rule {rule!r}: choose one of the rules listed")
    return findings[findings["rule"] == rule].reset_index(drop=True)


def with_severity(findings: pd.DataFrame, severity: str | None) -> pd.DataFrame:
    """The findings of one severity (all of them for None)."""
    if severity is None:
        return findings
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}: choose {', '.join(SEVERITIES)}")
    return findings[findings["severity"] == severity].reset_index(drop=True)


def site_rule_counts(findings: pd.DataFrame) -> tuple[list[str], list[dict]]:
    """``(rule ids, rows)``: one row per site with findings, ``site_id``, ``total`` and
    the count of each rule that found something (rules in their documented order),
    sites with the most findings first."""
    counts = findings_by_site(findings)
    order = [rule.id for rule in RULES if rule.id in set(counts["rule"])]
    if counts.empty:
        return [], []
    table = counts.pivot_table(
        index="site_id", columns="rule", values="count", aggfunc="sum", fill_value=0
    )[order]
    table.insert(0, "total", table.sum(axis=1))
    table = table.sort_values(["total"], ascending=False, kind="mergesort")
    rows = [
        {"site_id": site, **{key: int(value) for key, value in row.items()}}
        for site, row in table.iterrows()
    ]
    return order, rows


def quality_trend(by_version: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """Open findings per severity in each data version (oldest first), with those new
    and resolved since the version before it (none for the first one listed)."""
    rows, before = [], None
    for version, findings in by_version:
        counts = findings["severity"].value_counts()
        row = {"version": version, **{s: int(counts.get(s, 0)) for s in SEVERITIES}}
        row["total"] = len(findings)
        if before is None:
            row["new"] = row["resolved"] = None
        else:
            changes = finding_changes(before, findings)["change"]
            row["new"] = int((changes == "new").sum())
            row["resolved"] = int((changes == "resolved").sum())
        rows.append(row)
        before = findings
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS)).astype(
        {"new": "Int64", "resolved": "Int64"}
    )


def rules_json(tables: dict[str, pd.DataFrame] | None = None) -> list[dict]:
    """Every rule, described with the thresholds of the trial's settings (the defaults
    without ``tables``)."""
    rules = RULES if tables is None else rules_for(settings_from_tables(tables))
    return [
        {"id": r.id, "severity": r.severity, "title": r.title, "description": r.description}
        for r in rules
    ]


def quality_json(tables: dict[str, pd.DataFrame], data_cut) -> dict:
    """``rules``, ``findings`` (``rule, severity, patient_id, site_id, date, detail``) and
    ``by_site`` (``site_id, rule, count``): the ``stats quality`` panel."""
    findings = quality_findings(tables, data_cut)
    listed = findings.assign(
        date=findings["date"]
        .dt.strftime("%Y-%m-%d")
        .astype(object)
        .where(findings["date"].notna(), None)
    )
    listed = listed.astype(object).where(listed.notna(), None)
    by_site = findings_by_site(findings)
    return {
        "rules": rules_json(tables),
        "findings": listed[["rule", "severity", "patient_id", "site_id", "date", "detail"]].to_dict(
            "records"
        ),
        "by_site": [
            {"site_id": r.site_id, "rule": r.rule, "count": int(r.count)}
            for r in by_site.itertuples(index=False)
        ],
    }


def scoped_json(result: dict, site: str | None, patient_level: bool) -> dict:
    """:func:`quality_json`'s answer as one user may see it: the findings and counts of
    ``site`` only when given (a site-bound investigator's), and no finding (so no
    patient id) unless ``patient_level`` (the sponsor gets ``rules`` and ``by_site``)."""

    def kept(rows: list[dict]) -> list[dict]:
        return [r for r in rows if site is None or r["site_id"] == site]

    scoped = {"rules": result["rules"], "by_site": kept(result["by_site"])}
    if patient_level:
        scoped["findings"] = kept(result["findings"])
    return scoped
