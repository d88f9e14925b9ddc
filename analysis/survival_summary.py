"""What the Survival page computes, in one cached call per set of options.

The numbers come from the functions the command line uses
(:mod:`analysis.survival_panels`, ``docs/command-line.md``), so the page, ``stats survival``,
``stats relapse`` and ``stats response`` agree. This module adds what only the page
needs: the site filter, the summary sentence's counts (with the reverse Kaplan–Meier
median follow-up), the swimmer rows and the tables offered as CSV downloads.

References
----------
.. [1] Schemper, M. and Smith, T. L. (1996). A note on quantifying follow-up in studies
   of failure time. *Controlled Clinical Trials* 17, 343-346 (the reverse Kaplan-Meier
   median follow-up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.left_out import left_out, left_out_json
from analysis.options import BY, CONF_TYPE
from analysis.response import RESPONSE_ORDER
from analysis.study_content import not_recorded
from analysis.survival import kaplan_meier, reverse_km_median_follow_up
from analysis.survival_panels import (
    check_endpoint,
    endpoint_choices,
    endpoint_times,
    relapse_json,
    response_json,
    survival_json,
)
from analysis.swimmer import swimmer_rows
from analysis.units import DAYS_PER_MONTH


@dataclass(frozen=True)
class SurvivalSummary:
    """The counts of the sentence above the curves (all patients of the filter).

    ``median`` and ``median_ci`` are in days (``None`` when not reached), for the
    chosen endpoint, CI transform and level; ``follow_up_median`` is the reverse
    Kaplan–Meier median follow-up of overall survival, in days.
    """

    endpoint: str
    label: str
    n: int
    events: int
    median: float | None
    median_ci: tuple[float | None, float | None]
    conf_level: float
    follow_up_median: float | None
    data_cut: dt.date


@dataclass(frozen=True)
class SurvivalView:
    """Kaplan–Meier curves (``stats survival`` JSON) and the summary, for one filter."""

    summary: SurvivalSummary
    curves: dict
    by: str | None


@dataclass(frozen=True)
class OutcomesView:
    """Relapse/NRM, response and swimmer rows for the patients of the tables given;
    ``swimmer_left_out``: the swimmer's patients left out (:mod:`analysis.left_out`,
    as JSON; the relapse JSON holds its own)."""

    n: int
    relapse: dict
    response: dict
    swimmer: pd.DataFrame
    swimmer_left_out: list[dict]


def survival_summary(
    tables: dict[str, pd.DataFrame],
    data_cut,
    endpoint: str = "os",
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> SurvivalSummary:
    """Patients, events, median (with its CI) and median follow-up of all patients.

    The median and its interval are R's ``print(survfit(...))`` on the chosen
    transform (:func:`analysis.survival.kaplan_meier`); the follow-up is the reverse
    Kaplan–Meier median of overall survival (Schemper & Smith 1996), whatever the
    endpoint.
    """
    cut = pd.Timestamp(data_cut).date()
    times = endpoint_times(tables, data_cut, endpoint)
    label = check_endpoint(tables, endpoint)["label"]
    if times.empty:
        return SurvivalSummary(endpoint, label, 0, 0, None, (None, None), conf_level, None, cut)
    km = kaplan_meier(times["time"], times["event"], conf_type=conf_type, conf_level=conf_level)
    os_ = times if endpoint == "os" else endpoint_times(tables, data_cut, "os")
    follow_up = reverse_km_median_follow_up(os_["time"], os_["event"])
    return SurvivalSummary(
        endpoint=endpoint,
        label=label,
        n=km.n,
        events=km.events,
        median=km.median,
        median_ci=km.median_ci,
        conf_level=conf_level,
        follow_up_median=follow_up.median,
        data_cut=cut,
    )


def survival_view(
    tables: dict[str, pd.DataFrame],
    data_cut,
    *,
    endpoint: str = "os",
    by: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> SurvivalView:
    """The Kaplan–Meier panel for one set of options, for the patients of ``tables``
    (the app restricts them to the user's and the page's sites before this runs).

    Raises ``ValueError`` with a message for users on an unknown option value.
    """
    CONF_TYPE.check(conf_type)
    if by is not None:
        BY.check(by)
    summary = survival_summary(tables, data_cut, endpoint, conf_type, conf_level)
    curves = survival_json(
        tables, data_cut, endpoint=endpoint, by=by, conf_type=conf_type, conf_level=conf_level
    )
    return SurvivalView(summary=summary, curves=curves, by=by)


def outcomes_view(tables: dict[str, pd.DataFrame], data_cut) -> OutcomesView:
    """Relapse/NRM incidence, best response and swimmer rows."""
    swimmer = swimmer_rows(tables, data_cut)
    return OutcomesView(
        n=len(swimmer),
        relapse=relapse_json(tables, data_cut),
        response=response_json(tables, data_cut),
        swimmer=swimmer,
        swimmer_left_out=left_out_json(left_out(swimmer)),
    )


@dataclass(frozen=True)
class SurvivalChoices:
    """What the page's controls offer for these data: endpoints
    (:func:`analysis.survival_panels.endpoint_choices`) and treatment arms (two or more,
    else none), and what the study does not record."""

    endpoints: tuple[dict, ...]
    arms: tuple[str, ...]
    not_recorded: frozenset[str]


def survival_choices(tables: dict[str, pd.DataFrame], data_cut) -> SurvivalChoices:
    """Endpoints, arms of the enrolled patients, and what is not recorded."""
    patients = tables["patients"]
    enrolled_on = pd.to_datetime(patients["enrolled_on"])
    enrolled = patients[enrolled_on.notna() & (enrolled_on <= pd.Timestamp(data_cut))]
    arms = sorted(enrolled["arm"].dropna().astype(str).unique()) if "arm" in enrolled else []
    return SurvivalChoices(
        endpoints=tuple(endpoint_choices(tables)),
        arms=tuple(arms) if len(arms) > 1 else (),
        not_recorded=not_recorded(tables),
    )


def site_choices(tables: dict[str, pd.DataFrame], data_cut) -> list[dict]:
    """The trial's sites with their enrolled patients, for the site filter."""
    sites = tables.get("sites")
    if sites is None or sites.empty:
        return []
    patients = tables["patients"]
    enrolled_on = pd.to_datetime(patients["enrolled_on"])
    cut = pd.Timestamp(data_cut)
    counts = patients[enrolled_on.notna() & (enrolled_on <= cut)].groupby("site_id").size()
    return [
        {"site_id": row.site_id, "name": row.name, "enrolled": int(counts.get(row.site_id, 0))}
        for row in sites.sort_values("site_id").itertuples(index=False)
    ]


