"""``import --format redcap`` and ``export --format redcap``, run as a user runs them."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.cli.commands import assert_clean_error, run
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "redcap"
RAW = FIXTURES / "mtsa"
OPTIONS = [
    "--mapping",
    str(FIXTURES / "mtsa-mapping.toml"),
    "--sites",
    str(FIXTURES / "mtsa-sites.csv"),
]


def test_clircap001_import_is_recognised_reported_and_audited(sqlite_url, app_database):
    result = run("import", str(RAW), *OPTIONS, database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"imported {RAW} (REDCap) as data version 1: 3 patients, 3 adverse events, "
        "data cut 2020-06-30"
    )
    assert "forms marked Incomplete, loaded as entered: follow_up 1, blood_counts 1" in lines
    assert result.stderr == ""
    with create_engine(app_database).connect() as conn:
        event, target = conn.execute(text("SELECT event, target FROM audit_log")).one()
    assert event == "data_import" and target.startswith(f"imported {RAW} (REDCap)")
    response = run("stats", "response", "--json", database_url=sqlite_url)
    best = json.loads(response.stdout)["best"]
    assert (best["CR"], best["relapse"]) == (2, 0)  # LYS-001's best response is its CR


def test_clircap002_a_bad_folder_is_one_clear_line(sqlite_url, tmp_path):
    result = run("import", str(tmp_path / "nowhere"), "--format", "redcap", database_url=sqlite_url)
    assert_clean_error(result)
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'nowhere'}: not a folder (expected a CSV bundle, CDISC datasets "
        "or a REDCap export)"
    )
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "records.csv").write_text("record_id\nP-1\n", encoding="utf-8")
    result = run("import", str(folder), database_url=sqlite_url)
    assert_clean_error(result)
    assert result.stderr.splitlines() == [
        "data_dictionary.csv: required file is missing (a REDCap export is records.csv with "
        "data_dictionary.csv)",
        "import refused: 1 problem(s) found, nothing was written",
    ]
    assert result.returncode == 1
    assert_clean_error(run("stats", "enrollment", database_url=sqlite_url))  # nothing loaded


def test_clircap003_export_for_redcap_and_back(sqlite_url, tmp_path):
    assert run("demo-db", database_url=sqlite_url).returncode == 0
    before = run("stats", "safety", "--json", database_url=sqlite_url)
    out = tmp_path / "for-redcap"
    result = run("export", str(out), "--format", "redcap", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"exported as 4 files to {out}"
    header = (out / "records.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:4] == [
        "record_id",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
    ]
    back = run(
        "import", str(out), "--mapping", str(out / "mapping.toml"), "--sites",
        str(out / "sites.csv"), database_url=sqlite_url,
    )  # fmt: skip
    assert back.returncode == 0, back.stderr
    assert back.stdout.startswith(f"imported {out} (REDCap) as data version 2: 22 patients")
    after = run("stats", "safety", "--json", database_url=sqlite_url)
    assert json.loads(after.stdout) | {"version": 1} == json.loads(before.stdout)
