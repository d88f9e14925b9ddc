"""The CSV bundle: read and validate, import into the trial database, export.

The format is ``docs/data-bundle.md``: a folder of UTF-8 CSV files (a byte-order mark is
accepted) with a header row; dates ``YYYY-MM-DD``; an empty field is missing;
booleans ``yes``/``no``. Column names, order, types, required values, allowed values,
keys and references all come from :mod:`data_access.schema`. ``trial.csv``,
``sites.csv`` and ``patients.csv`` are required; another bundle file may be absent
(no rows), and a column whose values are optional may be absent from a header (all
missing). Besides the ten bundle files the folder may hold only documentation
(``*.md``, ``*.txt``) and hidden entries (names starting with ``.``); anything else is
reported, so that a misspelt file name is never silently ignored.

Problems are reported as ``file:line: column: message`` (:class:`Problem`). Line 1 is
the header and data start on line 2; a record spanning several lines is reported on
its first line. A problem with a whole file (missing, unreadable, unknown) is on line
0 with column ``-``; a header problem (missing, unknown or duplicate column) is on
line 1 with the column's name; a problem with a whole row uses column ``-``. For a
duplicate key the column is the key's last column.

Spreadsheet formulas: on export a text value that, after any leading single quotes,
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets one more ``'``
in front (``=SUM(A1)`` is written ``'=SUM(A1)``, ``'=x`` is written ``''=x``); on
import one leading ``'`` is removed from a text value that is one or more ``'``
followed by one of those characters. The two are exact inverses, so export then
import is lossless. Only text columns are affected: numbers and dates are never
quoted, so ``-1.5`` stays a number.
"""

from __future__ import annotations

import csv
import difflib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Engine, Float, Integer, Table

from data_access.bundle_read import (
    NO_COLUMN,
    WHOLE_FILE,
    BundleError,
    Problem,
    TableData,
    empty_table,
    neutralise_formulas,
    read_table,
)
from data_access.bundle_rules import check_rules
from data_access.frames import bundle_columns, typed_frame
from data_access.queries import load_snapshot
from data_access.schema import BUNDLE_TABLES, REQUIRED_FILES

__all__ = ["BundleError", "Problem", "export_bundle", "looks_like_bundle", "read_bundle"]

DOCUMENTATION_SUFFIXES = (".md", ".txt")
_FILE_RANK = {name: i for i, name in enumerate(BUNDLE_TABLES)}
_COLUMN_RANK = {
    (file, column): i
    for file, table in BUNDLE_TABLES.items()
    for i, column in enumerate(bundle_columns(table))
}


def _sort_key(problem: Problem) -> tuple:
    """Files in load order (unknown ones last), then line, then column order."""
    return (
        _FILE_RANK.get(problem.file, len(_FILE_RANK)),
        problem.file,
        problem.line,
        _COLUMN_RANK.get((problem.file, problem.column), -1),
        problem.message,
    )


