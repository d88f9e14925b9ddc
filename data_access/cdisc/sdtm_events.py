"""SDTM findings and events to the trial model: adverse events (AE), labs (LB), responses (RS).

Rules in ``docs/cdisc-import.md``: grades from AETOXGR, else from AESEV by the
mapping's severity grades (marked, so that pages say so); partial onset dates never
imputed before the first treatment; lab results converted to the model's units; only
the test and response codes the mapping names are read, the others are listed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from data_access.cdisc.datasets import Dataset
from data_access.cdisc.dates import not_before
from data_access.cdisc.mapping import CHIMERISM, upper_set
from data_access.cdisc.sdtm import NOT_CODED, MappedTable, _upper
from data_access.cdisc.study import Study
from data_access.schema import LAB_UNITS

UNIT_FACTORS = {
    "10^9/L": {
        "10^9/L": 1.0,
        "10*9/L": 1.0,
        "10E9/L": 1.0,
        "X10E9/L": 1.0,
        "GI/L": 1.0,
        "G/L": 1.0,
        "10^3/UL": 1.0,
        "10*3/UL": 1.0,
        "10E3/UL": 1.0,
        "X10E3/UL": 1.0,
        "K/UL": 1.0,
        "10^3/MM3": 1.0,
        "/UL": 1e-3,
        "CELLS/UL": 1e-3,
        "/MM3": 1e-3,
        "10^6/L": 1e-3,
    },
    "%": {"%": 1.0, "PERCENT": 1.0},
}
"""Factors to the model's units (``10^9/L`` for counts, ``%`` for blasts and chimerism)
from the units laboratories report, written in upper case without spaces."""
UNDETECTED = {"NOT DETECTED", "UNDETECTABLE", "NEGATIVE", "ND", "<LOD", "BELOW LOD"}
_GRADE = re.compile(r"^(?:GRADE\s*)?([1-5])(?:\.0+)?$")
SHOWN_CODES = 12


def _listed(codes) -> str:
    codes = sorted(codes)
    more = f" and {len(codes) - SHOWN_CODES} more" if len(codes) > SHOWN_CODES else ""
    return ", ".join(codes[:SHOWN_CODES]) + more


# ------------------------------------------------------------------ adverse events


def adverse_event_source(study: Study) -> Dataset | None:
    """AE, or ADAE when a study delivers only the analysis dataset."""
    return study.get("ae") or study.get("adae")


def _grades(study: Study, ae: Dataset) -> tuple[pd.Series, pd.Series]:
    """CTCAE grade per row from AETOXGR, else from AESEV; and where severity was used."""
    toxicity = _upper(ae.text("AETOXGR")).str.extract(_GRADE)[0]
    grade = pd.to_numeric(toxicity, errors="coerce")
    severity = _upper(ae.text("AESEV")).map(study.mapping["adverse_events"]["severity_grades"])
    from_severity = grade.isna() & severity.notna()
    grade = grade.where(grade.notna(), severity)
    for row in grade[grade.isna()].index:
        study.problems.append(
            ae.problem(
                row,
                "AETOXGR",
                "no toxicity grade (AETOXGR 1-5) and no severity "
                f"(AESEV: {', '.join(study.mapping['adverse_events']['severity_grades'])})",
            )
        )
    if from_severity.any():
        scale = ", ".join(
            f"{k} {v}" for k, v in study.mapping["adverse_events"]["severity_grades"].items()
        )
        study.note(
            f"adverse events graded from severity (AESEV: {scale}; no AETOXGR): "
            f"{int(from_severity.sum())}"
        )
    return grade.astype("Int64"), from_severity


def _relatedness(study: Study, ae: Dataset) -> pd.Series:
    settings = study.mapping["adverse_events"]
    value = _upper(ae.text("AEREL"))
    related = np.select(
        [
            value.isin(upper_set(settings["related"])),
            value.isin(upper_set(settings["not_related"])),
        ],
        ["yes", "no"],
        "unknown",
    )
    unknown = sorted(set(value[(related == "unknown") & value.ne("")]))
    if unknown:
        study.note(f"AEREL values counted as unknown relatedness: {_listed(unknown)}")
    return pd.Series(related, index=ae.frame.index, dtype=object)


def _gvhd(study: Study, ae: Dataset, term: pd.Series) -> tuple[pd.Series, pd.Series]:
    """GVHD type from the preferred term, and its grade (acute) or severity (chronic)."""
    settings = study.mapping["adverse_events"]
    upper = term.str.upper()
    kind = np.select(
        [
            upper.isin(upper_set(settings["acute_gvhd"])),
            upper.isin(upper_set(settings["chronic_gvhd"])),
        ],
        ["acute", "chronic"],
        "",
    )
    acute_grade = ae.text(settings["acute_gvhd_grade"])
    chronic_grade = ae.text(settings["chronic_gvhd_grade"]).str.lower()
    grade = np.select([kind == "acute", kind == "chronic"], [acute_grade, chronic_grade], "")
    if (kind != "").any():
        study.note(
            f"GVHD grades read from {settings['acute_gvhd_grade']} (acute: MAGIC grade I-IV "
            f"expected) and {settings['chronic_gvhd_grade']} (chronic: NIH mild, moderate, "
            "severe expected); name other variables in [adverse_events] if they hold them"
        )

    def as_none(values) -> pd.Series:
        return pd.Series(values, index=ae.frame.index, dtype=object).replace("", None)

    return as_none(kind), as_none(grade)


def map_adverse_events(study: Study, patients: MappedTable) -> MappedTable | None:
    """AE to adverse events, onset never imputed before the patient's first treatment."""
    ae = adverse_event_source(study)
    if ae is None:
        return None
    if not study.has_variables(ae, "USUBJID"):
        return None
    ids = ae.text("USUBJID")
    by_id = patients.frame.dropna(subset=["patient_id"]).drop_duplicates("patient_id")
    onset, resolved, imputed = _event_dates(study, ae, ids, by_id.set_index("patient_id"))
    term = ae.text("AEDECOD").where(ae.text("AEDECOD").ne(""), ae.text("AETERM"))
    soc = ae.text("AEBODSYS").where(ae.text("AEBODSYS").ne(""), ae.text("AESOC"))
    uncoded = int((term.eq("") | soc.eq("")).sum())
    if uncoded:
        study.note(
            f"adverse events without a preferred term or organ class, shown as "
            f"{NOT_CODED}: {uncoded}"
        )
    serious = _upper(ae.text("AESER"))
    if serious.eq("").any():
        study.note(
            f"adverse events with AESER empty, counted as not serious: {int(serious.eq('').sum())}"
        )
    grade, from_severity = _grades(study, ae)
    gvhd_type, gvhd_grade = _gvhd(study, ae, term)
    frame = pd.DataFrame(
        {
            "patient_id": ids.where(ids.ne(""), None),
            "term": term.where(term.ne(""), NOT_CODED),
            "soc": soc.where(soc.ne(""), NOT_CODED),
            "grade": grade,
            "serious": serious.eq("Y"),
            "related": _relatedness(study, ae),
            "onset_on": onset,
            "resolved_on": resolved,
            "gvhd_type": gvhd_type,
            "gvhd_grade": gvhd_grade,
            "treatment_emergent": None,
            "grade_from_severity": from_severity,
            "imputed": imputed,
        }
    )
    variables = {
        "patient_id": "USUBJID",
        "onset_on": "AESTDTC",
        "resolved_on": "AEENDTC",
        "grade": "AETOXGR",
        "term": "AEDECOD",
        "soc": "AEBODSYS",
    }
    return MappedTable(frame, ae.file, np.arange(1, len(frame) + 1), variables)


