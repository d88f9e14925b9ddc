"""The trial as known at its data cut: what is dated after the cut is not yet known.

Real exports hold records entered after the cut (a lab drawn last week, an event
reported yesterday). They are kept in the database; every panel sees the tables
through :func:`as_of_data_cut`, so that none of them counts what happened after it:

- a patient screened after the cut is not shown; an enrollment, transplant, first
  treatment or withdrawal after it has not happened yet (and a patient first treated
  after it is not yet in the safety population);
- responses, labs, transfusions, adverse events and chimerism samples dated after the
  cut are left out; an event resolved after the cut is ongoing at the cut;
- a death or progression after the cut is unknown; a last contact after it means the
  patient was known alive at the cut, so it becomes the cut;
- a date cleared this way is no longer marked imputed.

Sites (their milestones and status come from site management, as planned or as of
the export) and time-to-event endpoints derived by the sponsor (ADTTE, whose own
derivation fixed their cut) are kept as delivered.
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


def _blank_after(frame: pd.DataFrame, columns, cut: pd.Timestamp) -> pd.DataFrame:
    """``columns`` cleared where after ``cut``, and no longer named as imputed there."""
    out = frame.copy()
    for column in columns:
        if column not in out:
            continue
        later = out[column] > cut
        out[column] = out[column].where(~later)
        if "imputed" in out and later.any():
            names = out.loc[later, "imputed"].fillna("").str.split()
            kept = names.map(lambda n, c=column: " ".join(x for x in n if x != c) or None)
            out.loc[later, "imputed"] = kept
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
    screened = patients[~(patients["screened_on"] > cut)]
    patients = _blank_after(screened, PATIENT_DATES, cut)
    if "withdrawal_reason" in patients:
        patients["withdrawal_reason"] = patients["withdrawal_reason"].where(
            patients["withdrawn_on"].notna(), None
        )
    if "safety_population" in patients:
        treated_later = screened["treatment_start_on"] > cut
        patients["safety_population"] = patients["safety_population"].mask(treated_later, False)
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
