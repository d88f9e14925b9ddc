"""Running ``python -m dashboard`` as a user does: a subprocess in the repository."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def run(*args, database_url=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "TRIAL_DATABASE_URL"}
    if database_url:
        env["TRIAL_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_clean_error(result):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip(), "an error must say what is wrong"
