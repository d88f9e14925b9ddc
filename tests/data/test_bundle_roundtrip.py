"""CSV bundle export and import: lossless round trips on SQLite and PostgreSQL,
spreadsheet-formula neutralisation, atomic writes."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import select

import data_access.bundle as bundle_module
from data_access.bundle import export_bundle, read_bundle
from data_access.bundle_read import neutralise_formulas, restore_formulas
from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.queries import load_snapshot
from data_access.schema import BUNDLE_TABLES, DataVersion

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "bundles" / "small"

TRICKY_FLOATS = [
    "0.30000000000000004",
    "1e-300",
    "5e-324",
    "123456789.12345679",
    "1.7976931348623157e+308",
    "0.1",
    "7",
]
TRICKY_TEXTS = [
    "=1+2",
    "+33 4 77",
    "-minus",
    "@SUM(A1)",
    "'=already quoted",
    "''+two",
    "\tTab first",
    "'plain quote",
    " padded ",
    'say "hi", then go',
    "multi\nline, text",
    "Pierre-Bénite « é » 😀",
    "NA",
    "null",
]


def append_rows(directory: Path, file: str, rows: list[dict[str, str]]) -> None:
    with open(directory / file, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with open(directory / file, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([[row.get(name, "") for name in header] for row in rows])


@pytest.fixture
def rich_bundle(tmp_path) -> Path:
    """The small bundle plus awkward values: formulas, exact floats, quotes, line breaks."""
    target = tmp_path / "rich"
    shutil.copytree(SMALL, target)
    append_rows(
        target,
        "lab_results.csv",
        [
            {
                "patient_id": "P-005",
                "sampled_on": f"2019-09-{day:02d}",
                "test": "PLT",
                "value": value,
                "unit": "10^9/L",
            }
            for day, value in enumerate(TRICKY_FLOATS, start=1)
        ],
    )
    in_file = neutralise_formulas(pd.Series(TRICKY_TEXTS, dtype=object))  # as export writes
    append_rows(
        target,
        "adverse_events.csv",
        [
            {
                "patient_id": "P-004",
                "term": text,
                "soc": "Immune system disorders",
                "grade": "2",
                "serious": "no",
                "onset_on": "2019-07-15",
                "gvhd_type": "acute",
                "gvhd_grade": "II",
            }
            for text in in_file
        ],
    )
    return target


def by_key(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order the database returns them (primary key; insertion order)."""
    table = BUNDLE_TABLES[f"{name}.csv"]
    keys = [c.name for c in table.primary_key.columns if c.name in frame.columns]
    return frame.sort_values(keys).reset_index(drop=True) if keys else frame


def assert_same_tables(left: dict, right: dict) -> None:
    assert set(left) == set(right)
    for name in left:
        assert_frame_equal(left[name], right[name], check_exact=True, obj=name)


def test_imp050_export_import_roundtrip(trial_db_url, rich_bundle, tmp_path):
    engine = make_engine(trial_db_url)
    original = read_bundle(rich_bundle)
    assert original["adverse_events"]["term"].tolist()[3:] == TRICKY_TEXTS
    assert import_bundle(engine, rich_bundle) == 1
    first = load_snapshot(engine).tables
    assert_same_tables({n: by_key(n, f) for n, f in original.items()}, first)

    paths = export_bundle(engine, tmp_path / "out")
    assert [p.name for p in paths] == list(BUNDLE_TABLES)
    assert_same_tables(read_bundle(tmp_path / "out"), first)

    assert import_bundle(engine, tmp_path / "out") == 2
    assert_same_tables(load_snapshot(engine).tables, first)
    engine.dispose()


def test_imp051_export_reproduces_the_fixture_bytes(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL)
    export_bundle(engine, tmp_path / "out")
    for file in BUNDLE_TABLES:
        assert (tmp_path / "out" / file).read_bytes() == (SMALL / file).read_bytes(), file
    patients = (tmp_path / "out" / "patients.csv").read_text(encoding="utf-8")
    assert "P-001,STE,F,66,de_novo_aml" in patients  # ints without ".0", dates ISO
    engine.dispose()


