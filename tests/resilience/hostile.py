"""Hypothesis strategies for hostile CSV bundles, made from the small fixture bundle.

A drawn :class:`Draft` is the small bundle with up to three *benign* changes (a byte-
order mark, CRLF line endings, odd but valid text in a free-text cell: line breaks,
quotes, spreadsheet formulas, a 1 MB value; an optional column or file left out) and at
most one *hostile* change (a wrong encoding, a NUL byte, a duplicate or unknown header,
a missing required column or file, an empty file, random bytes, a ragged row, an
unterminated quote, a stray file, an overlong or invalid value). Without a hostile
change the bundle is valid and :meth:`Draft.expected` says what the database must hold
after importing it; with one, ``hostile`` says which file (and column, when known) the
refusal must name.
"""

from __future__ import annotations

import codecs
import copy
import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hypothesis import strategies as st
from sqlalchemy import Text

from data_access.bundle import read_bundle
from data_access.bundle_read import restore_formulas
from data_access.frames import bundle_columns, typed_frame
from data_access.schema import BUNDLE_TABLES, REQUIRED_FILES
from tests.conftest import SMALL_BUNDLE

MEGABYTE = 1 << 20
FORMULAS = (
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    '=HYPERLINK("http://example.invalid","x")',
    "'=already quoted",
    "''+twice quoted",
    "\t=tab first",
    "\r=carriage return first",
)
ODD_TEXTS = (
    "line one\nline two",
    "a\r\nb",
    "ends with a line break\n",
    '"quoted", with a comma',
    " leading and trailing spaces ",
    "Hôpital Édouard-Herriot, Lyon — ½ µg",
    "\u2028separator\u2029",
)
# Nullable columns that no cross-row rule needs: leaving them out is valid.
DROPPABLE = (
    ("sites.csv", "city"),
    ("sites.csv", "latitude"),
    ("patients.csv", "sex"),
    ("patients.csv", "age"),
    ("follow_up.csv", "death_cause"),
    ("adverse_events.csv", "related"),
    ("adverse_events.csv", "resolved_on"),
    ("chimerism.csv", "donor_percent"),
)
OPTIONAL_FILES = tuple(f for f in BUNDLE_TABLES if f not in REQUIRED_FILES)
BAD_VALUES = {  # (file, column): a value of the wrong kind
    ("patients.csv", "age"): "99999999999",
    ("patients.csv", "enrolled_on"): "2019-02-30",
    ("lab_results.csv", "value"): "1e999",
    ("adverse_events.csv", "grade"): "6",
    ("chimerism.csv", "detected"): "Yes",
    ("sites.csv", "site_id"): "S" * 21,
}


