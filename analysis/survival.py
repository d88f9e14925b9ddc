"""Kaplan–Meier estimates, log-rank test and reverse-KM follow-up, computed as R does.

Every number here is meant to agree with R's ``survival`` package (Therneau), the
reference the trial statisticians check against:

- :func:`kaplan_meier` is ``survfit(Surv(time, status) ~ 1, conf.type=...)``, its
  steps are ``summary(fit, censored=TRUE)`` and its median with confidence interval
  is what ``print(fit)`` reports;
- :func:`survival_at` is ``summary(fit, times=t)``;
- :func:`logrank` is ``survdiff(Surv(time, status) ~ group)`` (``rho = 0``);
- :func:`reverse_km_median_follow_up` is the median of
  ``survfit(Surv(time, 1 - status) ~ 1)`` (Schemper & Smith 1996).

What lifelines (0.30) gives and lacks
-------------------------------------
The product-limit estimate and the event table come from
``lifelines.KaplanMeierFitter``. Everything else is computed here because
lifelines does not match R on these points (each checked against lifelines 0.30.3):

- ``KaplanMeierFitter`` has only the log-log ("exponential Greenwood") interval;
  R's default ``log`` and the ``plain`` interval are not available;
- where the curve reaches 0 its log-log limits come out as 0 and 0, where R reports
  ``NA`` (no interval can be formed on the log scale at S = 0);
- it does not expose the Greenwood standard error of S (R's ``summary`` ``std.err``);
- its median (``qth_survival_time``) is the first time S <= 0.5, without R's
  midpoint rule for a curve that is flat at exactly 0.5, it returns ``inf`` rather
  than a missing value, and it has no median confidence interval in R's sense;
- ``lifelines.statistics.multivariate_logrank_test`` uses k - 1 degrees of freedom
  and a pseudo-inverse even when a group has no expected events; ``survdiff``
  drops such groups first (see :func:`logrank`).

References
----------
Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
JASA 53:457-481. Greenwood M (1926). The natural duration of cancer. Brookmeyer R,
Crowley J (1982). A confidence interval for the median survival time. Biometrics
38:29-41. Schemper M, Smith TL (1996). A note on quantifying follow-up in studies of
failure time. Controlled Clinical Trials 17:343-346. Therneau T. survival: R
package, functions ``survfit_confint``, ``survmean`` (``print.survfit``) and
``survdiff``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy import stats

CONF_TYPES = ("log", "log-log", "plain")
_TOLERANCE = math.sqrt(np.finfo(float).eps)  # as R's survmean (all.equal tolerance)


@dataclass(frozen=True)
class KaplanMeierStep:
    """One row of the curve: a distinct time with at least one event or censoring."""

    time: float
    n_at_risk: int
    n_events: int
    n_censored: int
    survival: float
    std_err: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan–Meier curve with its pointwise confidence band and median."""

    n: int
    events: int
    conf_type: str
    conf_level: float
    steps: tuple[KaplanMeierStep, ...]
    median: float | None
    median_ci: tuple[float | None, float | None]

    def to_frame(self) -> pd.DataFrame:
        """The steps as a DataFrame, one row per step (``None`` shown as NaN)."""
        columns = list(KaplanMeierStep.__dataclass_fields__)
        return pd.DataFrame([[getattr(s, c) for c in columns] for s in self.steps], columns=columns)


@dataclass(frozen=True)
class SurvivalAt:
    """The curve read at one time, as R's ``summary(fit, times=t)``."""

    time: float
    n_at_risk: int
    survival: float | None
    std_err: float | None
    ci_lower: float | None
    ci_upper: float | None


@dataclass(frozen=True)
class LogRank:
    """Log-rank test: chi-square statistic, its degrees of freedom and p-value."""

    chi2: float
    df: int
    p: float


