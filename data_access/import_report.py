"""What an import loaded, in a few lines for the person who ran it and for the audit log.

Real exports hold records dated after the data cut and before enrollment. Both load;
the report says how many, so that nobody mistakes them for lost or refused data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from data_access.frames import data_cut_of

SOURCE_LABELS = {
    "demo": "demo data",
    "bundle": "CSV bundle",
    "sdtm": "CDISC SDTM",
    "sdtm+adam": "SDTM + ADaM",
    "redcap": "REDCap",
}
"""How the data banner and the import report name each kind of source."""

PLANNING_TABLES = ("trial", "sites")
"""Tables whose dates are plans and milestones, not patient records."""


@dataclass(frozen=True)
class ImportReport:
    """One import: where from, the version it became, and what deserves a mention."""

    source: str
    source_kind: str
    version: int
    data_cut: dt.date | None
    rows: dict[str, int]
    after_cut: dict[str, int] = field(default_factory=dict)
    before_enrollment: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report as printed by ``import``: a headline, then one line per remark."""
        label = SOURCE_LABELS.get(self.source_kind, self.source_kind)
        cut = self.data_cut.isoformat() if self.data_cut else "none"
        patients = self.rows.get("patients", 0)
        events = self.rows.get("adverse_events", 0)
        out = [
            f"imported {self.source} ({label}) as data version {self.version}: "
            f"{patients} patients, {events} adverse events, data cut {cut}"
        ]
        if self.after_cut:
            out.append(
                f"records dated after the data cut (kept, not shown): {_counts(self.after_cut)}"
            )
        if self.before_enrollment:
            out.append(
                "records dated before enrollment or of patients never enrolled (kept; each "
                f"panel applies its own definition): {_counts(self.before_enrollment)}"
            )
        out += list(self.notes)
        return out

    def audit_text(self) -> str:
        """The report as one line for the audit log."""
        return " | ".join(self.lines())


def _counts(by_table: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in by_table.items())


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The date columns of ``frame``."""
    return frame[[c for c in frame.columns if frame[c].dtype == "datetime64[ns]"]]


def records_after_cut(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows with a date after the data cut, by table (planning tables left out)."""
    cut = data_cut_of(tables)
    if cut is None:
        return {}
    out = {}
    for name, frame in tables.items():
        dates = _dates(frame)
        if name in PLANNING_TABLES or dates.columns.empty:
            continue
        n = int((dates.max(axis=1) > pd.Timestamp(cut)).sum())
        if n:
            out[name] = n
    return out


def records_before_enrollment(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Rows of patient records dated before the patient's enrollment, or of a patient
    never enrolled, by table."""
    patients = tables["patients"]
    enrolled_on = patients.set_index("patient_id")["enrolled_on"]
    out = {}
    for name, frame in tables.items():
        dates = _dates(frame)
        if name == "patients" or "patient_id" not in frame or dates.columns.empty:
            continue
        start = frame["patient_id"].map(enrolled_on)
        n = int((start.isna() | (dates.min(axis=1) < start)).sum())
        if n:
            out[name] = n
    return out


def import_report(
    tables: dict[str, pd.DataFrame],
    *,
    source: str,
    source_kind: str,
    version: int,
    notes: tuple[str, ...] = (),
) -> ImportReport:
    """The report of loading ``tables`` (typed frames by table name) as ``version``."""
    return ImportReport(
        source=source,
        source_kind=source_kind,
        version=version,
        data_cut=data_cut_of(tables),
        rows={name: len(frame) for name, frame in tables.items()},
        after_cut=records_after_cut(tables),
        before_enrollment=records_before_enrollment(tables),
        notes=notes,
    )
