"""Trial database schema: one table per file of the CSV bundle, plus ``data_versions``
and ``sync_runs``.

The models are the single description of the bundle (``docs/data-bundle.md``): the importer,
the exporter and the validator read column names, order, types, nullability,
allowed values (``info["allowed"]``), keys and references from this metadata, so a
column is declared once. Surrogate ``id`` columns are internal and never exported.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SITE_STATUSES = (
    "not_yet_recruiting",
    "recruiting",
    "active_not_recruiting",
    "suspended",
    "completed",
    "withdrawn",
    "unknown",  # a source without site management data (CDISC without a sites file)
)
SEXES = ("F", "M")
CYTOGENETIC_RISKS = ("favorable", "intermediate", "adverse")
DIAGNOSES = ("de_novo_aml", "secondary_aml", "mds_eb")
RESPONSES = ("CR", "CRi", "CRh", "PR", "SD", "PD", "relapse", "NE")
LAB_UNITS = {"ANC": "10^9/L", "PLT": "10^9/L", "PB_BLAST_PCT": "%", "BM_BLAST_PCT": "%"}
PRODUCTS = ("platelets", "red_cells")
GRADES = (1, 2, 3, 4, 5)
RELATEDNESS = ("yes", "no", "unknown")
GVHD_TYPES = ("acute", "chronic")
NOT_RECORDED = ("transplant", "blood_counts", "chimerism", "responses", "transfusions", "gvhd")
"""What a study may not record at all (a study of another design, a partial export)."""
SOURCE_KINDS = ("demo", "bundle", "sdtm", "sdtm+adam", "redcap")
"""What a data version was loaded from; the data banner names it."""


def allowed(*values) -> dict:
    """Column ``info`` naming the values the bundle may hold in that column."""
    return {"allowed": tuple(values)}


def names(*allowed_names, dates: bool = False) -> dict:
    """Column ``info`` of a column holding space-separated names from ``allowed_names``;
    with ``dates``, names of date columns of the same row, which must not be empty."""
    return {"names": tuple(allowed_names), "names_dates": dates}


class Base(DeclarativeBase):
    pass


VALID_FROM = "valid_from"
INTERNAL = {"internal": True}
"""Column ``info`` of a column the database keeps for itself: never in a bundle."""


class Versioned:
    """A trial table whose rows are kept across data versions (``data_access.history``):
    ``valid_from`` is the version that brought the row in (empty: loaded before
    versions were kept)."""

    valid_from: Mapped[int | None] = mapped_column(Integer, info=INTERNAL)


def is_bundle_column(column: Column) -> bool:
    """Written to and read from the bundle: not a surrogate id, not internal."""
    internal = column.info.get("internal") or (column.primary_key and column.autoincrement is True)
    return not internal


class Trial(Versioned, Base):
    __tablename__ = "trial"

    nct_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    target_enrollment: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    planned_accrual_end: Mapped[dt.date | None] = mapped_column(Date)
    data_cut: Mapped[dt.date | None] = mapped_column(Date)
    not_recorded: Mapped[str | None] = mapped_column(Text, info=names(*NOT_RECORDED))


class Site(Versioned, Base):
    __tablename__ = "sites"

    site_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(30), info=allowed(*SITE_STATUSES))
    ethics_approved_on: Mapped[dt.date | None] = mapped_column(Date)
    contract_signed_on: Mapped[dt.date | None] = mapped_column(Date)
    initiation_visit_on: Mapped[dt.date | None] = mapped_column(Date)
    activated_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class Patient(Versioned, Base):
    __tablename__ = "patients"

    patient_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.site_id"), index=True)
    sex: Mapped[str | None] = mapped_column(String(1), info=allowed(*SEXES))
    age: Mapped[int | None] = mapped_column(Integer)
    diagnosis: Mapped[str | None] = mapped_column(String(20), info=allowed(*DIAGNOSES))
    cytogenetic_risk: Mapped[str | None] = mapped_column(
        String(20), info=allowed(*CYTOGENETIC_RISKS)
    )
    screened_on: Mapped[dt.date] = mapped_column(Date)
    enrolled_on: Mapped[dt.date | None] = mapped_column(Date)
    screen_failure_reason: Mapped[str | None] = mapped_column(Text)
    transplant_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    arm: Mapped[str | None] = mapped_column(Text)
    treatment_start_on: Mapped[dt.date | None] = mapped_column(Date)
    safety_population: Mapped[bool | None] = mapped_column(Boolean)
    actual_arm: Mapped[str | None] = mapped_column(Text)


class FollowUp(Versioned, Base):
    __tablename__ = "follow_up"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), primary_key=True)
    last_contact_on: Mapped[dt.date | None] = mapped_column(Date)
    progressed_on: Mapped[dt.date | None] = mapped_column(Date)
    died_on: Mapped[dt.date | None] = mapped_column(Date)
    death_cause: Mapped[str | None] = mapped_column(Text)
    imputed: Mapped[str | None] = mapped_column(
        Text, info=names("died_on", "progressed_on", dates=True)
    )


class Response(Versioned, Base):
    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("patient_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    response: Mapped[str] = mapped_column(String(10), info=allowed(*RESPONSES))


class LabResult(Versioned, Base):
    __tablename__ = "lab_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    sampled_on: Mapped[dt.date] = mapped_column(Date)
    test: Mapped[str] = mapped_column(String(20), info=allowed(*LAB_UNITS))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10), info=allowed(*sorted(set(LAB_UNITS.values()))))


class Transfusion(Versioned, Base):
    __tablename__ = "transfusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    given_on: Mapped[dt.date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(20), info=allowed(*PRODUCTS))


class AdverseEvent(Versioned, Base):
    __tablename__ = "adverse_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    term: Mapped[str] = mapped_column(Text)
    soc: Mapped[str] = mapped_column(Text)
    grade: Mapped[int] = mapped_column(Integer, info=allowed(*GRADES))
    serious: Mapped[bool] = mapped_column(Boolean)
    related: Mapped[str | None] = mapped_column(String(10), info=allowed(*RELATEDNESS))
    onset_on: Mapped[dt.date] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    gvhd_type: Mapped[str | None] = mapped_column(String(10), info=allowed(*GVHD_TYPES))
    gvhd_grade: Mapped[str | None] = mapped_column(String(10))
    treatment_emergent: Mapped[bool | None] = mapped_column(Boolean)
    grade_from_severity: Mapped[bool | None] = mapped_column(Boolean)
    imputed: Mapped[str | None] = mapped_column(
        Text, info=names("onset_on", "resolved_on", dates=True)
    )


class Chimerism(Versioned, Base):
    __tablename__ = "chimerism"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    sampled_on: Mapped[dt.date] = mapped_column(Date)
    donor_percent: Mapped[float | None] = mapped_column(Float)
    detected: Mapped[bool] = mapped_column(Boolean)


class TimeToEvent(Versioned, Base):
    """Time-to-event endpoints derived by the study's statisticians (ADaM ADTTE)."""

    __tablename__ = "time_to_event"
    __table_args__ = (UniqueConstraint("patient_id", "parameter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.patient_id"), index=True)
    parameter: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(Text)
    days: Mapped[float] = mapped_column(Float)
    censored: Mapped[bool] = mapped_column(Boolean)


