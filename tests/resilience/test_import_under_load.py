"""A large import while the app reads: every snapshot is one whole version, never a mix.

Reader threads call :func:`data_access.queries.load_snapshot` (what the app's store
calls) in a loop on the app's read-only engine while demo trials are loaded with
:func:`data_access.loader.replace_trial_data`. Each snapshot must agree with the
``row_counts`` its data version recorded at load time, its data cut must be that
version's, and every patient row in a child table must belong to a patient of the same
snapshot. Each reader must see the versions in order (a page switches once per load).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from data_access.demo import generate
from data_access.engine import make_engine
from data_access.loader import replace_trial_data
from data_access.queries import load_snapshot
from data_access.schema import BUNDLE_TABLES, DataVersion
from tests.resilience.conftest import drop_trial_tables

PATIENTS = 800  # about 70,000 lab rows, 85,000 rows in all
READERS = 2
TIME_LIMIT_SECONDS = 60
CHILD_TABLES = [
    t.name for t in BUNDLE_TABLES.values() if "patient_id" in t.c and t.name != "patients"
]


@pytest.fixture(scope="module")
def trials():
    """Two different large demo trials (different seeds, so different row counts)."""
    first, second = generate(patients=PATIENTS, seed=11), generate(patients=PATIENTS, seed=12)
    assert {k: len(v) for k, v in first.items()} != {k: len(v) for k, v in second.items()}
    return first, second


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trial.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    drop_trial_tables(url)


@dataclass
class Reader:
    """Reads snapshots until told to stop; keeps what it saw and what went wrong."""

    engine: object
    versions: list[int] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)  # each read's start, end
    problems: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def run(self, stop: threading.Event, deadline: float) -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            start = time.monotonic()
            try:
                snapshot = load_snapshot(self.engine)
            except Exception as error:  # reported by the test, with its type
                self.errors.append(error)
                return
            self.spans.append((start, time.monotonic()))
            if snapshot.version is not None:
                self.versions.append(snapshot.version.version)
                self.problems += inconsistencies(self.engine, snapshot)


def recorded(engine, version: int) -> tuple[dict, object]:
    """Row counts and data cut written by the load of ``version`` (rows never change)."""
    table = DataVersion.__table__
    with engine.connect() as conn:
        row = conn.execute(
            select(table.c.row_counts, table.c.data_cut).where(table.c.version == version)
        ).one()
    return json.loads(row.row_counts), row.data_cut


def inconsistencies(engine, snapshot) -> list[str]:
    number = snapshot.version.version
    counts, data_cut = recorded(engine, number)
    found = {name: len(frame) for name, frame in snapshot.tables.items()}
    problems = []
    if found != counts:
        problems.append(f"version {number}: rows read {found}, rows loaded {counts}")
    if snapshot.version.data_cut != data_cut or snapshot.data_cut != data_cut:
        problems.append(f"version {number}: data cut {snapshot.data_cut}, loaded {data_cut}")
    patients = set(snapshot["patients"]["patient_id"])
    for name in CHILD_TABLES:
        orphans = set(snapshot[name]["patient_id"]) - patients
        if orphans:
            problems.append(f"version {number}: {name} has unknown patients {sorted(orphans)[:3]}")
    return problems


def test_res010_readers_see_one_whole_version_during_large_imports(database, trials):
    first, second = trials
    writer = make_engine(database)
    replace_trial_data(writer, first, "before")  # version 1, readers start on it
    readers = [Reader(make_engine(database, read_only=True)) for _ in range(READERS)]
    stop = threading.Event()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    threads = [threading.Thread(target=r.run, args=(stop, deadline)) for r in readers]
    for thread in threads:
        thread.start()
    try:
        until_read(readers, 1, deadline)
        imports = []
        for tables, source in ((second, "second seed"), (first, "first seed again")):
            start = time.monotonic()
            replace_trial_data(writer, tables, source)  # versions 2 and 3, under load
            imports.append((start, time.monotonic()))
        until_read(readers, 3, deadline)
    finally:
        stop.set()
        for thread in threads:
            thread.join(TIME_LIMIT_SECONDS)
        for reader in readers:
            reader.engine.dispose()
        writer.dispose()
    assert [e for r in readers for e in r.errors] == []
    assert [p for r in readers for p in r.problems] == []
    for reader in readers:
        assert reader.versions == sorted(reader.versions)  # never back to an older version
        assert reader.versions[-1] == 3
    overlapping = [
        span
        for r in readers
        for span in r.spans
        if any(span[0] < end and start < span[1] for start, end in imports)
    ]
    assert overlapping, "no snapshot was read while an import ran"


def until_read(readers: list[Reader], version: int, deadline: float) -> None:
    """Wait until every reader has read ``version`` (or has failed)."""
    while time.monotonic() < deadline:
        if all(r.errors or (r.versions and r.versions[-1] >= version) for r in readers):
            return
        time.sleep(0.05)
    raise AssertionError(f"readers did not reach version {version} in time")
