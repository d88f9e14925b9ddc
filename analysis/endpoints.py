"""Per-patient time-to-event endpoints derived from the trial tables (``docs/definitions.md``).

Times are whole days from ``enrolled_on`` (those of the study's own endpoints as
delivered, possibly fractional). Only enrolled patients (``enrolled_on``
on or before the data cut) are analysed. Events dated after the data cut are not
yet known and are ignored. A patient without the event is censored at the earlier
of the last contact and the data cut, where the last contact is ``last_contact_on``
or, where that is missing, the patient's latest dated record of any kind
(:func:`last_contact_dates`).

- OS: event = ``died_on``.
- PFS: event = the first of ``progressed_on``, a ``relapse`` or ``PD`` response
  (assessed on or after enrollment), or ``died_on``.
- Relapse / NRM (competing risks): event 1 = relapse, the first ``relapse``/``PD``
  response or ``progressed_on``; event 2 = NRM, death without a prior relapse (a
  relapse and a death on the same day count as relapse); 0 = censored.
- Endpoints derived by the study's statisticians (ADaM ADTTE, the ``time_to_event``
  table): time and censoring as delivered, for the enrolled patients.

A patient whose time would be negative (a death, progression or last contact dated
before enrollment, which the import loads as a data-quality finding) is left out of the
endpoint, and the frame's ``attrs[LEFT_OUT]`` names them (:mod:`analysis.left_out`).

Column names follow ``data_access/schema.py`` (not imported: analysis stays free of
the database layer).
"""

from __future__ import annotations

import pandas as pd

GROUP_COLUMNS = ("cytogenetic_risk", "sex", "site_id", "arm")
PROGRESSION_RESPONSES = ("relapse", "PD")
RELAPSE, NRM = 1, 2
LEFT_OUT = "left_out"
"""``attrs`` key of an endpoint frame: ``{reason: patient ids}`` left out
(:mod:`analysis.left_out`)."""
NEGATIVE_TIME = "negative_time"


def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"the {name} table lacks column(s) {', '.join(missing)}")


