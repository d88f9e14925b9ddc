"""Site activation and recruitment: the numbers behind the Sites page and ``stats sites``.

Definitions (``docs/definitions.md``; JSON in ``docs/command-line.md``):

- ``days_to_activation``: days from ethics approval (``ethics_approved_on``) to
  activation (``activated_on``); missing if either date is missing, or if activation
  is dated before approval (milestones out of order are a data-quality finding,
  ``SITE-DATES``, and a negative time means nothing).
- ``screened``: patients screened at the site on or before the data cut;
  ``enrolled``: those with ``enrolled_on`` on or before the cut; ``screen_failures``:
  screened, not enrolled, with a screen-failure reason.
- ``enrolled_per_month``: enrolled / months active, where months active run from
  activation to the data cut, or to closure if the site closed before the cut, at
  30.4375 days a month. Missing if the site was never activated (no activation date
  on or before the cut) or has been active for zero days (or closed before its
  activation, out of order).
- ``days_since_last_enrollment``: days from the site's latest enrollment to the cut.
- ``dates_out_of_order``: activation dated before approval, or closure before
  activation: the time to activation or the rate is then missing, and the page says why
  (the data-quality finding ``SITE-DATES``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analysis._recruitment_common import iso, resolve_cut
from analysis.units import DAYS_PER_MONTH

SITE_COLUMNS = [
    "site_id",
    "name",
    "city",
    "latitude",
    "longitude",
    "status",
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "closed_on",
]
METRIC_COLUMNS = [
    *SITE_COLUMNS,
    "days_to_activation",
    "screened",
    "enrolled",
    "screen_failures",
    "first_enrolled_on",
    "last_enrolled_on",
    "enrolled_per_month",
    "days_since_last_enrollment",
    "dates_out_of_order",
]
JSON_KEYS = (
    "site_id",
    "name",
    "city",
    "status",
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "days_to_activation",
    "screened",
    "enrolled",
    "first_enrolled_on",
    "last_enrolled_on",
    "enrolled_per_month",
)
MILESTONE_ORDER = (
    ("ethics_approved_on", "contract_signed_on"),
    ("initiation_visit_on",),
    ("activated_on",),
    ("closed_on",),
)
"""A site's milestones in the order they happen; ethics approval and the contract come
in either order in France, both before the initiation visit."""

_DATE_KEYS = {
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "first_enrolled_on",
    "last_enrolled_on",
}


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """Whole days from ``earlier`` to ``later`` as nullable integers."""
    return (later - earlier).dt.days.astype("Int64")


def site_metrics(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> pd.DataFrame:
    """One row per site (every site, zero-enrolled included) with activation and accrual.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The trial tables; ``sites`` and ``patients`` are used (columns as in
        ``data_access/schema.py``, dates as ``datetime64[ns]``).
    data_cut : datetime.date or None
        The date the data are complete to; ``None`` takes the trial's data cut, else
        the latest date in the tables.

    Returns
    -------
    DataFrame
        Columns :data:`METRIC_COLUMNS`, sorted by ``site_id``. Dates are
        ``datetime64[ns]`` (``NaT`` when missing), day counts nullable ``Int64``,
        ``enrolled_per_month`` float (``NaN`` when the site was never active).
    """
    cut = resolve_cut(tables, data_cut)
    sites = tables["sites"][SITE_COLUMNS].sort_values("site_id", ignore_index=True)
    patients = tables["patients"]
    patients = patients[patients["screened_on"].isna() | (patients["screened_on"] <= cut)]
    enrolled_on = patients["enrolled_on"].where(patients["enrolled_on"] <= cut)
    is_enrolled = enrolled_on.notna()
    failed = ~is_enrolled & patients["screen_failure_reason"].notna()
    by_site = pd.DataFrame(
        {
            "site_id": patients["site_id"],
            "enrolled_on": enrolled_on,
            "is_enrolled": is_enrolled,
            "failed": failed,
        }
    ).groupby("site_id")
    counts = pd.DataFrame(
        {
            "screened": by_site.size(),
            "enrolled": by_site["is_enrolled"].sum(),
            "screen_failures": by_site["failed"].sum(),
            "first_enrolled_on": by_site["enrolled_on"].min(),
            "last_enrolled_on": by_site["enrolled_on"].max(),
        }
    )
    out = sites.join(counts, on="site_id")
    for column in ("screened", "enrolled", "screen_failures"):
        out[column] = out[column].fillna(0).astype(int)
    for column in ("first_enrolled_on", "last_enrolled_on"):
        out[column] = out[column].astype("datetime64[ns]")

    activated = out["activated_on"].where(out["activated_on"] <= cut)
    active_until = out["closed_on"].where(out["closed_on"] < cut, cut)
    months = (active_until - activated).dt.days / DAYS_PER_MONTH
    months = months.where(months > 0)
    to_activation = _days(out["activated_on"], out["ethics_approved_on"])
    out["days_to_activation"] = to_activation.where(to_activation >= 0)
    out["dates_out_of_order"] = (to_activation < 0).fillna(False).astype(bool) | (
        out["closed_on"] < out["activated_on"]
    ).fillna(False)
    out["enrolled_per_month"] = (out["enrolled"] / months).astype(float)
    out["days_since_last_enrollment"] = _days(
        pd.Series(cut, index=out.index), out["last_enrolled_on"]
    )
    return out[METRIC_COLUMNS]


def _plain(key: str, value):
    """A metric cell as a plain JSON value: ISO dates, Python numbers, ``None`` for null."""
    if key in _DATE_KEYS:
        return iso(value)
    if value is None or pd.isna(value):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


def sites_json(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> dict:
    """``stats sites --json`` (``docs/command-line.md``): ``{data_cut, sites: [...]}``.

    Each site carries exactly the documented keys (:data:`JSON_KEYS`) as plain Python
    values: ISO date strings, ints, floats, and ``None`` for null.
    """
    cut = resolve_cut(tables, data_cut)
    metrics = site_metrics(tables, cut.date())
    rows = [
        {key: _plain(key, row[key]) for key in JSON_KEYS}
        for row in metrics.to_dict(orient="records")
    ]
    return {"data_cut": cut.date().isoformat(), "sites": rows}


def cumulative_by_site(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Running total of enrolled patients per site, for the recruitment-over-time figure.

    Returns
    -------
    DataFrame
        Columns ``date`` (``datetime64[ns]``), ``site_id`` and ``enrolled`` (the
        site's cumulative count on that date), one row per site and date on which the
        site enrolled someone, sorted by ``site_id`` then ``date``. Sites that have
        enrolled nobody have no rows.
    """
    patients = tables["patients"].dropna(subset=["enrolled_on"])
    daily = (
        patients.groupby(["site_id", "enrolled_on"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["site_id", "enrolled_on"], ignore_index=True)
    )
    return pd.DataFrame(
        {
            "date": daily["enrolled_on"].astype("datetime64[ns]"),
            "site_id": daily["site_id"].astype(object),
            "enrolled": daily.groupby("site_id")["n"].cumsum().astype(int),
        }
    )
