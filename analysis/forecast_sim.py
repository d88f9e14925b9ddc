"""Site states and the vectorised Poisson-process arithmetic of the accrual forecast.

Private helpers of :mod:`analysis.forecast`. Each simulation (a row) has, for each
site that may recruit (a column), a start time ``a`` (days after the cut) and a rate
``λ`` per day, so the expected number of arrivals by time ``t`` is the piecewise-linear
cumulative intensity ``Λ(t) = Σ λ_i max(0, t − a_i)``. The j-th arrival of the
superposed Poisson process is at ``Λ⁻¹(Γ_j)``, where ``Γ_j`` are the partial sums of
unit exponentials (time change of a Poisson process; Cinlar, Introduction to
Stochastic Processes, 1975, ch. 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._recruitment_common import to_date, trial_value

STOPPED = frozenset({"active_not_recruiting", "suspended", "completed", "withdrawn"})
RECRUITING = "recruiting"


@dataclass(frozen=True)
class SiteFrame:
    """Per site (index ``site_id``): ``count`` enrolled and ``exposure`` days open by the
    cut, ``state`` (``open``, ``pending`` or ``stopped``), ``ethics`` and ``activated``
    dates (``NaT`` when missing or after the cut)."""

    frame: pd.DataFrame
    open_ids: tuple[str, ...]
    pending_ids: tuple[str, ...]

    @property
    def index(self) -> pd.Index:
        return self.frame.index

    @property
    def state(self) -> pd.Series:
        return self.frame["state"]

    @property
    def ethics(self) -> pd.Series:
        return self.frame["ethics"]

    def future_ids(self, forced: dict) -> list[str]:
        """Sites that may recruit after the cut: open, pending, and any forced open."""
        keep = (self.state != "stopped") | self.index.isin(list(forced))
        return list(self.index[keep])

    def ethics_delays(self) -> np.ndarray:
        """Days from ethics approval to activation, for sites activated by the cut."""
        days = (self.frame["activated"] - self.ethics).dt.days.dropna()
        return days[days >= 0].to_numpy(float)

    def start_delays(self, tables: dict[str, pd.DataFrame]) -> np.ndarray:
        """Days from the trial start to activation, for sites activated by the cut."""
        start = to_date(trial_value(tables, "start_date"))
        if start is None:
            return np.array([])
        days = (self.frame["activated"] - pd.Timestamp(start)).dt.days.dropna()
        return days.clip(lower=0).to_numpy(float)


def site_frame(tables: dict[str, pd.DataFrame], cut: pd.Timestamp) -> SiteFrame:
    """Recruitment state of every site at the cut.

    A site is *stopped* if closed on or before the cut or its status is one of
    :data:`STOPPED`; otherwise *open* if activated by the cut, if it has screened a
    patient by the cut (activation taken as its first screening when the date is
    missing) or if its status is ``recruiting`` (then with no exposure yet); otherwise
    *pending*. Exposure counts the days from activation to the cut or closure, both
    included.
    """
    sites = tables["sites"].sort_values("site_id").set_index("site_id")
    patients = tables["patients"]
    count = patients[patients["enrolled_on"] <= cut].groupby("site_id").size()
    seen = patients.loc[patients["screened_on"] <= cut].groupby("site_id")["screened_on"].min()
    activated = sites["activated_on"].where(sites["activated_on"] <= cut)
    effective = activated.fillna(seen.reindex(sites.index)).astype("datetime64[ns]")
    closed = sites["closed_on"].where(sites["closed_on"] < cut, cut).fillna(cut)
    exposure = ((closed - effective).dt.days + 1).clip(lower=1).fillna(0.0)
    stopped = sites["status"].isin(STOPPED) | (sites["closed_on"] <= cut)
    is_open = effective.notna() | (sites["status"] == RECRUITING)
    state = np.where(stopped, "stopped", np.where(is_open, "open", "pending"))
    frame = pd.DataFrame(
        {
            "count": count.reindex(sites.index).fillna(0).astype(float),
            "exposure": exposure.astype(float),
            "state": state,
            "ethics": sites["ethics_approved_on"].where(sites["ethics_approved_on"] <= cut),
            "activated": activated,
        },
        index=sites.index,
    )
    return SiteFrame(
        frame,
        open_ids=tuple(frame.index[frame["state"] == "open"]),
        pending_ids=tuple(frame.index[frame["state"] == "pending"]),
    )


def _sorted_segments(starts: np.ndarray, rates: np.ndarray):
    order = np.argsort(starts, axis=1, kind="stable")
    begins = np.take_along_axis(starts, order, axis=1)
    slopes = np.cumsum(np.take_along_axis(rates, order, axis=1), axis=1)
    levels = np.zeros_like(begins)
    levels[:, 1:] = np.cumsum(slopes[:, :-1] * np.diff(begins, axis=1), axis=1)
    return begins, slopes, levels


def time_to_reach(starts: np.ndarray, rates: np.ndarray, level: np.ndarray) -> np.ndarray:
    """``Λ⁻¹(level)`` per row: the time the cumulative intensity reaches ``level``.

    ``inf`` where it never does (no site, or all rates zero).
    """
    n = len(level)
    if starts.shape[1] == 0:
        return np.full(n, np.inf)
    begins, slopes, levels = _sorted_segments(starts, rates)
    segment = (levels <= level[:, None]).sum(axis=1) - 1
    rows = np.arange(n)
    slope = slopes[rows, segment]
    with np.errstate(divide="ignore", invalid="ignore"):
        times = begins[rows, segment] + (level - levels[rows, segment]) / slope
    return np.where(slope > 0, times, np.inf)


def cumulative_intensity(starts: np.ndarray, rates: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``Λ(t)`` for each row and each time in ``times`` (shape rows × times)."""
    out = np.zeros((starts.shape[0], len(times)))
    for column in range(starts.shape[1]):
        out += rates[:, column, None] * np.maximum(times[None, :] - starts[:, column, None], 0.0)
    return out


def fan_counts(
    starts: np.ndarray, rates: np.ndarray, arrivals: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """New enrollments by each time (rows × times), capped at the number still needed.

    ``arrivals`` holds each row's increasing unit-rate arrival levels ``Γ_1 < … < Γ_R``;
    the count by time ``t`` is ``#{j : Γ_j ≤ Λ(t)}``, found for all rows at once by one
    ``searchsorted`` on rows shifted apart.
    """
    n, needed = arrivals.shape
    intensity = np.minimum(cumulative_intensity(starts, rates, times), arrivals[:, -1:] + 1.0)
    span = float(arrivals[:, -1].max()) + 2.0
    shift = np.arange(n, dtype=float)[:, None] * span
    found = np.searchsorted((arrivals + shift).ravel(), (intensity + shift).ravel(), side="right")
    return found.reshape(n, len(times)) - np.arange(n)[:, None] * needed