def last_contact_dates(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Last contact of every patient: ``last_contact_on``, else the latest dated record.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Trial tables keyed by name; ``patients`` is required, the others
        (``follow_up``, ``responses``, ``lab_results``, ``transfusions``,
        ``adverse_events``, ``chimerism``) may be missing. Every ``datetime64``
        column of a table keyed by ``patient_id`` counts as a dated record.

    Returns
    -------
    Series of datetime64
        Indexed by ``patient_id`` for every row of ``patients``; NaT if the patient
        has no dated record at all.
    """
    patients = tables.get("patients")
    if patients is None:
        raise ValueError("tables has no 'patients' table")
    _require(patients, ["patient_id"], "patients")
    ids = pd.Index(patients["patient_id"].drop_duplicates(), name="patient_id")
    dated = []
    for frame in tables.values():
        if frame is None or frame.empty or "patient_id" not in frame:
            continue
        date_cols = [
            c
            for c in frame.columns
            if c != "last_contact_on" and pd.api.types.is_datetime64_any_dtype(frame[c])
        ]
        if date_cols:
            dated.append(frame.set_index("patient_id")[date_cols].max(axis=1))
    latest = (
        pd.concat(dated).groupby(level=0).max().reindex(ids)
        if dated
        else pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    )
    follow_up = tables.get("follow_up")
    if follow_up is not None and not follow_up.empty and "last_contact_on" in follow_up:
        explicit = follow_up.dropna(subset=["last_contact_on"]).set_index("patient_id")[
            "last_contact_on"
        ]
        explicit = explicit[~explicit.index.duplicated(keep="last")].reindex(ids)
        latest = explicit.where(explicit.notna(), latest)
    return pd.to_datetime(latest).rename("last_contact")


def _enrolled(patients: pd.DataFrame, data_cut) -> tuple[pd.DataFrame, pd.Timestamp]:
    _require(patients, ["patient_id", "enrolled_on", *GROUP_COLUMNS], "patients")
    cut = pd.Timestamp(data_cut)
    if pd.isna(cut):
        raise ValueError("data_cut is missing: pass the date the data are complete to")
    enrolled_on = pd.to_datetime(patients["enrolled_on"])
    frame = patients.loc[enrolled_on.notna() & (enrolled_on <= cut)]
    if frame["patient_id"].duplicated().any():
        raise ValueError("patients has duplicate patient_id values; each patient must appear once")
    frame = frame.set_index("patient_id")
    return frame.assign(enrolled_on=pd.to_datetime(frame["enrolled_on"])), cut


def _follow_up_column(follow_up: pd.DataFrame | None, column: str, ids, cut) -> pd.Series:
    """A follow-up date per patient, blank when missing or after the data cut."""
    if follow_up is None or follow_up.empty:
        return pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    _require(follow_up, ["patient_id", column], "follow_up")
    values = pd.to_datetime(follow_up.set_index("patient_id")[column])
    values = values[~values.index.duplicated(keep="last")].reindex(ids)
    return values.where(values <= cut)


def _first_progression_response(
    responses: pd.DataFrame | None, enrolled: pd.DataFrame, cut
) -> pd.Series:
    """Date of the first ``relapse``/``PD`` response on or after enrollment, by patient."""
    if responses is None or responses.empty:
        return pd.Series(pd.NaT, index=enrolled.index, dtype="datetime64[ns]")
    _require(responses, ["patient_id", "assessed_on", "response"], "responses")
    hits = responses[responses["response"].isin(PROGRESSION_RESPONSES)]
    assessed = pd.to_datetime(hits["assessed_on"])
    start = hits["patient_id"].map(enrolled["enrolled_on"])
    hits = hits[(assessed >= start) & (assessed <= cut)]
    return pd.to_datetime(hits.groupby("patient_id")["assessed_on"].min()).reindex(enrolled.index)


def _relapse_dates(
    follow_up: pd.DataFrame | None, responses: pd.DataFrame | None, enrolled: pd.DataFrame, cut
) -> pd.Series:
    """Date of relapse by patient: the first of ``progressed_on`` and a relapse/PD response."""
    return pd.concat(
        [
            _follow_up_column(follow_up, "progressed_on", enrolled.index, cut),
            _first_progression_response(responses, enrolled, cut),
        ],
        axis=1,
    ).min(axis=1)


def _censor_dates(enrolled: pd.DataFrame, last_dates: pd.Series, cut) -> pd.Series:
    last = pd.to_datetime(last_dates.reindex(enrolled.index))
    last = last.where(last.notna(), enrolled["enrolled_on"])
    return last.where(last <= cut, cut)


def _result(enrolled: pd.DataFrame, end: pd.Series, event: pd.Series) -> pd.DataFrame:
    """The endpoint rows; a patient whose time would be negative (a death, progression or
    last contact dated before enrollment) is left out and named in ``attrs``."""
    days = (end - enrolled["enrolled_on"]).dt.days
    kept = enrolled.index[days >= 0]
    out = pd.DataFrame(
        {"time": days[kept].astype("int64"), "event": event[kept].astype("int64")}, index=kept
    )
    for column in GROUP_COLUMNS:
        out[column] = enrolled.loc[kept, column]
    out.index.name = "patient_id"
    out.attrs[LEFT_OUT] = {NEGATIVE_TIME: tuple(enrolled.index[days < 0])}
    return out


def os_times(
    patients: pd.DataFrame, follow_up: pd.DataFrame | None, data_cut, last_dates: pd.Series
) -> pd.DataFrame:
    """Overall survival: days from enrollment to death, else censored (module docstring).

    Returns a DataFrame indexed by ``patient_id`` with ``time`` (days), ``event``
    (1 death, 0 censored) and the group columns ``cytogenetic_risk, sex, site_id, arm``.
    ``last_dates`` is :func:`last_contact_dates`.
    """
    enrolled, cut = _enrolled(patients, data_cut)
    died = _follow_up_column(follow_up, "died_on", enrolled.index, cut)
    end = died.where(died.notna(), _censor_dates(enrolled, last_dates, cut))
    return _result(enrolled, end, died.notna())


def pfs_times(
    patients: pd.DataFrame,
    follow_up: pd.DataFrame | None,
    responses: pd.DataFrame | None,
    data_cut,
    last_dates: pd.Series,
) -> pd.DataFrame:
    """Progression-free survival: first of progression, relapse/PD response or death.

    Same shape as :func:`os_times`; ``event`` is 1 for progression or death.
    """
    enrolled, cut = _enrolled(patients, data_cut)
    first = pd.concat(
        [
            _relapse_dates(follow_up, responses, enrolled, cut),
            _follow_up_column(follow_up, "died_on", enrolled.index, cut),
        ],
        axis=1,
    ).min(axis=1)
    end = first.where(first.notna(), _censor_dates(enrolled, last_dates, cut))
    return _result(enrolled, end, first.notna())


def relapse_nrm(
    patients: pd.DataFrame,
    follow_up: pd.DataFrame | None,
    responses: pd.DataFrame | None,
    data_cut,
    last_dates: pd.Series,
) -> pd.DataFrame:
    """Relapse and non-relapse mortality as competing risks.

    Same shape as :func:`os_times`; ``event`` is 1 (relapse, :data:`RELAPSE`),
    2 (death without prior relapse, :data:`NRM`) or 0 (censored).
    """
    enrolled, cut = _enrolled(patients, data_cut)
    relapse = _relapse_dates(follow_up, responses, enrolled, cut)
    died = _follow_up_column(follow_up, "died_on", enrolled.index, cut)
    is_relapse = relapse.notna() & ~(died < relapse)
    is_nrm = died.notna() & ~is_relapse
    end = _censor_dates(enrolled, last_dates, cut)
    end = end.where(~is_nrm, died).where(~is_relapse, relapse)
    event = pd.Series(0, index=enrolled.index).where(~is_relapse, RELAPSE).where(~is_nrm, NRM)
    return _result(enrolled, end, event)


def derived_times(
    patients: pd.DataFrame, time_to_event: pd.DataFrame | None, parameter: str, data_cut
) -> pd.DataFrame:
    """An endpoint of the ``time_to_event`` table (ADTTE ``PARAMCD`` = ``parameter``).

    Same shape as :func:`os_times`; ``time`` is the delivered number of days (ADTTE
    ``AVAL``, which may not be whole), ``event`` is 1 unless censored. Patients without
    a row for the parameter are left out, as the study's own analysis leaves them out.
    """
    enrolled, _cut = _enrolled(patients, data_cut)
    rows = pd.DataFrame(columns=["patient_id", "parameter", "days", "censored"])
    if time_to_event is not None and not time_to_event.empty:
        _require(time_to_event, rows.columns, "time_to_event")
        rows = time_to_event[time_to_event["parameter"] == parameter]
    rows = rows[rows["patient_id"].isin(enrolled.index)].drop_duplicates("patient_id")
    rows = rows.set_index("patient_id")
    out = pd.DataFrame(
        {
            "time": rows["days"].astype(float),
            "event": (~rows["censored"].astype(bool)).astype("int64"),
        },
        index=rows.index,
    )
    for column in GROUP_COLUMNS:
        out[column] = enrolled.loc[rows.index, column]
    out.index.name = "patient_id"
    return out
