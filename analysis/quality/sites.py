"""Dormant sites: recruiting on paper, enrolling no one.

A site whose status is ``recruiting`` and which has enrolled nobody in the last
``dormant_days`` before the data cut (counted from its activation when it has never
enrolled) needs a call from the sponsor: a lost referral pathway, a departed
investigator, or a status to update. The enrollment dates are those of the Sites page
(:func:`analysis.sites.site_metrics`).
"""

from __future__ import annotations

import pandas as pd

from analysis.quality.context import Context
from analysis.quality.findings import iso, make
from analysis.quality.rules import SITE_DORMANT
from analysis.sites import site_metrics


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
