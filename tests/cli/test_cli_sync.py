"""``sync redcap``, run as a user (or cron, or systemd) runs it, against a stand-in API.

The stand-in (``tests/redcap_standin.py``) is a real HTTP server on 127.0.0.1 serving the
MTSA fixture export the way REDCap's API does; the command talks to it with PyCap.
Each failure is provoked after the project has changed (a fourth record added), so a
failure that went unnoticed would load a new data version with 4 patients.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from tests.cli.commands import run
from tests.conftest import REPO
from tests.redcap_standin import TOKEN, Fault, RunningStandIn

FIXTURES = REPO / "tests" / "fixtures" / "redcap"
OPTIONS = [
    "--mapping",
    str(FIXTURES / "mtsa-mapping.toml"),
    "--sites",
    str(FIXTURES / "mtsa-sites.csv"),
]
FIRST_LINE = (
    "imported REDCap project 1234 at {url} (REDCap) as data version {version}: "
    "{patients} patients, 3 adverse events, data cut 2020-06-30"
)


@pytest.fixture
def api():
    with RunningStandIn(FIXTURES / "mtsa") as standin:
        yield standin


def sync(api, *args, database_url, token=TOKEN, url=None, timeout=60):
    """``python -m dashboard sync redcap --url URL ...`` with the token in the environment."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("TRIAL_DATABASE_URL", "REDCAP_API_TOKEN")
    }
    env["TRIAL_DATABASE_URL"] = database_url
    if token is not None:
        env["REDCAP_API_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "sync", "redcap", "--url", url or api.url, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def runs(database_url) -> list[tuple]:
    with create_engine(database_url).connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text("SELECT outcome, data_version, project_id, reason FROM sync_runs ORDER BY id")
            )
        ]


def versions(database_url) -> list[int]:
    with create_engine(database_url).connect() as conn:
        return list(
            conn.execute(text("SELECT version FROM data_versions ORDER BY version")).scalars()
        )


def add_patient(api) -> None:
    api.add_row(record_id="LYS-002", redcap_data_access_group="lys", screening_date="2020-01-06")


