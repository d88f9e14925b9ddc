"""Data quality and protocol deviations: the findings a data manager queries sites about.

:func:`quality_findings` runs every rule of :data:`~analysis.quality.rules.RULES` on
the trial as known at the data cut (:func:`analysis.data_cut.as_of_data_cut`, as every
panel sees it) and returns one row per finding. The rules (``docs/quality.md``):

- eligibility at entry (:mod:`~analysis.quality.eligibility`): the protocol deviations;
- assessments the protocol schedules, expected only while the patient is alive and
  followed (:mod:`~analysis.quality.schedule`, :mod:`~analysis.quality.follow_up`);
- overdue follow-up (:mod:`~analysis.quality.follow_up`);
- implausible lab values (:mod:`~analysis.quality.values`);
- records that contradict each other (:mod:`~analysis.quality.consistency`), which
  the import loads rather than refuses;
- dormant sites and site milestones out of order (:mod:`~analysis.quality.sites`).

The thresholds are :class:`~analysis.quality.settings.QualitySettings`, by default read
from the trial row's ``quality_*`` settings.
"""

from __future__ import annotations

import pandas as pd

from analysis._recruitment_common import resolve_cut
from analysis.data_cut import as_of_data_cut
from analysis.quality import consistency, eligibility, follow_up, schedule, sites, values
from analysis.quality.changes import finding_changes, findings_by_site
from analysis.quality.context import build_context
from analysis.quality.findings import COLUMNS, empty, sort_findings
from analysis.quality.rules import RULES, SEVERITIES, Rule, rules_for
from analysis.quality.settings import QualitySettings
from analysis.trial_settings import trial_settings

__all__ = [
    "COLUMNS",
    "RULES",
    "SEVERITIES",
    "QualitySettings",
    "Rule",
    "eligibility_deviations",
    "finding_changes",
    "findings_by_site",
    "quality_findings",
    "record_contradictions",
    "rules_for",
    "settings_from_tables",
]

CHECKS = (
    consistency.after_death_findings,
    consistency.fatal_without_death_findings,
    consistency.not_serious_findings,
    consistency.transplant_before_enrollment_findings,
    consistency.follow_up_before_enrollment_findings,
    consistency.enrollment_status_findings,
    consistency.enrollment_dates_findings,
    consistency.event_dates_findings,
    eligibility.age_findings,
    eligibility.cytogenetics_findings,
    eligibility.remission_findings,
    consistency.death_without_cause_findings,
    consistency.response_before_enrollment_findings,
    values.implausible_findings,
    schedule.marrow_findings,
    follow_up.overdue_findings,
    sites.milestone_order_findings,
    schedule.counts_findings,
    follow_up.visit_findings,
    sites.dormant_findings,
)
"""One function per rule, in the order of :data:`RULES`."""


def settings_from_tables(tables: dict[str, pd.DataFrame]) -> QualitySettings:
    """The trial's ``quality_*`` settings (columns of the trial row), else the defaults."""
    return QualitySettings.from_settings(trial_settings(tables))


def quality_findings(
    tables: dict[str, pd.DataFrame], data_cut, settings: QualitySettings | None = None
) -> pd.DataFrame:
    """Every data-quality finding of the trial as known at ``data_cut``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The trial tables (``patients`` and ``sites`` required, the others optional),
        dates as ``datetime64[ns]``; not modified.
    data_cut : date or None
        The date the data are complete to; None takes the trial's, else the latest date.
    settings : QualitySettings, optional
        Thresholds; by default the trial row's ``quality_*`` settings
        (:func:`settings_from_tables`).

    Returns
    -------
    DataFrame
        Columns :data:`~analysis.quality.findings.COLUMNS` (``rule, severity,
        patient_id, site_id, date, detail``), one row per finding, sorted by severity,
        site, patient, rule (display order) and date.
    """
    cut = resolve_cut(tables, data_cut)
    if settings is None:
        settings = settings_from_tables(tables)
    ctx = build_context(as_of_data_cut(tables, cut), cut, settings)
    found = [frame for check in CHECKS if not (frame := check(ctx)).empty]
    return sort_findings(pd.concat(found, ignore_index=True)) if found else empty()


ELIGIBILITY_CHECKS = (
    eligibility.age_findings,
    eligibility.cytogenetics_findings,
    eligibility.remission_findings,
)
CONTRADICTION_CHECKS = tuple(check for check in CHECKS if check.__module__ == consistency.__name__)
"""The rules of records that contradict each other (:mod:`~analysis.quality.consistency`)."""


def _patient_checks(tables, data_cut, checks, known_at_cut: bool, follow: bool) -> pd.DataFrame:
    cut = resolve_cut(tables, data_cut)
    if not known_at_cut:
        tables = as_of_data_cut(tables, cut)
    ctx = build_context(tables, cut, settings_from_tables(tables), follow=follow)
    found = [frame for check in checks if not (frame := check(ctx)).empty]
    return sort_findings(pd.concat(found, ignore_index=True)) if found else empty()


def eligibility_deviations(
    tables: dict[str, pd.DataFrame], data_cut, known_at_cut: bool = False
) -> pd.DataFrame:
    """The eligibility rules' findings only (the protocol deviations at entry), in the
    columns of :func:`quality_findings`: what a patient's profile and the listings mark.
    Each rule looks at one patient at a time, so ``tables`` may hold one patient's rows;
    ``known_at_cut``: they are already as known at the data cut (a patient profile's)."""
    return _patient_checks(tables, data_cut, ELIGIBILITY_CHECKS, known_at_cut, follow=False)


def record_contradictions(
    tables: dict[str, pd.DataFrame], data_cut, known_at_cut: bool = False
) -> pd.DataFrame:
    """The findings of the rules of records that contradict each other (a death before
    enrollment, a record after death...), as :func:`eligibility_deviations`: each looks
    at one patient at a time, so a patient's profile can run them on its rows."""
    return _patient_checks(tables, data_cut, CONTRADICTION_CHECKS, known_at_cut, follow=True)
