"""CDISC SDTM and ADaM datasets in: read a folder, map it to the trial model, check it.

``read_cdisc`` reads every dataset, maps it (:mod:`.sdtm`, :mod:`.sdtm_events`,
:mod:`.adam`, :mod:`.trial`), then checks the mapped tables with the same rules as a
CSV bundle (keys, references, dates in order), each problem naming the file, row and
variable. Nothing is decided before everything is read, so all problems come at once;
any problem refuses the whole folder (:class:`CdiscError`) and nothing is written.
``docs/cdisc-import.md`` is the user's description of all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Table

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, BundleError, Problem, TableData
from data_access.bundle_rules import check_rules
from data_access.cdisc.adam import apply_adae, apply_adsl, map_time_to_event, uses_adam
from data_access.cdisc.datasets import ROW, find_datasets, looks_like_cdisc, read_dataset
from data_access.cdisc.mapping import MappingError, load_mapping
from data_access.cdisc.sdtm import MappedTable, map_follow_up, map_patients
from data_access.cdisc.sdtm_events import map_adverse_events, map_labs, map_responses
from data_access.cdisc.study import Study
from data_access.cdisc.trial import TrialSettings, map_sites, map_trial
from data_access.frames import bundle_columns, typed_frame
from data_access.schema import BUNDLE_TABLES

__all__ = ["CdiscData", "CdiscError", "TrialSettings", "looks_like_cdisc", "read_cdisc"]

TABLES = {table.name: table for table in BUNDLE_TABLES.values()}
UNIQUE_KEYS = {"ae": ("USUBJID", "AESEQ"), "adae": ("USUBJID", "AESEQ"), "adsl": ("USUBJID",)}
"""Records that must not repeat (DM's subjects are checked as the patients' key)."""


class CdiscError(BundleError):
    """The datasets cannot be loaded; ``problems`` lists everything found."""

    kind = "CDISC datasets"


@dataclass(frozen=True)
class CdiscData:
    """Typed trial tables mapped from a study's datasets, and what to tell the user."""

    tables: dict[str, pd.DataFrame]
    source_kind: str
    notes: tuple[str, ...]


def _read_all(directory: Path, mapping) -> tuple[Study, list[str]]:
    """Every known dataset of ``directory`` read, and the names of other data files."""
    paths, problems, ignored = find_datasets(directory)
    study = Study({}, mapping, problems)
    for name, path in paths.items():
        dataset, problems = read_dataset(name, path)
        study.problems.extend(problems)
        if dataset is None:
            study.unreadable.add(name)
        else:
            study.datasets[name] = dataset
    return study, ignored


def _distinct(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by file and row, each place reported once: the first problem
    found at a row and variable (the most specific: an invalid date before the empty
    cell it leaves), and a problem with a whole variable instead of its rows'."""
    whole = {(p.file, p.column) for p in problems if p.line == WHOLE_FILE}
    seen, out = set(), []
    for problem in problems:
        key = (problem.file, problem.line, problem.column)
        covered = problem.line != WHOLE_FILE and (problem.file, problem.column) in whole
        if key in seen or covered:
            continue
        seen.add(key)
        out.append(problem)
    return sorted(out, key=lambda p: (p.file, p.line))


def _table_data(table: Table, mapped: MappedTable | TableData | None) -> TableData:
    if isinstance(mapped, TableData):
        return mapped
    if mapped is None:
        return TableData(table.name, table, typed_frame(table), np.zeros(0, np.int64))
    values = typed_frame(table, mapped.frame)
    invalid = {name: np.zeros(len(values), dtype=bool) for name in values.columns}
    return TableData(
        mapped.file, table, values, np.asarray(mapped.rows), True, invalid, ROW, mapped.variables
    )


def check_cells(td: TableData) -> list[Problem]:
    """Required values, allowed values and text lengths of mapped (already typed) cells."""
    problems = []
    for name in bundle_columns(td.table):
        column, values = td.table.c[name], td.values[name]
        bad = pd.Series(False, index=values.index)
        messages = pd.Series("", index=values.index, dtype=object)
        if not column.nullable:
            messages = messages.where(~values.isna(), "required value is missing")
            bad |= values.isna()
        permitted = column.info.get("allowed")
        if permitted is not None:
            wrong = values.notna() & ~values.isin(permitted) & ~bad
            listed = ", ".join(str(v) for v in permitted)
            messages = messages.where(
                ~wrong, "not allowed: " + values.astype(str) + f" (allowed: {listed})"
            )
            bad |= wrong
        length = getattr(column.type, "length", None)
        if length and values.dtype == object:
            long = values.notna() & (values.astype(str).str.len() > length) & ~bad
            messages = messages.where(~long, f"longer than {length} characters")
            bad |= long
        for row in np.flatnonzero(bad.to_numpy()):
            problems.append(td.problem(int(td.lines[row]), name, messages.iloc[row]))
    return problems


def read_cdisc(
    directory: Path,
    mapping_file: Path | None = None,
    sites_file: Path | None = None,
    settings: TrialSettings | None = None,
) -> CdiscData:
    """Read, map and check the CDISC datasets of ``directory``.

    Parameters
    ----------
    directory : Path
        A folder of datasets named by domain (``dm.xpt``, ``AE.XPT``, ``adsl.sas7bdat``,
        ``rs.csv``); DM is required, every other dataset is optional.
    mapping_file : Path, optional
        A TOML mapping that overrides the defaults of :mod:`.mapping`.
    sites_file : Path, optional
        Sites in the bundle's ``sites.csv`` format.
    settings : TrialSettings, optional
        Target enrollment and data cut given on the command line.

    Raises
    ------
    CdiscError
        With every problem found, sorted by file and row.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CdiscError([Problem(str(directory), WHOLE_FILE, NO_COLUMN, "folder not found", ROW)])
    try:
        mapping = load_mapping(mapping_file)
    except MappingError as error:
        raise CdiscError(error.problems) from None
    study, ignored = _read_all(directory, mapping)
    ignored = [n for n in ignored if sites_file is None or Path(sites_file).name != n]
    if ignored:
        study.note(f"files not read (not a dataset the dashboard uses): {', '.join(ignored)}")
    for name, keys in UNIQUE_KEYS.items():
        if name in study.datasets:
            study.unique(study.datasets[name], *keys)
    patients = map_patients(study)
    if patients is None:
        raise CdiscError(_distinct(study.problems))
    apply_adsl(study, patients)
    events = map_adverse_events(study, patients)
    apply_adae(study, events)
    labs, chimerism = map_labs(study)
    mapped = {
        "trial": map_trial(study, patients, settings or TrialSettings()),
        "sites": map_sites(study, patients, sites_file),
        "patients": patients,
        "follow_up": map_follow_up(study, patients),
        "responses": map_responses(study),
        "lab_results": labs,
        "adverse_events": events,
        "chimerism": chimerism,
        "time_to_event": map_time_to_event(study),
    }
    data = {name: _table_data(TABLES[name], mapped.get(name)) for name in TABLES}
    for td in data.values():
        if td.unit == ROW:
            study.problems.extend(check_cells(td))
    study.problems.extend(check_rules(data))
    if study.problems:
        raise CdiscError(_distinct(study.problems))
    kind = "sdtm+adam" if uses_adam(study) else "sdtm"
    return CdiscData({name: td.values for name, td in data.items()}, kind, tuple(study.notes))
