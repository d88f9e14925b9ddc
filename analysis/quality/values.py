"""Implausible lab values: above what a body can hold, or negative.

An ANC above 100 x10^9/L or platelets above 2000 x10^9/L are almost always counts
entered in another unit (per microlitre instead of 10^9/L), and a blast percentage
cannot exceed 100. Such a value silently moves a recovery day or a day-90 value, so
each is listed for correction. The limits are settings
(:class:`~analysis.quality.settings.QualitySettings`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.quality.context import Context
from analysis.quality.findings import empty, iso, make, number
from analysis.quality.rules import LAB_IMPLAUSIBLE

BLAST_TESTS = ("PB_BLAST_PCT", "BM_BLAST_PCT")


def upper_limits(ctx: Context, tests: pd.Series) -> pd.Series:
    """The highest plausible value of each lab row's test (infinite when none is set)."""
    s = ctx.settings
    limits = {"ANC": s.max_anc, "PLT": s.max_platelets}
    limits.update(dict.fromkeys(BLAST_TESTS, s.max_blasts_percent))
    return tests.map(limits).astype(float).fillna(np.inf)


def implausible_findings(ctx: Context) -> pd.DataFrame:
    """One finding per lab result above its test's limit or below zero."""
    labs = ctx.rows("lab_results")
    if labs.empty:
        return empty()
    limit = upper_limits(ctx, labs["test"])
    bad = labs[(labs["value"] > limit) | (labs["value"] < 0)]
    transplant_on = bad["patient_id"].map(ctx.patients["transplant_on"])
    day = (bad["sampled_on"] - transplant_on).dt.days
    detail = []
    for test, value, unit, sampled, d, top in zip(
        bad["test"], bad["value"], bad["unit"], bad["sampled_on"], day, limit[bad.index],
        strict=True,
    ):  # fmt: skip
        when = f"{iso(sampled)}" + ("" if pd.isna(d) else f" (day {int(d)})")
        why = "negative" if value < 0 else f"above {number(top)}, a unit error?"
        shown = f"x{unit}" if str(unit).startswith("10^") else unit
        detail.append(f"{test} {number(value)} {shown} on {when}: {why}")
    return make(
        LAB_IMPLAUSIBLE,
        bad["patient_id"],
        ctx.site_of(bad["patient_id"]),
        bad["sampled_on"],
        detail,
    )
