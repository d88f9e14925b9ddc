"""REDCap exports in and out: a project's records and data dictionary as the trial model.

``read_redcap`` reads ``records.csv`` (REDCap's flat records export, raw or with
labels) and ``data_dictionary.csv`` from a folder; ``read_redcap_frames`` reads the
same two tables as DataFrames (what an API client such as PyCap returns). Fields are
found through a mapping (:mod:`.mapping`: defaults for the dictionary shipped in
``redcap/``, overrides in the same TOML design as CDISC's), the trial row and the sites
as for CDISC (the command line, the mapping's ``[trial]``, a sites file), and the
result is checked with the CSV bundle's rules. Any problem refuses everything
(:class:`RedcapError`). ``export_redcap`` writes the trial data back as a REDCap
project's records and dictionary. ``docs/redcap.md`` is the user's description.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data_access.bundle_read import (
    BundleError,
    Problem,
    read_records,
    read_text,
)
from data_access.bundle_rules import check_rules
from data_access.cdisc.mapping import MappingError
from data_access.cdisc.trial import TrialSettings, read_sites_file, trial_frame, unknown_sites
from data_access.redcap.dictionary import parse_dictionary, read_dictionary_file, unique_group_name
from data_access.redcap.fields import check_fields, missing_columns, not_recorded
from data_access.redcap.mapping import load_redcap_mapping
from data_access.redcap.read import REPEATING, TABLES, Reader, frame_table, whole_problem
from data_access.redcap.records import GROUP, as_text, make_export, unknown_columns
from data_access.schema import Site, Trial

__all__ = [
    "DICTIONARY",
    "RECORDS",
    "RedcapData",
    "RedcapError",
    "looks_like_redcap",
    "read_redcap",
    "read_redcap_frames",
]

RECORDS = "records.csv"
DICTIONARY = "data_dictionary.csv"


class RedcapError(BundleError):
    """The export cannot be loaded; ``problems`` lists everything found."""

    kind = "REDCap export"


@dataclass(frozen=True)
class RedcapData:
    """Typed trial tables read from a REDCap project, and what to tell the user."""

    tables: dict[str, pd.DataFrame]
    source_kind: str
    notes: tuple[str, ...]


def looks_like_redcap(directory: Path) -> bool:
    """Whether ``directory`` holds ``records.csv`` or ``data_dictionary.csv``."""
    return any((Path(directory) / name).is_file() for name in (RECORDS, DICTIONARY))


def read_redcap(
    directory: Path,
    mapping_file: Path | None = None,
    sites_file: Path | None = None,
    settings: TrialSettings | None = None,
) -> RedcapData:
    """Read, map and check ``DIR/records.csv`` with ``DIR/data_dictionary.csv``.

    Raises
    ------
    RedcapError
        With every problem found: dictionary and settings first, then by line.
    """
    directory = Path(directory)
    problems = [
        whole_problem(
            name, f"required file is missing (a REDCap export is {RECORDS} with {DICTIONARY})"
        )
        for name in (DICTIONARY, RECORDS)
        if not (directory / name).is_file()
    ]
    if problems:
        raise RedcapError(problems)
    metadata, problems = read_dictionary_file(directory / DICTIONARY, DICTIONARY)
    text, more = read_text(directory / RECORDS, RECORDS)
    problems += more
    if metadata is None or text is None:
        raise RedcapError(problems)
    header, data, lines, _counts, more = read_records(text, RECORDS)
    problems += more
    duplicated = {name for name in header if header.count(name) > 1}
    problems += [Problem(RECORDS, 1, name, "duplicate column") for name in sorted(duplicated)]
    if not header or problems:
        raise RedcapError(problems)
    cells = pd.DataFrame({name: data[i].astype(object) for i, name in enumerate(header)})
    return _read(cells, lines, metadata, (RECORDS, DICTIONARY), mapping_file, sites_file, settings)


def read_redcap_frames(
    records: pd.DataFrame,
    metadata: pd.DataFrame,
    mapping_file: Path | None = None,
    sites_file: Path | None = None,
    settings: TrialSettings | None = None,
) -> RedcapData:
    """As :func:`read_redcap`, from the records and metadata an API client returned
    (PyCap's ``export_records(format_type="df")`` and ``export_metadata(...)``: the
    record id may be the index). Problems name the row as line ``N + 1``, as if the
    records had been saved as a CSV file with a header."""
    if records.index.name is not None and records.index.name not in records.columns:
        records = records.reset_index()
    cells = as_text(records)
    lines = np.arange(2, len(cells) + 2)
    return _read(
        cells, lines, metadata, ("records", "metadata"), mapping_file, sites_file, settings
    )


def _read(cells, lines, metadata, files, mapping_file, sites_file, settings) -> RedcapData:
    try:
        mapping = load_redcap_mapping(mapping_file)
    except MappingError as error:
        raise RedcapError(error.problems) from None
    dictionary, problems = parse_dictionary(metadata, files[1])
    if dictionary is None:
        raise RedcapError(problems)
    export = make_export(cells, lines, files[0], dictionary)
    if any(p.line == 1 for p in export.problems):  # no record ids: nothing can be linked
        raise RedcapError(export.problems)
    reader = Reader(export, mapping)
    problems = check_fields(reader)
    tables, notes = _tables(reader, mapping_file, sites_file, settings or TrialSettings())
    problems += [p for p in export.problems if p not in problems]
    if problems:
        order = {files[1]: 0, files[0]: 2}
        raise RedcapError(sorted(problems, key=lambda p: (order.get(p.file, 1), p.file, p.line)))
    return RedcapData(tables, "redcap", tuple(notes))


def _sites(reader: Reader, records: pd.Series, sites_file) -> tuple[pd.DataFrame, dict, list]:
    """The site of each record (``site_id`` text and its rows), the sites table, remarks."""
    export, field_name = reader.export, reader.mapping["patients"]["site_id"]
    f = export.dictionary.get(field_name) if field_name else None
    if f is not None:
        text = reader.values("patients", "site_id", f, site=True).text
        chosen = reader.per_record(text, f.name)
        reader.mark_used(chosen["row"].to_numpy(), f)
    else:
        chosen = reader.per_record(export.column(GROUP), GROUP)
    sites, notes = None, []
    if sites_file is not None:
        sites, problems = read_sites_file(sites_file)
        export.problems.extend(problems)
        known = {}
        for site in sites.values["site_id"].dropna():
            known.update({site.lower(): site, unique_group_name(site): site})
        chosen["value"] = chosen["value"].map(lambda v: known.get(v.lower(), v))
    else:
        ids = chosen["value"].unique()
        sites, problems = frame_table(Site.__table__, unknown_sites(ids), export.file)
        export.problems.extend(problems)
        how = f"the field {field_name}" if f is not None else "their data access group"
        notes.append(
            f"no sites file (--sites): sites are listed by {how}, with names, cities and "
            "activation milestones unknown"
        )
    return chosen, sites, notes


def _tables(reader: Reader, mapping_file, sites_file, settings) -> tuple[dict, list[str]]:
    export = reader.export
    records = reader.records()
    site, sites, notes = _sites(reader, records, sites_file)
    texts, rows, _flags = reader.per_patient("patients", records)
    texts["site_id"] = site["value"].reindex(records.index).fillna("")
    rows["site_id"] = site["row"].reindex(records.index)
    data = {"patients": reader.record_table("patients", texts, rows, records)}
    data["follow_up"] = _follow_up(reader, records)
    floors = _first_treatment(data["patients"].values)
    for name in REPEATING:
        if name == "lab_results":
            data[name] = reader.lab_results()
            continue
        extra = reader.adverse_event_dates(floors) if name == "adverse_events" else None
        found, rows = reader.repeating(name, extra)
        data[name] = reader.make_table(name, found, export.lines[rows])
    patients = data["patients"].values
    data["trial"], data["sites"] = _trial(reader, patients, mapping_file, settings), sites
    export.problems.extend(check_rules(data))
    notes += _remarks(reader)
    return {name: data[name].values for name in TABLES}, notes


def _follow_up(reader: Reader, records: pd.Series):
    texts, rows, flags = reader.per_patient("follow_up", records)
    keep = (texts != "").any(axis=1) if len(texts.columns) else pd.Series(False, records.index)
    names = texts.get("imputed", pd.Series("", index=texts.index)).str.split()
    for column in ("died_on", "progressed_on"):
        if column in flags:
            names = names.where(~flags[column], names.map(lambda n, c=column: [*n, c]))
    order = TABLES["follow_up"].c.imputed.info["names"]
    texts["imputed"] = names.map(lambda n: " ".join(x for x in order if x in n))
    return reader.record_table("follow_up", texts[keep], rows, records)


def _first_treatment(patients: pd.DataFrame) -> pd.Series:
    """Each patient's first treatment (else transplant), the floor of imputed onsets."""
    first = patients["treatment_start_on"].fillna(patients["transplant_on"])
    return pd.Series(first.to_numpy(), index=patients["patient_id"].to_numpy())


