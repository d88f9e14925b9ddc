"""Site restriction keeps exactly one site's patients and their records."""

from __future__ import annotations

import pytest

from analysis.scope import restrict_to_sites
from data_access.bundle import read_bundle
from tests.conftest import SMALL_BUNDLE


def test_scope001_only_the_sites_patients_and_records_remain():
    tables = read_bundle(SMALL_BUNDLE)
    lys = restrict_to_sites(tables, ["LYS"])
    # EXPECTED.md: LYS screened 2, enrolled 2; P-002 died there
    assert len(lys["patients"]) == 2
    assert set(lys["patients"]["site_id"]) == {"LYS"}
    assert set(lys["follow_up"]["patient_id"]) <= set(lys["patients"]["patient_id"])
    assert "P-002" in set(lys["follow_up"]["patient_id"])
    assert len(lys["sites"]) == 7


def test_scope002_none_means_everything():
    tables = read_bundle(SMALL_BUNDLE)
    assert restrict_to_sites(tables, None) is tables


def test_scope003_unknown_site_gives_no_patients():
    tables = read_bundle(SMALL_BUNDLE)
    nobody = restrict_to_sites(tables, ["XXX"])
    assert nobody["patients"].empty
    assert all(nobody[name].empty for name in ("follow_up", "lab_results", "chimerism"))


def test_scope_page_filter_within_the_users_sites():
    from dashboard.callbacks.access import scope

    assert scope(None, None) is None  # every site
    assert scope(None, "LYS") == "LYS"  # the page's filter
    assert scope("STE", None) == "STE"  # a site-bound user: their site, whatever the page
    assert scope("STE", "STE") == "STE"
    with pytest.raises(ValueError, match="site STE only"):
        scope("STE", "LYS")  # refused, not answered with nobody
