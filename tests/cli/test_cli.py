"""The command line as a user runs it: ``python -m dashboard ...`` in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import text

from dashboard.auth.database import make_app_engine, make_sessionmaker
from dashboard.auth.reviews import record_review
from tests.cli.commands import assert_clean_error, run
from tests.conftest import REPO, SMALL_BUNDLE
from tests.later_bundles import one_more_patient, with_safety_changes

COMMANDS = ["import", "export", "demo-db", "demo-feed", "serve", "stats", "versions"]
COMMANDS += ["remove-versions"]


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_cli001_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: python -m dashboard" in result.stdout


def test_cli002_import_then_stats_gives_hand_counts(sqlite_url):
    imported = run("import", str(SMALL_BUNDLE), database_url=sqlite_url)
    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.splitlines()
    # EXPECTED.md: 28 findings, 11 major and 17 minor. Warmed (docs/command-line.md):
    # the board, an investigator of all sites (6 pages each), the sponsor (3), and an
    # investigator bound to each of the 7 sites (6 each): 57 page visits.
    assert lines[-2].startswith("data-quality findings: 11 major, 17 minor (")
    assert lines[-1].startswith("pages warmed for data version 1: 57 page visits, ")
    result = run("stats", "enrollment", "--json", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    # tests/fixtures/bundles/small/EXPECTED.md
    assert stats["data_cut"] == "2020-06-30"
    assert (stats["target"], stats["screened"], stats["enrolled"]) == (21, 8, 6)
    assert (stats["screen_failures"], stats["withdrawn"]) == (2, 1)
    assert stats["cumulative"][0] == {"date": "2019-02-25", "enrolled": 1}
    assert stats["cumulative"][-1] == {"date": "2020-01-27", "enrolled": 6}


def test_cli003_bad_bundle_is_refused_with_file_and_line(sqlite_url, tmp_path):
    bundle = tmp_path / "bad"
    shutil.copytree(SMALL_BUNDLE, bundle)
    text = (bundle / "patients.csv").read_text(encoding="utf-8")
    (bundle / "patients.csv").write_text(text.replace("P-001,STE,F,66", "P-001,STE,X,66"))
    result = run("import", str(bundle), "--database-url", sqlite_url)
    assert_clean_error(result)
    assert "patients.csv:2: sex:" in result.stderr
    assert "nothing was written" in result.stderr
    stats = run("stats", "enrollment", "--json", database_url=sqlite_url)
    assert stats.returncode != 0  # the database was never created


def test_cli004_export_then_import_gives_identical_numbers(sqlite_url, tmp_path):
    run("import", str(SMALL_BUNDLE), database_url=sqlite_url)
    before = json.loads(run("stats", "enrollment", "--json", database_url=sqlite_url).stdout)
    exported = tmp_path / "exported"
    assert run("export", str(exported), database_url=sqlite_url).returncode == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run("import", str(exported), database_url=other).returncode == 0
    after = json.loads(run("stats", "enrollment", "--json", database_url=other).stdout)
    assert after == before


def test_cli005_stats_without_database_is_one_clear_line(tmp_path):
    result = run("stats", "enrollment", "--json", database_url=f"sqlite:///{tmp_path}/none.db")
    assert_clean_error(result)
    assert "no trial database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()


def test_cli006_unreachable_database_is_one_clear_line():
    result = run(
        "stats", "enrollment", "--database-url", "postgresql+psycopg://postgres@127.0.0.1:9/x"
    )
    assert_clean_error(result)
    assert result.stderr.startswith("error: database postgresql+psycopg://")
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli007_bad_arguments_are_refused(tmp_path):
    assert_clean_error(run("demo-db", "--patients", "zero"))
    assert_clean_error(run("serve", "--port", "70000"))
    assert_clean_error(run("import", str(tmp_path / "missing")))
    assert_clean_error(run("stats", "nonsense"))


def test_cli008_demo_db_if_empty_keeps_existing_data(sqlite_url):
    run("import", str(SMALL_BUNDLE), database_url=sqlite_url)
    result = run("demo-db", "--if-empty", database_url=sqlite_url)
    assert result.returncode == 0
    assert "already holds data" in result.stdout
    stats = json.loads(run("stats", "enrollment", "--json", database_url=sqlite_url).stdout)
    assert stats["screened"] == 8


def test_cli009_demo_db_builds_a_mid_trial_database(sqlite_url):
    result = run("demo-db", "--seed", "7", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    stats = json.loads(run("stats", "enrollment", "--json", database_url=sqlite_url).stdout)
    assert stats["target"] == 21
    assert 10 <= stats["enrolled"] < 21  # mid-trial: about two thirds enrolled


def test_cli010_bad_setting_is_named(sqlite_url):
    env = {**os.environ, "DATA_POLL_SECONDS": "often"}
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "stats", "enrollment"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert_clean_error(result)
    assert "DATA_POLL_SECONDS" in result.stderr


def test_cli011_recovery_options_from_the_declared_options(sqlite_url):
    # EXPECTED.md: 3 chimerism samples, all on day 91 (P-001 0.12%, P-004 undetected,
    # P-005 0.05%) of 6 transplanted patients.
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    result = run(
        "stats", "recovery", "--detection-limit", "0.1", "--test", "PLT", "--json",
        database_url=sqlite_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["microchimerism"] == {
        "detection_limit": 0.1,
        "detectable": 1,
        "with_sample": 3,
        "transplanted": 6,
    }
    assert data["trajectory"]["test"] == "PLT"
    default = json.loads(run("stats", "recovery", "--json", database_url=sqlite_url).stdout)
    assert default["microchimerism"]["detectable"] == 2 and "trajectory" not in default
    for flags, words in (
        (("--detection-limit", "0"), "between 0.001 and 5"),
        (("--detection-limit", "lots"), "must be a number"),
        (("--test", "HGB"), "test must be one of"),
    ):
        refused = run("stats", "recovery", *flags, database_url=sqlite_url)
        assert_clean_error(refused)
        assert words in refused.stderr


def test_cli012_earlier_versions_as_a_user_reads_them(sqlite_url, tmp_path):
    # Version 2 adds P-009 (enrolled at GRE); version 1 is the small bundle (6 enrolled).
    later = one_more_patient(tmp_path / "later", "P-009")
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    then = json.loads(run("stats", "safety", "--json", database_url=sqlite_url).stdout)
    assert run("import", str(later), database_url=sqlite_url).returncode == 0

    listing = run("versions", database_url=sqlite_url)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:3] == ["version", "data", "cut"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2"]
    versions = json.loads(run("versions", "--json", database_url=sqlite_url).stdout)
    assert [v["row_counts"]["patients"] for v in versions] == [8, 9]

    now = json.loads(run("stats", "enrollment", "--json", database_url=sqlite_url).stdout)
    old = json.loads(
        run("stats", "enrollment", "--version", "1", "--json", database_url=sqlite_url).stdout
    )
    assert (now["version"], now["enrolled"], old["version"], old["enrolled"]) == (2, 7, 1, 6)
    as_of = run("stats", "safety", "--version", "1", "--json", database_url=sqlite_url)
    assert json.loads(as_of.stdout) == then  # the numbers of the day, to the last key

    out = tmp_path / "v1"
    assert run("export", str(out), "--version", "1", database_url=sqlite_url).returncode == 0
    assert (out / "patients.csv").read_text(encoding="utf-8").count("\n") == 9  # header + 8
    refused = run("stats", "enrollment", "--version", "5", database_url=sqlite_url)
    assert_clean_error(refused)
    assert "no data version 5: the versions are 1 to 2" in refused.stderr


def test_cli013_what_is_new_for_the_dsmb_since_a_version(sqlite_url, tmp_path):
    # Version 2: P-002's sepsis (grade 4, onset 2019-05-02) worsens to grade 5 and P-008
    # has a new serious pneumonia, grade 3, onset 2020-03-20.
    later = with_safety_changes(tmp_path / "later")
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    assert run("import", str(later), database_url=sqlite_url).returncode == 0
    result = run("stats", "safety", "--since", "1", "--json", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["since"] == {"version": 1, "data_cut": "2020-06-30"}
    assert data["new"] == [
        {
            "patient_id": "P-008",
            "what": "serious adverse event: Pneumonia, onset 2020-03-20",
            "before": None,
            "after": "grade 3",
        }
    ]
    assert data["changed"] == [
        {
            "patient_id": "P-002",
            "what": "serious adverse event: Sepsis, onset 2019-05-02: grade",
            "before": "4",
            "after": "5",
        }
    ]
    refused = run("stats", "sites", "--since", "1", database_url=sqlite_url)
    assert_clean_error(refused)
    assert "--since is for the safety panel" in refused.stderr


def test_cli014_removing_old_versions_asks_keeps_reviewed_and_is_audited(
    sqlite_url, app_database, tmp_path
):
    later = one_more_patient(tmp_path / "later", "P-009")
    for directory in (SMALL_BUNDLE, later, SMALL_BUNDLE, later):  # versions 1 to 4
        assert run("import", str(directory), database_url=sqlite_url).returncode == 0
    engine = make_app_engine(app_database)
    with make_sessionmaker(engine).begin() as session:
        record_review(
            session,
            meeting_on=dt.date(2026, 6, 1),
            data_version=2,
            decision="continue unchanged",
            username="dsmb",
            versions={1, 2, 3, 4},
        )

    asked = run("remove-versions", "--before", "4", database_url=sqlite_url)  # no terminal
    assert asked.returncode == 1
    assert "versions whose rows are removed: 1, 3" in asked.stdout
    assert "kept although older than 4 (DSMB reviews): 2" in asked.stdout
    assert "confirm with --yes" in asked.stderr
    assert run("stats", "enrollment", "--version", "1", database_url=sqlite_url).returncode == 0

    done = run("remove-versions", "--before", "4", "--yes", database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert "removed: data versions removed: 1, 3" in done.stdout
    listing = run("versions", database_url=sqlite_url).stdout.splitlines()[1:]
    assert [line.split()[4] for line in listing] == ["gone", "yes", "gone", "yes"]
    gone = run("stats", "enrollment", "--version", "3", database_url=sqlite_url)
    assert_clean_error(gone)
    assert "data version 3 was removed by an administrator" in gone.stderr
    kept = json.loads(
        run("stats", "enrollment", "--version", "2", "--json", database_url=sqlite_url).stdout
    )
    assert kept["enrolled"] == 7  # the small bundle's 6, and P-009
    with engine.connect() as conn:
        audited = (
            conn.execute(text("SELECT target FROM audit_log WHERE event = 'data_removed'"))
            .scalars()
            .all()
        )
    assert audited == ["data versions removed: 1, 3"]
    engine.dispose()
    again = run("remove-versions", "--before", "4", "--yes", database_url=sqlite_url)
    assert again.returncode == 0
    assert "nothing removed: no viewable data version older than 4" in again.stdout
