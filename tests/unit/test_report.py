"""The DSMB reports (closed and open) as PDF, read back with pypdf.

Numbers come from the hand-counted bundle tests/fixtures/bundles/small (EXPECTED.md):
data cut 30 Jun 2020, 8 screened, 6 enrolled, 2 screen failures, 1 withdrawn, one
death (P-002, relapse), 3 AEs in 3 patients, serious 2, CR 4 of 6, CR or CRi 5 of 6.
Version 2 (tests/later_bundles.py): P-002's sepsis worsens from grade 4 to 5 and P-008
has a new serious pneumonia.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis.panels import STATS_PANELS
from analysis.patient_profile import patient_profile
from analysis.report_tables import patients_with_new_serious_events
from analysis.safety_changes import safety_changes
from dashboard.reports import pdf as report_pdf
from dashboard.reports.contents import report_contents
from dashboard.reports.dsmb import ReportContext, dsmb_report_pdf, report_filename
from dashboard.reports.render import SYSTEM_CHROMIUM, FigureRenderer, browser_path
from data_access.bundle import read_bundle
from data_access.frames import data_cut_of
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import with_safety_changes

LOADED = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)
MADE = dt.datetime(2026, 6, 2, 14, 5, tzinfo=dt.UTC)
VERSION_1 = {
    "version": 1,
    "data_cut": dt.date(2020, 6, 30),
    "loaded_at": LOADED,
    "source": "import small",
}
VERSION_2 = {**VERSION_1, "version": 2, "source": "import later"}
PATIENT_ID = re.compile(r"\bP-\d{3}\b")


def tables_of(folder: Path):
    tables = read_bundle(folder)
    return tables, data_cut_of(tables)


@pytest.fixture(scope="module")
def small():
    return report_contents(*tables_of(SMALL_BUNDLE))


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """Version 2's contents, its changes since version 1, and its tables and data cut."""
    later = with_safety_changes(tmp_path_factory.mktemp("later") / "v2")
    before, after = tables_of(SMALL_BUNDLE), tables_of(later)
    return report_contents(*after), safety_changes(*before, *after), after


def context(kind: str, **more) -> ReportContext:
    return ReportContext(kind, VERSION_1, "dora (dsmb)", MADE, **more)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_rep001_closed_report_cover_sections_and_hand_counted_numbers(small):
    text = pages_text(dsmb_report_pdf(small, context("closed")))
    everything = "\n".join(text)
    cover = text[0]
    assert "MTSA · DSMB closed report" in cover
    assert "(NCT03439371)" in cover
    assert "Data cut-off 30 Jun 2020" in cover
    assert "Data version 1, loaded 01 Jun 2026 09:30 UTC from import small" in cover
    assert "Generated 02 Jun 2026 14:05 UTC by dora (dsmb)" in cover
    assert "New and changed since no earlier version" in cover
    for n, page in enumerate(text, start=1):  # every page: footer and page number
        assert "CONFIDENTIAL: closed report" in page
        assert f"page {n} of {len(text)}" in page
    assert "6 of 21 (29%) 8 2 1 1 4 of 7" in everything  # enrolled, screened, failures...
    assert "LYS Centre Hospitalier Lyon Sud recruiting 14 Jan 2019 2 2 0.11" in everything
    assert "Overall survival: 6 patients, 1 death; median NR months" in everything
    # R: binom.test(4, 6)$conf.int = 0.2228 0.9567; binom.test(5, 6) = 0.3588 0.9958
    assert "Complete remission (CR): 67% of 6 (95% exact CI 22% to 96%)." in everything
    assert "CR or CRi: 83% of 6 (95% exact CI 36% to 100%)." in everything
    assert "Patients with any adverse event: 3 (50%); 3 events." in everything
    assert "Serious adverse events: 2 in 2 patients" in everything
    assert "Boundary not crossed (0 of 6, boundary at 3)." in everything
    assert "This is the first data version: nothing to compare with." in everything
    listings = everything[everything.index("5 Serious adverse events and deaths") :]
    assert "P-001 Febrile neutropenia" in listings and "P-002" in listings
    assert "relapse" in listings
    assert "6 Data quality" in everything
    assert "Appendix: worst adverse event grade per patient" in everything
    assert everything.count("Figure not drawn: no figure renderer was given") >= 5


