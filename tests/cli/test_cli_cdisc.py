"""``import`` of CDISC datasets, run as a user runs it: a subprocess, its output, its exit
status, the audit log and the numbers it loaded (the CDISC pilot study)."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import create_engine, text

from tests.cli.commands import assert_clean_error, run
from tests.conftest import REPO, SMALL_BUNDLE

PILOT = REPO / "tests" / "fixtures" / "cdiscpilot01"


def test_clicdisc001_pilot_is_recognised_loaded_reported_and_audited(sqlite_url, app_database):
    result = run("import", str(PILOT), "--target", "300", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"imported {PILOT} (SDTM + ADaM) as data version 1: ")
    assert "306 patients, 1191 adverse events" in lines[0]
    assert any(line.startswith("adverse events graded from severity") for line in lines)
    assert result.stderr == ""  # nothing but errors there for scripts (no terminal)
    with create_engine(app_database).connect() as conn:
        event, target = conn.execute(text("SELECT event, target FROM audit_log")).one()
    assert event == "data_import" and target.startswith(f"imported {PILOT} (SDTM + ADaM)")
    survival = run(
        "stats", "survival", "--endpoint", "TTDE", "--by", "arm", "--json",
        database_url=sqlite_url,
    )  # fmt: skip
    assert survival.returncode == 0, survival.stderr
    groups = {g["group"]: g["n"] for g in json.loads(survival.stdout)["groups"]}
    assert groups == {"Placebo": 86, "Xanomeline High Dose": 84, "Xanomeline Low Dose": 84}


def test_clicdisc002_unknown_endpoint_is_one_line_naming_the_offered_ones(sqlite_url):
    run("import", str(PILOT), "--target", "300", database_url=sqlite_url)
    result = run("stats", "survival", "--endpoint", "pfs", database_url=sqlite_url)
    assert_clean_error(result)
    # The pilot records no response assessment: no progression-free survival.
    assert result.stderr.strip() == "error: endpoint must be one of os, TTDE, not 'pfs'"


def test_clicdisc003_forced_format_and_options_that_do_not_apply(sqlite_url, tmp_path):
    result = run("import", str(PILOT), "--format", "bundle", database_url=sqlite_url)
    assert_clean_error(result)
    assert "trial.csv:0: -: required file is missing" in result.stderr
    assert "nothing was written" in result.stderr
    result = run("import", str(SMALL_BUNDLE), "--target", "30", database_url=sqlite_url)
    assert_clean_error(result)
    assert result.stderr.strip() == (
        "error: --target: for CDISC datasets and REDCap exports, not a CSV bundle"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("import", str(empty), database_url=sqlite_url)
    assert_clean_error(result)
    assert "neither a CSV bundle" in result.stderr


def test_clicdisc004_every_problem_one_line_nothing_written(sqlite_url, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(PILOT, study)
    (study / "ae.xpt").write_bytes(b"not a SAS transport file")
    (study / "mapping.toml").write_text("[labs]\ntestz = {}\n", encoding="utf-8")
    result = run("import", str(study), "--mapping", str(study / "mapping.toml"),
                 database_url=sqlite_url)  # fmt: skip
    assert_clean_error(result)
    assert result.stderr.splitlines()[0] == (
        "mapping.toml: labs.testz: unknown key (keys of [labs]: tests, marrow_specimens, required)"
    )
    (study / "mapping.toml").unlink()
    result = run("import", str(study), database_url=sqlite_url)
    assert_clean_error(result)
    problems = result.stderr.splitlines()[:-1]
    assert problems[0].startswith("ae.xpt: not a readable SAS transport (XPT) dataset")
    assert any(p.startswith("ts.xpt: PLANSUB: no target enrollment") for p in problems)
    assert result.stderr.splitlines()[-1].endswith("nothing was written")
    assert_clean_error(run("stats", "enrollment", database_url=sqlite_url))