def _event_dates(study: Study, ae: Dataset, ids: pd.Series, patients: pd.DataFrame):
    """Onset and resolution of each event, and the names of those imputed.

    A partial onset is not imputed before the first treatment when its known part allows
    (nor beyond a complete end date); a missing one is the first treatment, else the
    enrollment, else the screening date. A partial end is not imputed before the onset.
    """
    none = pd.Series(pd.NaT, index=ids.index, dtype="datetime64[ns]")
    start = study.dates(ae, "AESTDTC") if "AESTDTC" in ae.frame else None
    end = study.dates(ae, "AEENDTC") if "AEENDTC" in ae.frame else None
    treated = pd.to_datetime(ids.map(patients["treatment_start_on"]))
    if end is not None:  # an event that ended before the treatment began before it too
        treated = treated.where(~(end.dates.where(~end.imputed) < treated))
    onset = not_before(start, treated) if start is not None else none
    fallback = pd.to_datetime(ids.map(patients["treatment_start_on"]))
    for column in ("enrolled_on", "screened_on"):
        fallback = fallback.where(fallback.notna(), pd.to_datetime(ids.map(patients[column])))
    no_onset = onset.isna() & (start is None or ~start.invalid)
    if no_onset.any():
        study.note(
            f"adverse events without an onset date (AESTDTC), dated at the first treatment "
            f"(else enrollment, else screening) and marked imputed: {int(no_onset.sum())}"
        )
    onset = onset.where(~no_onset, fallback)
    onset_imputed = (no_onset | (start.imputed if start is not None else False)) & onset.notna()
    resolved = not_before(end, onset) if end is not None else none
    resolved_imputed = end.imputed & resolved.notna() if end is not None else onset_imputed & False
    return onset, resolved, _imputed_names(onset_imputed, resolved_imputed)