def test_rep002_open_report_has_the_same_sections_and_no_patient_id(small):
    text = pages_text(dsmb_report_pdf(small, context("open")))
    everything = "\n".join(text)
    assert "MTSA · DSMB open report" in text[0]
    assert "Aggregate data of the whole trial only" in text[0]
    assert all("CONFIDENTIAL: open report" in page for page in text)
    assert PATIENT_ID.findall(everything) == []
    assert "Serious adverse events by preferred term" in everything
    assert "Sepsis 1 1" in everything and "Febrile neutropenia 1 1" in everything
    assert "Deaths by cause" in everything and "relapse 1 0" in everything
    assert "6 of 21 (29%) 8 2 1 1 4 of 7" in everything  # the same numbers as closed
    assert "Appendix" not in everything


def test_rep003_changes_since_the_review_listed_closed_counted_open(compared):
    contents, changes, _tables = compared
    review = {"since": VERSION_1, "review_on": dt.date(2026, 5, 20), "changes": changes}
    closed = "\n".join(
        pages_text(
            dsmb_report_pdf(contents, ReportContext("closed", VERSION_2, "dora", MADE, **review))
        )
    )
    assert "New and changed since the DSMB review of 20 May 2026 (version 1)" in closed
    assert "new P-008 serious adverse event: Pneumonia, onset 2020-03-20 — grade 3" in closed
    assert "changed P-002 serious adverse event: Sepsis, onset 2019-05-02: grade 4 5" in closed
    open_ = "\n".join(
        pages_text(
            dsmb_report_pdf(contents, ReportContext("open", VERSION_2, "ivy", MADE, **review))
        )
    )
    assert PATIENT_ID.findall(open_) == []
    # new serious events, other new events, new deaths, changes
    assert "1 0 0 1" in open_


def test_rep004_without_unicode_font_the_text_is_plain(small, monkeypatch, tmp_path):
    monkeypatch.setattr(report_pdf, "FONT_DIR", tmp_path)  # no DejaVu there: core font
    everything = "\n".join(pages_text(dsmb_report_pdf(small, context("closed"))))
    assert "Patients with a grade >= 3 adverse event: 2 (33%)." in everything
    assert "Gr >= 3" in everything


class _Broken:
    def png(self, *args, **kwargs):
        from dashboard.reports.render import RendererUnavailable

        raise RendererUnavailable("Chromium exploded")


def test_rep005_a_failing_renderer_still_gives_a_report(small):
    everything = "\n".join(
        pages_text(dsmb_report_pdf(small, context("closed"), renderer=_Broken()))
    )
    assert "Figure not drawn: Chromium exploded" in everything


def test_rep006_browser_path_prefers_the_environment(monkeypatch):
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


def test_rep007_figures_are_drawn_sized_to_the_page(small, renderer):
    dsmb_report_pdf(small, context("closed"), renderer=renderer)  # cold: starts Chromium
    started = time.perf_counter()
    pdf = dsmb_report_pdf(small, context("closed"), renderer=renderer)
    warm = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(pdf))
    # enrollment, OS, PFS, recovery, stopping boundary, heat map, AE timeline; no GVHD
    assert sum(len(page.images) for page in reader.pages) == 7
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        for image in page.images:
            assert image.image.width > 0
        assert (width, height) == pytest.approx((841.89, 595.28), abs=0.5)  # A4 landscape
    assert "Figure not drawn" not in "".join(p.extract_text() for p in reader.pages)
    assert warm < 15, f"a report on a warm renderer took {warm:.1f} s"
    open_pdf = PdfReader(io.BytesIO(dsmb_report_pdf(small, context("open"), renderer=renderer)))
    assert sum(len(page.images) for page in open_pdf.pages) == 5  # no per-patient figures


