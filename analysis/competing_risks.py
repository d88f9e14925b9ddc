"""Cumulative incidence under competing risks (Aalen–Johansen), exact with ties.

For causes k = 1..K and distinct times t_j with n_j at risk, d_kj events of cause k
and d_j events of any cause, the Aalen–Johansen estimate is

    CIF_k(t) = sum over t_j <= t of S(t_j-) * d_kj / n_j,
    S(t)     = product over t_j <= t of (1 - d_j / n_j)   (all-cause Kaplan–Meier).

Subjects censored at t_j are still at risk at t_j (events before censorings), and
events of different causes at the same time are handled together, so the estimate is
deterministic. This is what R's ``cmprsk::cuminc`` and
``survival::survfit(Surv(time, factor(status)) ~ 1)`` (multi-state) compute.

lifelines' ``AalenJohansenFitter`` breaks tied event times with random jitter by
default, which changes the numbers from run to run; it is not used here.

References
----------
Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
Markov chains based on censored observations. Scand J Statist 5:141-150.
Kalbfleisch JD, Prentice RL (1980). The Statistical Analysis of Failure Time Data.
Gray RJ (1988), R package cmprsk, function ``cuminc``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # rounding in the running sums


@dataclass(frozen=True)
class CumulativeIncidence:
    """Aalen–Johansen cumulative incidence of each cause.

    ``steps`` has one row per distinct time with an event or a censoring and the
    columns ``time, n_at_risk, n_censored``, then ``n_<name>`` and ``cif_<name>``
    for each cause in code order. Treat it as read-only.
    """

    n: int
    causes: tuple[tuple[int, str], ...]
    steps: pd.DataFrame

    @property
    def cause_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.causes)


def _check(time, event, causes: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    if not causes:
        raise ValueError(
            "causes is empty: map each event code to a name, e.g. {1: 'relapse', 2: 'nrm'}"
        )
    for code, name in causes.items():
        if not isinstance(code, (int, np.integer)) or isinstance(code, bool) or code <= 0:
            raise ValueError(
                f"cause codes must be positive integers (0 means censored), got {code!r}"
            )
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"cause name {name!r} must be an identifier such as 'relapse'")
    if len(set(causes.values())) != len(causes):
        raise ValueError("cause names must be distinct")
    time = np.asarray(time, dtype=float).reshape(-1)
    event = np.asarray(event).reshape(-1)
    if time.size != event.size:
        raise ValueError(f"time and event differ in length ({time.size} and {event.size})")
    if not np.all(np.isfinite(time)) or np.any(time < 0):
        raise ValueError("times must be finite and non-negative; drop or fix missing times")
    try:
        event = event.astype(float)
    except (TypeError, ValueError):
        raise ValueError(
            "event must hold integer codes: 0 = censored, others as in causes"
        ) from None
    allowed = {0, *causes}
    unknown = sorted(set(event.tolist()) - allowed)
    if unknown:
        raise ValueError(
            f"event codes {unknown} are not 0 (censored) nor a key of causes {sorted(causes)}"
        )
    return time, event.astype(int)


def cumulative_incidence(time, event, causes: dict[int, str]) -> CumulativeIncidence:
    """Aalen–Johansen cumulative incidence functions for competing causes.

    Parameters
    ----------
    time : array-like of float
        Time to the first event or to censoring (days here), finite and >= 0.
    event : array-like of int
        0 for censored, otherwise the code of the cause observed at ``time``.
    causes : dict of int to str
        Event code to cause name, e.g. ``{1: "relapse", 2: "nrm"}``; names become the
        ``n_<name>`` and ``cif_<name>`` columns.

    Returns
    -------
    CumulativeIncidence
        Empty steps when there are no observations.

    Notes
    -----
    R: ``cmprsk::cuminc(time, event, cencode=0)`` or
    ``survfit(Surv(time, factor(event, 0:K)) ~ 1)`` (column ``pstate``).
    Ties: events of all causes at t_j, then censorings at t_j, as R.

    References
    ----------
    Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. Scand J Stat 5:141-150.
    Gray RJ (1988). A class of K-sample tests for comparing the cumulative incidence of
    a competing risk. Ann Stat 16:1141-1154 (R ``cmprsk``).
    """
    time, event = _check(time, event, causes)
    ordered = sorted(causes.items())
    columns = ["time", "n_at_risk", "n_censored"]
    columns += [f"n_{name}" for _, name in ordered] + [f"cif_{name}" for _, name in ordered]
    if time.size == 0:
        return CumulativeIncidence(0, tuple(ordered), pd.DataFrame(columns=columns))

    rows = []
    surv = 1.0  # all-cause Kaplan–Meier just before the current time
    cif = dict.fromkeys(causes, 0.0)
    for t in np.unique(time):
        at_t = time == t
        n = int(np.sum(time >= t))
        counts = {code: int(np.sum(at_t & (event == code))) for code in causes}
        censored = int(np.sum(at_t & (event == 0)))
        for code, d in counts.items():
            cif[code] += surv * d / n
        surv *= 1 - sum(counts.values()) / n
        rows.append(
            [float(t), n, censored]
            + [counts[code] for code, _ in ordered]
            + [cif[code] for code, _ in ordered]
        )
    return CumulativeIncidence(int(time.size), tuple(ordered), pd.DataFrame(rows, columns=columns))


def cif_at(cif: CumulativeIncidence, cause: str, t: float) -> float:
    """Cumulative incidence of ``cause`` at time ``t`` (0 before the first step)."""
    column = f"cif_{cause}"
    if column not in cif.steps:
        raise ValueError(f"unknown cause {cause!r}; known causes: {', '.join(cif.cause_names)}")
    before = cif.steps[cif.steps["time"] <= t]
    return float(before[column].iloc[-1]) if len(before) else 0.0


def median_time(cif: CumulativeIncidence, cause: str) -> float | None:
    """First time the cumulative incidence of ``cause`` reaches 0.5; ``None`` if never."""
    column = f"cif_{cause}"
    if column not in cif.steps:
        raise ValueError(f"unknown cause {cause!r}; known causes: {', '.join(cif.cause_names)}")
    reached = cif.steps[cif.steps[column] >= 0.5 - _TOLERANCE]
    return float(reached["time"].iloc[0]) if len(reached) else None
