"""Reading one file of the CSV bundle: bytes, then records, then typed cells.

Every problem found is returned as a :class:`Problem`, never raised, so that the
caller can report all of them at once (``docs/data-bundle.md``). Line numbers are physical
lines of the file as an editor shows them: line 1 is the header, a record that spans
several lines (a quoted field with a line break) is reported on its first line, and
problems that concern a whole file (missing, unreadable, unknown) are reported on
line 0 with the column ``-``.

Cells are checked per distinct value (``pd.factorize``), so a 2-million-row file with
a few thousand distinct dates parses each date once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Table

from data_access.frames import bundle_columns, typed_frame

WHOLE_FILE = 0
"""Line number of problems that concern a whole file."""
NO_COLUMN = "-"
HEADER_LINE = 1
INT_LIMIT = 2**31 - 1  # INTEGER on PostgreSQL
SHOWN_CHARS = 40

# Spreadsheet formula neutralisation (see data_access.bundle for the rule).
_FORMULA_CHARS = "=+\\-@\t\r"
_NEEDS_QUOTE = re.compile(f"'*[{_FORMULA_CHARS}]")
_QUOTED = re.compile(f"'+[{_FORMULA_CHARS}]")

_INTEGER = r"[+-]?\d{1,10}"
_FLOAT = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_BOOLEANS = {"yes": True, "no": False}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, printed as ``file:line: column: message``.

    A problem in a dataset that has rows rather than lines (a SAS file) names its
    ``unit``: it prints as ``file: row N: VARIABLE: message``, leaving out the row or the
    variable when the problem concerns the whole file or a whole variable.
    """

    file: str
    line: int
    column: str
    message: str
    unit: str = ""

    def __str__(self) -> str:
        if not self.unit:
            return f"{self.file}:{self.line}: {self.column}: {self.message}"
        where = [self.file]
        if self.line != WHOLE_FILE:
            where.append(f"{self.unit} {self.line}")
        if self.column != NO_COLUMN:
            where.append(self.column)
        return ": ".join([*where, self.message])


class BundleError(Exception):
    """The bundle is invalid; ``problems`` lists everything found, in file order."""

    kind = "CSV bundle"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = f": {self.problems[0]}" if self.problems else ""
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"invalid {self.kind}{first}{more}")


@dataclass
class TableData:
    """One bundle file as read: typed values (invalid cells are missing) and line numbers.

    Tables mapped from another format (CDISC datasets) take the same form, with the rows
    they came from as ``lines``, so that the bundle's rules check them too.
    """

    file: str
    table: Table
    values: pd.DataFrame
    lines: np.ndarray
    readable: bool = True
    invalid: dict[str, np.ndarray] = field(default_factory=dict)
    unit: str = ""
    names: dict[str, str] = field(default_factory=dict)
    """For data mapped from another format: the source's name of each column."""

    def __len__(self) -> int:
        return len(self.values)

    def problem(self, line: int, column: str, message: str) -> Problem:
        """A problem at ``line`` (a row, for datasets) and ``column``, as the source names it."""
        return Problem(self.file, line, self.names.get(column, column), message, unit=self.unit)


def shown(value) -> str:
    """A cell value quoted for a message, shortened when long."""
    text = str(value)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return repr(text)


def neutralise_formulas(values: pd.Series) -> pd.Series:
    """Export side: prefix ``'`` to text that a spreadsheet could run as a formula."""
    hit = values.str.match(_NEEDS_QUOTE).eq(True)
    return values.where(~hit, "'" + values.astype(str))


def restore_formulas(values: pd.Series) -> pd.Series:
    """Import side: remove the one ``'`` that :func:`neutralise_formulas` added."""
    hit = values.str.match(_QUOTED).eq(True)
    return values.where(~hit, values.str.slice(1))


def empty_table(file: str, table: Table, readable: bool) -> TableData:
    return TableData(file, table, typed_frame(table), np.zeros(0, dtype=np.int64), readable)


# --------------------------------------------------------------------------- text


