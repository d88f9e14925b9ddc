"""The PDF page of the reports: A4 landscape, DejaVu text, tables, figures sized to the page,
and a footer with the confidentiality line and "page N of M" on every page.

Built with fpdf2 (pure Python). Figures are drawn to PNG by kaleido
(:mod:`dashboard.reports.render`); when that is impossible the report is still built,
with the reason printed where each figure would be.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from dashboard.reports.render import RendererUnavailable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIGURE_WIDTH_PX = 1100
_ASCII = {"≥": ">=", "≤": "<=", "–": "-", "—": "-", "…": "...", "’": "'", "×": "x", "→": "->"}
_ALIGN = {"L": "LEFT", "R": "RIGHT", "C": "CENTER"}


class ReportPdf(FPDF):
    """A report under construction; ``footer_text`` is printed on every page."""

    def __init__(self, footer_text: str):
        super().__init__(orientation="landscape", format="A4")
        self.unicode_font = (FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode_font:
            self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "body" if self.unicode_font else "helvetica"
        self.footer_text = footer_text
        self.set_margins(12, 11, 12)
        self.set_auto_page_break(True, margin=13)
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
        self.set_y(-9)
        self.set_font(self.family, "", 7)
        self.set_text_color(110)
        self.cell(0, 4, self.text_of(self.footer_text))
        self.set_x(self.l_margin)
        self.cell(0, 4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    def room(self) -> float:
        """Height left on the page, in mm."""
        return self.h - self.b_margin - self.get_y()

    def section(self, text: str, needs: float = 40, new_page: bool = False) -> None:
        """A section heading, on a new page unless ``needs`` mm are left on this one."""
        if new_page or self.page == 0 or self.room() < needs:
            self.add_page()
        else:
            self.ln(3)
        self.heading(text)

    def heading(self, text: str, size: float = 13) -> None:
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.2)

    def para(self, text: str, size: float = 9.5, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.47, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.6)

    def bullets(self, lines: list[str], size: float = 9.5) -> None:
        for line in lines:
            self.para(f"• {line}", size)

    def subheading(self, text: str) -> None:
        self.ln(1.5)
        self.heading(text, 11)

    def grid(self, header, rows, widths: tuple, bold_rows=(), align: str | None = None) -> None:
        """A table; ``align`` has one letter per column (L, R, C), default L then R.
        With ``header`` None the rows have no heading row (a list of label and value)."""
        self.set_font(self.family, "", 8)
        align = [_ALIGN[a] for a in (align or "L" + "R" * (len(widths) - 1))]
        with self.table(
            col_widths=widths,
            text_align=align,
            line_height=4.0,
            first_row_as_headings=header is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=(233, 236, 239)),
            padding=(0.5, 1.2),
        ) as table:
            if header is not None:
                table.row([self.text_of(h) for h in header])
            for i, values in enumerate(rows):
                row = table.row(style=FontFace(emphasis="BOLD") if i in bold_rows else None)
                for value in values:
                    row.cell(self.text_of(value))
        self.ln(1.5)

    def figure(
        self,
        figure: go.Figure | None,
        png: bytes | None,
        problem: str | None,
        empty: str,
        width_share: float = 1.0,
    ) -> None:
        """A figure at ``width_share`` of the page width, shrunk to fit what is left of
        the page (or on the next page when less than a third of it would show)."""
        if figure is None:
            self.para(empty, bold=True)
            return
        if png is None:
            self.para(f"Figure not drawn: {problem}", bold=True)
            return
        width = self.epw * width_share
        height = width * (figure.layout.height or 450) / FIGURE_WIDTH_PX
        if self.room() < height / 3:
            self.add_page()
        if height > self.room():
            width, height = width * self.room() / height, self.room()
        self.image(io.BytesIO(png), x=self.l_margin, w=width, h=height)
        self.ln(1)


def render_pngs(figures: dict, renderer) -> tuple[dict, str | None]:
    """PNG bytes by figure name (figures that are None are skipped); on failure no PNGs
    and the reason. Titles are left out: the report's heading names each figure."""
    if renderer is None:
        return {}, "no figure renderer was given"
    pngs = {}
    try:
        for name, figure in figures.items():
            if figure is not None:
                height = int(figure.layout.height or 450)
                untitled = go.Figure(figure).update_layout(title_text="")
                pngs[name] = renderer.png(untitled, FIGURE_WIDTH_PX, height)
    except RendererUnavailable as error:
        return {}, str(error)
    return pngs, None