@dataclass(frozen=True)
class MedianFollowUp:
    """Median potential follow-up by the reverse Kaplan–Meier method, with its CI."""

    n: int
    median: float | None
    ci_lower: float | None
    ci_upper: float | None


def _check_inputs(time, event) -> tuple[np.ndarray, np.ndarray]:
    time = np.asarray(time, dtype=float).reshape(-1)
    event_raw = np.asarray(event).reshape(-1)
    if time.size == 0:
        raise ValueError("no observations: pass at least one time and event indicator")
    if time.size != event_raw.size:
        raise ValueError(
            f"time and event differ in length ({time.size} and {event_raw.size}); "
            "pass one event indicator per time"
        )
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        raise ValueError("times must be finite and non-negative; drop or fix missing times")
    try:
        event_num = event_raw.astype(float)
    except (TypeError, ValueError):
        raise ValueError("event must be 0/1 or True/False (1 = event, 0 = censored)") from None
    if not np.all(np.isin(event_num, (0.0, 1.0))):
        raise ValueError("event must be 0/1 or True/False (1 = event, 0 = censored)")
    return time, event_num.astype(int)


def _check_conf(conf_type: str, conf_level: float) -> float:
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(CONF_TYPES)}, not {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ValueError(
            f"conf_level must lie strictly between 0 and 1, e.g. 0.95; got {conf_level}"
        )
    return float(stats.norm.ppf(1 - (1 - conf_level) / 2))


def _confint(p: float, se: float, conf_type: str, z: float) -> tuple[float | None, float | None]:
    """Pointwise limits as R's ``survfit_confint`` with ``logse=TRUE``.

    ``se`` is the standard error of the cumulative hazard, i.e. of log S (Greenwood).
    With ``se == 0`` both limits equal ``p``; a limit R reports as ``NA`` is ``None``.
    """
    if se == 0:
        return p, p
    if conf_type == "plain":
        half = se * p * z  # inf * 0 at S = 0 is NaN in R: no interval
        if not math.isfinite(half):
            return None, None
        return max(p - half, 0.0), min(p + half, 1.0)
    if conf_type == "log":
        if p == 0 or not math.isfinite(se):
            return None, None
        return math.exp(math.log(p) - z * se), min(math.exp(math.log(p) + z * se), 1.0)
    # log-log
    if p in (0.0, 1.0) or not math.isfinite(se):
        return None, None
    shift = z * se / math.log(p)
    centre = math.log(-math.log(p))
    return math.exp(-math.exp(centre - shift)), math.exp(-math.exp(centre + shift))


def _first_at_or_below(values: Sequence[float | None], times: Sequence[float]) -> float | None:
    """R ``survmean``'s ``minmin``: the first time the curve is <= 0.5.

    Missing values are skipped. If the curve is exactly 0.5 (within sqrt(eps)) there
    and drops below later, the answer is the midpoint between that time and the time
    of the drop; if it never drops below 0.5, it is the first time at 0.5.
    """
    kept = [
        (t, v) for t, v in zip(times, values, strict=True) if v is not None and v < 0.5 + _TOLERANCE
    ]
    if not kept:
        return None
    first_time, first_value = kept[0]
    if abs(first_value - 0.5) < _TOLERANCE:
        lower = [t for t, v in kept if v < first_value]
        if lower:
            return (first_time + lower[0]) / 2
    return first_time


def kaplan_meier(time, event, *, conf_type: str = "log", conf_level: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier (product-limit) estimate with Greenwood standard errors.

    Parameters
    ----------
    time : array-like of float
        Follow-up time of each subject (days here), finite and >= 0.
    event : array-like of {0, 1} or bool
        1 if the event was observed at ``time``, 0 if the subject was censored then.
        At a tied time, events are counted before censorings (the censored subject is
        still at risk), as in R.
    conf_type : {"log", "log-log", "plain"}
        Transform for the pointwise interval, R's ``conf.type``. ``"log"`` (R's
        default): ``exp(log S ± z·se)`` with the upper limit capped at 1;
        ``"log-log"``: ``exp(-exp(log(-log S) ∓ z·se/log S))``; ``"plain"``:
        ``S ± z·S·se`` clipped to [0, 1]; ``se`` is the Greenwood standard error of
        log S.
    conf_level : float
        Confidence level, R's ``conf.int``.

    Returns
    -------
    KaplanMeier
        One step per distinct time with an event or a censoring. ``std_err`` is the
        Greenwood standard error of S, R's ``summary()`` ``std.err``. Where S reaches
        0 the standard error and the limits are ``None`` (R: ``NaN``/``NA``). The
        median and its interval are what R's ``print(survfit)`` shows: the first time
        the curve (lower band, upper band) is at or below 0.5, the Brookmeyer–Crowley
        interval read off the transformed band; ``None`` when not reached.

    Notes
    -----
    R: ``survfit(Surv(time, event) ~ 1, conf.type=conf_type, conf.int=conf_level)``.

    References
    ----------
    Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
    J Am Stat Assoc 53:457-481.
    Greenwood M (1926). The natural duration of cancer. Reports on Public Health and
    Medical Subjects 33. HMSO, London.
    Brookmeyer R, Crowley J (1982). A confidence interval for the median survival time.
    Biometrics 38:29-41.
    Therneau TM (2024). A package for survival analysis in R (``survival``), ``survfit``.
    """
    time, event = _check_inputs(time, event)
    z = _check_conf(conf_type, conf_level)
    fitter = KaplanMeierFitter().fit(time, event_observed=event)
    table = fitter.event_table
    table = table[table["removed"] > 0]
    survival = fitter.survival_function_.iloc[:, 0].reindex(table.index).to_numpy()

    steps = []
    greenwood = 0.0  # running sum of d / (n (n - d)): the variance of log S
    for (t, row), s in zip(table.iterrows(), survival, strict=True):
        n, d = int(row["at_risk"]), int(row["observed"])
        if d:
            greenwood += math.inf if n == d else d / (n * (n - d))
        s = 0.0 if n == d and d else float(s)
        se_log = math.sqrt(greenwood)
        std_err = s * se_log if math.isfinite(se_log) else None
        lower, upper = _confint(s, se_log, conf_type, z)
        steps.append(
            KaplanMeierStep(
                time=float(t),
                n_at_risk=n,
                n_events=d,
                n_censored=int(row["censored"]),
                survival=s,
                std_err=std_err,
                ci_lower=lower,
                ci_upper=upper,
            )
        )

    times = [s.time for s in steps]
    median = _first_at_or_below([s.survival for s in steps], times)
    median_ci = (
        _first_at_or_below([s.ci_lower for s in steps], times),
        _first_at_or_below([s.ci_upper for s in steps], times),
    )
    return KaplanMeier(
        n=int(time.size),
        events=int(event.sum()),
        conf_type=conf_type,
        conf_level=conf_level,
        steps=tuple(steps),
        median=median,
        median_ci=median_ci,
    )


def survival_at(km: KaplanMeier, t: float) -> SurvivalAt:
    """The curve at time ``t`` with its interval, as R's ``summary(fit, times=t)``.

    Before the first step the survival is 1 with standard error 0 and interval
    [1, 1]; at or after a step it is that step's value (the curve is right-continuous).
    Past the last observed time R (``extend=FALSE``) prints nothing: the survival and
    limits are then ``None`` and ``n_at_risk`` is 0.

    Parameters
    ----------
    km : KaplanMeier
        A curve from :func:`kaplan_meier`.
    t : float
        The landmark time, e.g. 365.25 or 730.5 days.
    """
    if not math.isfinite(t) or t < 0:
        raise ValueError(f"the landmark time must be finite and >= 0, got {t}")
    later = [s for s in km.steps if s.time >= t]
    n_at_risk = later[0].n_at_risk if later else 0
    if not km.steps or t > km.steps[-1].time:
        return SurvivalAt(t, 0, None, None, None, None)
    before = [s for s in km.steps if s.time <= t]
    if not before:
        return SurvivalAt(t, n_at_risk, 1.0, 0.0, 1.0, 1.0)
    s = before[-1]
    return SurvivalAt(t, n_at_risk, s.survival, s.std_err, s.ci_lower, s.ci_upper)


def logrank(time, event, group) -> LogRank:
    """Log-rank test of equal survival across groups, as R's ``survdiff``.

    Observed and expected events per group are summed over the distinct event times
    with the hypergeometric variance; groups with no expected events are dropped and
    the statistic uses the remaining k groups with k - 1 degrees of freedom, as
    ``survdiff`` does.

    Parameters
    ----------
    time, event : array-like
        As for :func:`kaplan_meier`.
    group : array-like
        Group label of each subject (no missing values: drop them first).

    Raises
    ------
    ValueError
        If fewer than two groups have subjects at risk at an event time (R then
        reports a statistic of 0, which is no test).

    Notes
    -----
    R: ``survdiff(Surv(time, event) ~ group)``.

    References
    ----------
    Mantel N (1966). Evaluation of survival data and two new rank order statistics
    arising in its consideration. Cancer Chemother Rep 50:163-170.
    Peto R, Peto J (1972). Asymptotically efficient rank invariant test procedures.
    J R Stat Soc A 135:185-207.
    """
    time, event = _check_inputs(time, event)
    group = pd.Series(np.asarray(group, dtype=object).reshape(-1))
    if len(group) != len(time):
        raise ValueError("group must have one label per time")
    if group.isna().any():
        raise ValueError("group has missing labels; drop those subjects or label them")
    labels = sorted(group.unique(), key=str)
    codes = group.map({g: i for i, g in enumerate(labels)}).to_numpy()
    k = len(labels)
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for t in np.unique(time[event == 1]):
        at_risk = np.bincount(codes[time >= t], minlength=k).astype(float)
        deaths = np.bincount(codes[(time == t) & (event == 1)], minlength=k).astype(float)
        n, d = at_risk.sum(), deaths.sum()
        observed += deaths
        expected += at_risk * d / n
        if n > 1:
            share = at_risk / n
            variance += d * (n - d) / (n - 1) * (np.diag(share) - np.outer(share, share))
    keep = expected > 0
    if keep.sum() < 2:
        raise ValueError(
            "the log-rank test needs at least two groups with subjects at risk at an event time"
        )
    diff = (observed - expected)[keep][1:]
    v = variance[np.ix_(keep, keep)][1:, 1:]
    chi2 = float(diff @ np.linalg.solve(v, diff))
    df = int(keep.sum() - 1)
    return LogRank(chi2=chi2, df=df, p=float(stats.chi2.sf(chi2, df)))


def reverse_km_median_follow_up(
    time, event, *, conf_type: str = "log", conf_level: float = 0.95
) -> MedianFollowUp:
    """Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996).

    The censoring indicator is reversed (censored subjects become "events", deaths
    become censored at their death) and the median of that Kaplan–Meier curve is the
    median potential follow-up, with R's median interval on the chosen transform.

    Notes
    -----
    R: ``survfit(Surv(time, 1 - event) ~ 1)``, read with ``print``; also
    ``prodlim::prodlim(..., reverse=TRUE)``.

    References
    ----------
    Schemper M, Smith TL (1996). A note on quantifying follow-up in studies of failure
    time. Control Clin Trials 17:343-346.
    """
    time, event = _check_inputs(time, event)
    km = kaplan_meier(time, 1 - event, conf_type=conf_type, conf_level=conf_level)
    return MedianFollowUp(
        n=km.n, median=km.median, ci_lower=km.median_ci[0], ci_upper=km.median_ci[1]
    )