def read_text(path: Path, file: str) -> tuple[str | None, list[Problem]]:
    """The file decoded as UTF-8 (a byte-order mark is dropped), or None and why not."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [Problem(file, WHOLE_FILE, NO_COLUMN, f"cannot read the file: {reason}")]
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        return None, [Problem(file, line, NO_COLUMN, message)]


# ------------------------------------------------------------------------ records


def _records_fast(text: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray] | None:
    """Records by pandas' C parser when every record is one line; else None."""
    if "\x00" in text:  # the C parser silently cuts a field at a NUL
        return None
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            index_col=False,
        )
    except pd.errors.ParserError:  # a record with too many fields
        return None
    records = text.count("\n") + (0 if text.endswith("\n") else 1)
    if records != len(cells):  # quoted line breaks or bare-CR line endings
        return None
    counts = np.full(len(cells), cells.shape[1], dtype=np.int64)
    # The C parser pads short records with "": only a record ending in "" can be one.
    maybe_short = np.flatnonzero(cells.iloc[:, -1].to_numpy() == "")
    if len(maybe_short):
        raw_lines = text.split("\n")
        for i in maybe_short:
            line = raw_lines[i]
            if not line.strip():
                counts[i] = 0  # blank line
            elif '"' in line:
                counts[i] = len(next(csv.reader([line]), []))
            else:
                counts[i] = line.count(",") + 1
    return cells, np.arange(1, len(cells) + 1), counts


UNCLOSED_QUOTE = (
    "a quoted field opened in this record is never closed: the file may have been cut short"
)


def _ends_in_open_quote(text: str) -> bool:
    """Whether the file ends inside a quoted field (the csv module then reads the rest of
    the file into that field, without a word). Quotes come in pairs in a well-formed
    file, so only an odd count is read again, strictly."""
    if text.count('"') % 2 == 0:
        return False
    try:
        for _row in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _records_slow(text: str, file: str, problems: list[Problem]):
    """Records by the csv module, tracking where multi-line records start."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, counts = [], [], []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            starts.append(start)
            counts.append(len(row))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(file, reader.line_num, NO_COLUMN, f"cannot parse CSV: {exc}"))
    else:
        if rows and _ends_in_open_quote(text):
            problems.append(Problem(file, starts[-1], NO_COLUMN, UNCLOSED_QUOTE))
    width = len(rows[0]) if rows else 0
    padded = [(row + [""] * width)[:width] for row in rows]
    counts = np.array(counts, dtype=np.int64)
    blank = np.array([not "".join(row).strip() and len(row) <= 1 for row in rows], dtype=bool)
    counts[blank] = 0
    cells = pd.DataFrame(padded, columns=range(width), dtype=object)
    return cells, np.array(starts, dtype=np.int64), counts


def read_records(text: str, file: str):
    """Header, data cells (strings, positional columns), line of each record, number of
    fields of each record, problems."""
    problems: list[Problem] = []
    # The csv module (used for some records) refuses a field over 128 KiB by default with
    # an error of its own, while pandas' parser takes any length. No field is longer than
    # the file, so that is the limit (the setting is process-wide and only ever raised).
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))
    parsed = _records_fast(text) if text.strip() else None
    if parsed is None and text.strip():
        parsed = _records_slow(text, file, problems)
    if parsed is None or len(parsed[0]) == 0:
        problems.append(Problem(file, WHOLE_FILE, NO_COLUMN, "empty file: no header row"))
        return [], pd.DataFrame(), np.zeros(0, dtype=np.int64), np.zeros(0, np.int64), problems
    cells, lines, counts = parsed
    header = [str(name) for name in cells.iloc[0]]
    keep = counts[1:] > 0  # blank lines are skipped
    data = cells.iloc[1:][keep].reset_index(drop=True)
    data_lines, data_counts = lines[1:][keep], counts[1:][keep]
    for line, count in zip(
        data_lines[data_counts != len(header)], data_counts[data_counts != len(header)], strict=True
    ):
        problems.append(
            Problem(file, int(line), NO_COLUMN, f"expected {len(header)} fields, found {count}")
        )
    return header, data, data_lines, data_counts, problems


def check_header(
    file: str, table: Table, header: list[str]
) -> tuple[dict[str, int], list[Problem]]:
    """Position of each known column; problems for unknown, duplicate and missing ones."""
    expected = bundle_columns(table)
    positions: dict[str, int] = {}
    problems = []
    for i, name in enumerate(header):
        if name == "":
            problems.append(Problem(file, HEADER_LINE, NO_COLUMN, f"column {i + 1} has no name"))
        elif name not in expected:
            message = f"unknown column (columns of {file}: {', '.join(expected)})"
            problems.append(Problem(file, HEADER_LINE, name, message))
        elif name in positions:
            message = f"duplicate column (also column {positions[name] + 1})"
            problems.append(Problem(file, HEADER_LINE, name, message))
        else:
            positions[name] = i
    for name in expected:
        if name not in positions and not table.c[name].nullable:
            problems.append(Problem(file, HEADER_LINE, name, "required column is missing"))
    return positions, problems


# -------------------------------------------------------------------------- cells


def _no_errors(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _flag(errors: np.ndarray, mask, values: pd.Series, template: str) -> None:
    for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
        if errors[i] is None:
            errors[i] = template.format(shown(values.iloc[i]))


def _parse_text(column, u: pd.Series, present: pd.Series):
    values = restore_formulas(u.where(present, None))
    errors = _no_errors(len(u))
    length = getattr(column.type, "length", None)
    if length:
        _flag(errors, values.str.len().gt(length), values, f"longer than {length} characters: {{}}")
    _flag(
        errors,
        values.str.contains("\x00", regex=False).eq(True),
        values,
        "contains a NUL character: {}",
    )
    return values, errors


def _parse_pattern(u, present, pattern, convert, what):
    ok = present & u.str.fullmatch(pattern).eq(True)
    values = convert(u.where(ok))
    ok &= values.notna()
    errors = _no_errors(len(u))
    _flag(errors, present & ~ok, u, f"not {what}: {{}}")
    return values.where(ok), errors


def _to_int(s: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(s, errors="coerce")
    return numbers.where(numbers.abs() <= INT_LIMIT).astype("Int64")


def _to_float(s: pd.Series) -> pd.Series:
    numbers = s.astype(float)  # Python's float(): correctly rounded, so exports read back
    return numbers.where(np.isfinite(numbers))


def _to_date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def _to_bool(s: pd.Series) -> pd.Series:
    return s.map(_BOOLEANS).astype("boolean")


def parse_column(column, raw: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Typed values of one column (missing where empty or invalid), and where invalid.

    Returns the values, a boolean array of invalid cells, and the message of each
    invalid cell (in row order).
    """
    codes, uniques = pd.factorize(raw)
    u = pd.Series(uniques, dtype=object)
    present = u.ne("")
    kind = column.type
    if isinstance(kind, (Date, DateTime)):
        values, errors = _parse_pattern(u, present, _DATE, _to_date, "a date (YYYY-MM-DD)")
    elif isinstance(kind, Boolean):
        values, errors = _parse_pattern(u, present, "yes|no", _to_bool, "yes or no")
    elif isinstance(kind, Integer):
        values, errors = _parse_pattern(u, present, _INTEGER, _to_int, "an integer")
    elif isinstance(kind, Float):
        values, errors = _parse_pattern(u, present, _FLOAT, _to_float, "a number")
    else:
        values, errors = _parse_text(column, u, present)
    permitted = column.info.get("allowed")
    if permitted is not None:
        bad = values.notna() & ~values.isin(permitted)
        listed = ", ".join(str(v) for v in permitted)
        _flag(errors, bad, values, f"not allowed: {{}} (allowed: {listed})")
    if not column.nullable:
        errors[~present.to_numpy()] = "required value is missing"
    invalid_unique = np.array([e is not None for e in errors], dtype=bool)
    values = values.where(~invalid_unique)
    invalid = invalid_unique[codes]
    return values.take(codes).reset_index(drop=True), invalid, errors[codes[invalid]]


