"""The numbers behind the survival, relapse and response panels, as plain JSON data.

Each function takes the trial tables (a dict of DataFrames keyed by table name, dates
as ``datetime64[ns]``) and the data cut, and returns a dict shaped as documented in
``docs/command-line.md`` (``stats survival``, ``stats relapse``, ``stats response``):
plain Python numbers, ``None`` for a missing value, ISO dates, times in days. The
pages, the command line and the JSON API all call these, so they always agree.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from analysis import endpoints
from analysis.competing_risks import cumulative_incidence
from analysis.left_out import left_out, left_out_json
from analysis.options import BY, UnknownOption
from analysis.response import response_summary
from analysis.study_content import not_recorded
from analysis.survival import kaplan_meier, logrank, survival_at

LANDMARK_DAYS = (365.25, 730.5)
ALL_GROUP = "all"
UNKNOWN_GROUP = "unknown"
_GROUP_ORDER = {"cytogenetic_risk": ("favorable", "intermediate", "adverse"), "sex": ("F", "M")}


def _time(value) -> int | float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    return int(value) if value.is_integer() else value


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _iso(data_cut) -> str:
    if data_cut is None:
        raise ValueError("data_cut is missing: pass the date the data are complete to")
    return pd.Timestamp(data_cut).date().isoformat()


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    frame = tables.get(name)
    return None if frame is None or frame.empty else frame


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[str, pd.DataFrame]]:
    """Split endpoint rows by ``by`` in a stable order (known values, others, unknown)."""
    if by is None:
        return [(ALL_GROUP, frame)]
    BY.check(by)
    labels = frame[by].astype(object).where(frame[by].notna(), UNKNOWN_GROUP).astype(str)
    present = set(labels)
    known = [g for g in _GROUP_ORDER.get(by, ()) if g in present]
    others = sorted(present - set(known) - {UNKNOWN_GROUP})
    order = known + others + ([UNKNOWN_GROUP] if UNKNOWN_GROUP in present else [])
    return [(g, frame[labels == g]) for g in order]


BUILT_IN_ENDPOINTS = (
    {"endpoint": "os", "label": "Overall survival"},
    {"endpoint": "pfs", "label": "Progression-free survival"},
)


def endpoint_choices(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Endpoints the data offer: ``os`` and ``pfs`` (derived here from the trial's dates;
    no ``pfs`` for a study that records no response assessments), then each parameter
    of the study's own time-to-event data (ADTTE), as ``{"endpoint", "label"}``."""
    os_, pfs = BUILT_IN_ENDPOINTS
    choices = [os_] if "responses" in not_recorded(tables) else [os_, pfs]
    tte = _table(tables, "time_to_event")
    if tte is not None:
        labels = tte.drop_duplicates("parameter").sort_values("parameter")
        for row in labels.itertuples(index=False):
            label = row.label if isinstance(row.label, str) and row.label else row.parameter
            choices.append({"endpoint": row.parameter, "label": label})
    return choices


def check_endpoint(tables: dict[str, pd.DataFrame], endpoint: str) -> dict:
    """The choice of :func:`endpoint_choices` named ``endpoint``; a ValueError naming the
    ones the data offer otherwise."""
    choices = endpoint_choices(tables)
    for choice in choices:
        if choice["endpoint"] == endpoint:
            return choice
    offered = ", ".join(c["endpoint"] for c in choices)
    raise UnknownOption(f"endpoint must be one of {offered}, not {endpoint!r}")


def endpoint_times(tables: dict[str, pd.DataFrame], data_cut, endpoint: str) -> pd.DataFrame:
    """Per-patient time and event of ``endpoint`` (``os``, ``pfs``, ``relapse`` or a
    time-to-event parameter), as :mod:`analysis.endpoints` defines them."""
    patients = tables.get("patients")
    if patients is None:
        raise ValueError("tables has no 'patients' table")
    follow_up = _table(tables, "follow_up")
    if endpoint not in ("os", "pfs", "relapse"):
        check_endpoint(tables, endpoint)
        return endpoints.derived_times(
            patients, _table(tables, "time_to_event"), endpoint, data_cut
        )
    last = endpoints.last_contact_dates(tables)
    if endpoint == "os":
        return endpoints.os_times(patients, follow_up, data_cut, last)
    if endpoint == "pfs":
        return endpoints.pfs_times(patients, follow_up, _table(tables, "responses"), data_cut, last)
    return endpoints.relapse_nrm(patients, follow_up, _table(tables, "responses"), data_cut, last)


