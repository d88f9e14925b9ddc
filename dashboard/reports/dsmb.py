"""The DSMB reports as PDF: the closed report (the board's) and the open report (aggregates).

Both follow the order of a data monitoring committee report: a cover page (trial, data
cut, data version, date, who generated it, what it is compared with), then
1 enrollment and sites, 2 efficacy (Kaplan–Meier with numbers at risk, response),
3 recovery, 4 safety (with what is new since the DSMB's last review), 5 serious events
and deaths, 6 data quality. The closed report lists patients (serious events, deaths,
every change since the review) and ends with the per-patient figures; the open report,
for investigators and the sponsor, gives the same sections as counts, never a patient
id. Sections follow each other on the page when there is room, so the report stays
compact. Every number comes from :mod:`dashboard.reports.contents`, i.e. from the
analysis functions the pages use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.competing_risks import cif_at
from analysis.patient_profile import PatientProfile
from analysis.recovery_days import ENDPOINTS as RECOVERY_ENDPOINTS
from analysis.report_tables import change_counts, deaths_by_cause, serious_by_term
from analysis.safety import ae_table
from dashboard.figures.enrollment import cumulative_enrollment_figure
from dashboard.figures.patient import patient_course_figure
from dashboard.figures.recovery import cif_figure as recovery_figure
from dashboard.figures.safety import (
    ae_timeline_figure,
    gvhd_incidence_figure,
    stopping_boundary_figure,
    worst_grade_heatmap,
)
from dashboard.figures.survival import km_figure, month_text
from dashboard.formatting import format_date, format_time
from dashboard.patient_header import header_items
from dashboard.reports.contents import ReportContents
from dashboard.reports.pdf import ReportPdf, render_pngs

KINDS = {
    "closed": "DSMB closed report",
    "open": "DSMB open report",
}
FOOTERS = {
    "closed": "CONFIDENTIAL: closed report, for the members of the Data Safety Monitoring "
    "Board only. Do not copy or forward.",
    "open": "CONFIDENTIAL: open report, aggregate data, for the DSMB, the investigators and "
    "the sponsor of MTSA.",
}
AUDIENCE = {
    "closed": "Members of the Data Safety Monitoring Board only. Holds patient-level listings.",
    "open": "The DSMB, the investigators and the sponsor. Aggregate data of the whole "
    "trial only: no patient identifier.",
}
NO_AE = "No adverse event reported up to the data cut-off."


@dataclass(frozen=True)
class ReportContext:
    """What the cover says about the report and what it is compared with.

    ``version``: the ``versions`` row of the data shown (``version, data_cut,
    loaded_at, source``). ``since``: the earlier version compared with (same keys) and
    ``review_on``, the date of the DSMB review of that version if any; ``changes``:
    :func:`analysis.safety_changes.safety_changes` between the two.
    """

    kind: str
    version: dict
    generated_by: str
    generated_at: dt.datetime
    since: dict | None = None
    review_on: dt.date | None = None
    changes: dict | None = None
    profiles: tuple[PatientProfile, ...] = ()
    """Closed report: the patients with a serious event or a death new or changed since
    ``since`` (:func:`analysis.report_tables.patients_with_new_serious_events`), or
    every enrolled patient when ``every_profile``."""
    every_profile: bool = False


def report_filename(context: ReportContext) -> str:
    cut = context.version.get("data_cut")
    cut = cut.isoformat() if cut else "no-cut"
    every = "-every-profile" if context.every_profile else ""
    return f"mtsa-dsmb-{context.kind}-report{every}-{cut}-v{context.version['version']}.pdf"


def since_words(context: ReportContext) -> str:
    """'the DSMB review of 01 Jun 2026 (version 3)', or 'version 3 (data cut ...)'."""
    since = context.since
    if since is None:
        return "no earlier version"
    if context.review_on is not None:
        return f"the DSMB review of {format_date(context.review_on)} (version {since['version']})"
    return f"version {since['version']} (data cut {format_date(since['data_cut'])})"


def report_figures(contents: ReportContents, kind: str, profiles=()) -> dict:
    """The figures of the report, by name; None where there is nothing to draw."""
    safety = contents.safety
    gvhd = safety.gvhd
    recovery = contents.recovery
    figures = {
        "enrollment": cumulative_enrollment_figure(contents.enrollment),
        "stopping": stopping_boundary_figure(safety.stopping),
        "gvhd": gvhd_incidence_figure(gvhd.acute_cif, gvhd.chronic_cif)
        if gvhd.any_reported
        else None,
        "recovery": recovery_figure(recovery.curves, recovery.medians)
        if recovery is not None and recovery.n_transplanted
        else None,
    }
    for endpoint, curves in contents.survival.items():
        figures[f"km-{endpoint}"] = km_figure(curves, 0.95)
    if kind == "closed":
        for profile in profiles:
            figures[f"patient-{profile.patient_id}"] = patient_course_figure(profile)
    if kind == "closed" and not safety.events.empty:
        socs = list(safety.by_soc["soc"])
        figures["heatmap"] = worst_grade_heatmap(safety.worst_grade, safety.follow_up, socs)
        figures["timeline"] = ae_timeline_figure(safety.events, safety.follow_up)
    return figures


def _pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.0f}%)" if total else str(n)


def _cover(pdf: ReportPdf, contents: ReportContents, context: ReportContext) -> None:
    trial = contents.trial
    title = trial["title"].iloc[0] if len(trial) and "title" in trial else "MTSA"
    nct = trial["nct_id"].iloc[0] if len(trial) and "nct_id" in trial else ""
    pdf.add_page()
    pdf.ln(18)
    pdf.heading(f"MTSA · {KINDS[context.kind]}", 22)
    pdf.para(f"{title}" + (f" ({nct})" if nct else ""), 12)
    pdf.ln(6)
    version = context.version
    rows = [
        ["Data cut-off", format_date(contents.data_cut)],
        [
            "Data version",
            f"{version['version']}, loaded {format_time(version['loaded_at'])} from "
            f"{version['source']}",
        ],
        ["New and changed since", since_words(context)],
        ["Generated", f"{format_time(context.generated_at)} by {context.generated_by}"],
        ["Distribution", AUDIENCE[context.kind]],
    ]
    pdf.grid(None, rows, (1, 4), align="LL")
    pdf.ln(4)
    pdf.heading("Contents", 11)
    sections = [
        "1 Enrollment and sites",
        "2 Efficacy: survival and response",
        "3 Hematopoietic recovery",
        "4 Safety, and what is new since " + since_words(context),
        "5 Serious adverse events and deaths"
        + (" (listings)" if context.kind == "closed" else " (counts)"),
        "6 Data quality",
    ]
    if context.kind == "closed":
        if context.profiles:
            sections.append(f"{_profiles_title(context)} ({len(context.profiles)})")
        sections.append("Appendix: adverse events per patient")
    pdf.bullets(sections, 10)


def _enrollment(pdf: ReportPdf, contents: ReportContents, figures, pngs, problem) -> None:
    e = contents.enrollment
    pdf.section("1 Enrollment and sites", new_page=True)
    target = f"{e.enrolled} of {e.target} ({e.percent_of_target:.0f}%)" if e.target else e.enrolled
    pdf.grid(
        ["Enrolled", "Screened", "Screen failures", "Withdrawn", "Deaths", "Sites recruiting"],
        [
            [
                target,
                e.screened,
                e.screen_failures,
                e.withdrawn,
                e.deaths,
                f"{e.sites_recruiting} of {e.sites_total}",
            ]
        ],
        (1, 1, 1, 1, 1, 1),
        align="CCCCCC",
    )
    pdf.figure(figures["enrollment"], pngs.get("enrollment"), problem, "", width_share=0.62)
    sites = contents.sites
    rows = [
        [
            r.site_id,
            r.name,
            r.status.replace("_", " "),
            format_date(r.activated_on),
            int(r.screened),
            int(r.enrolled),
            "—" if pd.isna(r.enrolled_per_month) else f"{r.enrolled_per_month:.2f}",
        ]
        for r in sites.itertuples(index=False)
    ]
    header = ["Site", "Name", "Status", "Activated", "Screened", "Enrolled", "Per month"]
    pdf.grid(header, rows, (5, 22, 9, 8, 6, 6, 6), align="LLLRRRR")


def _survival_line(summary) -> str:
    if summary.endpoint == "os":
        events = "death" if summary.events == 1 else "deaths"
    else:
        events = ("event" if summary.events == 1 else "events") + " (relapse, progression or death)"
    ci = summary.median_ci
    ci_text = f" (95% CI {month_text(ci[0])} to {month_text(ci[1])})" if summary.median else ""
    follow = (
        f"; median follow-up {month_text(summary.follow_up_median)} months"
        if summary.follow_up_median
        else ""
    )
    return (
        f"{summary.label}: {summary.n} patients, {summary.events} {events}; median "
        f"{month_text(summary.median)} months{ci_text}{follow}."
    )


def _efficacy(pdf: ReportPdf, contents: ReportContents, figures, pngs, problem) -> None:
    pdf.section("2 Efficacy: survival and response", needs=90)
    if not contents.survival:
        pdf.para("No patient enrolled up to the data cut-off.", bold=True)
    for endpoint, summary in contents.summaries.items():
        pdf.para(_survival_line(summary), 9.5, bold=True)
        pdf.figure(
            figures[f"km-{endpoint}"], pngs.get(f"km-{endpoint}"), problem, "", width_share=0.72
        )
    response = contents.response
    if response is None:
        pdf.para("Response assessments are not recorded in this study.")
        return
    pdf.subheading("Best response")
    best = response["best"]
    pdf.grid(
        list(best),
        [[_pct(int(v), response["n"]) for v in best.values()]],
        tuple([1] * len(best)),
        align="C" * len(best),
    )
    for key, label in (("cr_rate", "Complete remission (CR)"), ("cr_cri_rate", "CR or CRi")):
        rate = response.get(key)
        if rate and rate["estimate"] is not None:
            pdf.para(
                f"{label}: {100 * rate['estimate']:.0f}% of {response['n']} (95% exact CI "
                f"{100 * rate['ci_lower']:.0f}% to {100 * rate['ci_upper']:.0f}%)."
            )


def _recovery(pdf: ReportPdf, contents: ReportContents, figures, pngs, problem) -> None:
    pdf.section("3 Hematopoietic recovery", needs=80)
    view = contents.recovery
    if view is None:
        pdf.para("Transplant dates are not recorded in this study.")
        return
    n = view.n_transplanted
    if not n:
        pdf.para("No patient transplanted up to the data cut-off.", bold=True)
        return
    rows = [
        [e.label, _pct(view.recovered(e.name), n), month_days(view.medians.get(e.name))]
        for e in RECOVERY_ENDPOINTS
    ]
    pdf.grid(
        [
            "Recovery (3 days in a row)",
            f"Recovered, of {n} transplanted",
            "Median day (deaths competing)",
        ],
        rows,
        (3, 2, 2),
        align="LRR",
    )
    cr = view.cr
    if cr.evaluable:
        pdf.para(
            f"Complete-remission criteria met at day 90: {cr.count} of {cr.evaluable} "
            f"evaluable patients ({100 * cr.share:.0f}%)."
        )
    pdf.figure(figures["recovery"], pngs.get("recovery"), problem, "", width_share=0.72)


def month_days(day) -> str:
    return "not reached" if day is None or pd.isna(day) else f"day {day:.0f}"


def _safety(pdf: ReportPdf, contents: ReportContents, context, figures, pngs, problem) -> None:
    report = contents.safety
    pdf.section("4 Safety")
    n = report.safety_n
    overall = report.overall.iloc[0]
    early = report.deaths.early
    nrm100 = cif_at(report.deaths.nrm_cif, "nrm", 100) if report.deaths.nrm_cif.n else 0.0
    gvhd = report.gvhd
    pdf.bullets(
        [
            report.basis.sentence(n),
            f"Patients with any adverse event: {_pct(int(overall['patients']), n)}; "
            f"{int(overall['events'])} events.",
            f"Patients with a grade ≥ 3 adverse event: {_pct(report.patients_grade3plus, n)}.",
            f"Serious adverse events: {report.serious['events']} in "
            f"{report.serious['patients']} patients; related events: "
            f"{report.related['events']} in {report.related['patients']} patients.",
            f"Deaths: {len(report.deaths.listing)}; within 30 / 100 days of enrollment: "
            f"{early[('enrollment', 30)]} / {early[('enrollment', 100)]}; of transplant: "
            f"{early[('transplant', 30)]} / {early[('transplant', 100)]}.",
            f"Non-relapse mortality: {report.deaths.nrm_deaths} deaths; cumulative "
            f"incidence at day 100 from enrollment {100 * nrm100:.1f}%.",
            f"GVHD: acute {gvhd.acute_patients} patients ({gvhd.acute_grade3plus} grade "
            f"III-IV), chronic {gvhd.chronic_patients} patients, among {gvhd.transplanted} "
            "transplanted."
            if "gvhd" not in report.not_recorded
            else "GVHD: not recorded in this study.",
        ]
    )
    _changes(pdf, context)
    pdf.subheading("Adverse events by system organ class and worst grade")
    _ae_table(pdf, report)
    pdf.subheading("Stopping rule for early non-relapse mortality")
    pdf.para(report.stopping.sentence, 10, bold=True)
    pdf.para(report.stopping.rule.describe(), 8.5)
    pdf.figure(figures["stopping"], pngs.get("stopping"), problem, "", width_share=0.6)
    if "gvhd" not in report.not_recorded:
        pdf.subheading("Cumulative incidence of GVHD")
        pdf.figure(
            figures["gvhd"],
            pngs.get("gvhd"),
            problem,
            "No GVHD reported up to the data cut-off.",
            width_share=0.6,
        )


def _changes(pdf: ReportPdf, context: ReportContext) -> None:
    changes = context.changes
    if changes is None:
        pdf.subheading("New and changed since the last review")
        pdf.para("This is the first data version: nothing to compare with.")
        return
    pdf.subheading(f"New and changed since {since_words(context)}")
    if not changes["new"] and not changes["changed"]:
        pdf.para("Nothing new or changed in the adverse events, GVHD and deaths.", bold=True)
        return
    counts = change_counts(changes)
    pdf.grid(
        list(counts), [list(counts.values())], tuple([1] * len(counts)), align="C" * len(counts)
    )
    if context.kind != "closed":
        return
    rows = [
        [kind, r["patient_id"], r["what"], r["before"], r["after"]]
        for kind in ("new", "changed")
        for r in changes[kind]
    ]
    pdf.grid(["", "Patient", "What", "Before", "Now"], rows, (3, 4, 24, 7, 9), align="LLLLL")


def _ae_table(pdf: ReportPdf, report) -> None:
    table = ae_table(report, with_terms=True)
    if table["events"].iloc[0] == 0:
        pdf.para(NO_AE, bold=True)
        return
    rows, bold = [], []
    for i, r in enumerate(table.itertuples(index=False)):
        label = r.label if r.level < 1 else f"    {r.label}"
        pct = "" if pd.isna(r.percent) else f"{r.percent:.0f}%"
        grades = [r.grade_1, r.grade_2, r.grade_3, r.grade_4, r.grade_5]
        rows.append(
            [
                label,
                r.patients,
                pct,
                *grades,
                r.patients_grade3plus,
                r.events,
                r.serious_events,
                r.related_events,
            ]
        )
        if r.level < 1:
            bold.append(i)
    header = [
        "System organ class / preferred term",
        "Patients",
        "%",
        "Gr 1",
        "Gr 2",
        "Gr 3",
        "Gr 4",
        "Gr 5",
        "Gr ≥ 3",
        "Events",
        "Serious",
        "Related",
    ]
    pdf.grid(header, rows, (34, 6, 5, 4, 4, 4, 4, 4, 5, 5, 6, 6), bold_rows=bold)


def _serious_and_deaths(pdf: ReportPdf, contents: ReportContents, kind: str) -> None:
    report = contents.safety
    pdf.section("5 Serious adverse events and deaths")
    pdf.para(f"Data cut-off {format_date(report.data_cut)}.", 8.5)
    if kind == "closed":
        _listings(pdf, report)
        return
    for title, table, header, empty in (
        ("Serious adverse events by preferred term", serious_by_term(report),
         ["Preferred term", "Events", "Patients"], "No serious adverse event reported."),
        ("Deaths by cause", deaths_by_cause(report), ["Cause", "Deaths", "Without relapse"],
         "No death reported."),
    ):  # fmt: skip
        pdf.subheading(title)
        if table.empty:
            pdf.para(empty, bold=True)
        else:
            pdf.grid(header, table.to_numpy().tolist(), (6, 1, 1))


def _listings(pdf: ReportPdf, report) -> None:
    pdf.subheading("Serious adverse events (day counted from the transplant)")
    serious = report.serious_listing
    if serious.empty:
        pdf.para("No serious adverse event reported.", bold=True)
    else:
        rows = [
            [
                r.patient_id,
                r.term,
                r.soc,
                r.grade,
                r.related,
                format_date(r.onset_on),
                r.day,
                format_date(r.resolved_on),
            ]
            for r in serious.itertuples(index=False)
        ]
        header = [
            "Patient",
            "Preferred term",
            "System organ class",
            "Grade",
            "Related",
            "Onset",
            "Day",
            "Resolved",
        ]
        pdf.grid(header, rows, (8, 16, 24, 5, 6, 9, 4, 9), align="LLLRLRRR")
    pdf.subheading("Deaths")
    deaths = report.deaths.listing
    if deaths.empty:
        pdf.para("No death reported.", bold=True)
        return
    rows = [
        [
            r.patient_id,
            r.site_id,
            format_date(r.died_on),
            r.day,
            r.day_from_transplant,
            r.cause,
            "yes" if r.nrm else "no",
        ]
        for r in deaths.itertuples(index=False)
    ]
    header = [
        "Patient",
        "Site",
        "Died on",
        "Day (enrollment)",
        "Day (transplant)",
        "Cause",
        "Non-relapse",
    ]
    pdf.grid(header, rows, (8, 6, 9, 8, 8, 20, 7), align="LLRRRLL")


def _quality(pdf: ReportPdf, contents: ReportContents) -> None:
    pdf.section("6 Data quality", needs=50)
    rows = (
        [
            ["Dated after the data cut (loaded, not shown)", t, n]
            for t, n in contents.after_cut.items()
        ]
        + [
            ["Dated before enrollment, or of a patient never enrolled", t, n]
            for t, n in contents.before_enrollment.items()
        ]
        + [[what.split(": ")[1], what.split(": ")[0], n] for what, n in contents.completed.items()]
    )
    if not rows:
        pdf.para(
            "No record loaded with a remark: nothing dated after the data cut or before "
            "enrollment, no partial date completed, no grade derived."
        )
        return
    pdf.para("Records that loaded with a remark; each panel applies its own definition.", 8.5)
    pdf.grid(["Remark", "Table", "Records"], rows, (6, 3, 1), align="LLR")


def _profiles_title(context: ReportContext) -> str:
    if context.every_profile:
        return "Appendix: the profile of every enrolled patient"
    return (
        "Appendix: the profile of each patient with a serious event or death new since "
        + since_words(context)
    )


def _profiles(pdf: ReportPdf, context: ReportContext, figures, pngs, problem) -> None:
    """One page per patient: the profile's header, then the course on one time axis."""
    for profile in context.profiles:
        pdf.add_page()
        why = "" if context.every_profile else f", new since {since_words(context)}"
        pdf.heading(f"Appendix: patient {profile.patient_id}{why}")
        items = [(label, value) for _key, label, value in header_items(profile)]
        third = -(-len(items) // 3)
        columns = [items[i : i + third] for i in range(0, len(items), third)]
        rows = [
            [part for column in columns for part in (column[r] if r < len(column) else ("", ""))]
            for r in range(third)
        ]
        pdf.grid(None, rows, (3, 5, 3, 5, 3, 5), align="LLLLLL")
        name = f"patient-{profile.patient_id}"
        pdf.figure(figures[name], pngs.get(name), problem, "")


def _appendix(pdf: ReportPdf, figures, pngs, problem) -> None:
    for name, title in (
        ("heatmap", "Appendix: worst adverse event grade per patient and organ class"),
        ("timeline", "Appendix: adverse events by patient, days from transplant"),
    ):
        if name in figures:
            pdf.add_page()
            pdf.heading(title)
            pdf.figure(figures[name], pngs.get(name), problem, NO_AE)


def dsmb_report_pdf(contents: ReportContents, context: ReportContext, *, renderer=None) -> bytes:
    """A DSMB report (``context.kind``: ``closed`` or ``open``) as PDF bytes.

    ``renderer`` (:class:`dashboard.reports.render.FigureRenderer`) draws the figures;
    without one each figure's place says so.
    """
    pdf = ReportPdf(FOOTERS[context.kind])
    pdf.set_title(f"MTSA {KINDS[context.kind]}, data cut-off {format_date(contents.data_cut)}")
    pdf.set_creator("MTSA monitoring dashboard")
    pdf.set_author(context.generated_by)
    figures = report_figures(contents, context.kind, context.profiles)
    pngs, problem = render_pngs(figures, renderer)
    _cover(pdf, contents, context)
    _enrollment(pdf, contents, figures, pngs, problem)
    _efficacy(pdf, contents, figures, pngs, problem)
    _recovery(pdf, contents, figures, pngs, problem)
    _safety(pdf, contents, context, figures, pngs, problem)
    _serious_and_deaths(pdf, contents, context.kind)
    _quality(pdf, contents)
    if context.kind == "closed":
        _profiles(pdf, context, figures, pngs, problem)
        _appendix(pdf, figures, pngs, problem)
    return bytes(pdf.output())
