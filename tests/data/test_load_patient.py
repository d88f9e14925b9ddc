"""One patient's rows read with ``WHERE patient_id = :id`` (``load_patient``), current and
as of an earlier version, on SQLite and PostgreSQL: the whole snapshot restricted to
that patient."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.patient_profile import one_patient
from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.queries import UnknownVersion, load_patient, load_patient_list, load_snapshot
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import with_safety_changes

IDS = ["P-001", "P-002", "P-003", "P-008"]


@pytest.fixture
def two_versions(trial_db_url, tmp_path):
    """Version 1: the small bundle; version 2: P-002's sepsis grade 5, P-008 pneumonia."""
    engine = make_engine(trial_db_url)
    import_bundle(engine, SMALL_BUNDLE)
    import_bundle(engine, with_safety_changes(tmp_path / "v2"))
    engine.dispose()
    return make_engine(trial_db_url, read_only=True)


def assert_same_tables(one, whole, patient_id):
    expected = one_patient(whole.tables, patient_id)
    assert one.version == whole.version
    assert set(one.tables) == set(expected)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(one.tables[name], frame, obj=name)


@pytest.mark.parametrize("version", [None, 2, 1])
def test_ldp001_one_patient_is_the_snapshot_restricted_to_the_patient(two_versions, version):
    whole = load_snapshot(two_versions, version)
    for patient_id in IDS:
        assert_same_tables(load_patient(two_versions, patient_id, version), whole, patient_id)


def test_ldp002_versions_differ_for_the_changed_patient(two_versions):
    now = load_patient(two_versions, "P-002")["adverse_events"]
    then = load_patient(two_versions, "P-002", 1)["adverse_events"]
    assert now["grade"].tolist() == [5] and then["grade"].tolist() == [4]
    assert len(load_patient(two_versions, "P-008")["adverse_events"]) == 1
    assert load_patient(two_versions, "P-008", 1)["adverse_events"].empty


def test_ldp003_unknown_patient_and_version(two_versions):
    nobody = load_patient(two_versions, "P-404")
    assert nobody.tables["patients"].empty and nobody.tables["lab_results"].empty
    assert len(nobody.tables["sites"]) == 7 and len(nobody.tables["trial"]) == 1
    assert nobody.version.version == 2
    with pytest.raises(UnknownVersion):
        load_patient(two_versions, "P-001", 9)


@pytest.mark.parametrize("version", [None, 2, 1])
def test_ldp004_the_patient_list_reads_ids_sites_and_screening_only(two_versions, version):
    whole = load_snapshot(two_versions, version)
    listed = load_patient_list(two_versions, version)
    assert set(listed.tables) == {"trial", "sites", "patients"}
    assert listed.version == whole.version
    columns = ["patient_id", "site_id", "screened_on"]
    expected = whole["patients"][columns].sort_values("patient_id").reset_index(drop=True)
    got = listed["patients"].sort_values("patient_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    assert len(got) == 8 and got["screened_on"].dtype == "datetime64[ns]"
    pd.testing.assert_frame_equal(listed["sites"], whole["sites"])
