"""Hostile CSV bundles (Hypothesis): refused clearly or imported exactly, never half-written.

Every bundle drawn by :mod:`tests.resilience.hostile` is imported into a database that
already holds the small bundle. A bundle with a hostile change must be refused with a
:class:`BundleError` whose problems read ``file:line: column: message`` (one line
each, of reasonable length) and name the file that was damaged, and the database must
be left as it was; any other exception fails the test. A valid bundle must import as
exactly the expected frames, and its export must neutralise spreadsheet formulas
(``'`` before a text starting with ``= + - @``, tab or carriage return) and import back
to the same frames. Three explicit examples pin bugs found this way: a text holding a
lone carriage return (exported unquoted, so it read back as two records), and fields
over 128 KiB (the csv module's default limit: an uncaught ``csv.Error`` on one path, a
refusal on the other, while pandas' parser accepted them).

The examples are derandomised (profile ``mtsa-ci``) so CI runs the same bundles every
time; ``MTSA_HYPOTHESIS_PROFILE=mtsa-explore`` draws many more, at random.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings

from data_access.bundle import BundleError, export_bundle
from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.queries import load_snapshot
from data_access.schema import BUNDLE_TABLES
from tests.conftest import REPO, SMALL_BUNDLE
from tests.resilience.conftest import drop_trial_tables
from tests.resilience.hostile import Draft, Hostile, drafts, text_draft

settings.register_profile(
    "mtsa-ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "mtsa-explore",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("MTSA_HYPOTHESIS_PROFILE", "mtsa-ci"))
PG_EXAMPLES = 12  # the same first examples again on PostgreSQL

PROBLEM = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<column>[^\n]+?): (?P<message>.+)$")
LONGEST_PROBLEM = 600  # characters: values are shortened, never printed whole
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
TEXT_TYPES = ("VARCHAR", "TEXT")
CSV_DEFAULT_FIELD_LIMIT = 131_072


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """A trial database holding the small bundle (version 1)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'trial.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    import_bundle(engine, SMALL_BUNDLE)
    yield request.param, engine
    engine.dispose()
    if request.param == "postgresql":
        drop_trial_tables(url)


def state(engine) -> tuple:
    snapshot = load_snapshot(engine)
    return snapshot.version.version, {name: len(f) for name, f in snapshot.tables.items()}


def ordered(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Rows in the order the database reads them (natural key, else file order)."""
    out = {}
    for table in BUNDLE_TABLES.values():
        frame = frames[table.name]
        key = [c.name for c in table.primary_key.columns if c.autoincrement is not True]
        if key:
            frame = frame.sort_values(key, kind="stable")
        out[table.name] = frame.reset_index(drop=True)
    return out


def assert_same_tables(found: dict, expected: dict) -> None:
    found, expected = ordered(found), ordered(expected)
    for name in expected:
        pd.testing.assert_frame_equal(found[name], expected[name], obj=name)


def assert_clear_refusal(error: BundleError, hostile: Hostile) -> None:
    assert error.problems, "a refusal must say why"
    for problem in error.problems:
        text = str(problem)
        match = PROBLEM.match(text)
        assert match, f"not file:line: column: message: {text!r}"
        assert len(text) <= LONGEST_PROBLEM, f"problem too long ({len(text)} chars)"
        assert "Traceback" not in text
    named = {(p.file, p.column) for p in error.problems}
    assert hostile.file in {file for file, _ in named}, (hostile, error.problems[:5])
    if hostile.column is not None:
        assert (hostile.file, hostile.column) in named, (hostile, error.problems[:5])


def assert_export_neutralised(directory: Path) -> None:
    """No text cell of the exported bundle starts like a spreadsheet formula."""
    for file, table in BUNDLE_TABLES.items():
        text = (directory / file).read_text(encoding="utf-8")
        limit = csv.field_size_limit(max(csv.field_size_limit(), len(text)))
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        finally:
            csv.field_size_limit(limit)
        header = rows[0]
        text_columns = [
            i for i, name in enumerate(header) if str(table.c[name].type).startswith(TEXT_TYPES)
        ]
        for cells in rows[1:]:
            for i in text_columns:
                assert not FORMULA_START.match(cells[i]), (file, header[i], cells[i][:40])


def check_draft(engine, draft: Draft) -> None:
    csv.field_size_limit(CSV_DEFAULT_FIELD_LIMIT)  # as in a fresh process: the importer
    before = state(engine)  # must not rely on an earlier example having raised it
    with tempfile.TemporaryDirectory() as tmp:
        bundle = draft.write(Path(tmp) / "bundle")
        try:
            import_bundle(engine, bundle)
        except BundleError as error:
            assert draft.hostile is not None, f"valid bundle refused: {error.problems[:5]}"
            assert_clear_refusal(error, draft.hostile)
            assert state(engine) == before, "a refused bundle changed the database"
            return
        assert draft.hostile is None, f"hostile bundle imported: {draft.hostile}"
        imported = load_snapshot(engine)
        assert imported.version.version == before[0] + 1
        assert_same_tables(imported.tables, draft.expected())
        exported = Path(tmp) / "exported"
        export_bundle(engine, exported)
        assert_export_neutralised(exported)
        import_bundle(engine, exported)
        assert_same_tables(load_snapshot(engine).tables, imported.tables)


def test_res020_hostile_bundles_are_refused_or_imported_exactly(database):
    backend, engine = database
    examples = PROFILE.max_examples if backend == "sqlite" else PG_EXAMPLES

    @settings(PROFILE, max_examples=examples)
    @given(draft=drafts())
    @example(draft=text_draft("trial.csv", 0, "title", "lone\rcarriage return"))
    @example(draft=text_draft("adverse_events.csv", 0, "term", 'a"b,' * 65_536))
    @example(draft=text_draft("sites.csv", 0, "name", "line\n" * 40_000))
    def check(draft):
        check_draft(engine, draft)

    check()


def test_res021_cli_refuses_a_hostile_bundle_without_traceback(tmp_path):
    """``python -m dashboard import DIR``: exit 1, one problem a line, no traceback."""
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    import_bundle(make_engine(url), SMALL_BUNDLE)
    draft = Draft()
    draft.set_cell("patients.csv", 0, "age", "130")  # out of range
    draft.rows["sites.csv"][0].append("site_id")  # duplicate header
    for cells in draft.rows["sites.csv"][1:]:
        cells.append(cells[0])
    draft.raw["lab_results.csv"] = bytes(range(256))
    draft.encoding["trial.csv"] = "utf-16"
    bundle = draft.write(tmp_path / "bundle")
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", str(bundle), "--database-url", url],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("import refused: ")
    assert all(PROBLEM.match(line) for line in lines[:-1]), lines
    files = {line.split(":")[0] for line in lines[:-1]}
    assert files == {"trial.csv", "sites.csv", "patients.csv", "lab_results.csv"}
    assert state(make_engine(url))[0] == 1
