"""ADaM beside SDTM: preferred for what it covers.

- ADSL: the planned (randomised) arm TRT01P and the actual one TRT01A, the first
  treatment date (TRTSDT) and the safety population (SAFFL) of each subject.
- ADAE: the treatment-emergent flag (TRTEMFL) and the analysis dates (ASTDT, AENDT, with
  ASTDTF/AENDTF marking imputation) of each AE record, matched on USUBJID and AESEQ.
- ADTTE: every time-to-event parameter (PARAMCD, PARAM, AVAL, CNSR) becomes an endpoint
  offered beside overall and progression-free survival.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.cdisc.datasets import ADAM_DATASETS
from data_access.cdisc.mapping import TIME_UNITS
from data_access.cdisc.sdtm import MappedTable, _upper
from data_access.cdisc.study import Study


def uses_adam(study: Study) -> bool:
    return any(name in study.datasets for name in ADAM_DATASETS)


def apply_adsl(study: Study, patients: MappedTable) -> None:
    """Arm, first treatment date and safety population of enrolled patients from ADSL."""
    adsl = study.get("adsl")
    if adsl is None or not study.has_variables(adsl, "USUBJID"):
        return
    frame = patients.frame
    ids = frame["patient_id"]
    enrolled = frame["enrolled_on"].notna() & ids.isin(adsl.text("USUBJID"))
    for column, variable in (("arm", "TRT01P"), ("actual_arm", "TRT01A")):
        if variable in adsl.frame:
            arm = ids.map(study.per_subject(adsl, adsl.text(variable), "first"))
            frame[column] = frame[column].where(~(enrolled & arm.notna() & arm.ne("")), arm)
    if "TRTSDT" in adsl.frame:
        dates = study.adam_dates(adsl, adsl.frame["TRTSDT"], "TRTSDT")
        start = ids.map(study.per_subject(adsl, dates, "first"))
        frame["treatment_start_on"] = frame["treatment_start_on"].where(
            ~(enrolled & start.notna()), start
        )
    if adsl.text("SAFFL").ne("").any():  # an empty flag says nothing
        flag = ids.map(study.per_subject(adsl, _upper(adsl.text("SAFFL")), "first"))
        frame["safety_population"] = flag.eq("Y").where(enrolled)


def apply_adae(study: Study, events: MappedTable | None) -> None:
    """Treatment-emergent flags and analysis dates of AE records from ADAE."""
    adae, ae = study.get("adae"), study.get("ae")
    if events is None or adae is None:
        return
    if ae is None:  # the events were read from ADAE itself
        matched, found = adae.frame, pd.Series(True, index=events.frame.index)
    elif adae.has("USUBJID", "AESEQ") and ae.has("AESEQ"):
        matched, found = _matched_records(study, adae, ae)
        matched = matched.set_axis(events.frame.index)
    else:
        study.note("ADAE not used: it cannot be matched to AE without AESEQ")
        return
    frame = events.frame
    flags = matched["TRTEMFL"].fillna("").astype(str).str.strip() if "TRTEMFL" in matched else None
    if flags is not None and flags[found].ne("").any():  # an empty flag says nothing
        frame["treatment_emergent"] = (_upper(flags).eq("Y") & found).to_numpy()
    for date, flag, column in (("ASTDT", "ASTDTF", "onset_on"), ("AENDT", "AENDTF", "resolved_on")):
        if date not in matched:
            continue
        values = study.adam_dates(adae, matched[date].where(found), date)
        use = values.notna()
        frame[column] = frame[column].where(~use, values)
        if flag in matched:
            imputed = use & matched[flag].fillna("").astype(str).str.strip().ne("")
            _mark_imputed(frame, column, imputed, use)


def _record_key(ds) -> pd.MultiIndex:
    """USUBJID and AESEQ, the sequence number compared as a number (``1`` = ``1.0``)."""
    seq = ds.text("AESEQ")
    number = pd.to_numeric(seq, errors="coerce")
    seq = number.map(lambda v: f"{v:g}").where(number.notna(), seq)
    return pd.MultiIndex.from_arrays([ds.text("USUBJID"), seq])


def _matched_records(study: Study, adae, ae) -> tuple[pd.DataFrame, pd.Series]:
    """The ADAE record of each AE record (by USUBJID and AESEQ), and which have one."""
    analysis = adae.frame.set_axis(_record_key(adae))
    analysis = analysis[~analysis.index.duplicated()]
    wanted = _record_key(ae)
    found = pd.Series(wanted.isin(analysis.index))
    if len(ae.frame) and len(adae.frame) and not found.any():
        study.variable_problem(
            adae.file, "AESEQ", "no ADAE record matches an AE record on USUBJID and AESEQ"
        )
    elif (~found).any():
        study.note(
            "AE records without an ADAE record, counted as not treatment-emergent: "
            f"{int((~found).sum())}"
        )
    return analysis.reindex(wanted).reset_index(drop=True), found


def _mark_imputed(frame: pd.DataFrame, column: str, imputed: pd.Series, decided: pd.Series) -> None:
    """Set or clear ``column`` in the space-separated ``imputed`` names where ADaM decided."""
    names = frame["imputed"].fillna("").str.split()
    names = [
        [n for n in current if n != column] + ([column] if imp else []) if dec else current
        for current, imp, dec in zip(names, imputed, decided, strict=True)
    ]
    order = ("onset_on", "resolved_on")
    joined = [" ".join(n for n in order if n in current) for current in names]
    frame["imputed"] = pd.Series(joined, index=frame.index, dtype=object).replace("", None)


def map_time_to_event(study: Study) -> MappedTable | None:
    """ADTTE to time-to-event endpoints: days = AVAL in its unit (AVALU: DAYS, WEEKS,
    MONTHS or YEARS), else in the mapping's time unit."""
    adtte = study.get("adtte")
    if adtte is None or not study.has_variables(adtte, "USUBJID", "PARAMCD", "AVAL", "CNSR"):
        return None
    default = TIME_UNITS[study.mapping["survival"]["time_unit"]]
    unit = adtte.text("AVALU").str.lower()
    factor = unit.map(TIME_UNITS).where(unit.ne(""), default)
    for row in factor[factor.isna()].index:
        message = f"unknown time unit {adtte.text('AVALU')[row]!r} (days, weeks, months, years)"
        study.problems.append(adtte.problem(row, "AVALU", message))
    days = pd.to_numeric(adtte.text("AVAL"), errors="coerce") * factor
    censor = pd.to_numeric(adtte.text("CNSR"), errors="coerce")
    rows = days.notna() & censor.notna()
    if (~rows).any():
        study.note(f"ADTTE records without AVAL or CNSR, not read: {int((~rows).sum())}")
    frame = pd.DataFrame(
        {
            "patient_id": adtte.text("USUBJID"),
            "parameter": adtte.text("PARAMCD"),
            "label": adtte.text("PARAM").replace("", None),
            "days": days,
            "censored": censor.ne(0),
        }
    )[rows].reset_index(drop=True)
    variables = {"patient_id": "USUBJID", "parameter": "PARAMCD", "days": "AVAL"}
    return MappedTable(frame, adtte.file, np.flatnonzero(rows.to_numpy()) + 1, variables)