class DataVersion(Base):
    """One row per load; the app polls ``max(version)`` to know when to refresh."""

    __tablename__ = "data_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    data_cut: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str | None] = mapped_column(String(20), info=allowed(*SOURCE_KINDS))
    row_counts: Mapped[str] = mapped_column(Text)  # JSON object {table: rows}
    rows_kept: Mapped[bool | None] = mapped_column(Boolean)
    """True when this version's rows can be read back (``data_access.history``)."""
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When an administrator removed this version's rows (``remove-versions``)."""


SYNC_OUTCOMES = ("ok", "unchanged", "failed")
"""A sync run loaded a new data version, found nothing new, or failed (nothing loaded)."""


class SyncRun(Base):
    """One row per ``sync redcap`` run (``data_access.sync_runs``); the data banner shows
    the last failure and the project the current data were synced from."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_outcome_id", "outcome", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    url: Mapped[str] = mapped_column(Text)  # the API's address; never the token
    project_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10), info=allowed(*SYNC_OUTCOMES))
    reason: Mapped[str | None] = mapped_column(Text)
    data_version: Mapped[int | None] = mapped_column(Integer)
    """The version this run loaded (``ok`` only)."""
    digest: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of what was read (records, dictionary, mapping, sites, settings)."""


# Bundle files in load order (parents before children), keyed by CSV file name.
BUNDLE_TABLES = {
    f"{model.__tablename__}.csv": model.__table__
    for model in (
        Trial,
        Site,
        Patient,
        FollowUp,
        Response,
        LabResult,
        Transfusion,
        AdverseEvent,
        Chimerism,
        TimeToEvent,
    )
}
REQUIRED_FILES = ("trial.csv", "sites.csv", "patients.csv")


def _history_table(table: Table) -> Table:
    """The rows of ``table`` that later versions retired: its bundle columns, the version
    that brought each in and the one that retired it. No keys: a patient's row may be
    retired several times. Indexed on ``patient_id``, for one patient's profile as of an
    earlier version."""
    return Table(
        f"{table.name}_history",
        Base.metadata,
        Column("history_id", Integer, primary_key=True, autoincrement=True),
        *(
            Column(c.name, c.type, index=c.name == "patient_id")
            for c in table.columns
            if is_bundle_column(c)
        ),
        Column(VALID_FROM, Integer),
        Column("valid_to", Integer, nullable=False, index=True),
    )


HISTORY_TABLES = {table.name: _history_table(table) for table in BUNDLE_TABLES.values()}
"""Each trial table's history twin, keyed by the trial table's name."""