def test_imp052_formula_neutralisation(sqlite_url, rich_bundle, tmp_path):
    values = pd.Series([*TRICKY_TEXTS, None, "'", "''", "a=b"], dtype=object)
    exported = neutralise_formulas(values)
    assert exported.tolist()[:6] == [
        "'=1+2",
        "'+33 4 77",
        "'-minus",
        "'@SUM(A1)",
        "''=already quoted",
        "'''+two",
    ]
    assert exported.tolist()[-3:] == ["'", "''", "a=b"]
    assert restore_formulas(exported).tolist() == values.tolist()

    engine = make_engine(sqlite_url)
    import_bundle(engine, rich_bundle)
    export_bundle(engine, tmp_path / "out")
    with open(tmp_path / "out" / "adverse_events.csv", encoding="utf-8", newline="") as handle:
        terms = [row[1] for row in csv.reader(handle)][1:]
    assert "'=1+2" in terms and "''=already quoted" in terms and "'\tTab first" in terms
    assert not any(t[:1] in ("=", "+", "-", "@", "\t") for t in terms)
    labs = (tmp_path / "out" / "lab_results.csv").read_text(encoding="utf-8")
    assert ",'" not in labs  # numbers are never quoted
    engine.dispose()


def test_imp053_empty_tables_are_written_header_only(sqlite_url, tmp_path):
    source = tmp_path / "in"
    shutil.copytree(SMALL, source)
    (source / "chimerism.csv").unlink()
    engine = make_engine(sqlite_url)
    import_bundle(engine, source)
    export_bundle(engine, tmp_path / "out")
    text = (tmp_path / "out" / "chimerism.csv").read_text(encoding="utf-8")
    assert text == "patient_id,sampled_on,donor_percent,detected\n"
    assert read_bundle(tmp_path / "out")["chimerism"].empty
    engine.dispose()


def test_imp054_export_into_existing_folder_keeps_other_files(sqlite_url, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "README.md").write_text("mine", encoding="utf-8")
    (target / "trial.csv").write_text("old", encoding="utf-8")
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL)
    export_bundle(engine, target)
    assert (target / "README.md").read_text(encoding="utf-8") == "mine"
    assert (target / "trial.csv").read_bytes() == (SMALL / "trial.csv").read_bytes()
    assert sorted(p.name for p in target.iterdir()) == sorted([*BUNDLE_TABLES, "README.md"])
    engine.dispose()


def test_imp055_failed_export_leaves_nothing_half_written(sqlite_url, tmp_path, monkeypatch):
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL)
    real_write = bundle_module._write_csv

    def failing_write(path, cells):
        if path.name == "lab_results.csv":
            raise OSError("disk full")
        real_write(path, cells)

    monkeypatch.setattr(bundle_module, "_write_csv", failing_write)
    with pytest.raises(OSError, match="disk full"):
        export_bundle(engine, tmp_path / "new")
    assert list(tmp_path.iterdir()) == [tmp_path / "trial.db"]

    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "trial.csv").write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        export_bundle(engine, existing)
    assert [p.name for p in existing.iterdir()] == ["trial.csv"]
    assert (existing / "trial.csv").read_text(encoding="utf-8") == "old"
    engine.dispose()


def test_imp056_import_adds_a_data_version(sqlite_url):
    engine = make_engine(sqlite_url)
    assert import_bundle(engine, SMALL) == 1
    assert import_bundle(engine, SMALL) == 2
    with engine.connect() as conn:
        row = conn.execute(select(DataVersion).order_by(DataVersion.version.desc())).first()
    assert row.source == f"import {SMALL}"
    assert str(row.data_cut) == "2020-06-30"
    engine.dispose()
