"""The DSMB reports menu, as each role uses it: the DSMB downloads the closed report, the
sponsor only the open one (of an earlier version, chosen in the address), the
administrator gets no menu.

Data: the small bundle (version 1), then tests/later_bundles.py's version 2, in which
P-008 has a new serious pneumonia and P-002's sepsis worsens from grade 4 to 5.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from dash.testing.wait import until
from pypdf import PdfReader

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import sign_in_browser
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import with_safety_changes

pytestmark = pytest.mark.browser
MENU = "#shell-report-menu"


def download(duo, kind: str, filename: str, profiles: str = "news") -> str:
    """Choose ``kind`` (with ``profiles``) in the menu; the text of the PDF that arrives."""
    duo.find_element(f"{MENU} .dropdown-toggle").click()
    item = duo.wait_for_element(f'[id*=\'"kind":"{kind}","profiles":"{profiles}"\']')
    item.click()
    duo.wait_for_contains_text("#shell-report-status", "Report built in", timeout=60)
    pdf = Path(duo.download_path) / filename
    until(lambda: pdf.exists() and pdf.stat().st_size > 0, timeout=10)
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def menu_items(duo) -> list[str]:
    duo.find_element(f"{MENU} .dropdown-toggle").click()
    duo.wait_for_element(f"{MENU} .dropdown-item")
    items = [e.text for e in duo.find_elements(f"{MENU} .dropdown-item")]
    duo.find_element(f"{MENU} .dropdown-toggle").click()  # close it again
    return items


def test_rpt001_each_role_gets_its_reports(
    dash_duo, renderer_closed, open_app, make_app, sqlite_url, tmp_path
):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, with_safety_changes(tmp_path / "v2"))
    open_app(make_app(sqlite_url), "dora", "/safety")
    dash_duo.wait_for_text_to_equal("#safety-kpi-deaths-value", "1")
    assert menu_items(dash_duo) == [
        "Closed report (DSMB only)",
        "Open report (aggregates)",
        "Closed report with every patient's profile",
    ]
    closed = download(dash_duo, "closed", "mtsa-dsmb-closed-report-2020-06-30-v2.pdf")
    assert "MTSA · DSMB closed report" in closed
    assert "New and changed since version 1 (data cut 30 Jun 2020)" in closed
    assert "new P-008 serious adverse event: Pneumonia" in closed
    assert "by dora (dsmb)" in closed
    # the profiles of the patients with news: P-002 (sepsis worse), P-008 (pneumonia)
    assert re.findall(r"Appendix: patient (P-\d{3})", closed) == ["P-002", "P-008"]
    every = download(
        dash_duo, "closed", "mtsa-dsmb-closed-report-every-profile-2020-06-30-v2.pdf", "every"
    )
    # every enrolled patient of the small bundle (patients.csv: enrolled_on given)
    enrolled = ["P-001", "P-002", "P-004", "P-005", "P-006", "P-008"]
    assert re.findall(r"Appendix: patient (P-\d{3})", every) == enrolled
    assert "the profile of every enrolled patient (6)" in every
    assert dash_duo.get_logs() == []

    dash_duo.driver.delete_all_cookies()
    sign_in_browser(dash_duo, "spencer", "/?version=1")
    dash_duo.wait_for_contains_text("#banner-as-of", "version 1")
    assert menu_items(dash_duo) == ["Open report (aggregates)"]
    opened = download(dash_duo, "open", "mtsa-dsmb-open-report-2020-06-30-v1.pdf")
    assert "MTSA · DSMB open report" in opened
    assert "Data version 1" in opened
    assert re.findall(r"\bP-\d{3}\b", opened) == []
    assert dash_duo.get_logs() == []

    dash_duo.driver.delete_all_cookies()
    sign_in_browser(dash_duo, "ada", "/")
    dash_duo.wait_for_element("#overview-kpis")
    assert dash_duo.find_elements(MENU) == []
