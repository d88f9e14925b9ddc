"""The thresholds of the data-quality rules, with the MTSA protocol's values as defaults.

A study changes them in its trial settings: optional ``quality_<field>`` keys of the
trial row (``quality_cr_window_days``, ``quality_max_anc``, ...), read as the early-NRM
stopping rule reads its ``stopping_*`` keys (:meth:`QualitySettings.from_settings`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

from analysis.trial_settings import given_settings

SETTING_PREFIX = "quality_"


@dataclass(frozen=True)
class QualitySettings:
    """Eligibility, schedule and plausibility thresholds (defaults: the MTSA protocol).

    Parameters
    ----------
    min_age, max_age : int
        Eligible ages at entry, both included (60-74: "60 to under 75").
    eligible_cytogenetics : tuple of str
        Eligible ELN cytogenetic risk groups (intermediate, adverse).
    cr_window_days : int
        Complete remission at entry: a CR, CRh or CRi assessment at most this many
        days before enrollment, or on the day of enrollment.
    counts_early_per_week, counts_early_to_day : int
        Blood counts at least this many times a week in the weeks that end before this
        day after the transplant (twice a week to day 28: the aplasia).
    counts_late_per_week, counts_late_to_day : int
        Then at least this many a week in the weeks that end by this day (weekly to
        day 100).
    marrow_test, marrow_day, marrow_window_days : str, int, int
        The day-90 marrow: a result of this lab test (bone-marrow blasts) within
        ``marrow_day`` +/- ``marrow_window_days`` days of the transplant.
    visit_interval_days, visit_grace_days, follow_up_days : int
        A follow-up contact every ``visit_interval_days`` (3 months) from enrollment,
        give or take ``visit_grace_days``, up to ``follow_up_days`` (2 years).
    overdue_days : int
        A patient alive and still in follow-up whose last contact is more than this
        many days before the data cut is overdue (a missed visit plus its grace).
    max_anc, max_platelets, max_blasts_percent : float
        Values above these are implausible (x10^9/L, x10^9/L, %): a unit error.
    serious_from_grade : int
        Adverse events of this CTCAE grade or worse are serious (grade 4:
        life-threatening, grade 5: fatal; ICH E2A).
    dormant_days : int
        A recruiting site with no enrollment for this many days before the data cut
        (counted from its activation when it never enrolled) is dormant.
    """

    min_age: int = 60
    max_age: int = 74
    eligible_cytogenetics: tuple[str, ...] = ("intermediate", "adverse")
    cr_window_days: int = 60
    counts_early_per_week: int = 2
    counts_early_to_day: int = 28
    counts_late_per_week: int = 1
    counts_late_to_day: int = 100
    marrow_test: str = "BM_BLAST_PCT"
    marrow_day: int = 90
    marrow_window_days: int = 14
    visit_interval_days: int = 92
    visit_grace_days: int = 28
    follow_up_days: int = 730
    overdue_days: int = 120
    max_anc: float = 100.0
    max_platelets: float = 2000.0
    max_blasts_percent: float = 100.0
    serious_from_grade: int = 4
    dormant_days: int = 180

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (isinstance(value, bool) or int(value) != value or value < 0):
                raise ValueError(
                    f"quality setting {f.name} must be a whole number >= 0, got {value}"
                )
            if f.type == "float" and not (math.isfinite(value) and value > 0):
                raise ValueError(f"quality setting {f.name} must be a number > 0, got {value}")
        if self.min_age > self.max_age:
            raise ValueError(f"min_age {self.min_age} is above max_age {self.max_age}")
        if self.visit_interval_days == 0:
            raise ValueError("visit_interval_days must be at least 1")
        if self.marrow_window_days > self.marrow_day:
            raise ValueError("marrow_window_days must not exceed marrow_day")

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> QualitySettings:
        """The settings from trial settings: keys ``quality_min_age``, ``quality_max_anc``...

        Missing or empty keys keep their defaults; other keys are ignored. Whole
        numbers may come as floats (``60.0``); ``quality_eligible_cytogenetics`` is a
        space- or comma-separated list.
        """
        types = {f.name: f.type for f in fields(cls)}
        given = given_settings(settings, SETTING_PREFIX, types)
        return cls(**{name: _parse(types[name], raw) for name, raw in given.items()})


def _parse(kind: str, raw):
    """One setting's raw value as the field's type (``kind`` is its annotation)."""
    if kind == "int":
        number = float(raw)
        if not number.is_integer():
            raise ValueError(f"expected a whole number, got {raw!r}")
        return int(number)
    if kind == "float":
        return float(raw)
    if kind == "str":
        return str(raw)
    if isinstance(raw, str):
        return tuple(part for part in raw.replace(",", " ").split() if part)
    return tuple(raw)
