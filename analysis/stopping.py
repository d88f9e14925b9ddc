"""Bayesian beta-binomial stopping boundary for early non-relapse mortality (NRM).

The rule: with a prior Beta(a, b) on the early-NRM rate p and k early deaths without
relapse among n evaluated patients, the posterior is Beta(a + k, b + n - k); the trial
meets the stopping rule when

    P(p > p0 | k of n) = 1 - I_p0(a + k, b + n - k) > cutoff,

where I_x is the regularised incomplete beta function. The boundary at n is the
smallest k for which this holds (none when even k = n does not reach it). Because
the posterior probability increases with k, a count at or above the boundary meets
the rule.

Defaults: p0 = 0.20 (an early NRM rate above 20% is unacceptable: elderly AML after
intensive chemotherapy has about 10% 30-day and 15-20% 60-day mortality, and NRM of
0-30% has been reported after micro-transplantation), cutoff 0.90,
window 100 days from enrollment, and the prior Beta(0.4, 1.6): mean 0.20 (= p0) and an
effective sample size a + b = 2 patients, the weakly informative prior Thall and
Simon recommend for the experimental arm so that the data dominate after a few
patients. With it no single death stops the trial (P = 0.82 after 1 of 1).

References
----------
Thall PF, Simon R (1994). Practical Bayesian guidelines for phase IIB clinical
trials. Biometrics 50:337-349.
Thall PF, Simon R, Estey EH (1995). Bayesian sequential monitoring designs for
single-arm clinical trials with multiple outcomes. Stat Med 14:357-379.
Geller NL, Follmann D, Leifer ES, Carter SL (2003). Design of early trials in stem
cell transplantation: a hybrid frequentist-Bayesian approach. In: Advances in
Clinical Trial Biostatistics, Marcel Dekker, 41-52.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import pandas as pd
from scipy import stats

from analysis.trial_settings import given_settings

ANCHORS = ("enrollment", "transplant")
SETTING_PREFIX = "stopping_"


@dataclass(frozen=True)
class StoppingRule:
    """Stop if P(early NRM rate > p0 | data) > cutoff, prior Beta(a, b).

    Parameters
    ----------
    a, b : float
        Prior Beta(a, b), both > 0. Default Beta(0.4, 1.6): mean p0, effective
        sample size 2 (Thall and Simon 1994).
    p0 : float
        Highest acceptable early NRM rate, in (0, 1). Default 0.20.
    cutoff : float
        Posterior probability above which the rule is met, in (0, 1). Default 0.90.
    window_days : int
        An NRM counts as early when it occurs within this many days of the anchor;
        a patient is evaluated once followed that long (or on early NRM or relapse).
    anchor : {"enrollment", "transplant"}
        Day 0 of the window. Default enrollment, so that deaths during
        post-remission chemotherapy before the infusion count too.
    """

    a: float = 0.4
    b: float = 1.6
    p0: float = 0.20
    cutoff: float = 0.90
    window_days: int = 100
    anchor: str = "enrollment"

    def __post_init__(self):
        if not (self.a > 0 and self.b > 0):
            raise ValueError(f"prior Beta(a, b) needs a > 0 and b > 0, got a={self.a}, b={self.b}")
        for name in ("p0", "cutoff"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ValueError(f"{name} must lie strictly between 0 and 1, got {value}")
        if int(self.window_days) != self.window_days or self.window_days <= 0:
            raise ValueError(f"window_days must be a positive whole number, got {self.window_days}")
        if self.anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {', '.join(ANCHORS)}, got {self.anchor!r}")

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> StoppingRule:
        """The rule from trial settings: keys ``stopping_a``, ``stopping_p0``, ...

        Missing or empty keys keep their defaults; other keys are ignored.
        """
        given = given_settings(settings, SETTING_PREFIX, [f.name for f in fields(cls)])
        values = {name: raw if name == "anchor" else float(raw) for name, raw in given.items()}
        if "window_days" in values:
            values["window_days"] = int(values["window_days"])
        return cls(**values)

    def describe(self) -> str:
        """The rule in one sentence for the page and the report."""
        return (
            f"Stop if P(early NRM rate > {self.p0:.0%} | data) > {self.cutoff:.2f}, "
            f"prior Beta({self.a:g}, {self.b:g}); early = within {self.window_days} days "
            f"of {self.anchor}."
        )


def posterior_probability(k: int, n: int, rule: StoppingRule) -> float:
    """P(rate > p0 | k events of n) under the prior of ``rule``."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    return float(stats.beta.sf(rule.p0, rule.a + k, rule.b + n - k))


def boundary_count(n: int, rule: StoppingRule, start: int = 0) -> int | None:
    """Smallest k with P(rate > p0 | k of n) > cutoff; None if no k <= n reaches it.

    ``start`` skips counts already known not to reach the cutoff: the posterior falls
    when a patient without the event is added, so the boundary at ``n - 1`` (or ``n``
    when there was none) is a valid start for ``n``, which makes tabulating the boundary
    for n = 1..N linear in N instead of quadratic.
    """
    for k in range(start, n + 1):
        if posterior_probability(k, n, rule) > rule.cutoff:
            return k
    return None


