"""Graft-versus-host disease: counts by grade and cumulative incidence after transplant.

GVHD events are the adverse events with ``gvhd_type`` ``acute`` or ``chronic``. Acute
GVHD is graded I-IV (MAGIC/Glucksberg overall grade; ``gvhd_grade`` may be written
``I``..``IV`` or ``1``..``4``, optionally after the word "grade"); chronic GVHD is
``mild``, ``moderate`` or ``severe`` (NIH 2014 global severity). Each patient is counted
once, at the worst grade recorded.

Cumulative incidence starts at the transplant (day 0 = ``transplant_on``) among the
transplanted patients: event = the first GVHD of that type, competing event = death
without it, censored at the earlier of the last contact and the data cut
(Aalen-Johansen, :mod:`analysis.competing_risks`).

References
----------
Harris AC et al. (2016). International, multicenter standardization of acute
graft-versus-host disease clinical data collection (MAGIC). Biol Blood Marrow
Transplant 22:4-10.
Jagasia MH et al. (2015). NIH consensus criteria for clinical trials in chronic GVHD:
I. The 2014 Diagnosis and Staging Working Group report. Biol Blood Marrow Transplant
21:389-401.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.competing_risks import CumulativeIncidence, cumulative_incidence

ACUTE_GRADES = ("I", "II", "III", "IV")
CHRONIC_SEVERITIES = ("mild", "moderate", "severe")
NOT_GRADED = "not graded"
GVHD, DEATH = 1, 2
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_GRADE = re.compile(r"^(?:grade\s*)?([IV]+|[1-4])$", re.IGNORECASE)


def acute_grade(value) -> int | None:
    """Acute GVHD grade 1-4 from ``I``..``IV``, ``1``..``4`` or ``grade II``; else None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    match = _GRADE.match(str(value).strip())
    if not match:
        return None
    text = match.group(1).upper()
    return int(text) if text.isdigit() else _ROMAN.get(text)


def chronic_severity(value) -> str | None:
    """``mild``, ``moderate`` or ``severe`` (any case); else None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    return text if text in CHRONIC_SEVERITIES else None


@dataclass(frozen=True)
class GvhdSummary:
    """GVHD counts (patients, each at the worst grade) and cumulative incidence.

    ``acute_by_grade`` maps ``I``..``IV`` and ``not graded`` to patients;
    ``chronic_by_severity`` maps ``mild``/``moderate``/``severe``/``not graded``.
    ``listing`` has one row per GVHD event: ``patient_id, gvhd_type, gvhd_grade,
    onset_on, day`` (days from transplant, missing if not transplanted).
    The incidences have causes ``gvhd`` and ``death``; None without transplanted
    patients.
    """

    transplanted: int
    acute_patients: int
    acute_grade3plus: int
    acute_by_grade: dict[str, int]
    chronic_patients: int
    chronic_by_severity: dict[str, int]
    listing: pd.DataFrame
    acute_cif: CumulativeIncidence | None
    chronic_cif: CumulativeIncidence | None

    @property
    def any_reported(self) -> bool:
        return self.acute_patients + self.chronic_patients > 0


def _worst_acute(events: pd.DataFrame) -> dict[str, int]:
    grades = events["gvhd_grade"].map(acute_grade)
    worst = grades.groupby(events["patient_id"]).max()
    counts = {label: int((worst == g).sum()) for g, label in enumerate(ACUTE_GRADES, start=1)}
    counts[NOT_GRADED] = int(worst.isna().sum())
    return counts


def _worst_chronic(events: pd.DataFrame) -> dict[str, int]:
    rank = (
        events["gvhd_grade"]
        .map(chronic_severity)
        .map({s: i for i, s in enumerate(CHRONIC_SEVERITIES, start=1)})
    )
    worst = rank.groupby(events["patient_id"]).max()
    counts = {s: int((worst == i).sum()) for i, s in enumerate(CHRONIC_SEVERITIES, start=1)}
    counts[NOT_GRADED] = int(worst.isna().sum())
    return counts


def gvhd_incidence(
    transplanted: pd.DataFrame, first_onset: pd.Series, died: pd.Series, end: pd.Series
) -> CumulativeIncidence:
    """Cumulative incidence of GVHD from transplant, death without GVHD competing.

    Parameters
    ----------
    transplanted : DataFrame
        Indexed by ``patient_id`` with ``transplant_on``.
    first_onset, died, end : Series of datetime64
        By patient: first GVHD onset, death (both within the data cut, else NaT) and
        the end of follow-up (last contact or data cut).
    """
    start = transplanted["transplant_on"]
    onset = first_onset.reindex(start.index)
    death = died.reindex(start.index)
    has_gvhd = onset.notna() & ~(death < onset)
    has_death = death.notna() & ~has_gvhd
    stop = end.reindex(start.index).where(~has_death, death).where(~has_gvhd, onset)
    time = (stop - start).dt.days.clip(lower=0).fillna(0)
    event = pd.Series(0, index=start.index).where(~has_gvhd, GVHD).where(~has_death, DEATH)
    return cumulative_incidence(time.to_numpy(), event.to_numpy(), {GVHD: "gvhd", DEATH: "death"})


def gvhd_summary(
    enrolled: pd.DataFrame, events: pd.DataFrame, died: pd.Series, end: pd.Series, cut
) -> GvhdSummary:
    """GVHD counts and incidence among enrolled patients.

    Parameters
    ----------
    enrolled : DataFrame
        Enrolled patients indexed by ``patient_id`` with ``transplant_on``.
    events : DataFrame
        Adverse events of those patients up to the data cut (``patient_id``,
        ``onset_on``, ``gvhd_type``, ``gvhd_grade``).
    died, end : Series of datetime64
        Death date (NaT if alive) and end of follow-up by patient.
    cut : Timestamp
        The data cut.
    """
    gvhd = events[events["gvhd_type"].isin(("acute", "chronic"))]
    acute = gvhd[gvhd["gvhd_type"] == "acute"]
    chronic = gvhd[gvhd["gvhd_type"] == "chronic"]
    by_grade = _worst_acute(acute)
    transplant = pd.to_datetime(enrolled["transplant_on"])
    transplanted = enrolled.loc[transplant.notna() & (transplant <= cut)].assign(
        transplant_on=lambda f: pd.to_datetime(f["transplant_on"])
    )
    listing = gvhd[["patient_id", "gvhd_type", "gvhd_grade", "onset_on"]].assign(
        day=(gvhd["onset_on"] - gvhd["patient_id"].map(transplant)).dt.days.astype("Int64")
    )
    cifs = {}
    for kind, frame in (("acute", acute), ("chronic", chronic)):
        if transplanted.empty:
            cifs[kind] = None
            continue
        first = frame.groupby("patient_id")["onset_on"].min()
        cifs[kind] = gvhd_incidence(transplanted, first, died, end)
    return GvhdSummary(
        transplanted=len(transplanted),
        acute_patients=int(acute["patient_id"].nunique()),
        acute_grade3plus=by_grade["III"] + by_grade["IV"],
        acute_by_grade=by_grade,
        chronic_patients=int(chronic["patient_id"].nunique()),
        chronic_by_severity=_worst_chronic(chronic),
        listing=listing.sort_values(["onset_on", "patient_id"], ignore_index=True),
        acute_cif=cifs["acute"],
        chronic_cif=cifs["chronic"],
    )