def _imputed_names(onset: pd.Series, resolved: pd.Series) -> pd.Series:
    names = np.where(onset, "onset_on", "") + np.where(onset & resolved, " ", "")
    names = pd.Series(names, index=onset.index, dtype=object) + np.where(
        resolved, "resolved_on", ""
    )
    return names.where(names.ne(""), None)


# --------------------------------------------------------------------------- labs


def _unit_factor(unit: pd.Series, target: pd.Series) -> pd.Series:
    """Factor from each row's unit to its target test's unit; NaN when unknown."""
    model_unit = target.map(lambda t: LAB_UNITS.get(t, "%"))
    key = unit.str.upper().str.replace(" ", "", regex=False)
    return pd.Series(
        [UNIT_FACTORS[m].get(k, np.nan) for m, k in zip(model_unit, key, strict=True)],
        index=unit.index,
        dtype=float,
    )


def map_labs(study: Study) -> tuple[MappedTable | None, MappedTable | None]:
    """LB to lab results and chimerism samples, by the mapping's test codes."""
    lb = study.get("lb")
    if lb is None or not study.has_variables(lb, "USUBJID", "LBTESTCD", "LBDTC"):
        _required_tests_missing(study, lb, set())
        return None, None
    settings = study.mapping["labs"]
    code = _upper(lb.text("LBTESTCD"))
    target = code.map(settings["tests"])
    marrow = _upper(lb.text("LBSPEC")).isin(upper_set(settings["marrow_specimens"]))
    target = target.where(~(marrow & target.eq("PB_BLAST_PCT")), "BM_BLAST_PCT")
    unused = set(code[target.isna()])
    if unused:
        study.note(f"LB tests not read (add them to [labs.tests] to use them): {_listed(unused)}")
    _required_tests_missing(study, lb, set(target.dropna()))
    rows = target.notna()
    sampled = study.dates(lb, "LBDTC").dates
    value = pd.to_numeric(lb.text("LBSTRESN"), errors="coerce")
    text = _upper(lb.text("LBSTRESC"))
    undetected = text.isin(UNDETECTED)
    factor = _unit_factor(lb.text("LBSTRESU"), target.fillna("ANC"))
    unusable = rows & value.notna() & factor.isna()
    for row in unusable[unusable].index:
        message = (
            f"unit {lb.text('LBSTRESU')[row]!r} of {code[row]} cannot be converted to "
            f"{LAB_UNITS.get(target[row], '%')}"
        )
        study.problems.append(lb.problem(row, "LBSTRESU", message))
    value = value * factor
    skipped = rows & (sampled.isna() | (value.isna() & ~(undetected & target.eq(CHIMERISM))))
    if skipped.any():
        study.note(
            f"LB results without a date or a numeric result (LBSTRESN), not read: "
            f"{int(skipped.sum())}"
        )
    keep = rows & ~skipped
    labs = keep & target.ne(CHIMERISM)
    chim = keep & target.eq(CHIMERISM)
    return _lab_table(lb, labs, target, sampled, value), _chimerism_table(
        lb, chim, sampled, value, undetected
    )


