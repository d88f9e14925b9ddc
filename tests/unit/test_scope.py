"""Site restriction keeps exactly one site's patients and their records."""

from __future__ import annotations

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
