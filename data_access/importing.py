"""``import DIR``: recognise the kind of folder, read and check it, load it as a new version.

Three kinds of folder are read: the dashboard's own CSV bundle (``docs/data-bundle.md``),
CDISC SDTM/ADaM datasets (``docs/cdisc-import.md``) and a REDCap export
(``docs/redcap.md``). Each is checked whole before anything is written; a valid folder
replaces the trial data in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data_access.bundle import looks_like_bundle, read_bundle
from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, BundleError, Problem
from data_access.cdisc import TrialSettings, looks_like_cdisc, read_cdisc
from data_access.import_report import ImportReport, import_report
from data_access.loader import replace_trial_data
from data_access.redcap import looks_like_redcap, read_redcap

FORMATS = ("bundle", "cdisc", "redcap")


@dataclass(frozen=True)
class CdiscOptions:
    """What a CDISC or REDCap import may take beside its folder (``import --mapping ...``):
    both find the trial row and the sites in the same places."""

    mapping_file: Path | None = None
    sites_file: Path | None = None
    settings: TrialSettings | None = None


ImportOptions = CdiscOptions


def detect_format(directory: Path) -> str:
    """``bundle``, ``redcap`` or ``cdisc`` from the files in ``directory``.

    Raises
    ------
    BundleError
        The folder holds neither (the message says what each kind needs).
    """
    if looks_like_bundle(directory):
        return "bundle"
    if looks_like_redcap(directory):
        return "redcap"
    if looks_like_cdisc(directory):
        return "cdisc"
    message = (
        "neither a CSV bundle (trial.csv, sites.csv, patients.csv) nor CDISC datasets "
        "(dm.xpt, dm.sas7bdat or dm.csv, with ae, ds, ex, lb, rs... beside it) nor a "
        "REDCap export (records.csv with data_dictionary.csv) were found"
    )
    raise BundleError([Problem(str(directory), WHOLE_FILE, NO_COLUMN, message, "folder")])


def import_folder(
    engine, directory: Path, fmt: str | None = None, cdisc: CdiscOptions | None = None
) -> ImportReport:
    """Check the folder, then load it as a new data version; return the import's report.

    ``fmt`` forces the reader (one of :data:`FORMATS`); by default it is recognised.
    Nothing is written when the folder is invalid (:class:`BundleError`).
    """
    directory = Path(directory)
    fmt = fmt or detect_format(directory)
    source = f"import {directory}"
    if fmt == "bundle":
        tables, kind, notes = read_bundle(directory), "bundle", ()
    else:
        options = cdisc or CdiscOptions()
        read = read_redcap if fmt == "redcap" else read_cdisc
        data = read(directory, options.mapping_file, options.sites_file, options.settings)
        tables, kind, notes = data.tables, data.source_kind, data.notes
    version = replace_trial_data(engine, tables, source=source, source_kind=kind)
    return import_report(
        tables, source=str(directory), source_kind=kind, version=version, notes=notes
    )


def import_bundle(engine, directory: Path) -> int:
    """Load the CSV bundle in ``directory``; return the new data version."""
    return import_folder(engine, directory, "bundle").version