def _trial(reader: Reader, patients: pd.DataFrame, mapping_file, settings):
    file = Path(mapping_file).name if mapping_file else "trial settings"
    frame, missing = trial_frame(
        reader.mapping["trial"], settings, {}, patients["screened_on"].min()
    )
    if "target" in missing:
        message = (
            "no target enrollment: a REDCap export does not hold one; give --target N or "
            "target_enrollment in the mapping file's [trial] table"
        )
        reader.export.problems.append(whole_problem(file, message))
    if "start" in missing:
        reader.notes.append(
            "no study start date ([trial] start_date): the first screening date is used"
        )
    frame["not_recorded"] = " ".join(not_recorded(reader)) or None
    trial, problems = frame_table(Trial.__table__, frame, file)
    reader.export.problems.extend(p for p in problems if p.column != "target_enrollment")
    return trial


def _remarks(reader: Reader) -> list[str]:
    notes = list(reader.notes)
    unknown = unknown_columns(reader.export)
    if unknown:
        notes.append(f"columns not in the data dictionary, not read: {', '.join(unknown)}")
    absent = missing_columns(reader)
    if absent:
        notes.append(f"fields missing from the records export, read as empty: {', '.join(absent)}")
    if reader.partial:
        notes.append(
            f"partial dates completed (a missing day is the 1st, a missing month January): "
            f"{reader.partial}; death, progression and adverse event dates among them are "
            "marked imputed"
        )
    incomplete = reader.incomplete()
    if incomplete:
        counts = ", ".join(f"{form} {n}" for form, n in incomplete.items())
        notes.append(f"forms marked Incomplete, loaded as entered: {counts}")
    return notes