def survival_json(
    tables: dict[str, pd.DataFrame],
    data_cut: dt.date,
    endpoint: str = "os",
    by: str | None = None,
    conf_type: str = "log",
    conf_level: float = 0.95,
) -> dict:
    """``stats survival``: Kaplan–Meier curves, medians, landmarks and log-rank test.

    ``endpoint`` is ``os``, ``pfs`` or a parameter of the study's time-to-event data
    (:func:`endpoint_choices`). One group (``"all"``) without ``by``, else one per
    value of the patient column ``by`` (missing values form the group ``"unknown"``,
    shown but left out of the log-rank test, as R drops missing values). ``logrank``
    is ``None`` unless at least two groups can be compared. Landmarks are at 365.25
    and 730.5 days; past the last observed time their values are ``None`` (R: not
    reported). ``left_out`` counts the patients left out, by reason
    (:mod:`analysis.left_out`).
    """
    frame = endpoint_times(tables, data_cut, endpoint)
    groups = []
    for label, rows in _groups(frame, by):
        if rows.empty:
            continue
        km = kaplan_meier(rows["time"], rows["event"], conf_type=conf_type, conf_level=conf_level)
        steps = [
            {
                "time": _time(s.time),
                "n_at_risk": s.n_at_risk,
                "n_events": s.n_events,
                "n_censored": s.n_censored,
                "survival": _num(s.survival),
                "std_err": _num(s.std_err),
                "ci_lower": _num(s.ci_lower),
                "ci_upper": _num(s.ci_upper),
            }
            for s in km.steps
        ]
        landmarks = []
        for t in LANDMARK_DAYS:
            at = survival_at(km, t)
            landmarks.append(
                {
                    "time": _time(t),
                    "survival": _num(at.survival),
                    "ci_lower": _num(at.ci_lower),
                    "ci_upper": _num(at.ci_upper),
                }
            )
        groups.append(
            {
                "group": label,
                "n": km.n,
                "events": km.events,
                "median": _time(km.median),
                "median_ci": [_time(km.median_ci[0]), _time(km.median_ci[1])],
                "steps": steps,
                "landmarks": landmarks,
            }
        )
    test = None
    if by is not None:
        known = frame[frame[by].notna()]
        if known[by].nunique() >= 2:
            try:
                result = logrank(known["time"], known["event"], known[by].astype(str))
            except ValueError:  # fewer than two groups with expected events
                result = None
            if result is not None:
                test = {"chi2": _num(result.chi2), "df": result.df, "p": _num(result.p)}
    return {
        "data_cut": _iso(data_cut),
        "endpoint": endpoint,
        "label": check_endpoint(tables, endpoint)["label"],
        "conf_type": conf_type,
        "groups": groups,
        "logrank": test,
        "left_out": left_out_json(left_out(frame)),
    }


def relapse_json(tables: dict[str, pd.DataFrame], data_cut: dt.date, by: str | None = None) -> dict:
    """``stats relapse``: Aalen–Johansen cumulative incidence of relapse and NRM."""
    frame = endpoint_times(tables, data_cut, "relapse")
    causes = {endpoints.RELAPSE: "relapse", endpoints.NRM: "nrm"}
    groups = []
    for label, rows in _groups(frame, by):
        if rows.empty:
            continue
        cif = cumulative_incidence(rows["time"], rows["event"], causes)
        steps = [
            {
                "time": _time(r.time),
                "n_at_risk": int(r.n_at_risk),
                "n_relapse": int(r.n_relapse),
                "n_nrm": int(r.n_nrm),
                "n_censored": int(r.n_censored),
                "cif_relapse": _num(r.cif_relapse),
                "cif_nrm": _num(r.cif_nrm),
            }
            for r in cif.steps.itertuples(index=False)
        ]
        groups.append({"group": label, "n": cif.n, "steps": steps})
    return {
        "data_cut": _iso(data_cut),
        "groups": groups,
        "left_out": left_out_json(left_out(frame)),
    }


def response_json(tables: dict[str, pd.DataFrame], data_cut: dt.date) -> dict:
    """``stats response``: best response counts and CR / CR+CRi rates (exact 95% CI)."""
    patients = tables.get("patients")
    if patients is None:
        raise ValueError("tables has no 'patients' table")
    cut = pd.Timestamp(_iso(data_cut))
    enrolled = patients[pd.to_datetime(patients["enrolled_on"]) <= cut]
    responses = tables.get("responses")
    if responses is None:
        responses = pd.DataFrame(columns=["patient_id", "assessed_on", "response"])
    summary = response_summary(responses, enrolled, data_cut=cut)

    def rate(r):
        return {
            "estimate": _num(r.estimate),
            "ci_lower": _num(r.ci_lower),
            "ci_upper": _num(r.ci_upper),
        }

    return {
        "data_cut": _iso(data_cut),
        "n": summary.n,
        "best": dict(summary.best),
        "cr_rate": rate(summary.cr_rate),
        "cr_cri_rate": rate(summary.cr_cri_rate),
    }
