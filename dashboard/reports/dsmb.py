"""The DSMB safety report: one PDF with the cut-off date, enrollment, tables and figures.

Built with fpdf2 (pure Python) from the same :class:`analysis.safety.SafetyReport` and
the same figure builders as the Safety page, so the PDF and the page agree. Figures
are drawn to PNG by kaleido (:mod:`dashboard.reports.render`); if that is impossible
the report is still built, with the reason printed where the figures would be.

Sections, each on a new page: 1 summary (cut-off, enrollment, safety at a glance,
stopping rule), 2 adverse events by organ class and grade, 3 serious adverse events
and deaths, 4 worst-grade heat map, 5 AE timeline, 6 stopping boundary, 7 GVHD
incidence (7 pages while the tables fit on one page each).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from analysis.competing_risks import cif_at
from analysis.safety import SafetyReport, ae_table
from dashboard.figures.safety import (
    ae_timeline_figure,
    gvhd_incidence_figure,
    stopping_boundary_figure,
    worst_grade_heatmap,
)
from dashboard.formatting import format_date, format_time
from dashboard.reports.render import RendererUnavailable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TITLE = "MTSA · DSMB safety report"
CONFIDENTIAL = "Confidential: for the Data Safety Monitoring Board"
_ASCII = {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "…": "...", "’": "'", "×": "x"}
FIGURE_WIDTH_PX = 1100


def report_filename(report: SafetyReport) -> str:
    cut = report.data_cut.isoformat() if report.data_cut else "no-cut"
    return f"mtsa-dsmb-safety-report-{cut}.pdf"


def report_figures(report: SafetyReport) -> dict:
    """The page's figures for the report; None where there is nothing to draw."""
    has_events = not report.events.empty
    gvhd = report.gvhd
    return {
        "heatmap": worst_grade_heatmap(
            report.worst_grade, report.follow_up, list(report.by_soc["soc"])
        )
        if has_events
        else None,
        "timeline": ae_timeline_figure(report.events, report.follow_up) if has_events else None,
        "stopping": stopping_boundary_figure(report.stopping),
        "gvhd": gvhd_incidence_figure(gvhd.acute_cif, gvhd.chronic_cif)
        if gvhd.any_reported
        else None,
    }