def test_clisync001_good_unchanged_and_changed(api, sqlite_url, app_database):
    first = sync(api, "--once", *OPTIONS, database_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == FIRST_LINE.format(url=api.url, version=1, patients=3)
    assert lines[-1] == "sync: first sync of this database"
    assert first.stderr == ""
    enrollment = json.loads(run("stats", "enrollment", "--json", database_url=sqlite_url).stdout)
    assert (enrollment["screened"], enrollment["enrolled"]) == (3, 2)

    again = sync(api, "--once", *OPTIONS, database_url=sqlite_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        "REDCap project 1234: nothing new since data version 1 (records, dictionary and "
        "settings unchanged)"
    ]

    add_patient(api)
    changed = sync(api, "--once", *OPTIONS, database_url=sqlite_url)
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[0] == FIRST_LINE.format(url=api.url, version=2, patients=4)
    assert changed.stdout.splitlines()[-1] == (
        "sync: changes since data version 1 (records, dictionary or settings)"
    )
    assert versions(sqlite_url) == [1, 2]
    assert [run_[:3] for run_ in runs(sqlite_url)] == [
        ("ok", 1, "1234"),
        ("unchanged", None, "1234"),
        ("ok", 2, "1234"),
    ]
    with create_engine(app_database).connect() as conn:
        audited = conn.execute(text("SELECT event, target FROM audit_log ORDER BY id")).all()
    assert [event for event, _ in audited] == ["data_import", "data_import"]
    assert audited[1][1].startswith(f"sync: imported REDCap project 1234 at {api.url} (REDCap)")
    listed = run("versions", database_url=sqlite_url).stdout
    assert f"REDCap project 1234 at {api.url}" in listed


def test_clisync002_a_change_of_the_sites_file_loads_too(api, sqlite_url, tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text((FIXTURES / "mtsa-sites.csv").read_text(encoding="utf-8"), encoding="utf-8")
    options = ["--mapping", str(FIXTURES / "mtsa-mapping.toml"), "--sites", str(sites)]
    assert sync(api, "--once", *options, database_url=sqlite_url).returncode == 0
    renamed = sites.read_text(encoding="utf-8").replace("CHU Estaing", "CHU Gabriel-Montpied")
    sites.write_text(renamed, encoding="utf-8")
    second = sync(api, "--once", *options, database_url=sqlite_url)
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    assert lines[0] == FIRST_LINE.format(url=api.url, version=2, patients=3)
    assert lines[-1] == "sync: changes since data version 1 (records, dictionary or settings)"
    assert versions(sqlite_url) == [1, 2]


MALFORMED = 'record_id,redcap_data_access_group\nSTE-001,ste\nSTE-002,"ste\n'
RAGGED = "record_id,redcap_data_access_group\nSTE-001,ste\nSTE-002,ste,extra\n"
FAILURES = {
    "forbidden": (
        None,
        {"token": "F" * 32},
        "REDCap refused the API token (HTTP 403): check that it is this project's token "
        "and that its user may export data through the API",
    ),
    "server-error": (
        Fault(status=500, content="record"),
        {},
        "REDCap answered HTTP 500 (a server error); nothing was read",
    ),
    "slow": (
        Fault(delay=3, content="record"),
        {"args": ["--timeout", "1"]},
        "REDCap at {url} did not answer within 1 s",
    ),
    "truncated": (
        Fault(truncate=True, content="record"),
        {},
        "REDCap's answer was cut short ({half} of {full} bytes): nothing was read",
    ),
    "malformed": (
        Fault(body=MALFORMED, content="record"),
        {},
        "REDCap's records export is not valid CSV (1 problem(s)), the first: line 3: a quoted "
        "field opened in this record is never closed: the file may have been cut short",
    ),
    "ragged": (
        Fault(body=RAGGED, content="record"),
        {},
        "REDCap's records export is not valid CSV (1 problem(s)), the first: line 3: "
        "expected 2 fields, found 3",
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_clisync003_a_failed_run_loads_nothing_says_one_line_and_is_recorded(case, api, sqlite_url):
    assert sync(api, "--once", *OPTIONS, database_url=sqlite_url).returncode == 0
    fault, how, message = FAILURES[case]
    add_patient(api)  # were the failure missed, version 2 would load with 4 patients
    full = len(api.records_csv(groups=True).encode())
    message = message.format(url=api.url, half=full // 2, full=full)
    api.fail(fault)
    result = sync(
        api, "--once", *how.get("args", []), *OPTIONS, database_url=sqlite_url,
        token=how.get("token", TOKEN),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"error: sync failed: {message}"]
    assert versions(sqlite_url) == [1]
    assert runs(sqlite_url)[-1] == (
        "failed",
        None,
        None if case == "forbidden" else "1234",
        message,
    )


def test_clisync004_unreachable_and_usage_errors_are_one_line(api, sqlite_url, tmp_path):
    closed = "http://127.0.0.1:9/api/"  # the discard port: nothing listens there
    result = sync(api, "--once", database_url=sqlite_url, url=closed)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: sync failed: cannot reach REDCap at {closed}: connection refused"
    ]
    assert runs(sqlite_url) == [
        ("failed", None, None, f"cannot reach REDCap at {closed}: connection refused")
    ]
    no_token = sync(api, "--once", database_url=sqlite_url, token=None)
    assert (no_token.returncode, no_token.stderr.splitlines()) == (
        1,
        [
            "error: no API token: set REDCAP_API_TOKEN or give --token-file FILE "
            "(a token is never taken on the command line)"
        ],
    )
    missing = sync(api, "--once", "--token-file", str(tmp_path / "none"), database_url=sqlite_url)
    assert missing.stderr.splitlines() == [
        f"error: {tmp_path / 'none'}: cannot read the token file: No such file or directory"
    ]
    bad_url = sync(api, "--once", database_url=sqlite_url, url="https://redcap.example.org/")
    assert bad_url.stderr.splitlines() == [
        "error: --url https://redcap.example.org/: a REDCap API address ends with /api/"
    ]
    plain = sync(api, "--once", database_url=sqlite_url, url="http://redcap.example.org/api/")
    assert plain.stderr.splitlines() == [
        "error: --url http://redcap.example.org/api/: the token would travel unencrypted; "
        "use https://"
    ]
    neither = sync(api, database_url=sqlite_url)
    assert neither.returncode == 2 and "one of the arguments --once --every is required" in (
        neither.stderr
    )
    assert len(runs(sqlite_url)) == 1  # usage errors are not runs


def test_clisync005_the_token_is_never_shown(api, sqlite_url, tmp_path, app_database):
    """Not on stdout or stderr, in the sync log, the data versions or the audit log,
    whatever happens; read from a file as well as from the environment."""
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    outputs = [
        sync(api, "--once", *OPTIONS, database_url=sqlite_url),
        sync(api, "--once", "--token-file", str(token_file), *OPTIONS, database_url=sqlite_url),
    ]
    add_patient(api)
    for fault in (Fault(status=500), Fault(truncate=True), Fault(body='record_id\n"x')):
        api.fail(fault)
        outputs.append(sync(api, "--once", *OPTIONS, database_url=sqlite_url))
    api.fail(None)
    outputs.append(sync(api, "--once", *OPTIONS, database_url=sqlite_url, token=TOKEN[:-1]))
    outputs.append(sync(api, "--once", *OPTIONS, database_url=sqlite_url, token=TOKEN + "0"))
    outputs.append(
        sync(api, "--once", "--token-file", str(token_file), *OPTIONS, database_url=sqlite_url)
    )
    assert [o.returncode for o in outputs] == [0, 0, 1, 1, 1, 1, 1, 0]
    assert outputs[5].stderr.splitlines() == [
        "error: the API token in REDCAP_API_TOKEN is not 32 hexadecimal characters, as "
        "REDCap's are (31 characters read)"
    ]
    for output in outputs:
        for shown in (output.stdout, output.stderr):
            assert TOKEN not in shown and TOKEN[:-1] not in shown
    stored = []
    with create_engine(sqlite_url).connect() as conn:
        stored += [str(row) for row in conn.execute(text("SELECT * FROM sync_runs"))]
        stored += [str(row) for row in conn.execute(text("SELECT * FROM data_versions"))]
    with create_engine(app_database).connect() as conn:
        stored += [str(row) for row in conn.execute(text("SELECT * FROM audit_log"))]
    assert stored and not any(TOKEN[:-1] in row for row in stored)
    assert all("token" not in request for request in api.requests)  # the stand-in kept none


def test_clisync006_every_retries_a_failure_with_backoff(api, sqlite_url):
    """``--every`` with the first answer a server error: the retry comes after
    --retry-after (0.5 s) rather than the interval (6 s), and loads the data."""
    api.fail(Fault(status=500, times=1))
    started = time.monotonic()
    result = sync(
        api, "--every", "0.1", "--retry-after", "0.5", "--runs", "2", *OPTIONS,
        database_url=sqlite_url,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "sync failed: REDCap answered HTTP 500 (a server error); nothing was read; "
        "next run in 0.5 s"
    ]
    lines = result.stdout.splitlines()
    assert lines[0] == f"syncing {api.url} every 0.1 min (stop with Ctrl-C)"
    assert lines[1] == FIRST_LINE.format(url=api.url, version=1, patients=3)
    assert elapsed < 6  # the retry did not wait for the interval
    assert [r[0] for r in runs(sqlite_url)] == ["failed", "ok"]
