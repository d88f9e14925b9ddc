"""Findings counted by site, and what changed between two runs of the rules.

Between two data versions a finding is the same finding when it has the same rule,
patient, site and detail (the detail holds the values and dates, so a corrected value
resolves the old finding and, if still wrong, raises a new one). Identical findings are
paired in their order, so two equal findings before and three after make one new.
"""

from __future__ import annotations

import pandas as pd

from analysis.quality.findings import COLUMNS, sort_findings
from analysis.quality.rules import RULE_ORDER

MATCH = ["rule", "patient_id", "site_id", "detail"]
CHANGES = ("new", "resolved")


def findings_by_site(findings: pd.DataFrame) -> pd.DataFrame:
    """Number of findings per site and rule: ``site_id, rule, count``.

    Only pairs with at least one finding; sorted by site, then rule in display order.
    """
    if findings.empty:
        return pd.DataFrame({"site_id": [], "rule": [], "count": []}).astype({"count": "int64"})
    counts = findings.groupby(["site_id", "rule"], sort=False).size().rename("count")
    counts = counts.reset_index()
    order = counts.assign(position=counts["rule"].map(RULE_ORDER))
    order = order.sort_values(["site_id", "position"], kind="mergesort")
    return order[["site_id", "rule", "count"]].reset_index(drop=True)


def _keyed(findings: pd.DataFrame) -> pd.DataFrame:
    """``findings`` with a text key of the matched columns and its occurrence number."""
    key = findings[MATCH].astype(object).where(findings[MATCH].notna(), "").astype(str)
    key = key.agg("\x1f".join, axis=1) if len(key) else pd.Series([], dtype=object)
    out = findings.assign(_key=key.to_numpy())
    return out.assign(_nth=out.groupby("_key").cumcount())


def finding_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Findings of ``after`` not in ``before`` (``new``) and the reverse (``resolved``).

    Returns the columns of a findings table after a first column ``change``; the new
    findings come first, each group in the findings' order.
    """
    old, new = _keyed(before), _keyed(after)
    keys = ["_key", "_nth"]
    added = new.merge(old[keys], on=keys, how="left", indicator=True)
    gone = old.merge(new[keys], on=keys, how="left", indicator=True)
    parts = [
        sort_findings(frame.loc[frame["_merge"] == "left_only", COLUMNS]).assign(change=change)
        for frame, change in ((added, "new"), (gone, "resolved"))
    ]
    out = pd.concat(parts, ignore_index=True)
    return out[["change", *COLUMNS]]