def check_file_names(directory: Path) -> list[Problem]:
    """Missing required files and entries that are not part of a bundle."""
    problems = [
        Problem(name, WHOLE_FILE, NO_COLUMN, "required file is missing")
        for name in REQUIRED_FILES
        if not (directory / name).exists()
    ]
    expected = ", ".join(BUNDLE_TABLES)
    for entry in sorted(directory.iterdir()):
        name = entry.name
        if name in BUNDLE_TABLES or name.startswith("."):
            continue
        if entry.is_file() and name.lower().endswith(DOCUMENTATION_SUFFIXES):
            continue
        what = "folder" if entry.is_dir() else "file"
        close = difflib.get_close_matches(name, BUNDLE_TABLES, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        message = f"unknown {what} in the bundle ({hint}bundle files: {expected})"
        problems.append(Problem(name, WHOLE_FILE, NO_COLUMN, message))
    return problems


def read_bundle(directory: Path) -> dict[str, pd.DataFrame]:
    """Read and check the bundle in ``directory``; typed frames keyed by table name.

    Every file is read and every rule checked before anything is decided, so that all
    problems are reported at once.

    Returns
    -------
    dict[str, pandas.DataFrame]
        One frame per bundle table (all ten; an absent file gives an empty frame), with
        the house dtypes of :func:`data_access.frames.typed_frame`, rows in file order.

    Raises
    ------
    BundleError
        With ``problems`` sorted by file (load order), line and column.
    """
    directory = Path(directory)
    if not directory.is_dir():
        problem = Problem(
            directory.name or str(directory), WHOLE_FILE, NO_COLUMN, "bundle folder not found"
        )
        raise BundleError([problem])
    problems = check_file_names(directory)
    data: dict[str, TableData] = {}
    for file, table in BUNDLE_TABLES.items():
        path = directory / file
        if path.exists():  # a folder of that name is reported as unreadable
            data[table.name], file_problems = read_table(path, file, table)
            problems += file_problems
        else:
            data[table.name] = empty_table(file, table, readable=file not in REQUIRED_FILES)
    problems += check_rules(data)
    if problems:
        raise BundleError(sorted(problems, key=_sort_key))
    return {name: td.values for name, td in data.items()}  # typed by read_table


BUNDLE_MARKERS = ("trial.csv", "patients.csv")
"""Files only a bundle has (a CDISC folder may hold a ``sites.csv`` too)."""


def looks_like_bundle(directory: Path) -> bool:
    """Whether ``directory`` holds ``trial.csv`` or ``patients.csv``."""
    return any((Path(directory) / name).is_file() for name in BUNDLE_MARKERS)


# ------------------------------------------------------------------------ export


def _by_unique(values: pd.Series, render) -> np.ndarray:
    """``render`` applied once per distinct value; missing values become ``""``."""
    codes, uniques = pd.factorize(values)
    texts = np.append(np.asarray(render(uniques), dtype=object), "")
    return texts[codes]  # code -1 (missing) picks the final ""


def _float_texts(numbers: np.ndarray) -> np.ndarray:
    """Shortest text that reads back as the same double (NumPy's repr), per distinct bit
    pattern (so ``-0.0`` stays ``-0.0``); NaN becomes ``""``."""
    codes, bits = pd.factorize(numbers.view(np.int64))
    texts = bits.view(np.float64).astype(str).astype(object)[codes]
    texts[np.isnan(numbers)] = ""
    return texts


def csv_cells(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A table's rows as bundle text: ``YYYY-MM-DD``, ``yes``/``no``, exact floats."""
    frame = typed_frame(table, frame)
    out = {}
    for name in bundle_columns(table):
        values = frame[name]
        kind = table.c[name].type
        if isinstance(kind, (Date, DateTime)):
            out[name] = _by_unique(values, lambda u: u.strftime("%Y-%m-%d"))
        elif isinstance(kind, Boolean):
            out[name] = _by_unique(values, lambda u: ["yes" if v else "no" for v in u])
        elif isinstance(kind, Integer):
            out[name] = _by_unique(values, lambda u: [str(int(v)) for v in u])
        elif isinstance(kind, Float):
            out[name] = _float_texts(values.to_numpy(dtype=float))
        else:
            out[name] = _by_unique(
                values, lambda u: neutralise_formulas(pd.Series(u, dtype=object)).to_numpy()
            )
    return pd.DataFrame(out, columns=bundle_columns(table), index=frame.index)


def _has_carriage_return(cells: pd.DataFrame) -> bool:
    return any(
        cells[name].str.contains("\r", regex=False).any()
        for name in cells.columns
        if cells[name].dtype == object
    )


def _write_csv(path: Path, cells: pd.DataFrame) -> None:
    # Python's csv writer quotes a field holding a line feed (it is in the line
    # terminator) but not one holding a lone carriage return, which every reader takes
    # for a line break: a file with such a field is written with every field quoted.
    quoting = csv.QUOTE_ALL if _has_carriage_return(cells) else csv.QUOTE_MINIMAL
    with open(path, "w", encoding="utf-8", newline="") as handle:
        cells.to_csv(handle, index=False, lineterminator="\n", quoting=quoting)
        handle.flush()
        os.fsync(handle.fileno())


def write_folder(directory: Path, files: dict[str, pd.DataFrame | str]) -> list[Path]:
    """Write ``files`` (CSV cells, or text) into ``directory`` all or nothing; return the
    paths.

    Every file is first written to a hidden folder beside (or inside) ``directory`` and
    then renamed into place, so a failure leaves no partial files. A new ``directory``
    is created private to the user (mode 0700), as the data are patient-level. Other
    files already in ``directory`` are left as they are.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{directory} exists and is not a folder")
    exists = directory.is_dir()
    if not exists:
        directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=".export-", dir=directory if exists else directory.parent)
    )
    try:
        for name, content in files.items():
            if isinstance(content, str):
                (staging / name).write_text(content, encoding="utf-8", newline="\n")
            else:
                _write_csv(staging / name, content)
        if exists:
            for name in files:
                os.replace(staging / name, directory / name)
            staging.rmdir()
        else:
            os.rename(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [directory / name for name in files]


def export_bundle(engine: Engine, directory: Path, version: int | None = None) -> list[Path]:
    """Write the trial data (as of ``version``, the current ones by default) as a bundle
    in ``directory``; return the file paths.

    Every bundle file is written, header only when its table is empty, in the format
    :func:`read_bundle` reads, so export then import gives the same frames. The files
    appear all at once or not at all (:func:`write_folder`).
    """
    snapshot = load_snapshot(engine, version)
    if Path(directory).exists() and not Path(directory).is_dir():
        raise NotADirectoryError(f"{directory} exists and is not a folder")
    cells = {
        file: csv_cells(table, snapshot.tables[table.name]) for file, table in BUNDLE_TABLES.items()
    }
    return write_folder(directory, cells)
