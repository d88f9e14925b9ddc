"""An import stopped half-way (process killed, database connection lost) leaves every
earlier version as it was and no half version visible, on SQLite and PostgreSQL.

The import is stopped once it is writing: on SQLite when its rollback journal exists
(the transaction has changed pages), on PostgreSQL when its transaction holds a write
(``backend_xid``). Reads after the stop go through the read-only engine of the app and
of ``stats``, which must cope with what the dead writer left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from data_access.engine import make_engine, sqlite_path
from tests.cli.commands import assert_clean_error, run
from tests.conftest import REPO, SMALL_BUNDLE
from tests.later_bundles import with_safety_changes

WRITE_WAIT_SECONDS = 120
WRITER = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
"""


@pytest.fixture(scope="module")
def big_bundle(tmp_path_factory) -> Path:
    """A 2,000-patient export: its import writes for long enough to be stopped."""
    folder = tmp_path_factory.mktemp("big")
    url = f"sqlite:///{folder / 'demo.db'}"
    assert run("demo-db", "--patients", "3000", database_url=url).returncode == 0
    assert run("export", str(folder / "bundle"), database_url=url).returncode == 0
    return folder / "bundle"


def start_import(directory: Path, url: str) -> subprocess.Popen:
    env = {**os.environ, "TRIAL_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "import", str(directory)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_writing(url: str, process: subprocess.Popen, size: int | None = None):
    """The import's PostgreSQL backend pid once it has written (None on SQLite).

    On SQLite, once the import has written pages into the database file beyond ``size``
    (its size before): the journal left by the kill is then hot, and must be rolled
    back before anyone reads.
    """
    database = sqlite_path(url)
    journal = database and database.with_name(database.name + "-journal")
    engine = None if journal else make_engine(url)
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the import ended first: {process.communicate()}"
            if journal is not None and journal.exists() and database.stat().st_size > size:
                return None
            if engine is not None:
                with engine.connect() as conn:
                    pid = conn.execute(text(WRITER)).scalar()
                if pid is not None:
                    return pid
            time.sleep(0.002)
        raise AssertionError("the import never started writing")
    finally:
        if engine is not None:
            engine.dispose()


def state(url: str) -> dict:
    """What a user reads: the versions, and each version's safety numbers."""
    listing = run("versions", "--json", database_url=url)
    assert listing.returncode == 0, listing.stderr
    versions = json.loads(listing.stdout)
    numbers = {}
    for v in versions:
        result = run("stats", "safety", "--json", "--version", str(v["version"]), database_url=url)
        assert result.returncode == 0, result.stderr
        numbers[v["version"]] = json.loads(result.stdout)
    return {"versions": [(v["version"], v["row_counts"]) for v in versions], "numbers": numbers}


@pytest.fixture
def two_versions(trial_db_url, tmp_path) -> str:
    later = with_safety_changes(tmp_path / "later")
    for directory in (SMALL_BUNDLE, later):
        assert run("import", str(directory), database_url=trial_db_url).returncode == 0
    return trial_db_url


def test_imp001_a_killed_import_leaves_the_earlier_versions(two_versions, big_bundle):
    url = two_versions
    before = state(url)
    database = sqlite_path(url)
    size = database and database.stat().st_size
    process = start_import(big_bundle, url)
    wait_until_writing(url, process, size)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if database:
        assert database.with_name(database.name + "-journal").exists()  # a hot journal
    assert state(url) == before  # no version 3, versions 1 and 2 read as they did
    done = run("import", str(big_bundle), database_url=url)
    assert done.returncode == 0, done.stderr
    assert "as data version 3" in done.stdout


@pytest.mark.postgres
@pytest.mark.parametrize("trial_db_url", ["postgresql"], indirect=True)
def test_imp002_an_import_that_loses_its_connection_fails_cleanly(two_versions, big_bundle):
    url = two_versions
    before = state(url)
    process = start_import(big_bundle, url)
    pid = wait_until_writing(url, process)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    engine.dispose()
    out, err = process.communicate(timeout=WRITE_WAIT_SECONDS)
    assert_clean_error(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    assert state(url) == before