# --- the numbers behind each figure, as offered for download ---------------------------


def _months(days: pd.Series) -> pd.Series:
    return (days.astype(float) / DAYS_PER_MONTH).round(3)


def km_steps_table(curves: dict) -> pd.DataFrame:
    """One row per group and step of ``stats survival`` JSON, times in days and months."""
    rows = [
        {"endpoint": curves["endpoint"], "conf_type": curves["conf_type"], "group": g["group"]}
        | step
        for g in curves["groups"]
        for step in g["steps"]
    ]
    columns = [
        "endpoint",
        "conf_type",
        "group",
        "time",
        "n_at_risk",
        "n_events",
        "n_censored",
        "survival",
        "std_err",
        "ci_lower",
        "ci_upper",
    ]
    table = pd.DataFrame(rows, columns=columns).rename(columns={"time": "time_days"})
    table.insert(4, "time_months", _months(table["time_days"]))
    return table


def cif_steps_table(relapse: dict) -> pd.DataFrame:
    """One row per group and step of ``stats relapse`` JSON, times in days and months."""
    columns = [
        "group",
        "time",
        "n_at_risk",
        "n_relapse",
        "n_nrm",
        "n_censored",
        "cif_relapse",
        "cif_nrm",
    ]
    rows = [{"group": g["group"]} | step for g in relapse["groups"] for step in g["steps"]]
    table = pd.DataFrame(rows, columns=columns).rename(columns={"time": "time_days"})
    table.insert(2, "time_months", _months(table["time_days"]))
    return table


def response_table(response: dict) -> pd.DataFrame:
    """Best-response counts in clinical order, with the share of enrolled patients."""
    n = response["n"]
    counts = [response["best"].get(c, 0) for c in RESPONSE_ORDER]
    return pd.DataFrame(
        {
            "best_response": list(RESPONSE_ORDER),
            "patients": counts,
            "percent_of_enrolled": [round(100 * k / n, 1) if n else None for k in counts],
        }
    )
