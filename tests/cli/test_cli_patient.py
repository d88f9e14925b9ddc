"""``python -m dashboard stats patient --id ID``: one patient's course (EXPECTED.md of the
small bundle), run as a user runs it."""

from __future__ import annotations

import json

from tests.cli.commands import assert_clean_error, run
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import with_safety_changes


def test_clipat001_patient_json_of_the_death(sqlite_url):
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    result = run("stats", "patient", "--id", "P-002", "--json", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "version",
        "data_cut",
        "patient_id",
        "site_id",
        "arm",
        "enrolled_on",
        "transplant_on",
        "died_on",
        "death_cause",
        "recovery",
        "events",
        "labs",
        "transfusions",
        "responses",
        "chimerism",
    ]
    assert (data["version"], data["data_cut"]) == (1, "2020-06-30")
    assert (data["site_id"], data["died_on"], data["death_cause"]) == (
        "LYS",
        "2019-10-14",
        "relapse",
    )
    assert data["recovery"] == {
        "neutrophil_day": None,
        "platelet20_day": None,
        "platelet50_day": None,
    }
    assert data["events"] == [
        {
            "date": "2019-05-02",
            "day": 10,
            "kind": "adverse event",
            "label": "Sepsis",
            "grade": 4,
            "serious": True,
        }
    ]
    assert data["labs"] == [{"date": "2019-04-29", "day": 7, "test": "ANC", "value": 0.2}]
    assert data["transfusions"] == [{"date": "2019-04-29", "day": 7, "product": "platelets"}]
    assert [r["response"] for r in data["responses"]] == ["CR", "relapse"]
    assert data["chimerism"] == []
    text = run("stats", "patient", "--id", "P-002", database_url=sqlite_url)
    assert text.returncode == 0
    assert "died_on: 2019-10-14" in text.stdout


def test_clipat002_unknown_id_is_one_line_and_exit_1(sqlite_url):
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    result = run("stats", "patient", "--id", "P-123", database_url=sqlite_url)
    assert_clean_error(result)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: no patient P-123 in the data (version 1)"]
    assert result.stdout == ""


def test_clipat003_id_belongs_to_the_patient_panel(sqlite_url):
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    assert_clean_error(run("stats", "patient", database_url=sqlite_url))
    assert_clean_error(run("stats", "safety", "--id", "P-001", database_url=sqlite_url))


def test_clipat004_as_of_an_earlier_version(sqlite_url, tmp_path):
    # Version 2 raises P-002's sepsis to grade 5.
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    later = with_safety_changes(tmp_path / "v2")
    assert run("import", str(later), database_url=sqlite_url).returncode == 0

    def grades(*version):
        result = run(
            "stats", "patient", "--id", "P-002", "--json", *version, database_url=sqlite_url
        )
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        return data["version"], [event["grade"] for event in data["events"]]

    assert grades() == (2, [5])
    assert grades("--version", "1") == (1, [4])
    assert_clean_error(
        run("stats", "patient", "--id", "P-002", "--version", "7", database_url=sqlite_url)
    )
