"""The documents under docs/ describe what the code reads: every mapping key, every
bundle file and column (a key or column added without its documentation fails here)."""

from __future__ import annotations

import re

from data_access.cdisc.mapping import DEFAULTS
from data_access.frames import bundle_columns
from data_access.schema import BUNDLE_TABLES
from tests.conftest import REPO

DOCS = REPO / "docs"


def _rows(path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]


def test_docs001_every_mapping_key_has_a_row_in_the_cdisc_document():
    rows = _rows(DOCS / "cdisc-import.md")
    for section, keys in DEFAULTS.items():
        for key in keys:
            pattern = re.compile(rf"^\|\s*`{section}`\s*\|\s*`{key}`\s*\|")
            assert any(pattern.match(row) for row in rows), f"[{section}] {key} undocumented"


def test_docs002_every_bundle_file_and_column_is_described():
    text = (DOCS / "data-bundle.md").read_text(encoding="utf-8")
    rows = _rows(DOCS / "data-bundle.md")
    for file, table in BUNDLE_TABLES.items():
        assert f"`{file}`" in text, file
        for column in bundle_columns(table):
            assert any(row.startswith(f"| `{column}`") for row in rows), f"{file} {column}"


def test_docs003_nothing_points_outside_the_project():
    for path in [REPO / "README.md", *DOCS.glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "ARCHITECTURE" not in text, path.name