class _Pdf(FPDF):
    def __init__(self, unicode_font: bool):
        super().__init__(orientation="landscape", format="A4")
        self.unicode_font = unicode_font
        if unicode_font:
            self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "body" if unicode_font else "helvetica"
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.alias_nb_pages()

    def text_of(self, value) -> str:
        """Text safe for the font in use ('—' for missing)."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            value = "—"
        value = str(value)
        if not self.unicode_font:
            for char, plain in _ASCII.items():
                value = value.replace(char, plain)
            value = value.encode("latin-1", "replace").decode("latin-1")
        return value

    def footer(self):
        self.set_y(-10)
        self.set_font(self.family, "", 7)
        self.set_text_color(110)
        self.cell(0, 4, self.text_of(f"{CONFIDENTIAL} · page {self.page_no()} of {{nb}}"))
        self.set_text_color(0)

    def heading(self, text: str, size: float = 13) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def para(self, text: str, size: float = 9.5, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.47, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.8)

    def grid(self, header, rows, widths: tuple, bold_rows=(), align: str | None = None) -> None:
        """A table; ``align`` has one letter per column (L, R, C), default L then R."""
        self.set_font(self.family, "", 8)
        align = align or "L" + "R" * (len(header) - 1)
        align = [{"L": "LEFT", "R": "RIGHT", "C": "CENTER"}[a] for a in align]
        with self.table(
            col_widths=widths,
            text_align=align,
            line_height=4.2,
            headings_style=FontFace(emphasis="BOLD", fill_color=(233, 236, 239)),
            padding=(0.6, 1.2),
        ) as table:
            table.row([self.text_of(h) for h in header])
            for i, values in enumerate(rows):
                style = FontFace(emphasis="BOLD") if i in bold_rows else None
                row = table.row(style=style)
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(2)


def _pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.0f}%)" if total else str(n)


def _summary(pdf: _Pdf, report: SafetyReport, enrollment, version) -> None:
    pdf.heading(TITLE, 16)
    pdf.para("Micro-transplantation in elderly patients with AML (NCT03439371)")
    pdf.para(f"Data cut-off: {format_date(report.data_cut)}", 12, bold=True)
    made = format_time(dt.datetime.now(dt.UTC))
    pdf.para(f"Generated {made}" + (f" from data version {version}" if version else ""), 8)
    pdf.ln(2)
    pdf.heading("Enrollment", 11)
    target = report.target
    header = ["Target", "Enrolled", "Transplanted", "Deaths"]
    row = [target, report.enrolled, report.gvhd.transplanted, len(report.deaths.listing)]
    if enrollment is not None:
        header[1:1] = ["Screened", "Screen failures"]
        row[1:1] = [enrollment.screened, enrollment.screen_failures]
        header.append("Withdrawn")
        row.append(enrollment.withdrawn)
    pdf.grid(header, [row], tuple([1] * len(header)), align="C" * len(header))
    pdf.heading("Safety at a glance", 11)
    n = report.safety_n
    overall = report.overall.iloc[0]
    early = report.deaths.early
    nrm100 = cif_at(report.deaths.nrm_cif, "nrm", 100) if report.deaths.nrm_cif.n else 0.0
    gvhd = report.gvhd
    lines = [
        f"Patients with any adverse event: {_pct(int(overall['patients']), n)}; "
        f"{int(overall['events'])} events.",
        f"Patients with a grade ≥ 3 adverse event: {_pct(report.patients_grade3plus, n)}.",
        f"Serious adverse events: {report.serious['events']} in "
        f"{report.serious['patients']} patients; related events: {report.related['events']} "
        f"in {report.related['patients']} patients.",
        f"Deaths: {len(report.deaths.listing)}; within 30 / 100 days of enrollment: "
        f"{early[('enrollment', 30)]} / {early[('enrollment', 100)]}; of transplant: "
        f"{early[('transplant', 30)]} / {early[('transplant', 100)]}.",
        f"Non-relapse mortality: {report.deaths.nrm_deaths} deaths; cumulative incidence "
        f"at day 100 from enrollment {100 * nrm100:.1f}%.",
        f"GVHD: acute {gvhd.acute_patients} patients ({gvhd.acute_grade3plus} grade III-IV), "
        f"chronic {gvhd.chronic_patients} patients, among {gvhd.transplanted} transplanted."
        if "gvhd" not in report.not_recorded
        else "GVHD: not recorded in this study.",
    ]
    for line in lines:
        pdf.para("• " + line)
    pdf.ln(1)
    pdf.heading("Stopping rule for early non-relapse mortality", 11)
    pdf.para(report.stopping.sentence, 10.5, bold=True)
    pdf.para(report.stopping.rule.describe(), 8.5)


def _ae_section(pdf: _Pdf, report: SafetyReport) -> None:
    pdf.heading("Adverse events by system organ class and worst grade")
    pdf.para(
        f"Data cut-off {format_date(report.data_cut)}. Patients are counted once per row, "
        f"at their worst grade. {report.basis.sentence(report.safety_n)}",
        8.5,
    )
    table = ae_table(report, with_terms=True)
    if table["events"].iloc[0] == 0:
        pdf.para("No adverse event reported up to the data cut-off.", bold=True)
        return
    rows, bold = [], []
    for i, r in enumerate(table.itertuples(index=False)):
        label = r.label if r.level < 1 else f"    {r.label}"
        pct = "" if pd.isna(r.percent) else f"{r.percent:.0f}%"
        grades = [r.grade_1, r.grade_2, r.grade_3, r.grade_4, r.grade_5]
        rows.append([label, r.patients, pct, *grades, r.patients_grade3plus, r.events,
                     r.serious_events, r.related_events])  # fmt: skip
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


def _listings(pdf: _Pdf, report: SafetyReport) -> None:
    cut = format_date(report.data_cut)
    pdf.heading("Serious adverse events")
    pdf.para(f"Data cut-off {cut}; day counted from the transplant (day 0).", 8.5)
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
    pdf.ln(3)
    pdf.heading("Deaths")
    pdf.para(f"Data cut-off {cut}; days from enrollment and from the transplant.", 8.5)
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


def _figure(pdf: _Pdf, title: str, figure, png, empty: str | None, problem, lead=None):
    pdf.heading(title)
    if lead:
        pdf.para(lead, 10.5, bold=True)
    if figure is None:
        pdf.para(empty or "Nothing to draw.", bold=True)
        return
    if png is None:
        pdf.para(f"Figure not drawn: {problem}", bold=True)
        return
    height_px = figure.layout.height or 450
    width = pdf.epw
    height = width * height_px / FIGURE_WIDTH_PX
    room = pdf.h - pdf.b_margin - pdf.get_y()
    if height > room:
        width, height = width * room / height, room
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)


def render_pngs(figures: dict, renderer) -> tuple[dict, str | None]:
    """PNG bytes by figure name; on failure no PNGs and the reason."""
    if renderer is None:
        return {}, "no figure renderer was given"
    pngs = {}
    try:
        for name, figure in figures.items():
            if figure is not None:
                height = int(figure.layout.height or 450)
                untitled = go.Figure(figure).update_layout(title_text="")  # the page has one
                pngs[name] = renderer.png(untitled, FIGURE_WIDTH_PX, height)
    except RendererUnavailable as error:
        return {}, str(error)
    return pngs, None


def dsmb_report_pdf(
    report: SafetyReport, enrollment=None, *, renderer=None, version: int | None = None
) -> bytes:
    """The DSMB safety report as PDF bytes.

    Parameters
    ----------
    report : SafetyReport
    enrollment : analysis.enrollment.EnrollmentSummary, optional
        Adds screened, screen failures and withdrawn to the enrollment table.
    renderer : dashboard.reports.render.FigureRenderer, optional
        Draws the figures; without one the figure pages say so.
    version : int, optional
        The data version, printed under the title.
    """
    pdf = _Pdf(unicode_font=(FONT_DIR / "DejaVuSans.ttf").exists())
    pdf.set_title(f"{TITLE}, data cut-off {format_date(report.data_cut)}")
    pdf.set_creator("MTSA monitoring dashboard")
    figures = report_figures(report)
    pngs, problem = render_pngs(figures, renderer)
    pdf.add_page()
    _summary(pdf, report, enrollment, version)
    pdf.add_page()
    _ae_section(pdf, report)
    pdf.add_page()
    _listings(pdf, report)
    no_ae = "No adverse event reported up to the data cut-off."
    pages = [
        ("Worst adverse event grade per patient and organ class", "heatmap", no_ae),
        ("Adverse events by patient, days from transplant", "timeline", no_ae),
        ("Early non-relapse mortality against the stopping boundary", "stopping", None),
        ("Cumulative incidence of GVHD", "gvhd", "No GVHD reported up to the data cut-off."),
    ]
    if "gvhd" in report.not_recorded:  # a study of another design: no page for it
        pages = pages[:-1]
    for title, name, empty in pages:
        pdf.add_page()
        lead = report.stopping.sentence if name == "stopping" else None
        _figure(pdf, title, figures[name], pngs.get(name), empty, problem, lead)
    return bytes(pdf.output())
