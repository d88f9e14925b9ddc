"""The patient profile's header as text rows: who the patient is, the dates of the
course, how it went. One piece for the profile page and the DSMB closed report's
appendix, so that both say the same."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.patient_profile import PatientProfile
from dashboard.formatting import format_date

DIAGNOSES = {"de_novo_aml": "de novo AML", "secondary_aml": "secondary AML"}
SEXES = {"M": "male", "F": "female"}


def _text(value, words: dict | None = None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return (words or {}).get(value, str(value).replace("_", " "))


def _day(profile: PatientProfile, date: dt.date | None) -> str:
    """ ", day N" from the patient's day 0, for a date of the header."""
    if date is None or profile.day0_on is None:
        return ""
    anchor = "" if profile.day0_is_transplant else " from enrollment"
    return f", day {(date - profile.day0_on).days}{anchor}"


def _recovery_text(day: int | None, transplanted: bool) -> str:
    if not transplanted:
        return "not transplanted"
    return "not reached" if day is None else f"day {day}"


def header_items(profile: PatientProfile) -> list[tuple[str, str, str]]:
    """The header's ``(key, label, value)`` rows, in reading order; the key names the
    value's element (``patients-header-KEY``)."""
    age = "—" if profile.age is None else f"{profile.age:.0f}"
    died = "—"
    if profile.died_on is not None:
        cause = f" ({profile.death_cause})" if profile.death_cause else ""
        died = f"{format_date(profile.died_on)}{_day(profile, profile.died_on)}{cause}"
    site = profile.site_id + (f" ({profile.site_name})" if profile.site_name else "")
    transplanted = profile.transplant_on is not None
    recovery = profile.recovery or {}
    return [
        ("id", "Patient", profile.patient_id),
        ("site", "Site", site),
        ("age", "Age", age),
        ("sex", "Sex", _text(profile.sex, SEXES)),
        ("diagnosis", "Diagnosis", _text(profile.diagnosis, DIAGNOSES)),
        ("risk", "Cytogenetic risk", _text(profile.cytogenetic_risk)),
        ("arm", "Arm", _text(profile.arm)),
        ("screened", "Screened", format_date(profile.screened_on)),
        ("enrolled", "Enrolled", format_date(profile.enrolled_on)),
        (
            "transplant",
            "Transplant",
            format_date(profile.transplant_on) if transplanted else "not transplanted",
        ),
        (
            "last-contact",
            "Last contact",
            format_date(profile.last_contact_on) + _day(profile, profile.last_contact_on),
        ),
        ("death", "Death", died),
        ("status", "Status", profile.status),
        ("best-response", "Best response", _text(profile.best_response)),
        ("anc", "ANC ≥ 0.5", _recovery_text(recovery.get("neutrophil_day"), transplanted)),
        ("plt20", "PLT ≥ 20", _recovery_text(recovery.get("platelet20_day"), transplanted)),
        ("plt50", "PLT ≥ 50", _recovery_text(recovery.get("platelet50_day"), transplanted)),
        ("flags", "Flags", "; ".join(profile.flags) if profile.flags else "none"),
        (
            "eligibility",
            "Eligibility",
            "; ".join(profile.deviations) if profile.deviations else "no deviation",
        ),
        (
            "contradictions",
            "Contradictions",
            "; ".join(profile.contradictions) if profile.contradictions else "none",
        ),
    ]