def _required_tests_missing(study: Study, lb: Dataset | None, found: set[str]) -> None:
    settings = study.mapping["labs"]
    for test in settings["required"]:
        if test in found:
            continue
        codes = [c for c, t in settings["tests"].items() if t == test] or ["(none mapped)"]
        file = lb.file if lb is not None else "lb.xpt"
        message = f"no results for {test} (LBTESTCD {', '.join(codes)}), which the mapping requires"
        study.variable_problem(file, "LBTESTCD", message)


def _lab_table(lb, rows, target, sampled, value) -> MappedTable:
    frame = pd.DataFrame(
        {
            "patient_id": lb.text("USUBJID"),
            "sampled_on": sampled,
            "test": target,
            "value": value,
            "unit": target.map(LAB_UNITS),
        }
    )[rows].reset_index(drop=True)
    variables = {
        "patient_id": "USUBJID",
        "sampled_on": "LBDTC",
        "test": "LBTESTCD",
        "value": "LBSTRESN",
        "unit": "LBSTRESU",
    }
    return MappedTable(frame, lb.file, np.flatnonzero(rows.to_numpy()) + 1, variables)


def _chimerism_table(lb, rows, sampled, value, undetected) -> MappedTable:
    frame = pd.DataFrame(
        {
            "patient_id": lb.text("USUBJID"),
            "sampled_on": sampled,
            "donor_percent": value.where(~undetected),
            "detected": ~undetected & (value > 0),
        }
    )[rows].reset_index(drop=True)
    variables = {"patient_id": "USUBJID", "sampled_on": "LBDTC", "donor_percent": "LBSTRESN"}
    return MappedTable(frame, lb.file, np.flatnonzero(rows.to_numpy()) + 1, variables)


# ---------------------------------------------------------------------- responses


def map_responses(study: Study) -> MappedTable | None:
    """RS to response assessments: the mapping's tests, codes mapped to the model's."""
    rs = study.get("rs")
    if rs is None or not study.has_variables(rs, "USUBJID", "RSDTC"):
        return None
    settings = study.mapping["responses"]
    tests = upper_set(settings["tests"])
    code = _upper(rs.text("RSTESTCD"))
    chosen = code.isin(tests) if tests and "RSTESTCD" in rs.frame else code.eq(code)
    result = _upper(rs.text("RSSTRESC")).where(
        rs.text("RSSTRESC").ne(""), _upper(rs.text("RSORRES"))
    )
    response = result.map(settings["codes"])
    unmapped = chosen & response.isna() & result.ne("")
    if unmapped.any():
        study.note(
            f"RS results not read (add them to [responses.codes]): {_listed(set(result[unmapped]))}"
        )
    assessed = study.dates(rs, "RSDTC").dates
    rows = chosen & response.notna() & assessed.notna()
    frame = pd.DataFrame(
        {"patient_id": rs.text("USUBJID"), "assessed_on": assessed, "response": response}
    )[rows].reset_index(drop=True)
    variables = {"patient_id": "USUBJID", "assessed_on": "RSDTC", "response": "RSSTRESC"}
    return MappedTable(frame, rs.file, np.flatnonzero(rows.to_numpy()) + 1, variables)
