"""Tables of the DSMB reports that the pages do not show as such.

The open report goes to investigators and the sponsor, so its serious events and deaths
are counts (by preferred term, by cause), never patient rows. Both reports end with a
summary of the records that loaded with a remark: dates completed from partial dates
and grades derived from a severity.

References
----------
FDA, *Establishment and Operation of Clinical Trial Data Monitoring Committees* (2006),
section 4.4.1: open reports hold aggregate data only; patient listings belong to the
closed report.
"""

from __future__ import annotations

import pandas as pd

from analysis.safety import SafetyReport


def serious_by_term(report: SafetyReport) -> pd.DataFrame:
    """``term, events, patients`` of the serious events, most events first."""
    listing = report.serious_listing
    if listing.empty:
        return pd.DataFrame({"term": [], "events": [], "patients": []})
    grouped = listing.groupby("term")
    out = pd.DataFrame(
        {"events": grouped.size(), "patients": grouped["patient_id"].nunique()}
    ).reset_index()
    return out.sort_values(["events", "term"], ascending=[False, True], ignore_index=True)


def deaths_by_cause(report: SafetyReport) -> pd.DataFrame:
    """``cause, deaths, non_relapse`` (deaths without relapse), most deaths first;
    a death with no cause recorded counts under "not recorded"."""
    listing = report.deaths.listing
    if listing.empty:
        return pd.DataFrame({"cause": [], "deaths": [], "non_relapse": []})
    cause = listing["cause"].fillna("not recorded").astype(str)
    grouped = listing.assign(cause=cause).groupby("cause")
    out = pd.DataFrame(
        {"deaths": grouped.size(), "non_relapse": grouped["nrm"].sum().astype(int)}
    ).reset_index()
    return out.sort_values(["deaths", "cause"], ascending=[False, True], ignore_index=True)


def completed_records(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Records whose dates were completed from partial dates (``imputed`` set), by
    table, and adverse events whose grade was derived from a severity."""
    out = {}
    for name, frame in tables.items():
        if "imputed" in frame and len(frame):
            n = int(frame["imputed"].fillna("").astype(str).str.len().gt(0).sum())
            if n:
                out[f"{name}: partial dates completed"] = n
    events = tables.get("adverse_events")
    if events is not None and "grade_from_severity" in events:
        n = int(events["grade_from_severity"].fillna(False).astype(bool).sum())
        if n:
            out["adverse_events: grade derived from severity"] = n
    return out


def change_counts(changes: dict) -> dict[str, int]:
    """How many new serious events, other new events, new deaths and changes a
    :func:`analysis.safety_changes.safety_changes` comparison holds (the open report's
    "new since the review", without patients)."""
    new = [row["what"] for row in changes["new"]]
    deaths = sum(what == "death" for what in new)
    serious = sum(what.startswith("serious adverse event") for what in new)
    return {
        "New serious adverse events": serious,
        "Other new adverse events (GVHD included)": len(new) - serious - deaths,
        "New deaths": deaths,
        "Changes to earlier events and deaths": len(changes["changed"]),
    }


def patients_with_new_serious_events(changes: dict) -> list[str]:
    """The patients with a serious event or a death new or changed since the earlier
    version, in id order: the closed report's one-page profiles."""
    serious = ("serious adverse event", "death", "date of death", "cause of death")
    return sorted(
        {
            row["patient_id"]
            for kind in ("new", "changed")
            for row in changes[kind]
            if row["what"].startswith(serious)
        }
    )
