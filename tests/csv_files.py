"""Reading and rewriting the CSV files of a test's copy of a fixture folder."""

from __future__ import annotations

import csv
from pathlib import Path


def rows_of(folder: Path, file: str) -> list[list[str]]:
    """Every record of ``folder/file``, the header first."""
    with open(folder / file, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(folder: Path, file: str, rows: list[list[str]]) -> None:
    with open(folder / file, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, file: str, line: int, column: str, value: str) -> None:
    """Change one cell of ``folder/file``; ``line`` is the file line (1 = header)."""
    rows = rows_of(folder, file)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, file, rows)
