"""Benchmark 1: importing the bundle into a fresh SQLite file and a fresh PostgreSQL database.

The bundle is exported once (``export_bundle``) from a database holding the scale's
data; each import then runs in its own process (:mod:`benchmarks.import_child`), so
its peak memory is its own. PostgreSQL gets a database created for the run and dropped
after it (``--postgres-url`` names the server; nothing else on it is touched).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.report import Result
from data_access.bundle import export_bundle
from data_access.engine import make_engine

TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 2048.0
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def postgres_database(admin_url: str):
    """A fresh database on the server of ``admin_url``, dropped afterwards; its URL."""
    name = f"mtsa_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_import(url: str, bundle: Path, *target: str) -> dict:
    """One import in a child process (``target``: of CDISC datasets, their target)."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_child", url, str(bundle), *target],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import into {url} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def export_once(trial_url: str, folder: Path) -> Path:
    bundle = folder / "bundle"
    if not (bundle / "patients.csv").exists():
        engine = make_engine(trial_url, read_only=True)
        export_bundle(engine, bundle)
        engine.dispose()
    return bundle


def bench_import(scale, trial_url: str, folder: Path, postgres_url: str | None) -> list[Result]:
    bundle = export_once(trial_url, folder / scale.name)
    size_mb = sum(p.stat().st_size for p in bundle.iterdir()) / 2**20
    results = []
    for label, url in databases(folder, scale.name, postgres_url):
        with url() as url:
            outcome = run_import(url, bundle)
        note = f"bundle {size_mb:.0f} MB; peak includes {outcome['base_mb']:.0f} MB before import"
        results.append(
            Result(
                "1 import",
                f"{label}: time",
                scale.name,
                outcome["seconds"],
                "s",
                TARGET_SECONDS if scale.name == "10k" else None,
                note="",
            )
        )
        results.append(
            Result(
                "1 import",
                f"{label}: peak memory",
                scale.name,
                outcome["peak_mb"],
                "MB",
                TARGET_PEAK_MB if scale.name == "10k" else None,
                note=note,
            )
        )
    return results


def databases(folder: Path, name: str, postgres_url: str | None) -> list:
    """(label, context manager giving a fresh database URL): SQLite, then PostgreSQL."""
    targets = [("SQLite", lambda: _sqlite_target(folder, name))]
    if postgres_url:
        targets.append(("PostgreSQL", lambda: postgres_database(postgres_url)))
    return targets


@contextmanager
def _sqlite_target(folder: Path, name: str):
    path = folder / f"import-{name}-{uuid.uuid4().hex[:6]}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        path.unlink(missing_ok=True)


PILOT = REPO / "tests" / "fixtures" / "cdiscpilot01"
PILOT_TARGET_SECONDS = 10.0


def bench_cdisc_pilot(folder: Path, postgres_url: str | None) -> list[Result]:
    """The public CDISC pilot (306 subjects, 1,191 adverse events, SDTM + ADaM XPT files)
    imported as ``import DIR --target 300`` does it: read, map, check, write."""
    results = []
    for label, url in databases(folder, "pilot", postgres_url):
        with url() as url:
            outcome = run_import(url, PILOT, "300")
        results.append(
            Result(
                "1 import",
                f"CDISC pilot, {label}: time",
                "pilot",
                outcome["seconds"],
                "s",
                PILOT_TARGET_SECONDS,
                note=f"peak {outcome['peak_mb']:.0f} MB",
            )
        )
    return results