def test_rep008_a_study_without_transplants_or_responses_says_so(tmp_path):
    tables, cut = tables_of(SMALL_BUNDLE)
    tables["trial"]["not_recorded"] = "transplant gvhd responses"
    everything = "\n".join(
        pages_text(dsmb_report_pdf(report_contents(tables, cut), context("closed")))
    )
    assert "GVHD: not recorded in this study." in everything
    assert "Transplant dates are not recorded in this study." in everything
    assert "Response assessments are not recorded in this study." in everything
    assert "Cumulative incidence of GVHD" not in everything


def test_rep009_filename_names_the_kind_the_cut_and_the_version():
    assert report_filename(context("closed")) == "mtsa-dsmb-closed-report-2020-06-30-v1.pdf"


def test_rep010_the_report_gives_the_numbers_of_stats_and_the_api(compared):
    """Each number is checked against the JSON that `stats` and /api/stats give."""
    contents, _changes, (tables, cut) = compared
    everything = "\n".join(pages_text(dsmb_report_pdf(contents, context("closed"))))
    enrollment = STATS_PANELS["enrollment"](tables, cut)
    safety = STATS_PANELS["safety"](tables, cut)
    survival = STATS_PANELS["survival"](tables, cut)
    row = (
        f"{enrollment['enrolled']} of {enrollment['target']} "
        f"({100 * enrollment['enrolled'] / enrollment['target']:.0f}%) "
        f"{enrollment['screened']} {enrollment['screen_failures']} {enrollment['withdrawn']}"
    )
    assert row in everything
    assert (
        f"Serious adverse events: {safety['serious']['events']} in "
        f"{safety['serious']['patients']} patients" in everything
    )
    assert f"Deaths: {len(safety['deaths'])};" in everything
    group = survival["groups"][0]
    assert f"Overall survival: {group['n']} patients, {group['events']} death" in everything
    for soc in safety["by_soc"]:
        assert f"{soc['soc']} {soc['patients']} " in everything


def test_rep011_closed_report_has_a_profile_page_per_patient_with_news(compared):
    contents, changes, (tables, cut) = compared
    ids = patients_with_new_serious_events(changes)
    assert ids == ["P-002", "P-008"]  # sepsis worse, pneumonia new (tests/later_bundles.py)
    profiles = tuple(patient_profile(tables, cut, i) for i in ids)
    review = {"since": VERSION_1, "review_on": dt.date(2026, 5, 20), "changes": changes}
    text = pages_text(
        dsmb_report_pdf(
            contents, ReportContext("closed", VERSION_2, "dora", MADE, **review, profiles=profiles)
        )
    )
    pages = [p for p in text if "Appendix: patient " in p]
    assert [p.split("Appendix: patient ")[1][:5] for p in pages] == ["P-002", "P-008"]
    assert "new since the DSMB review of 20 May 2026 (version 1)" in pages[0]
    assert "Death 14 Oct 2019" in pages[0] and "(relapse)" in pages[0]  # EXPECTED.md
    assert "Status died" in pages[0]
    assert "Figure not drawn: no figure renderer was given" in pages[0]
    assert "profile of each patient with a serious event or death new" in text[0]


def test_rep012_only_serious_events_and_deaths_get_a_profile():
    changes = {
        "new": [
            {"patient_id": "P-3", "what": "adverse event: Nausea, onset 2020-01-01"},
            {"patient_id": "P-2", "what": "death"},
        ],
        "changed": [
            {"patient_id": "P-1", "what": "serious adverse event: Sepsis, onset x: grade"},
            {"patient_id": "P-2", "what": "cause of death"},
            {"patient_id": "P-4", "what": "acute GVHD: Skin, onset y: GVHD grade"},
        ],
    }
    assert patients_with_new_serious_events(changes) == ["P-1", "P-2"]
