"""One patient's whole course: what the patient profile page, ``stats patient`` and
``/api/stats/patient`` show.

Days count from the patient's day 0: the micro-transplant, or the enrollment for a
patient not (yet) transplanted (``day0_is_transplant`` says which). Everything is taken
as known at the data cut (:mod:`analysis.data_cut`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.data_cut import as_of_data_cut
from analysis.endpoints import RELAPSE, last_contact_dates, relapse_nrm
from analysis.quality import eligibility_deviations, record_contradictions
from analysis.recovery_days import ENDPOINT_NAMES, derive_recovery
from analysis.response import CR_CRI_CATEGORIES, best_response


class UnknownPatient(LookupError):
    """No patient with this id in the data (or in the user's scope); the message says so."""


@dataclass(frozen=True)
class PatientProfile:
    """One patient at the data cut.

    Header: ``patient_id, site_id, site_name, age, sex, diagnosis, cytogenetic_risk,
    arm`` (None when not recorded); dates ``screened_on, enrolled_on, transplant_on,
    last_contact_on, died_on`` (``datetime.date`` or None) and ``death_cause``;
    ``status`` in words ("died", "relapsed", "alive in remission", "alive", "not
    enrolled"); ``best_response`` (a code of ``analysis.response.RESPONSE_ORDER`` or
    None); ``recovery``: ``{"neutrophil_day", "platelet20_day", "platelet50_day"}`` (days
    from the transplant, None when not reached or not transplanted); ``flags``: short
    phrases ("no nadir of neutrophils", "prolonged aplasia"); ``deviations``: the
    eligibility deviations at entry, in words (:func:`analysis.quality.eligibility_deviations`);
    ``contradictions``: the patient's records that contradict each other (a death
    before enrollment, a record after death...), in words
    (:func:`analysis.quality.record_contradictions`).

    Records, each a DataFrame sorted by date, every row with ``date`` and ``day`` (from
    day 0; may be negative):

    - ``events``: ``date, day, end_date, end_day, kind`` ("adverse event" or "GVHD"),
      ``label`` (the preferred term, with the GVHD type and grade for GVHD),
      ``soc, grade, serious, related``;
    - ``labs``: ``date, day, test, value, unit``;
    - ``transfusions``: ``date, day, product``;
    - ``responses``: ``date, day, response``;
    - ``chimerism``: ``date, day, donor_percent, detected``.
    """

    patient_id: str
    site_id: str
    site_name: str | None
    age: float | None
    sex: str | None
    diagnosis: str | None
    cytogenetic_risk: str | None
    arm: str | None
    screened_on: dt.date | None
    enrolled_on: dt.date | None
    transplant_on: dt.date | None
    last_contact_on: dt.date | None
    died_on: dt.date | None
    death_cause: str | None
    day0_on: dt.date | None
    day0_is_transplant: bool
    status: str
    best_response: str | None
    recovery: dict[str, int | None]
    flags: tuple[str, ...]
    deviations: tuple[str, ...]
    contradictions: tuple[str, ...]
    events: pd.DataFrame
    labs: pd.DataFrame
    transfusions: pd.DataFrame
    responses: pd.DataFrame
    chimerism: pd.DataFrame
    data_cut: dt.date | None


_RECORDS = {
    # record: (table, the date that places a row, columns kept)
    "labs": ("lab_results", "sampled_on", ("test", "value", "unit")),
    "transfusions": ("transfusions", "given_on", ("product",)),
    "responses": ("responses", "assessed_on", ("response",)),
    "chimerism": ("chimerism", "sampled_on", ("donor_percent", "detected")),
}
_EVENT_COLUMNS = (
    "date",
    "day",
    "end_date",
    "end_day",
    "kind",
    "label",
    "soc",
    "grade",
    "serious",
    "related",
)
_NO_NADIR = {
    "neutrophil": "no nadir of neutrophils",
    "platelet20": "no nadir of platelets below 20",
    "platelet50": "no nadir of platelets below 50",
}


def one_patient(tables: dict[str, pd.DataFrame], patient_id: str) -> dict[str, pd.DataFrame]:
    """``tables`` with only ``patient_id``'s rows in every table keyed by patient (the
    trial and the sites whole)."""
    out = dict(tables)
    for name, frame in tables.items():
        if frame is not None and "patient_id" in frame:
            out[name] = frame[frame["patient_id"] == patient_id].reset_index(drop=True)
    return out


def patient_profile(
    tables: dict[str, pd.DataFrame], data_cut: dt.date | None, patient_id: str
) -> PatientProfile:
    """The profile of ``patient_id`` as known at ``data_cut`` (:class:`PatientProfile`).

    ``tables`` may hold the whole trial or that patient's rows only (the same answer:
    every derivation here is per patient). Raises :class:`UnknownPatient` when the
    patient is not in ``tables["patients"]`` (or screened after the data cut).
    """
    tables = as_of_data_cut(one_patient(tables, patient_id), data_cut)
    patients = tables["patients"]
    if patients.empty:
        raise UnknownPatient(f"no patient {patient_id} in the data")
    row = patients.iloc[0]
    enrolled_on, transplant_on = _date(row.get("enrolled_on")), _date(row.get("transplant_on"))
    day0 = transplant_on or enrolled_on
    follow = _first(tables.get("follow_up"))
    died_on = _date(follow.get("died_on")) if follow is not None else None
    contacts = last_contact_dates(tables)  # once: the status and recovery need it too
    best = None
    if enrolled_on is not None:
        best = _value(
            best_response(tables["responses"], patients, data_cut=data_cut).get(patient_id)
        )
    recovery, flags = _recovery(tables, data_cut, patient_id, contacts)
    return PatientProfile(
        patient_id=patient_id,
        site_id=row["site_id"],
        site_name=_site_name(tables.get("sites"), row["site_id"]),
        age=None if _value(row.get("age")) is None else float(row["age"]),
        sex=_value(row.get("sex")),
        diagnosis=_value(row.get("diagnosis")),
        cytogenetic_risk=_value(row.get("cytogenetic_risk")),
        arm=_value(row.get("arm")),
        screened_on=_date(row.get("screened_on")),
        enrolled_on=enrolled_on,
        transplant_on=transplant_on,
        last_contact_on=_date(contacts.get(patient_id)),
        died_on=died_on,
        death_cause=_value(follow.get("death_cause")) if died_on is not None else None,
        day0_on=day0,
        day0_is_transplant=transplant_on is not None,
        status=_status(tables, data_cut, enrolled_on, died_on, best, contacts),
        best_response=best,
        recovery=recovery,
        flags=flags,
        deviations=tuple(eligibility_deviations(tables, data_cut, known_at_cut=True)["detail"])
        if enrolled_on is not None and data_cut is not None
        else (),
        contradictions=tuple(record_contradictions(tables, data_cut, known_at_cut=True)["detail"])
        if data_cut is not None
        else (),
        events=_events(tables.get("adverse_events"), day0),
        labs=_records(tables, "labs", day0),
        transfusions=_records(tables, "transfusions", day0),
        responses=_records(tables, "responses", day0),
        chimerism=_records(tables, "chimerism", day0),
        data_cut=_date(data_cut),
    )


def patient_json(tables: dict[str, pd.DataFrame], data_cut, patient_id: str) -> dict:
    """``stats patient --json`` and ``/api/stats/patient``: the profile's dates (ISO),
    recovery days and records as plain JSON (``docs/command-line.md``); null for what is
    not known. Raises :class:`UnknownPatient` like :func:`patient_profile`."""
    profile = patient_profile(tables, data_cut, patient_id)
    return {
        "patient_id": profile.patient_id,
        "site_id": profile.site_id,
        "arm": profile.arm,
        "enrolled_on": _iso(profile.enrolled_on),
        "transplant_on": _iso(profile.transplant_on),
        "died_on": _iso(profile.died_on),
        "death_cause": profile.death_cause,
        "recovery": dict(profile.recovery),
        "events": _json_rows(profile.events, ("date", "day", "kind", "label", "grade", "serious")),
        "labs": _json_rows(profile.labs, ("date", "day", "test", "value")),
        "transfusions": _json_rows(profile.transfusions, ("date", "day", "product")),
        "responses": _json_rows(profile.responses, ("date", "day", "response")),
        "chimerism": _json_rows(profile.chimerism, ("date", "day", "donor_percent", "detected")),
    }


def _status(tables, data_cut, enrolled_on, died_on, best, contacts) -> str:
    if enrolled_on is None:
        return "not enrolled"
    if died_on is not None:
        return "died"
    cut = pd.Timestamp(data_cut) if data_cut is not None else pd.Timestamp.max.floor("D")
    patients = tables["patients"]
    course = relapse_nrm(
        patients,
        tables.get("follow_up"),
        tables.get("responses"),
        cut,
        contacts,
    )
    if not course.empty and (course["event"] == RELAPSE).any():
        return "relapsed"
    return "alive in remission" if best in CR_CRI_CATEGORIES else "alive"


def _recovery(
    tables, data_cut, patient_id, contacts
) -> tuple[dict[str, int | None], tuple[str, ...]]:
    recovery = {f"{name}_day": None for name in ENDPOINT_NAMES}
    if data_cut is None:
        return recovery, ()
    derived = derive_recovery(tables, data_cut, contacts)
    if patient_id not in derived.index:
        return recovery, ()
    found = derived.loc[patient_id]
    recovery = {f"{name}_day": _int(found[f"{name}_day"]) for name in ENDPOINT_NAMES}
    flags = [phrase for name, phrase in _NO_NADIR.items() if bool(found[f"{name}_no_nadir"])]
    if _value(found["prolonged_aplasia"]) is True:
        flags.append("prolonged aplasia")
    return recovery, tuple(flags)


def _events(events: pd.DataFrame | None, day0: dt.date | None) -> pd.DataFrame:
    if events is None or events.empty:
        return _empty(_EVENT_COLUMNS)
    gvhd = events["gvhd_type"].notna() if "gvhd_type" in events else False
    label = events["term"].astype(object)
    if "gvhd_type" in events:
        grade = events["gvhd_grade"].map(lambda g: "" if _value(g) is None else f", grade {g}")
        label = label.where(
            ~gvhd, label + " (" + events["gvhd_type"].astype(str) + " GVHD" + grade + ")"
        )
    out = pd.DataFrame(
        {
            "date": events["onset_on"],
            "day": _days(events["onset_on"], day0),
            "end_date": events["resolved_on"],
            "end_day": _days(events["resolved_on"], day0),
            "kind": pd.Series("adverse event", index=events.index).where(~gvhd, "GVHD"),
            "label": label,
            "soc": events["soc"],
            "grade": events["grade"],
            "serious": events["serious"],
            "related": events["related"],
        }
    )
    return _sorted(out)


def _records(tables, record: str, day0: dt.date | None) -> pd.DataFrame:
    name, date_column, columns = _RECORDS[record]
    frame = tables.get(name)
    if frame is None or frame.empty:
        return _empty(("date", "day", *columns))
    out = pd.DataFrame({"date": frame[date_column], "day": _days(frame[date_column], day0)})
    for column in columns:
        out[column] = frame[column]
    return _sorted(out)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("date", kind="mergesort").reset_index(drop=True)


def _empty(columns) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for column in ("date", "end_date"):
        if column in out:
            out[column] = out[column].astype("datetime64[ns]")
    for column in ("day", "end_day"):
        if column in out:
            out[column] = out[column].astype("Int64")
    return out


def _days(dates: pd.Series, day0: dt.date | None) -> pd.Series:
    if day0 is None:
        return pd.Series(pd.NA, index=dates.index, dtype="Int64")
    return (pd.to_datetime(dates) - pd.Timestamp(day0)).dt.days.astype("Int64")


def _site_name(sites: pd.DataFrame | None, site_id) -> str | None:
    if sites is None or sites.empty:
        return None
    names = sites.loc[sites["site_id"] == site_id, "name"]
    return None if names.empty else _value(names.iloc[0])


def _first(frame: pd.DataFrame | None):
    return None if frame is None or frame.empty else frame.iloc[-1]


def _value(value):
    """``value`` as a plain Python value (no numpy scalar), None when missing."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value
    return value.item() if hasattr(value, "item") else value


def _int(value) -> int | None:
    value = _value(value)
    return None if value is None else int(value)


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _iso(value) -> str | None:
    value = _date(value)
    return None if value is None else value.isoformat()


def _json_rows(frame: pd.DataFrame, columns) -> list[dict]:
    rows = []
    for record in frame[list(columns)].to_dict("records"):
        rows.append(
            {key: _iso(value) if key == "date" else _plain(value) for key, value in record.items()}
        )
    return rows


def _plain(value):
    return _value(value)