def read_table(path: Path, file: str, table: Table) -> tuple[TableData, list[Problem]]:
    """One bundle file, read and checked cell by cell (cross-row rules come later)."""
    text, problems = read_text(path, file)
    if text is None:
        return empty_table(file, table, readable=False), problems
    header, data, lines, counts, record_problems = read_records(text, file)
    problems += record_problems
    if not header:
        return empty_table(file, table, readable=False), problems
    positions, header_problems = check_header(file, table, header)
    problems += header_problems
    values, invalid = {}, {}
    for name in bundle_columns(table):
        column = table.c[name]
        if name not in positions:  # an optional column left out: all missing
            values[name] = pd.Series([None] * len(data), dtype=object)
            invalid[name] = np.zeros(len(data), dtype=bool)
            continue
        raw = data[positions[name]].astype(object).reset_index(drop=True)
        values[name], invalid[name], messages = parse_column(column, raw)
        absent = counts <= positions[name]  # a short record: already reported
        if absent.any():
            messages = messages[~absent[invalid[name]]]
            invalid[name] = invalid[name] & ~absent
        bad_lines = lines[invalid[name]]
        problems += [
            Problem(file, int(line), name, message)
            for line, message in zip(bad_lines, messages, strict=True)
        ]
    frame = typed_frame(table, pd.DataFrame(values, index=pd.RangeIndex(len(data))))
    keys = [c.name for c in table.primary_key.columns if c.name in values]
    key_missing = any(name not in positions for name in keys)
    result = TableData(file, table, frame, lines, readable=not key_missing, invalid=invalid)
    return result, problems