@dataclass(frozen=True)
class StoppingBoundary:
    """Boundary and observed early-NRM counts by number of patients evaluated.

    ``table`` has one row per n = 1..max(target, evaluated): ``n``, ``boundary``
    (nullable Int64), ``observed`` (nullable: the count after the n-th evaluated
    patient, missing beyond those evaluated) and ``posterior`` (P(rate > p0) at the
    observed count). ``evaluated`` and ``events`` are the current n and k.
    """

    rule: StoppingRule
    evaluated: int
    events: int
    boundary_now: int | None
    crossed: bool
    first_crossed_at: int | None
    table: pd.DataFrame

    @property
    def sentence(self) -> str:
        """'boundary not crossed (k of n, boundary at m)', or crossed, in plain words."""
        if self.evaluated == 0:
            reachable = self.table.dropna(subset=["boundary"])
            if reachable.empty:
                return "No patient evaluable yet for early NRM."
            first = reachable.iloc[0]
            return (
                "No patient evaluable yet for early NRM (the earliest stop would be "
                f"{int(first['boundary'])} of {int(first['n'])})."
            )
        at = "no boundary yet" if self.boundary_now is None else f"boundary at {self.boundary_now}"
        state = "Boundary crossed" if self.crossed else "Boundary not crossed"
        tail = ""
        if self.crossed:
            tail = f": the stopping rule was met at patient {self.first_crossed_at}"
        return f"{state} ({self.events} of {self.evaluated}, {at}){tail}."


def stopping_boundary(outcomes: pd.DataFrame, target: int, rule: StoppingRule) -> StoppingBoundary:
    """Evaluate the rule at each number of patients evaluated.

    Parameters
    ----------
    outcomes : DataFrame
        One row per evaluated patient with ``evaluated_on`` (date the patient became
        evaluable) and ``event`` (bool, early NRM); order by ``evaluated_on`` (ties by
        row order) gives the sequence in which the DSMB saw them.
    target : int
        Planned number of patients; the boundary is tabulated up to it.
    rule : StoppingRule

    Returns
    -------
    StoppingBoundary
    """
    ordered = outcomes.sort_values("evaluated_on", kind="stable")
    observed = ordered["event"].astype(bool).cumsum().astype(int).tolist()
    evaluated = len(observed)
    last = max(int(target or 0), evaluated, 1)
    rows = []
    first_crossed = None
    start = 0  # every k below it is known not to reach the cutoff (see boundary_count)
    for n in range(1, last + 1):
        bound = boundary_count(n, rule, start)
        start = n if bound is None else bound
        k = observed[n - 1] if n <= evaluated else None
        if k is not None and bound is not None and k >= bound and first_crossed is None:
            first_crossed = n
        rows.append(
            {
                "n": n,
                "boundary": bound,
                "observed": k,
                "posterior": None if k is None else posterior_probability(k, n, rule),
            }
        )
    table = pd.DataFrame(rows).astype({"boundary": "Int64", "observed": "Int64"})
    events = observed[-1] if observed else 0
    return StoppingBoundary(
        rule=rule,
        evaluated=evaluated,
        events=events,
        boundary_now=rows[evaluated - 1]["boundary"] if evaluated else None,
        crossed=first_crossed is not None,
        first_crossed_at=first_crossed,
        table=table,
    )


def early_nrm_outcomes(
    nrm: pd.DataFrame, enrolled_on: pd.Series, start_on: pd.Series, rule: StoppingRule
) -> pd.DataFrame:
    """Patients evaluated for early NRM, with the date each became evaluable.

    Parameters
    ----------
    nrm : DataFrame
        :func:`analysis.endpoints.relapse_nrm`: indexed by ``patient_id``, ``time``
        in days from enrollment and ``event`` (1 relapse, 2 NRM, 0 censored).
    enrolled_on : Series of datetime64
        Enrollment date by patient (day 0 of ``nrm`` times).
    start_on : Series of datetime64
        Day 0 of the window by patient (``enrolled_on`` or ``transplant_on``, as
        ``rule.anchor``); patients without one are not evaluated.
    rule : StoppingRule

    Returns
    -------
    DataFrame
        Indexed by ``patient_id`` with ``evaluated_on`` and ``event`` (bool): an NRM
        within the window is an event; a relapse within it (after which NRM can no
        longer occur) or follow-up through the window without either is a non-event.
        Patients followed less than the window without either are left out.
    """
    start = pd.to_datetime(start_on.reindex(nrm.index))
    has_start = start.notna()
    frame, start = nrm.loc[has_start], start[has_start]
    offset = (start - pd.to_datetime(enrolled_on.reindex(start.index))).dt.days
    time = frame["time"] - offset
    window = int(rule.window_days)
    is_event = (frame["event"] == 2) & (time <= window)
    is_relapse = (frame["event"] == 1) & (time <= window)
    kept = is_event | is_relapse | (time >= window)
    days = time.where(is_event | is_relapse, window).clip(lower=0)
    evaluated_on = start + pd.to_timedelta(days, unit="D")
    return pd.DataFrame({"evaluated_on": evaluated_on[kept], "event": is_event[kept].astype(bool)})
