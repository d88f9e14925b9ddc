"""The numbers of a DSMB report, from the same analysis functions as the pages.

One call computes everything for one data version (the app caches it like a page's
results), so that the report and the pages give the same numbers: enrollment and
sites (Overview, Sites), Kaplan–Meier and response (Survival), recovery (Recovery),
safety (Safety), and the records that loaded with a remark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.enrollment import EnrollmentSummary, enrollment_summary
from analysis.recovery import RecoveryView, recovery_view
from analysis.report_tables import completed_records
from analysis.safety import SafetyReport, safety_report
from analysis.sites import site_metrics
from analysis.study_content import not_recorded
from analysis.survival_panels import endpoint_choices, response_json, survival_json
from analysis.survival_summary import SurvivalSummary, survival_summary
from data_access.import_report import records_after_cut, records_before_enrollment

REPORT_ENDPOINTS = ("os", "pfs")
"""The registered time-to-event outcomes, drawn when the data offer them."""


@dataclass(frozen=True)
class ReportContents:
    """Everything a DSMB report draws for one data version (whole trial)."""

    data_cut: dt.date | None
    trial: pd.DataFrame
    enrollment: EnrollmentSummary
    sites: pd.DataFrame
    survival: dict[str, dict]
    summaries: dict[str, SurvivalSummary]
    response: dict | None
    recovery: RecoveryView | None
    safety: SafetyReport
    after_cut: dict[str, int]
    before_enrollment: dict[str, int]
    completed: dict[str, int]


def report_contents(tables: dict[str, pd.DataFrame], data_cut) -> ReportContents:
    """The report's numbers for ``tables`` (one data version, at its data cut)."""
    offered = {c["endpoint"] for c in endpoint_choices(tables)}
    endpoints = [e for e in REPORT_ENDPOINTS if e in offered]
    missing = not_recorded(tables)
    has_enrolled = tables["patients"]["enrolled_on"].notna().any()
    return ReportContents(
        data_cut=data_cut,
        trial=tables["trial"],
        enrollment=enrollment_summary(tables, data_cut),
        sites=site_metrics(tables, data_cut),
        survival={e: survival_json(tables, data_cut, endpoint=e) for e in endpoints}
        if has_enrolled
        else {},
        summaries={e: survival_summary(tables, data_cut, e) for e in endpoints}
        if has_enrolled
        else {},
        response=response_json(tables, data_cut) if "responses" not in missing else None,
        recovery=recovery_view(tables, data_cut) if "transplant" not in missing else None,
        safety=safety_report(tables, data_cut),
        after_cut=records_after_cut(tables),
        before_enrollment=records_before_enrollment(tables),
        completed=completed_records(tables),
    )