def csv_text(rows: list[list[str]], newline: str = "\n") -> str:
    """CSV as a careful writer makes it: a field with a comma, a quote or any line-break
    character is quoted (Python's csv writer leaves a lone carriage return unquoted)."""

    def field(cell: str) -> str:
        if any(c in cell for c in ',"\r\n'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    return "".join(",".join(field(cell) for cell in cells) + newline for cells in rows)


def _read_rows(file: str) -> list[list[str]]:
    with open(SMALL_BUNDLE / file, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


BASE_ROWS = {file: _read_rows(file) for file in BUNDLE_TABLES}
BASE_FRAMES = read_bundle(SMALL_BUNDLE)
# Non-empty cells of free-text columns (Text, no list of allowed values): (file, row, column).
FREE_TEXT_CELLS = [
    (file, row, column)
    for file, table in BUNDLE_TABLES.items()
    for column in bundle_columns(table)
    if isinstance(table.c[column].type, Text) and "allowed" not in table.c[column].info
    for row, cells in enumerate(BASE_ROWS[file][1:])
    if cells[BASE_ROWS[file][0].index(column)] != ""
]


@dataclass
class Hostile:
    """The one hostile change: the refusal must report a problem in ``file`` (at
    ``column`` when given)."""

    what: str
    file: str
    column: str | None = None


@dataclass
class Draft:
    rows: dict[str, list[list[str]]] = field(default_factory=lambda: copy.deepcopy(BASE_ROWS))
    encoding: dict[str, str] = field(default_factory=dict)
    newline: dict[str, str] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # written as they are
    removed: set[str] = field(default_factory=set)
    edits: dict[tuple[str, int, str], str] = field(default_factory=dict)
    dropped: set[tuple[str, str]] = field(default_factory=set)
    hostile: Hostile | None = None
    benign: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        edits = {k: (v if len(v) < 60 else f"<{len(v)} chars>") for k, v in self.edits.items()}
        return (
            f"Draft(benign={self.benign}, hostile={self.hostile}, edits={edits}, "
            f"dropped={sorted(self.dropped)}, removed={sorted(self.removed)})"
        )

    def _repr_pretty_(self, printer, _cycle) -> None:
        printer.text(repr(self))

    def set_cell(self, file: str, row: int, column: str, value: str) -> None:
        header = self.rows[file][0]
        self.rows[file][row + 1][header.index(column)] = value

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for file, rows in self.rows.items():
            if file in self.removed:
                continue
            if file in self.raw:
                (directory / file).write_bytes(self.raw[file])
                continue
            text = csv_text(rows, self.newline.get(file, "\n"))
            encoding = self.encoding.get(file, "utf-8")
            (directory / file).write_bytes(text.encode(encoding, errors="replace"))
        for file, data in self.raw.items():
            if file not in self.rows:
                (directory / file).write_bytes(data)
        return directory

    def expected(self) -> dict[str, pd.DataFrame]:
        """The typed frames a valid draft must import as."""
        frames = {name: frame.copy() for name, frame in BASE_FRAMES.items()}
        for (file, row, column), value in self.edits.items():
            name = BUNDLE_TABLES[file].name
            frames[name][column] = frames[name][column].astype(object)
            frames[name].loc[row, column] = restore_formulas(pd.Series([value])).iloc[0]
        for file, column in self.dropped:
            frames[BUNDLE_TABLES[file].name][column] = None
        for file in self.removed:
            frames[BUNDLE_TABLES[file].name] = frames[BUNDLE_TABLES[file].name].iloc[:0]
        return {
            table.name: typed_frame(table, frames[table.name]) for table in BUNDLE_TABLES.values()
        }


def text_draft(file: str, row: int, column: str, value: str) -> Draft:
    """The small bundle with one free-text cell changed (a valid bundle)."""
    draft = Draft()
    draft.set_cell(file, row, column, value)
    draft.edits[(file, row, column)] = value
    draft.benign.append(f"text in {file}:{column}")
    return draft


# ------------------------------------------------------------------ benign changes

huge_texts = st.builds(
    lambda unit, size: (unit * (size // len(unit) + 1))[:size],
    st.sampled_from(["x", "=1+", "é\n", 'a"b,']),
    st.just(MEGABYTE),
)
any_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=30
)
text_values = st.one_of(st.sampled_from(FORMULAS), st.sampled_from(ODD_TEXTS), any_text, huge_texts)


@st.composite
def text_edit(draw, draft: Draft) -> None:
    file, row, column = draw(st.sampled_from(FREE_TEXT_CELLS))
    if (file, column) in draft.dropped or file in draft.removed:
        return
    value = draw(text_values)
    draft.set_cell(file, row, column, value)
    draft.edits[(file, row, column)] = value
    draft.benign.append(f"text in {file}:{column}")


@st.composite
def bom(draw, draft: Draft) -> None:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    draft.encoding[file] = "utf-8-sig"
    draft.benign.append(f"BOM on {file}")


@st.composite
def crlf(draw, draft: Draft) -> None:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    draft.newline[file] = "\r\n"
    draft.benign.append(f"CRLF in {file}")


@st.composite
def drop_optional_column(draw, draft: Draft) -> None:
    file, column = draw(st.sampled_from(DROPPABLE))
    if (
        (file, column) in draft.dropped
        or file in draft.removed
        or any(k[0] == file and k[2] == column for k in draft.edits)
    ):
        return
    rows = draft.rows[file]
    at = rows[0].index(column)
    draft.rows[file] = [cells[:at] + cells[at + 1 :] for cells in rows]
    draft.dropped.add((file, column))
    draft.benign.append(f"no {column} in {file}")


@st.composite
def drop_optional_file(draw, draft: Draft) -> None:
    file = draw(st.sampled_from(OPTIONAL_FILES))
    if any(k[0] == file for k in draft.edits) or any(d[0] == file for d in draft.dropped):
        return
    draft.removed.add(file)
    draft.benign.append(f"no {file}")


BENIGN = (text_edit, bom, crlf, drop_optional_column, drop_optional_file)


# ----------------------------------------------------------------- hostile changes


@st.composite
def wrong_encoding(draw, draft: Draft) -> Hostile:
    encoding = draw(st.sampled_from(["latin-1", "utf-16", "utf-16-be", "cp1252"]))
    cells = [c for c in FREE_TEXT_CELLS if (c[0], c[2]) not in draft.dropped]
    file, row, column = draw(st.sampled_from(cells))
    draft.set_cell(file, row, column, "Hôpital de l'Archet, Nice")
    draft.edits.pop((file, row, column), None)
    draft.encoding[file] = encoding
    return Hostile(f"{encoding} encoding", file)


@st.composite
def nul_byte(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from([f for f, rows in BASE_ROWS.items() if len(rows) > 1]))
    header = draft.rows[file][0]
    row = draw(st.integers(0, len(draft.rows[file]) - 2))
    column = draw(st.sampled_from(header))
    cell = draft.rows[file][row + 1][header.index(column)]
    at = draw(st.integers(0, len(cell)))
    draft.set_cell(file, row, column, cell[:at] + "\x00" + cell[at:])
    return Hostile("NUL byte", file, column)


@st.composite
def duplicate_header(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    at = draw(st.integers(0, len(draft.rows[file][0]) - 1))
    draft.rows[file] = [[*cells, cells[at]] for cells in draft.rows[file]]
    return Hostile("duplicate header", file, draft.rows[file][0][at])


@st.composite
def unknown_column(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    name = draw(st.one_of(st.sampled_from(["patient", "Site_ID", " site_id", "notes"]), any_text))
    if name in draft.rows[file][0]:
        name += "_extra"
    draft.rows[file] = [draft.rows[file][0] + [name]] + [[*r, ""] for r in draft.rows[file][1:]]
    return Hostile("unknown column", file, name if name else "-")


@st.composite
def missing_required_column(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    table = BUNDLE_TABLES[file]
    column = draw(st.sampled_from([c for c in bundle_columns(table) if not table.c[c].nullable]))
    at = draft.rows[file][0].index(column)
    draft.rows[file] = [cells[:at] + cells[at + 1 :] for cells in draft.rows[file]]
    return Hostile("required column missing", file, column)


@st.composite
def missing_required_file(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(REQUIRED_FILES))
    draft.removed.add(file)
    return Hostile("required file missing", file, "-")


@st.composite
def empty_file(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    draft.raw[file] = draw(st.sampled_from([b"", b"\n", b"\r\n\r\n", codecs.BOM_UTF8]))
    return Hostile("empty file", file, "-")


@st.composite
def random_bytes(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    draft.raw[file] = draw(st.binary(min_size=1, max_size=300))
    return Hostile("random bytes", file)


@st.composite
def ragged_row(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from([f for f, rows in BASE_ROWS.items() if len(rows) > 1]))
    row = draw(st.integers(1, len(draft.rows[file]) - 1))
    cells = draft.rows[file][row]
    draft.rows[file][row] = draw(st.sampled_from([cells[:-1], [*cells, "extra"]]))
    return Hostile("ragged row", file, "-")


@st.composite
def unterminated_quote(draw, draft: Draft) -> Hostile:
    file = draw(st.sampled_from(list(BUNDLE_TABLES)))
    text = csv_text(draft.rows[file]).rstrip("\n")
    draft.raw[file] = (text + draw(st.sampled_from([',"unfinished', '\n"a,b\nc']))).encode()
    return Hostile("unterminated quote", file)


@st.composite
def stray_file(draw, draft: Draft) -> Hostile:
    name = draw(st.sampled_from(["patient.csv", "sites.CSV", "labs.xlsx", "extra.csv"]))
    draft.raw[name] = b"whatever\n"
    return Hostile("stray file", name, "-")


@st.composite
def invalid_value(draw, draft: Draft) -> Hostile:
    choices = [item for item in sorted(BAD_VALUES.items()) if item[0] not in draft.dropped]
    (file, column), value = draw(st.sampled_from(choices))
    row = draw(st.integers(0, len(draft.rows[file]) - 2))
    draft.set_cell(file, row, column, draw(st.sampled_from([value, value * 20000])))
    return Hostile("invalid value", file, column)


HOSTILE = (
    wrong_encoding,
    nul_byte,
    duplicate_header,
    unknown_column,
    missing_required_column,
    missing_required_file,
    empty_file,
    random_bytes,
    ragged_row,
    unterminated_quote,
    stray_file,
    invalid_value,
)


@st.composite
def drafts(draw) -> Draft:
    """A bundle with up to three benign changes and, half of the time, one hostile one."""
    draft = Draft()
    for change in draw(st.lists(st.sampled_from(BENIGN), max_size=3)):
        draw(change(draft))
    hostile = draw(st.one_of(st.none(), st.sampled_from(HOSTILE)))
    if hostile is not None:
        draft.hostile = draw(hostile(draft))
        if draft.hostile.what != "required file missing":
            draft.removed.discard(draft.hostile.file)  # the hostile file must be there
    return draft
