"""The DSMB report PDF (dashboard/reports/dsmb.py), read back with pypdf.

Numbers come from the hand-counted bundle tests/fixtures/bundles/small (EXPECTED.md):
data cut 30 Jun 2020, 6 enrolled, 3 AEs in 3 patients, serious 2, one death (P-002).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis.enrollment import enrollment_summary
from analysis.safety import safety_report
from dashboard.reports import dsmb
from dashboard.reports.dsmb import dsmb_report_pdf, report_filename
from dashboard.reports.render import SYSTEM_CHROMIUM, FigureRenderer, browser_path
from data_access.bundle import read_bundle
from data_access.frames import data_cut_of
from tests.conftest import SMALL_BUNDLE

PAGES = 7


@pytest.fixture(scope="module")
def small():
    tables = read_bundle(SMALL_BUNDLE)
    cut = data_cut_of(tables)
    return safety_report(tables, cut), enrollment_summary(tables, cut)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_rep001_pages_and_text_without_figures(small):
    report, enrollment = small
    text = pages_text(dsmb_report_pdf(report, enrollment, version=3))
    assert len(text) == PAGES
    cover = text[0]
    assert "DSMB safety report" in cover
    assert "Data cut-off: 30 Jun 2020" in cover
    assert "from data version 3" in cover
    assert "Patients with any adverse event: 3 (50%); 3 events." in cover
    assert "Serious adverse events: 2 in 2 patients" in cover
    assert "Boundary not crossed (0 of 6, boundary at 3)." in cover
    tables = text[1]
    assert "Adverse events by system organ class and worst grade" in tables
    for term in ("Any adverse event", "Febrile neutropenia", "Sepsis", "Nausea"):
        assert term in tables
    listings = text[2]
    assert "Serious adverse events" in listings and "Deaths" in listings
    assert "P-001" in listings and "P-002" in listings and "P-005" not in listings
    assert "relapse" in listings
    assert "Figure not drawn: no figure renderer was given" in text[3]
    assert "No GVHD reported up to the data cut-off." in text[6]
    assert report_filename(report) == "mtsa-dsmb-safety-report-2020-06-30.pdf"


def test_rep002_without_unicode_font_the_text_is_plain(small, monkeypatch, tmp_path):
    monkeypatch.setattr(dsmb, "FONT_DIR", tmp_path)  # no DejaVu there: core font
    text = pages_text(dsmb_report_pdf(small[0]))
    assert "Patients with a grade >= 3 adverse event: 2 (33%)." in text[0]
    assert "Gr >= 3" in text[1]


class _Broken:
    def png(self, *args, **kwargs):
        from dashboard.reports.render import RendererUnavailable

        raise RendererUnavailable("Chromium exploded")


def test_rep003_a_failing_renderer_still_gives_a_report(small):
    text = pages_text(dsmb_report_pdf(small[0], renderer=_Broken()))
    assert len(text) == PAGES
    assert "Figure not drawn: Chromium exploded" in text[3]


def test_rep004_browser_path_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/opt/chrome/chrome")
    assert browser_path() == "/opt/chrome/chrome"
    monkeypatch.delenv("BROWSER_PATH")
    assert browser_path() == (str(SYSTEM_CHROMIUM) if SYSTEM_CHROMIUM.exists() else None)


@pytest.fixture(scope="module")
def renderer():
    if not Path(SYSTEM_CHROMIUM).exists():
        pytest.skip("kaleido needs Chromium: /usr/bin/chromium is missing")
    kept = FigureRenderer(str(SYSTEM_CHROMIUM))
    yield kept
    kept.close()


def test_rep005_figures_are_drawn_with_a_kept_renderer(small, renderer):
    report, enrollment = small
    dsmb_report_pdf(report, enrollment, renderer=renderer)  # cold: starts Chromium
    started = time.perf_counter()
    pdf = dsmb_report_pdf(report, enrollment, renderer=renderer)
    warm = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == PAGES
    images = [len(page.images) for page in reader.pages]
    assert images[:3] == [0, 0, 0]
    assert images[3:6] == [1, 1, 1]  # heat map, timeline, stopping boundary
    assert images[6] == 0  # no GVHD: a sentence, not a figure
    assert "Figure not drawn" not in "".join(p.extract_text() for p in reader.pages)
    assert warm < 10, f"a report on a warm renderer took {warm:.1f} s"


def test_rep006_a_study_without_transplants_gets_no_gvhd_page(small):
    _report, enrollment = small
    tables = read_bundle(SMALL_BUNDLE)
    tables["trial"]["not_recorded"] = "transplant gvhd"
    other = safety_report(tables, data_cut_of(tables))
    text = pages_text(dsmb_report_pdf(other, enrollment))
    assert len(text) == PAGES - 1
    assert "GVHD: not recorded in this study." in text[0]
    assert "Cumulative incidence of GVHD" not in "".join(text)
