"""SDTM datasets to the trial model: patients and follow-up (DM, DS, EX/PR, SUPPDM, SV;
events, labs and responses are in :mod:`.sdtm_events`).

Each mapper reads the domains it needs from a :class:`~data_access.cdisc.study.Study`
and returns a :class:`MappedTable`: the rows in the trial model's columns, the dataset
and row each came from, and which variable fills each column, so that a problem found
later (a duplicate, an unknown site, dates out of order) names the variable of the
file a data manager can open. ``docs/cdisc-import.md`` states every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_access.cdisc.datasets import Dataset
from data_access.cdisc.dates import not_before
from data_access.cdisc.mapping import upper_set
from data_access.cdisc.study import Study
from data_access.schema import CYTOGENETIC_RISKS, DIAGNOSES, SEXES

NOT_CODED = "(not coded)"
_SYNONYMS = {"favourable": "favorable"}


@dataclass
class MappedTable:
    """Rows of one trial table built from a dataset (``file``, 1-based ``rows``)."""

    frame: pd.DataFrame
    file: str
    rows: np.ndarray
    variables: dict[str, str] = field(default_factory=dict)


def _upper(values: pd.Series) -> pd.Series:
    return values.str.upper()


def _subject_lookup(values: pd.Series, ids: pd.Series) -> pd.Series:
    """Per-subject ``values`` (indexed by USUBJID) placed on rows with ``ids``."""
    return ids.map(values) if not values.empty else pd.Series(np.nan, index=ids.index)


# ----------------------------------------------------------------------- patients


def _ds_events(study: Study, decodes: list[str]) -> pd.DataFrame:
    """DS records whose DSDECOD is one of ``decodes``: USUBJID, date, term; by date."""
    ds = study.get("ds")
    if ds is None or not decodes or "DSDECOD" not in ds.frame:
        return pd.DataFrame(columns=["id", "date", "term", "decode"])
    dates, _imputed = study.first_date(ds, ["DSSTDTC", "DSDTC"])
    hit = _upper(ds.text("DSDECOD")).isin(upper_set(decodes))
    frame = pd.DataFrame(
        {
            "id": ds.text("USUBJID"),
            "date": dates,
            "term": ds.text("DSTERM"),
            "decode": ds.text("DSDECOD"),
        }
    )[hit]
    return frame.sort_values("date", kind="stable")


def _first_per_subject(events: pd.DataFrame) -> pd.DataFrame:
    return events.drop_duplicates("id").set_index("id")


def _treatment_dates(study: Study) -> tuple[pd.Series, pd.Series]:
    """First treatment date and first transplant date by USUBJID (EX, or PR)."""
    firsts, transplants = [], []
    named = upper_set(study.mapping["treatment"]["transplant"])
    for domain in study.mapping["treatment"]["domains"]:
        ds = study.get(domain.lower())
        prefix = domain.upper()
        if ds is None or f"{prefix}STDTC" not in ds.frame:
            continue
        dates = study.dates(ds, f"{prefix}STDTC").dates
        firsts.append(study.per_subject(ds, dates))
        if named:
            given = _upper(ds.text(f"{prefix}TRT")).isin(named)
            transplants.append(study.per_subject(ds, dates.where(given)))
    first = pd.concat(firsts).groupby(level=0).min() if firsts else pd.Series(dtype="M8[ns]")
    day0 = (
        pd.concat(transplants).groupby(level=0).min() if transplants else pd.Series(dtype="M8[ns]")
    )
    return first, day0


def _qualifier(study: Study, qnam: str, ids: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """A SUPPDM qualifier per subject, kept when it names one of ``allowed`` values."""
    supp = study.get("suppdm")
    if not qnam or supp is None or not supp.has("USUBJID", "QNAM", "QVAL"):
        return pd.Series(None, index=ids.index, dtype=object)
    rows = supp.frame[_upper(supp.text("QNAM")) == qnam.upper()]
    values = supp.text("QVAL")[rows.index].str.lower().str.replace(r"[\s-]+", "_", regex=True)
    values = values.replace(_SYNONYMS)
    known = values.where(values.isin(allowed))
    unknown = sorted(set(values[known.isna() & values.ne("")]))
    if unknown:
        study.note(f"SUPPDM {qnam}: values not recognised, left empty: {', '.join(unknown)}")
    by_id = pd.Series(known.to_numpy(), index=supp.text("USUBJID")[rows.index].to_numpy())
    return ids.map(by_id[~by_id.index.duplicated()]).astype(object).where(lambda v: v.notna(), None)


def map_patients(study: Study) -> MappedTable | None:
    """DM (with DS, EX, SUPPDM, SV) to patients: every DM subject was screened."""
    dm = study.require("dm", "USUBJID", "SITEID")
    if dm is None:
        return None
    if dm.frame.empty:
        study.variable_problem(dm.file, "USUBJID", "DM has no subjects: nothing to load")
        return None
    settings = study.mapping["patients"]
    ids = dm.text("USUBJID")
    for row in ids[ids.eq("")].index:
        study.problems.append(dm.problem(row, "USUBJID", "required value is missing"))
    failure = _screen_failures(study, dm, ids)
    enrolled_on, enrolled_from = _enrollment_dates(study, dm, ids, failure)
    screened_on = _screening_dates(study, dm, ids, enrolled_on)
    first_treatment, transplant = _treatment_dates(study)
    rfx = study.dates(dm, "RFXSTDTC").dates if "RFXSTDTC" in dm.frame else None
    treatment = _subject_lookup(first_treatment, ids)
    if rfx is not None:
        treatment = treatment.where(treatment.notna(), rfx)
    enrolled = enrolled_on.notna()
    withdrawn = _withdrawals(study, ids)
    sex = _upper(dm.text("SEX"))
    unknown_sex = int((~sex.isin(SEXES) & sex.ne("")).sum())
    if unknown_sex:
        study.note(f"DM SEX other than F or M (left empty): {unknown_sex} subjects")
    frame = pd.DataFrame(
        {
            "patient_id": ids.where(ids.ne(""), None),
            "site_id": dm.text("SITEID").where(lambda v: v.ne(""), None),
            "sex": sex.where(sex.isin(SEXES), None),
            "age": pd.to_numeric(dm.text("AGE"), errors="coerce").round().astype("Int64"),
            "diagnosis": _qualifier(study, settings["diagnosis_qualifier"], ids, DIAGNOSES),
            "cytogenetic_risk": _qualifier(
                study, settings["cytogenetic_risk_qualifier"], ids, CYTOGENETIC_RISKS
            ),
            "screened_on": screened_on,
            "enrolled_on": enrolled_on,
            "screen_failure_reason": failure.where(~enrolled, None),
            "transplant_on": _subject_lookup(transplant, ids).where(enrolled),
            "withdrawn_on": ids.map(withdrawn["date"]).where(enrolled),
            "withdrawal_reason": ids.map(withdrawn["reason"]).where(enrolled, None),
            "arm": dm.text("ARM").where(enrolled & dm.text("ARM").ne(""), None),
            "actual_arm": dm.text("ACTARM").where(enrolled & dm.text("ACTARM").ne(""), None),
            "treatment_start_on": treatment.where(enrolled),
        }
    )
    variables = {
        "patient_id": "USUBJID",
        "site_id": "SITEID",
        "sex": "SEX",
        "age": "AGE",
        "screened_on": settings["screening_variables"][0]
        if settings["screening_variables"]
        else "DMDTC",
        "enrolled_on": enrolled_from,
        "arm": "ARM",
        "actual_arm": "ACTARM",
    }
    return MappedTable(frame, dm.file, np.arange(1, len(frame) + 1), variables)


def _screen_failures(study: Study, dm: Dataset, ids: pd.Series) -> pd.Series:
    """The screen failure reason per DM row, None for subjects who did not fail."""
    settings = study.mapping["patients"]
    arms = upper_set(settings["screen_failure_arm"])
    by_arm = (
        _upper(dm.text("ARMCD")).isin(upper_set(settings["screen_failure_armcd"]))
        | _upper(dm.text("ARM")).isin(arms)
        | _upper(dm.text("ARMNRS")).isin(arms)  # SDTMIG 3.3: ARM empty, reason here
    )
    events = _first_per_subject(_ds_events(study, settings["screen_failure_event"]))
    term = ids.map(events["term"]).fillna("").astype(str)
    decode = ids.map(events["decode"]).fillna("").astype(str)
    failed = by_arm | ids.isin(events.index)
    informative = term.where(term.ne("") & (term.str.upper() != decode.str.upper()), "")
    return informative.where(informative.ne(""), "screen failure").where(failed, None)


def _enrollment_dates(
    study: Study, dm: Dataset, ids: pd.Series, failure: pd.Series
) -> tuple[pd.Series, str]:
    """Enrollment date per DM row (none for screen failures) and the variable it is from."""
    settings = study.mapping["patients"]
    if settings["enrollment_event"]:
        events = _first_per_subject(_ds_events(study, [settings["enrollment_event"]]))
        dates = ids.map(events["date"]) if not events.empty else pd.Series(pd.NaT, index=ids.index)
        source = "DSSTDTC"
    else:
        source = settings["enrollment_variable"]
        if source not in dm.frame:
            study.has_variables(dm, source)
            dates = pd.Series(pd.NaT, index=ids.index)
        else:
            dates = study.dates(dm, source).dates
    dates = pd.to_datetime(dates).astype("datetime64[ns]")
    contradicting = int((dates.notna() & failure.notna()).sum())
    if contradicting:
        study.note(
            f"screen failures with an enrollment date ({source}), counted as not enrolled: "
            f"{contradicting}"
        )
    return dates.where(failure.isna()), source


def _screening_dates(
    study: Study, dm: Dataset, ids: pd.Series, enrolled_on: pd.Series
) -> pd.Series:
    """Screening date: the first screening variable that holds one, else the first visit
    (SV), else the enrollment date."""
    dates, _imputed = study.first_date(dm, study.mapping["patients"]["screening_variables"])
    sv = study.get("sv")
    if sv is not None and "SVSTDTC" in sv.frame:
        first_visit = study.per_subject(sv, study.dates(sv, "SVSTDTC").dates)
        dates = dates.where(dates.notna(), _subject_lookup(first_visit, ids))
    dates = dates.where(dates.notna(), enrolled_on)
    for row in dates[dates.isna() & ids.ne("")].index:
        study.problems.append(
            dm.problem(
                row,
                "RFICDTC",
                "no screening date: RFICDTC, DMDTC, SV and the enrollment date are all empty",
            )
        )
    return dates


def _withdrawals(study: Study, ids: pd.Series) -> pd.DataFrame:
    """First disposition event that ends participation early, by USUBJID: date, reason."""
    ds = study.get("ds")
    empty = pd.DataFrame(columns=["date", "reason"], index=pd.Index([], dtype=object))
    if ds is None or "DSDECOD" not in ds.frame:
        return empty
    settings = study.mapping["disposition"]
    patients = study.mapping["patients"]
    not_withdrawals = upper_set(
        settings["completed"]
        + settings["death"]
        + patients["screen_failure_event"]
        + ([patients["enrollment_event"]] if patients["enrollment_event"] else [])
    )
    decode = _upper(ds.text("DSDECOD"))
    category = _upper(ds.text("DSCAT"))
    disposition = category.isin(upper_set(settings["category"])) | category.eq("")
    dates, _imputed = study.first_date(ds, ["DSSTDTC", "DSDTC"])
    rows = pd.DataFrame(
        {"id": ds.text("USUBJID"), "date": dates, "reason": ds.text("DSDECOD").str.capitalize()}
    )[disposition & ~decode.isin(not_withdrawals) & decode.ne("")]
    if rows.empty:
        return empty
    return _first_per_subject(rows.sort_values("date", kind="stable"))


# ---------------------------------------------------------------------- follow-up


def map_follow_up(study: Study, patients: MappedTable) -> MappedTable:
    """One row per enrolled patient: death (DM DTHDTC or DS), its cause, last contact."""
    frame = patients.frame
    enrolled = frame["enrolled_on"].notna() & frame["patient_id"].notna()
    ids = frame.loc[enrolled, "patient_id"]
    dm = study.get("dm")
    latest = ids.map(study.all_record_dates())
    died = pd.Series(pd.NaT, index=ids.index, dtype="datetime64[ns]")
    imputed = pd.Series(False, index=ids.index)
    if "DTHDTC" in dm.frame:
        # A partial death date is not imputed before the patient was last known alive.
        parsed = study.dates(dm, "DTHDTC")
        floor = dm.text("USUBJID").map(study.all_record_dates())
        died, imputed = not_before(parsed, floor)[ids.index], parsed.imputed[ids.index]
    deaths = _first_per_subject(_ds_events(study, study.mapping["disposition"]["death"]))
    if not deaths.empty:
        died = died.where(died.notna(), ids.map(deaths["date"]))
    cause = ids.map(_fatal_event_terms(study))
    if not deaths.empty:
        informative = deaths["term"].where(
            deaths["term"].str.upper() != deaths["decode"].str.upper()
        )
        cause = cause.where(cause.notna(), ids.map(informative))
    last = pd.concat([latest, frame.loc[ids.index, "enrolled_on"]], axis=1).max(axis=1)
    last = last.where(died.isna() | (last <= died), died)
    out = pd.DataFrame(
        {
            "patient_id": ids,
            "last_contact_on": last,
            "progressed_on": pd.NaT,
            "died_on": died,
            "death_cause": cause.where(died.notna(), None),
            "imputed": np.where(imputed & died.notna(), "died_on", None),
        }
    )
    variables = {"patient_id": "USUBJID", "died_on": "DTHDTC"}
    return MappedTable(out.reset_index(drop=True), dm.file, patients.rows[enrolled], variables)


def _fatal_event_terms(study: Study) -> pd.Series:
    """The preferred term of each subject's first fatal adverse event (AEOUT FATAL or
    AESDTH Y): the cause of death the investigator reported."""
    ae = study.get("ae")
    if ae is None:
        return pd.Series(dtype=object)
    fatal = _upper(ae.text("AEOUT")).eq("FATAL") | _upper(ae.text("AESDTH")).eq("Y")
    term = ae.text("AEDECOD").where(ae.text("AEDECOD").ne(""), ae.text("AETERM"))
    onset = study.dates(ae, "AESTDTC").dates if "AESTDTC" in ae.frame else pd.Series(pd.NaT)
    rows = pd.DataFrame({"id": ae.text("USUBJID"), "onset": onset, "term": term})[fatal]
    return rows.sort_values("onset", kind="stable").drop_duplicates("id").set_index("id")["term"]
