"""The trial row and the sites of a CDISC study.

Trial settings come, in order of precedence, from the command line (``--target``,
``--data-cut``), the mapping file's ``[trial]`` table, and the study's TS domain
(REGID, TITLE, PLANSUB, SSTDTC, DCUTDTC); STUDYID and the first screening date fill
the rest, and ``not_recorded`` lists what the study cannot hold at all (no transplant
named in the mapping, no LB or RS dataset). Sites are DM's SITEID values; their names,
cities and activation milestones come from a sites file in the bundle's ``sites.csv``
format when one is given, as a CTMS delivers them; without it each site is listed by
its id, milestones unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data_access.bundle_read import read_table
from data_access.cdisc.mapping import CHIMERISM
from data_access.cdisc.sdtm import MappedTable
from data_access.cdisc.study import Study
from data_access.schema import Site

UNKNOWN_STATUS = "unknown"


@dataclass(frozen=True)
class TrialSettings:
    """What the command line says of the trial, above any dataset or mapping file."""

    target: int | None = None
    data_cut: dt.date | None = None


def _summary_parameters(study: Study) -> dict[str, str]:
    """TS parameters by TSPARMCD (the first value of each)."""
    ts = study.get("ts")
    if ts is None or not ts.has("TSPARMCD", "TSVAL"):
        return {}
    frame = pd.DataFrame({"code": ts.text("TSPARMCD").str.upper(), "value": ts.text("TSVAL")})
    frame = frame[frame["value"].ne("")].drop_duplicates("code")
    return dict(zip(frame["code"], frame["value"], strict=True))


def _date(text: str) -> pd.Timestamp | None:
    parsed = pd.to_datetime(text[:10], format="%Y-%m-%d", errors="coerce") if text else pd.NaT
    return None if pd.isna(parsed) else parsed


def trial_frame(
    given: dict, settings: TrialSettings, standard: dict[str, str], first_screening
) -> tuple[pd.DataFrame, list[str]]:
    """The trial row, each value taken from the first source that has it: the command
    line, the mapping file's ``[trial]`` table (``given``), then the source's own values
    (``standard``: TS parameters ``REGID``, ``TITLE``, ``PLANSUB``, ``SSTDTC``,
    ``DCUTDTC`` and DM ``STUDYID``; empty for a source without them). Returns the row
    (``not_recorded`` left for the caller) and what no source gave: ``target``, and
    ``start`` when the first screening date stands in for the study start."""
    registry, study_id = standard.get("REGID", ""), standard.get("STUDYID", "")
    target = settings.target or given["target_enrollment"] or _int(standard.get("PLANSUB", ""))
    start = _date(given["start_date"]) or _date(standard.get("SSTDTC", ""))
    missing = [] if target else ["target"]
    if start is None:
        start = first_screening
        missing.append("start")
    cut = settings.data_cut or _date(given["data_cut"]) or _date(standard.get("DCUTDTC", ""))
    frame = pd.DataFrame(
        {
            "nct_id": [
                given["nct_id"]
                or (registry if registry.startswith("NCT") else "")
                or study_id
                or "unknown"
            ],
            "title": [given["title"] or standard.get("TITLE", "") or study_id or "untitled study"],
            "target_enrollment": [target or None],
            "start_date": [start],
            "planned_accrual_end": [_date(given["planned_accrual_end"])],
            "data_cut": [cut],
            "not_recorded": [None],
        }
    )
    return frame, missing


def map_trial(study: Study, patients: MappedTable, settings: TrialSettings) -> MappedTable:
    """One trial row, or problems for what no source provides (the target enrollment)."""
    standard = _summary_parameters(study)
    dm = study.get("dm")
    if len(dm.frame) and dm.has("STUDYID"):
        standard["STUDYID"] = dm.text("STUDYID").iloc[0]
    file = study.get("ts").file if study.get("ts") is not None else "ts.xpt"
    frame, missing = trial_frame(
        study.mapping["trial"], settings, standard, patients.frame["screened_on"].min()
    )
    if "target" in missing:
        study.variable_problem(
            file,
            "PLANSUB",
            "no target enrollment: the study has no TS PLANSUB; give --target N or "
            "target_enrollment in the mapping file's [trial] table",
        )
    if "start" in missing:
        study.note("no study start date (TS SSTDTC): the first screening date is used")
    frame["not_recorded"] = [" ".join(not_recorded(study)) or None]
    variables = {"target_enrollment": "PLANSUB", "start_date": "SSTDTC", "nct_id": "REGID"}
    return MappedTable(frame, file, np.array([1]), variables)


def not_recorded(study: Study) -> list[str]:
    """What the study's datasets and mapping cannot record at all, so that its pages say
    "not recorded in this study" rather than "none yet" (names of ``NOT_RECORDED``)."""
    mapping = study.mapping
    tests = set(mapping["labs"]["tests"].values()) if "lb" in study.datasets else set()
    missing = []
    if not mapping["treatment"]["transplant"]:
        missing += ["transplant", "gvhd"]
    if not tests & {"ANC", "PLT", "PB_BLAST_PCT", "BM_BLAST_PCT"}:
        missing.append("blood_counts")
    if CHIMERISM not in tests:
        missing.append("chimerism")
    if "rs" not in study.datasets:
        missing.append("responses")
    return [*missing, "transfusions"]  # no SDTM domain is read for transfusions


def _int(text: str) -> int | None:
    try:
        return int(float(text))
    except ValueError:
        return None


def unknown_sites(ids) -> pd.DataFrame:
    """Sites known only by their ids (no sites file): named ``Site <id>``, status unknown."""
    ids = sorted(ids)
    return pd.DataFrame(
        {"site_id": ids, "name": [f"Site {site}" for site in ids], "status": UNKNOWN_STATUS}
    )


def read_sites_file(sites_file: Path):
    """The sites file (bundle ``sites.csv`` format) as a checked :class:`TableData`, and
    its problems, reported the bundle way."""
    return read_table(Path(sites_file), Path(sites_file).name, Site.__table__)


def map_sites(study: Study, patients: MappedTable, sites_file: Path | None):
    """Sites from the sites file (a :class:`TableData`, checked like a bundle file) or,
    without one, a :class:`MappedTable` of DM's site ids with unknown milestones."""
    if sites_file is not None:
        data, problems = read_sites_file(sites_file)
        study.problems.extend(problems)
        return data
    study.note(
        "no sites file (--sites): sites are listed by their DM SITEID, with names, "
        "cities and activation milestones unknown"
    )
    frame = unknown_sites(patients.frame["site_id"].dropna().unique())
    return MappedTable(frame, patients.file, np.arange(1, len(frame) + 1), {"site_id": "SITEID"})
