"""The trial as known at its data cut: what is dated after the cut is not yet known.

Real exports hold records entered after the cut (a lab drawn last week, an event
reported yesterday). They are kept in the database; every panel sees the tables
through :func:`as_of_data_cut`, so that none of them counts what happened after it:

- a patient screened after the cut is not shown; an enrollment, transplant, first
  treatment or withdrawal after it has not happened yet;
- responses, labs, transfusions, adverse events and chimerism samples dated after the
  cut are left out; an event resolved after the cut is ongoing at the cut;
- a death or progression after the cut is unknown; a last contact after it means the
  patient was known alive at the cut, so it becomes the cut;
- site milestones after the cut have not happened yet.

Time-to-event endpoints derived by the sponsor (ADTTE) are kept as delivered: their
own derivation fixed their cut.
"""

from __future__ import annotations

import pandas as pd

RECORD_DATES = {
    "responses": "assessed_on",
    "lab_results": "sampled_on",
    "transfusions": "given_on",
    "adverse_events": "onset_on",
    "chimerism": "sampled_on",
}
"""The date that places each row of a patient record table in time."""
PATIENT_DATES = ("enrolled_on", "transplant_on", "treatment_start_on", "withdrawn_on")
SITE_DATES = (
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "closed_on",
)


def _blank_after(frame: pd.DataFrame, columns, cut: pd.Timestamp) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].where(~(out[column] > cut))
    return out


def as_of_data_cut(tables: dict[str, pd.DataFrame], data_cut) -> dict[str, pd.DataFrame]:
    """``tables`` as known at ``data_cut`` (module docstring); unchanged without a cut.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Trial tables keyed by name, dates as ``datetime64[ns]``. Tables not named in
        the module docstring are passed through.
    data_cut : date or None

    Returns
    -------
    dict of str to DataFrame
        New frames; the input is not modified. Applying it twice changes nothing.
    """
    cut = pd.Timestamp(data_cut) if data_cut is not None else pd.NaT
    if pd.isna(cut) or "patients" not in tables:
        return tables
    out = dict(tables)
    patients = tables["patients"]
    patients = _blank_after(patients[~(patients["screened_on"] > cut)], PATIENT_DATES, cut)
    if "withdrawal_reason" in patients:
        patients["withdrawal_reason"] = patients["withdrawal_reason"].where(
            patients["withdrawn_on"].notna(), None
        )
    out["patients"] = patients.reset_index(drop=True)
    known = set(patients["patient_id"])
    for name, frame in tables.items():
        if name == "patients" or "patient_id" not in frame:
            continue
        frame = frame[frame["patient_id"].isin(known)]
        if name in RECORD_DATES:
            frame = frame[~(frame[RECORD_DATES[name]] > cut)]
        out[name] = frame.reset_index(drop=True)
    if "adverse_events" in out:
        out["adverse_events"] = _blank_after(out["adverse_events"], ("resolved_on",), cut)
    if "follow_up" in out:
        out["follow_up"] = _follow_up_at(out["follow_up"], cut)
    if "sites" in out:
        out["sites"] = _blank_after(out["sites"], SITE_DATES, cut)
    return out


def _follow_up_at(follow_up: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    follow_up = _blank_after(follow_up, ("died_on", "progressed_on"), cut)
    if "death_cause" in follow_up:
        follow_up["death_cause"] = follow_up["death_cause"].where(
            follow_up["died_on"].notna(), None
        )
    contact = follow_up["last_contact_on"]
    follow_up["last_contact_on"] = contact.where(~(contact > cut), cut)
    return follow_up
