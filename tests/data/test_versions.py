"""Every data version kept: three imports with planted differences, read back as of each
version on SQLite and PostgreSQL; storage grows with what changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import func, select

from data_access.bundle import export_bundle, read_bundle
from data_access.engine import make_engine
from data_access.frames import typed_frame
from data_access.history import sorted_rows
from data_access.importing import import_bundle
from data_access.queries import UnknownVersion, list_versions, load_snapshot
from data_access.schema import BUNDLE_TABLES, HISTORY_TABLES
from data_access.version_removal import NothingToRemove, plan_removal, remove_versions
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import rewrite, with_safety_changes


def version_3_labs(rows):
    """One lab result withdrawn by the site (P-001's day-7 platelets)."""
    return [r for r in rows if not (r["patient_id"] == "P-001" and r["test"] == "PLT"
                                   and r["sampled_on"] == "2019-04-08")]  # fmt: skip


def version_3_follow_up(rows):
    """P-005 has died."""
    for row in rows:
        if row["patient_id"] == "P-005":
            row.update(died_on="2020-05-25", death_cause="infection")
    return rows


@pytest.fixture
def bundles(tmp_path) -> list[Path]:
    """The small bundle, then two later exports of it with the planted changes."""
    one = tmp_path / "v1"
    shutil.copytree(SMALL_BUNDLE, one)
    two = with_safety_changes(tmp_path / "v2", one)
    three = tmp_path / "v3"
    shutil.copytree(two, three)
    rewrite(three, "lab_results.csv", version_3_labs)
    rewrite(three, "follow_up.csv", version_3_follow_up)
    return [one, two, three]


def expected_tables(directory: Path) -> dict:
    frames = read_bundle(directory)
    return {t.name: sorted_rows(typed_frame(t, frames.get(t.name))) for t in BUNDLE_TABLES.values()}


def history_rows(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar()
            for name, table in HISTORY_TABLES.items()
        }


def test_ver001_each_version_reads_back_as_it_was_imported(trial_db_url, bundles):
    engine = make_engine(trial_db_url)
    when_current = []
    for directory in bundles:
        import_bundle(engine, directory)
        snapshot = load_snapshot(engine)
        when_current.append({n: sorted_rows(f) for n, f in snapshot.tables.items()})
    for number, directory in enumerate(bundles, start=1):
        snapshot = load_snapshot(engine, version=number)
        assert snapshot.version.version == number
        expected = expected_tables(directory)
        for name, frame in snapshot.tables.items():
            assert_frame_equal(frame, expected[name], check_dtype=True, obj=name)
            assert_frame_equal(frame, when_current[number - 1][name], obj=name)
    engine.dispose()


def test_ver002_storage_grows_with_what_changed(trial_db_url, bundles):
    engine = make_engine(trial_db_url)
    import_bundle(engine, bundles[0])
    import_bundle(engine, bundles[0])  # the same export again: nothing moves
    assert sum(history_rows(engine).values()) == 0
    import_bundle(engine, bundles[1])  # one event changed (retired), one added
    assert history_rows(engine)["adverse_events"] == 1
    import_bundle(engine, bundles[2])  # one lab withdrawn, one follow-up row changed
    moved = {name: n for name, n in history_rows(engine).items() if n}
    assert moved == {"adverse_events": 1, "lab_results": 1, "follow_up": 1}
    engine.dispose()


def test_ver003_versions_are_listed_with_their_rows(trial_db_url, bundles):
    engine = make_engine(trial_db_url)
    for directory in bundles:
        import_bundle(engine, directory)
    with engine.connect() as conn:
        versions = list_versions(conn)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["row_counts"]["adverse_events"] for v in versions] == [3, 4, 4]
    assert [v["row_counts"]["lab_results"] for v in versions] == [8, 8, 7]
    assert all(v["rows_kept"] for v in versions)
    assert versions[0]["data_cut"].isoformat() == "2020-06-30"
    engine.dispose()


def test_ver004_unknown_version_is_a_clear_error(sqlite_url, bundles):
    engine = make_engine(sqlite_url)
    import_bundle(engine, bundles[0])
    with pytest.raises(UnknownVersion, match="no data version 7: the versions are 1 to 1"):
        load_snapshot(engine, version=7)
    engine.dispose()


def test_ver005_an_old_version_exports_as_it_was_imported(trial_db_url, bundles, tmp_path):
    engine = make_engine(trial_db_url)
    for directory in bundles:
        import_bundle(engine, directory)
    export_bundle(engine, tmp_path / "out", version=2)
    got, want = expected_tables(tmp_path / "out"), expected_tables(bundles[1])
    for name, frame in got.items():
        assert_frame_equal(frame, want[name], obj=name)
    engine.dispose()


def test_ver006_removing_old_versions_keeps_what_stays_viewable(trial_db_url, bundles):
    # Imports v1, v2, v3, then v1 again (version 4). The history then holds, by hand:
    # adverse events P-002 grade 4 [1, 2), P-002 grade 5 [2, 4), P-008 [2, 4); the
    # withdrawn platelets [1, 3); P-005 alive [1, 3) and dead [3, 4). Removing the
    # versions before 4 but keeping 2 (a DSMB reviewed it) needs only the rows of
    # version 2: grade 4 and P-005 dead go.
    engine = make_engine(trial_db_url)
    for directory in [*bundles, bundles[0]]:
        import_bundle(engine, directory)
    before = history_rows(engine)
    plan = plan_removal(engine, before=4, keep={2})
    assert (plan.remove, plan.kept, plan.rows) == (
        (1, 3),
        (2,),
        {"adverse_events": 1, "follow_up": 1},
    )
    assert history_rows(engine) == before  # a plan changes nothing
    done = remove_versions(engine, before=4, keep={2})
    assert done == plan
    after = history_rows(engine)
    assert (
        before["adverse_events"] - after["adverse_events"],
        before["follow_up"] - after["follow_up"],
    ) == (1, 1)
    for number, directory in ((2, bundles[1]), (4, bundles[0])):
        expected = expected_tables(directory)
        for name, frame in load_snapshot(engine, version=number).tables.items():
            got = sorted_rows(frame)  # the current version is read in key order
            assert_frame_equal(got, expected[name], obj=f"{name} of version {number}")
    for number in (1, 3):
        with pytest.raises(UnknownVersion, match=f"data version {number} was removed"):
            load_snapshot(engine, version=number)
    with engine.connect() as conn:
        versions = list_versions(conn)
    assert [v["rows_kept"] for v in versions] == [False, True, False, True]
    assert [v["removed_at"] is not None for v in versions] == [True, False, True, False]
    with pytest.raises(NothingToRemove, match="kept for their DSMB reviews"):
        plan_removal(engine, before=4, keep={2})
    engine.dispose()


def test_ver007_the_current_version_is_never_removed(sqlite_url, bundles):
    engine = make_engine(sqlite_url)
    import_bundle(engine, bundles[0])
    import_bundle(engine, bundles[1])
    plan = remove_versions(engine, before=99)
    assert plan.remove == (1,)
    expected = expected_tables(bundles[1])
    for name, frame in load_snapshot(engine).tables.items():
        assert_frame_equal(sorted_rows(frame), expected[name], obj=name)
    assert sum(history_rows(engine).values()) == 0  # only version 1 needed the retired event
    engine.dispose()
