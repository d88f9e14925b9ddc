"""Best overall response and response rates with exact (Clopper–Pearson) intervals.

Order of responses
------------------
Best response is the best assessment within ``horizon_days`` (2 years) of
enrollment, in the order

    CR > CRh > CRi > PR > SD > PD = relapse > NE.

CRh (complete remission with partial haematological recovery: ANC > 0.5 and
platelets > 50 × 10^9/L) is ranked above CRi (incomplete recovery) as in the ELN
2022 AML recommendations (Döhner et al., Blood 2022;140:1345-1377), because CRh
requires the better count recovery; a patient in CRh also meets the CRi criteria,
so CRh counts towards the "CR + CRi" rate. PD and relapse are equally bad; between
them the earlier assessment is reported. A patient with no assessment in the window,
or only ``NE`` ones, is not evaluable (``NE``) and stays in the denominator: rates
are over all enrolled patients (intention to treat).

References
----------
Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
in the case of the binomial. Biometrika 26:404-413. R: ``binom.test(k, n)$conf.int``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import stats

RESPONSE_ORDER = ("CR", "CRh", "CRi", "PR", "SD", "PD", "relapse", "NE")
_RANK = {"CR": 0, "CRh": 1, "CRi": 2, "PR": 3, "SD": 4, "PD": 5, "relapse": 5, "NE": 6}
CR_CATEGORIES = ("CR",)
CR_CRI_CATEGORIES = ("CR", "CRh", "CRi")


@dataclass(frozen=True)
class BinomialCI:
    """A proportion with its exact confidence interval (``None`` when n = 0)."""

    k: int
    n: int
    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True)
class ResponseSummary:
    """Best-response counts and CR / CR+CRi rates over all enrolled patients."""

    n: int
    best: dict[str, int]
    cr_rate: BinomialCI
    cr_cri_rate: BinomialCI


def clopper_pearson(k: int, n: int, level: float = 0.95) -> BinomialCI:
    """Exact (Clopper–Pearson) confidence interval for a binomial proportion.

    The limits are beta quantiles: lower ``Beta(α/2; k, n-k+1)`` (0 when k = 0),
    upper ``Beta(1-α/2; k+1, n-k)`` (1 when k = n), with α = 1 - level.

    Parameters
    ----------
    k : int
        Number of successes, 0 <= k <= n.
    n : int
        Number of trials, >= 1.
    level : float
        Confidence level, strictly between 0 and 1.

    Notes
    -----
    R: ``binom.test(k, n, conf.level=level)$conf.int``.
    """
    if isinstance(k, bool) or isinstance(n, bool) or int(k) != k or int(n) != n:
        raise ValueError(f"k and n must be whole numbers, got k={k!r}, n={n!r}")
    k, n = int(k), int(n)
    if n < 1:
        raise ValueError("n must be at least 1: an interval needs at least one trial")
    if not 0 <= k <= n:
        raise ValueError(f"k must lie between 0 and n={n}, got {k}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, e.g. 0.95; got {level}")
    alpha = 1 - level
    lower = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return BinomialCI(k=k, n=n, estimate=k / n, ci_lower=lower, ci_upper=upper)


def _rate(k: int, n: int, level: float) -> BinomialCI:
    if n == 0:
        return BinomialCI(k=0, n=0, estimate=None, ci_lower=None, ci_upper=None)
    return clopper_pearson(k, n, level)


def best_response(
    responses_df: pd.DataFrame,
    enrolled_df: pd.DataFrame,
    horizon_days: float = 730,
    *,
    data_cut=None,
) -> pd.Series:
    """Best response of each enrolled patient within ``horizon_days`` of enrollment.

    Parameters
    ----------
    responses_df : DataFrame
        Columns ``patient_id, assessed_on, response`` (response in
        :data:`RESPONSE_ORDER`).
    enrolled_df : DataFrame
        Columns ``patient_id, enrolled_on``; patients without ``enrolled_on`` are
        left out (screened only).
    horizon_days : float
        Assessments from day 0 to this day after enrollment count (730 = 2 years).
    data_cut : date-like, optional
        Assessments after it are ignored.

    Returns
    -------
    Series
        Indexed by ``patient_id`` (all enrolled patients), values in
        :data:`RESPONSE_ORDER`; ``"NE"`` for a patient without an evaluable
        assessment in the window. See the module docstring for the order.
    """
    for frame, needed, name in (
        (responses_df, ("patient_id", "assessed_on", "response"), "responses_df"),
        (enrolled_df, ("patient_id", "enrolled_on"), "enrolled_df"),
    ):
        missing = [c for c in needed if c not in frame]
        if missing:
            raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
    if horizon_days < 0:
        raise ValueError(f"horizon_days must be >= 0, got {horizon_days}")
    unknown = sorted(set(responses_df["response"].dropna()) - set(_RANK))
    if unknown:
        raise ValueError(
            f"unknown response value(s) {unknown}; allowed: {', '.join(RESPONSE_ORDER)}"
        )

    enrolled = enrolled_df.loc[enrolled_df["enrolled_on"].notna(), ["patient_id", "enrolled_on"]]
    enrolled = enrolled.astype({"patient_id": object})
    if enrolled["patient_id"].duplicated().any():
        raise ValueError(
            "enrolled_df has duplicate patient_id values; each patient must appear once"
        )
    result = pd.Series("NE", index=pd.Index(enrolled["patient_id"], name="patient_id"), name="best")
    assessed = responses_df.dropna(subset=["response", "assessed_on"]).astype(
        {"patient_id": object}
    )
    merged = assessed.merge(enrolled, on="patient_id")
    day = (pd.to_datetime(merged["assessed_on"]) - pd.to_datetime(merged["enrolled_on"])).dt.days
    keep = (day >= 0) & (day <= horizon_days)
    if data_cut is not None:
        keep &= pd.to_datetime(merged["assessed_on"]) <= pd.Timestamp(data_cut)
    merged = merged[keep].assign(rank=lambda f: f["response"].map(_RANK))
    if not merged.empty:
        merged = merged.sort_values(["patient_id", "rank", "assessed_on"], kind="mergesort")
        firsts = merged.drop_duplicates("patient_id").set_index("patient_id")["response"]
        result.loc[firsts.index] = firsts
    return result


def response_summary(
    responses_df: pd.DataFrame,
    enrolled_df: pd.DataFrame,
    horizon_days: float = 730,
    *,
    level: float = 0.95,
    data_cut=None,
) -> ResponseSummary:
    """Best-response counts, CR rate and CR+CRi rate with Clopper–Pearson intervals.

    The denominator is every enrolled patient; not evaluable patients count as
    non-responders. ``cr_cri_rate`` counts CR, CRh and CRi (see the module docstring).
    Arguments are those of :func:`best_response`, plus the confidence ``level``.
    """
    best = best_response(responses_df, enrolled_df, horizon_days, data_cut=data_cut)
    counts = {category: int((best == category).sum()) for category in RESPONSE_ORDER}
    n = len(best)
    return ResponseSummary(
        n=n,
        best=counts,
        cr_rate=_rate(sum(counts[c] for c in CR_CATEGORIES), n, level),
        cr_cri_rate=_rate(sum(counts[c] for c in CR_CRI_CATEGORIES), n, level),
    )
