"""Eligibility at entry: the protocol deviations of enrolled patients.

MTSA enrolls patients aged 60 to 74 with intermediate- or adverse-risk cytogenetics who
are in complete remission after induction. The import loads a patient outside these
(the investigators must see it, not lose it); these rules name each deviation. The
remission at entry is a CR, CRh or CRi assessment (the "CR + CRi" categories of
:mod:`analysis.response`: each has under 5% marrow blasts) in the window before
enrollment, the enrollment day included.
"""

from __future__ import annotations

import pandas as pd

from analysis.quality.context import Context
from analysis.quality.findings import iso, make
from analysis.quality.rules import ELIG_AGE, ELIG_CR, ELIG_CYTO
from analysis.response import CR_CRI_CATEGORIES


def age_findings(ctx: Context) -> pd.DataFrame:
    """Enrolled patients outside the eligible ages, or without an age."""
    s, enrolled = ctx.settings, ctx.enrolled
    age = enrolled["age"]
    bad = enrolled[age.isna() | (age < s.min_age) | (age > s.max_age)]
    detail = [
        f"age not recorded: eligibility ({s.min_age}-{s.max_age}) cannot be checked"
        if pd.isna(a)
        else f"age {int(a)} at enrollment on {iso(day)}: outside {s.min_age}-{s.max_age}"
        for a, day in zip(bad["age"], bad["enrolled_on"], strict=True)
    ]
    return make(ELIG_AGE, bad.index, bad["site_id"], bad["enrolled_on"], detail)


def cytogenetics_findings(ctx: Context) -> pd.DataFrame:
    """Enrolled patients whose cytogenetic risk is not eligible (favourable, or missing)."""
    allowed = ctx.settings.eligible_cytogenetics
    enrolled = ctx.enrolled
    bad = enrolled[~enrolled["cytogenetic_risk"].isin(allowed)]
    wanted = " or ".join(allowed)
    detail = [
        f"cytogenetic risk not recorded: eligibility ({wanted}) cannot be checked"
        if pd.isna(risk)
        else f"cytogenetic risk {risk}: not {wanted}"
        for risk in bad["cytogenetic_risk"]
    ]
    return make(ELIG_CYTO, bad.index, bad["site_id"], bad["enrolled_on"], detail)


def entry_remission(ctx: Context) -> pd.Series:
    """Per response assessment (the ``responses`` index): is it a remission at entry?"""
    responses = ctx.rows("responses")
    if responses.empty:
        return pd.Series(False, index=responses.index, dtype=bool)
    enrolled_on = responses["patient_id"].map(ctx.enrolled["enrolled_on"])
    days_before = (enrolled_on - responses["assessed_on"]).dt.days
    in_window = days_before.between(0, ctx.settings.cr_window_days)
    return in_window & responses["response"].isin(CR_CRI_CATEGORIES)


def remission_findings(ctx: Context) -> pd.DataFrame:
    """Enrolled patients without a complete remission assessed in the window at entry."""
    responses = ctx.rows("responses")
    window = ctx.settings.cr_window_days
    in_remission = set()
    latest_before: dict = {}
    if not responses.empty:
        in_remission = set(responses.loc[entry_remission(ctx), "patient_id"])
        enrolled_on = responses["patient_id"].map(ctx.enrolled["enrolled_on"])
        before = responses[responses["assessed_on"] <= enrolled_on].sort_values("assessed_on")
        latest_before = before.groupby("patient_id").last()[["assessed_on", "response"]]
        latest_before = latest_before.to_dict("index")
    bad = ctx.enrolled[~ctx.enrolled.index.isin(in_remission)]
    detail = []
    for patient, day in zip(bad.index, bad["enrolled_on"], strict=True):
        text = f"no CR, CRh or CRi assessed in the {window} days up to enrollment on {iso(day)}"
        last = latest_before.get(patient)
        if last is not None:
            text += (
                f" (latest assessment before it: {last['response']} on {iso(last['assessed_on'])})"
            )
        detail.append(text)
    return make(ELIG_CR, bad.index, bad["site_id"], bad["enrolled_on"], detail)
