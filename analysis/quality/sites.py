"""Sites: dormant ones, and milestones recorded out of order.

Dormant sites: recruiting on paper, enrolling no one.

A site whose status is ``recruiting`` and which has enrolled nobody in the last
``dormant_days`` before the data cut (counted from its activation when it has never
enrolled) needs a call from the sponsor: a lost referral pathway, a departed
investigator, or a status to update. The enrollment dates are those of the Sites page
(:func:`analysis.sites.site_metrics`).

Milestones out of order: ethics approval and contract, then the initiation visit,
activation and closure (:data:`analysis.sites.MILESTONE_ORDER`). With a milestone
missing, those on either side of it are compared. Milestones after the data cut have not
happened yet and are not compared.
"""

from __future__ import annotations

import pandas as pd

from analysis.quality.context import Context
from analysis.quality.findings import iso, make
from analysis.quality.rules import SITE_DATES, SITE_DORMANT
from analysis.sites import MILESTONE_ORDER, site_metrics


def dormant_findings(ctx: Context) -> pd.DataFrame:
    """One finding per recruiting site without an enrollment in the dormant period."""
    limit = ctx.settings.dormant_days
    metrics = site_metrics(ctx.tables, ctx.cut.date())
    recruiting = metrics[metrics["status"] == "recruiting"]
    activated = recruiting["activated_on"].where(recruiting["activated_on"] <= ctx.cut)
    since = recruiting["last_enrolled_on"].where(recruiting["last_enrolled_on"].notna(), activated)
    idle = (ctx.cut - since).dt.days
    dormant = recruiting[idle > limit]
    detail = [
        (
            f"recruiting, no enrollment since {iso(day)}"
            if pd.notna(last)
            else f"recruiting, no enrollment since activation on {iso(day)}"
        )
        + f": {n} days before the data cut {iso(ctx.cut)} (more than {limit})"
        for day, last, n in zip(
            since[dormant.index], dormant["last_enrolled_on"], idle[dormant.index], strict=True
        )
    ]
    patients = [None] * len(dormant)
    return make(SITE_DORMANT, patients, dormant["site_id"], since[dormant.index], detail)


def _words(column: str) -> str:
    return column.removesuffix("_on").replace("_", " ")


def _order_problems(site: pd.Series) -> list[tuple[pd.Timestamp, str]]:
    """``(date, words)`` of each milestone of ``site`` dated before one that precedes it
    (the nearest recorded one of each earlier step)."""
    problems = []
    for level, later_columns in enumerate(MILESTONE_ORDER):
        for later in later_columns:
            if pd.isna(site[later]):
                continue
            for earlier_columns in reversed(MILESTONE_ORDER[:level]):
                known = [c for c in earlier_columns if pd.notna(site[c])]
                for earlier in known:
                    if site[later] < site[earlier]:
                        problems.append(
                            (site[later], f"{_words(later)} on {iso(site[later])}, before "
                             f"{_words(earlier)} on {iso(site[earlier])}")
                        )  # fmt: skip
                if known:
                    break
    return problems


def milestone_order_findings(ctx: Context) -> pd.DataFrame:
    """One finding per site whose milestones (known at the cut) are out of order."""
    sites = ctx.rows("sites")
    if sites.empty:
        return make(SITE_DATES, [], [], [], [])
    columns = [c for step in MILESTONE_ORDER for c in step]
    known = sites[columns].where(sites[columns] <= ctx.cut)
    rows = []
    for site_id, (_, dates) in zip(sites["site_id"], known.iterrows(), strict=True):
        problems = _order_problems(dates)
        if problems:
            rows.append((site_id, problems[0][0], "; ".join(words for _, words in problems)))
    site_ids = [r[0] for r in rows]
    return make(
        SITE_DATES, [None] * len(rows), site_ids, [r[1] for r in rows], [r[2] for r in rows]
    )
