"""Swimmer-plot rows: one per enrolled patient, from enrollment to last contact.

Each row is a patient's course on the trial's own definitions (``docs/definitions.md``), so
the bars agree with the Kaplan–Meier curves drawn from the same data:

- the bar runs from ``enrolled_on`` (day 0) to the overall-survival end point: the
  death, else the censoring date (the earlier of the last contact and the data cut);
- ``response_day``: the first complete remission (``CR``, ``CRh`` or ``CRi``)
  assessed on or after enrollment and by the data cut, with its category;
- ``relapse_day``: the first relapse or progression, as for relapse/NRM
  (:func:`analysis.endpoints.relapse_nrm`);
- ``death_day``: the death, if any; a patient alive at the end is censored there
  (``status`` ``"alive"``).

Rows are ordered by follow-up, longest first (ties by patient id), the usual order
of a swimmer plot read from the top.
"""

from __future__ import annotations

import pandas as pd

from analysis import endpoints
from analysis.response import CR_CRI_CATEGORIES, best_response

COLUMNS = (
    "patient_id",
    "site_id",
    "enrolled_on",
    "end_on",
    "follow_up_days",
    "status",
    "best_response",
    "response",
    "response_day",
    "relapse_day",
    "death_day",
    "withdrawn_on",
)
ALIVE, DIED = "alive", "died"


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    for c in ("enrolled_on", "end_on", "withdrawn_on"):
        out[c] = out[c].astype("datetime64[ns]")
    for c in ("follow_up_days", "response_day", "relapse_day", "death_day"):
        out[c] = out[c].astype("Int64")
    return out


def _first_remission(responses: pd.DataFrame | None, enrolled: pd.Series, cut) -> pd.DataFrame:
    """First CR/CRh/CRi on or after enrollment and by the cut: its date and category."""
    empty = pd.DataFrame({"response": pd.Series(dtype=object), "assessed_on": pd.NaT})
    if responses is None or responses.empty:
        return empty.reindex(enrolled.index)
    hits = responses[responses["response"].isin(CR_CRI_CATEGORIES)].dropna(subset=["assessed_on"])
    assessed = pd.to_datetime(hits["assessed_on"])
    start = hits["patient_id"].map(enrolled)
    hits = hits[(assessed >= start) & (assessed <= cut)]
    if hits.empty:
        return empty.reindex(enrolled.index)
    first = hits.sort_values(["patient_id", "assessed_on"], kind="mergesort").drop_duplicates(
        "patient_id"
    )
    return first.set_index("patient_id")[["response", "assessed_on"]].reindex(enrolled.index)


def swimmer_rows(tables: dict[str, pd.DataFrame], data_cut) -> pd.DataFrame:
    """One row per enrolled patient for a swimmer plot (see the module docstring).

    Parameters
    ----------
    tables : dict of str to DataFrame
        The trial tables (``patients`` required; ``follow_up``, ``responses`` and
        the other patient tables optional), dates as ``datetime64``.
    data_cut : date-like
        The date the data are complete to.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`; days are whole days from enrollment (nullable
        ``Int64``, missing when the event did not happen), ``status`` is
        ``"alive"`` or ``"died"``, ``best_response`` the best response within 2
        years (:func:`analysis.response.best_response`). Empty (with the columns)
        when nobody is enrolled.
    """
    patients = tables.get("patients")
    if patients is None:
        raise ValueError("tables has no 'patients' table")
    cut = pd.Timestamp(data_cut)
    if pd.isna(cut):
        raise ValueError("data_cut is missing: pass the date the data are complete to")
    follow_up = tables.get("follow_up")
    follow_up = None if follow_up is None or follow_up.empty else follow_up
    responses = tables.get("responses")
    responses = None if responses is None or responses.empty else responses
    last = endpoints.last_contact_dates(tables)

    os_ = endpoints.os_times(patients, follow_up, cut, last)
    if os_.empty:
        return _empty()
    competing = endpoints.relapse_nrm(patients, follow_up, responses, cut, last)
    info = patients.set_index("patient_id").loc[os_.index]
    enrolled_on = pd.to_datetime(info["enrolled_on"])
    remission = _first_remission(responses, enrolled_on, cut)
    best = best_response(
        responses
        if responses is not None
        else pd.DataFrame(columns=["patient_id", "assessed_on", "response"]),
        info.reset_index()[["patient_id", "enrolled_on"]],
        data_cut=cut,
    )
    withdrawn = (
        pd.to_datetime(info["withdrawn_on"])
        if "withdrawn_on" in info
        else pd.Series(pd.NaT, index=info.index)
    )

    response_day = (pd.to_datetime(remission["assessed_on"]) - enrolled_on).dt.days
    relapse_day = competing["time"].where(competing["event"] == endpoints.RELAPSE)
    death_day = os_["time"].where(os_["event"] == 1)
    out = pd.DataFrame(
        {
            "patient_id": os_.index.astype(object),
            "site_id": info["site_id"].astype(object).to_numpy(),
            "enrolled_on": enrolled_on.to_numpy(),
            "end_on": (enrolled_on + pd.to_timedelta(os_["time"], unit="D")).to_numpy(),
            "follow_up_days": os_["time"].to_numpy(),
            "status": [DIED if e == 1 else ALIVE for e in os_["event"]],
            "best_response": best.reindex(os_.index).astype(object).to_numpy(),
            "response": remission["response"].astype(object).to_numpy(),
            "response_day": response_day.to_numpy(),
            "relapse_day": relapse_day.to_numpy(),
            "death_day": death_day.to_numpy(),
            "withdrawn_on": withdrawn.where(withdrawn <= cut).to_numpy(),
        }
    )
    out["response"] = out["response"].where(out["response"].notna(), None)
    for column in ("follow_up_days", "response_day", "relapse_day", "death_day"):
        out[column] = out[column].astype("Int64")
    out = out.sort_values(
        ["follow_up_days", "patient_id"], ascending=[False, True], kind="mergesort"
    )
    out = out.reset_index(drop=True)[list(COLUMNS)]
    out.attrs = os_.attrs
    return out
