"""REDCap records to the trial model's tables, checked with the CSV bundle's rules.

A record is a patient (its id, the project's first field, is ``patient_id``). The
columns of ``patients`` and ``follow_up`` are read from whichever row of the record
holds them (any event, for a longitudinal project); two different values for one
record are a problem. Each row holding a value of a repeating table's fields (an
instance of a repeating instrument, or a form on an event) is one row of that table;
a blood count sample gives one lab result per count filled in. The site is the
record's data access group, or the field the mapping names.

The tables are then typed and checked cell by cell and across rows exactly as a
bundle is (:func:`data_access.bundle_read.parse_column`,
:func:`data_access.bundle_rules.check_rules`), each problem naming the line, record,
instrument, instance and field it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Column, Float, String, Table, Text

from data_access.bundle import csv_cells
from data_access.bundle_read import (
    NO_COLUMN,
    WHOLE_FILE,
    Problem,
    TableData,
    neutralise_formulas,
    parse_column,
)
from data_access.cdisc.dates import not_before
from data_access.cdisc.mapping import Mapping
from data_access.frames import bundle_columns, typed_frame
from data_access.redcap.dictionary import Field
from data_access.redcap.mapping import lab_tests, table_fields
from data_access.redcap.records import GROUP, INCOMPLETE, Export, status
from data_access.redcap.values import FieldValues, field_values
from data_access.schema import BUNDLE_TABLES, LAB_UNITS

TABLES = {table.name: table for table in BUNDLE_TABLES.values()}
PER_PATIENT = ("patients", "follow_up")
REPEATING = (
    "responses",
    "lab_results",
    "transfusions",
    "adverse_events",
    "chimerism",
    "time_to_event",
)
ROW = "row"
_COUNT = Column("value", Float, nullable=True)
"""A blood count field: a number, or empty."""


@dataclass
class RecordTable(TableData):
    """A table read from a records export: a problem at a row and column names the line
    of the cell (which, for a patient's columns, may be another row of the record), its
    record, event, instrument and instance, and its field."""

    export: Export | None = None
    moved: dict[tuple[int, str], int] = field(default_factory=dict)

    def problem(self, line: int, column: str, message: str) -> Problem:
        line = self.moved.get((int(line), column), int(line))
        return self.export.problem(line, self.names.get(column, column), message)


def typed_cells(table: Table, texts: dict[str, pd.Series]):
    """Bundle text of each column parsed by the bundle's own cell rules: typed frame,
    invalid cells by column, and ``(position, column, message)`` of each problem. Text is
    taken as written (the bundle's formula quoting is applied, then undone)."""
    n = len(next(iter(texts.values()))) if texts else 0
    values, invalid, problems = {}, {}, []
    for name in bundle_columns(table):
        raw = texts.get(name, pd.Series([""] * n, dtype=object)).reset_index(drop=True)
        if isinstance(table.c[name].type, (String, Text)):
            raw = neutralise_formulas(raw.astype(object))
        values[name], invalid[name], messages = parse_column(table.c[name], raw.astype(object))
        problems += [
            (int(i), name, m) for i, m in zip(np.flatnonzero(invalid[name]), messages, strict=True)
        ]
    frame = typed_frame(table, pd.DataFrame(values, index=pd.RangeIndex(n)))
    return frame, invalid, problems


def frame_table(table: Table, frame: pd.DataFrame, file: str) -> tuple[TableData, list[Problem]]:
    """A table made here (the trial row, sites known by id) checked like a bundle file."""
    cells = csv_cells(table, frame)
    typed, invalid, found = typed_cells(table, {c: cells[c] for c in cells.columns})
    data = TableData(file, table, typed, np.arange(1, len(typed) + 1), True, invalid, ROW)
    return data, [data.problem(pos + 1, name, message) for pos, name, message in found]


@dataclass
class Reader:
    """Reads the tables of one export; collects problems (in ``export``) and remarks."""

    export: Export
    mapping: Mapping
    notes: list[str] = field(default_factory=list)
    used: set[tuple[int, str]] = field(default_factory=set)
    partial: int = 0

    # --------------------------------------------------------------- fields

    def fields(self, table: str) -> dict[str, Field]:
        """Column -> dictionary field of ``table`` (columns whose field the project lacks
        are left out; :func:`missing_fields` says which)."""
        found = {}
        for column, name in table_fields(self.mapping, table).items():
            f = self.export.dictionary.get(name)
            if f is not None and (f.type != "checkbox" or "names" in TABLES[table].c[column].info):
                found[column] = f
        return found

    def values(self, table: str, column: str, f: Field, *, site: bool = False) -> FieldValues:
        found = field_values(self.export, f, TABLES[table].c[column], self.mapping, site=site)
        if found.dates is not None:
            self.partial += int((found.dates.imputed & found.text.ne("")).sum())
        return found

    def mark_used(self, rows: np.ndarray, f: Field) -> None:
        self.used.update((int(r), f.form) for r in rows)

    # --------------------------------------------------------- per patient

    def records(self) -> pd.Series:
        """Record ids in order of first appearance, and the row of each first appearance."""
        ids = self.export.record
        first = ids.ne("") & ~ids.duplicated()
        return pd.Series(np.flatnonzero(first.to_numpy()), index=ids[first].to_numpy())

    def per_record(self, text: pd.Series, column: str) -> pd.DataFrame:
        """One value per record (``value``, ``row``); a second, different value of a record
        is a problem (shown as the export writes it)."""
        written = self.export.cells.get(column, text)
        frame = pd.DataFrame(
            {"id": self.export.record, "value": text, "written": written, "row": text.index}
        )
        frame = frame[frame["value"].ne("") & frame["id"].ne("")]
        distinct = frame.drop_duplicates(["id", "value"])
        second = distinct[distinct["id"].duplicated()]
        first = distinct.drop_duplicates("id").set_index("id")
        for row in second.itertuples():
            earlier = first.loc[row.id]
            message = (
                f"a second value for this record: {row.written!r} "
                f"(line {self.export.lines[earlier['row']]} has {earlier['written']!r})"
            )
            self.export.report([row.row], column, message)
        return first[["value", "row"]]

    def per_patient(self, table: str, records: pd.Series, extra: dict | None = None):
        """Text of ``table``'s columns per record, and where each value came from."""
        texts, rows, dates = {}, {}, {}
        for column, f in self.fields(table).items():
            found = self.values(table, column, f)
            chosen = self.per_record(found.text, f.name)
            self.mark_used(chosen["row"].to_numpy(), f)
            texts[column] = chosen["value"].reindex(records.index).fillna("")
            rows[column] = chosen["row"].reindex(records.index)
            if found.dates is not None:
                picked = chosen["row"].reindex(records.index).fillna(-1).astype(int).to_numpy()
                flags = found.dates.imputed.to_numpy(dtype=bool)[picked] & (picked >= 0)
                dates[column] = pd.Series(flags, index=records.index)
        texts.update(extra or {})
        return pd.DataFrame(texts, index=records.index), rows, dates

    def record_table(self, table: str, texts: pd.DataFrame, rows: dict, records: pd.Series):
        """A :class:`RecordTable` of per-record text; a cell from another row of the
        record points there."""
        lines = self.export.lines[records.reindex(texts.index).to_numpy()]
        moved = {}
        for column, where in rows.items():
            where = where.reindex(texts.index)
            for line, row in zip(lines, where, strict=True):
                if pd.notna(row) and self.export.lines[int(row)] != line:
                    moved[(int(line), column)] = int(self.export.lines[int(row)])
        texts = texts.assign(patient_id=texts.index.to_numpy())
        return self.make_table(table, texts, lines, moved)

    # ------------------------------------------------------------ repeating

    def repeating(self, table: str, extra=None) -> tuple[pd.DataFrame, np.ndarray]:
        """Text of every row holding a value of ``table``'s fields, and those rows."""
        found = {c: self.values(table, c, f) for c, f in self.fields(table).items()}
        if not found:
            return pd.DataFrame(), np.zeros(0, dtype=np.int64)
        filled = np.column_stack([v.text.ne("").to_numpy() for v in found.values()])
        rows = np.flatnonzero(filled.any(axis=1))
        for column, f in self.fields(table).items():
            self.mark_used(rows[found[column].text.iloc[rows].ne("").to_numpy()], f)
        texts = pd.DataFrame({c: v.text.iloc[rows].to_numpy() for c, v in found.items()})
        texts["patient_id"] = self.export.record.iloc[rows].to_numpy()
        if extra:
            texts = extra(texts, rows, found)
        return texts, rows

    def lab_results(self) -> RecordTable:
        """One lab result per count filled in on a sample; a count that is not a number is
        reported under its own field and not read (a negative one loads: a finding)."""
        date_field = self.fields("lab_results").get("sampled_on")
        parts = []
        for name, test in lab_tests(self.mapping).items():
            f = self.export.dictionary.get(name)
            if f is None or date_field is None:
                continue
            text = self.export.column(name)
            _values, invalid, messages = parse_column(_COUNT, text)
            self.export.report(invalid, name, list(messages))
            rows = np.flatnonzero(text.ne("").to_numpy() & ~invalid)
            self.mark_used(rows, f)
            parts.append(
                pd.DataFrame({"row": rows, "value": text.iloc[rows].to_numpy(), "test": test})
            )
        if not parts:
            return self.make_table("lab_results", pd.DataFrame(), np.zeros(0, np.int64))
        labs = pd.concat(parts).sort_values("row", kind="stable")
        rows = labs["row"].to_numpy()
        dates = self.values("lab_results", "sampled_on", date_field).text
        self.mark_used(rows, date_field)
        texts = pd.DataFrame(
            {
                "patient_id": self.export.record.iloc[rows].to_numpy(),
                "sampled_on": dates.iloc[rows].to_numpy(),
                "test": labs["test"].to_numpy(),
                "value": labs["value"].to_numpy(),
                "unit": labs["test"].map(LAB_UNITS).to_numpy(),
            }
        )
        return self.make_table("lab_results", texts, self.export.lines[rows])

    def adverse_event_dates(self, floors: pd.Series):
        """AE onset and resolution with partial dates imputed by the CDISC rule: never
        before the patient's first treatment (else transplant), an end never before its
        onset, where the known part of the date allows; imputed dates are named."""

        def extra(texts: pd.DataFrame, rows: np.ndarray, found: dict) -> pd.DataFrame:
            names = texts.get("imputed", pd.Series("", index=texts.index)).str.split()
            onset, end = found.get("onset_on"), found.get("resolved_on")
            if onset is not None and onset.dates is not None:
                floor = self.export.record.map(floors)
                start = not_before(onset.dates, floor)
                texts["onset_on"] = _iso_text(start.iloc[rows])
                names = _add(names, onset.dates.imputed.iloc[rows], "onset_on")
                if end is not None and end.dates is not None:
                    texts["resolved_on"] = _iso_text(not_before(end.dates, start).iloc[rows])
                    names = _add(names, end.dates.imputed.iloc[rows], "resolved_on")
            texts["imputed"] = _joined(names, TABLES["adverse_events"].c.imputed)
            return texts

        return extra

    # --------------------------------------------------------------- tables

    def make_table(self, table: str, texts: pd.DataFrame, lines, moved=None) -> RecordTable:
        """``texts`` (bundle text per column) typed and checked; problems to the export."""
        names = {c: f.name for c, f in self.fields(table).items()}
        names["patient_id"] = self.export.dictionary.record_id
        names["site_id"] = self.mapping["patients"]["site_id"] or GROUP
        texts = {c: texts[c] for c in texts.columns} if len(texts.columns) else {}
        values, invalid, found = typed_cells(TABLES[table], texts)
        data = RecordTable(
            self.export.file,
            TABLES[table],
            values,
            np.asarray(lines, dtype=np.int64),
            True,
            invalid,
            "",
            names,
            export=self.export,
            moved=moved or {},
        )
        self.export.problems.extend(data.problem(data.lines[pos], c, m) for pos, c, m in found)
        return data

    def incomplete(self) -> dict[str, int]:
        """Forms marked Incomplete among those read, by form."""
        counts: dict[str, int] = {}
        for row, form in sorted(self.used):
            if status(self.export, form).iat[row] == INCOMPLETE:
                counts[form] = counts.get(form, 0) + 1
        return counts


def _iso_text(dates: pd.Series) -> np.ndarray:
    return dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "").to_numpy(dtype=object)


def _add(names: pd.Series, flags: pd.Series, name: str) -> pd.Series:
    flags = pd.Series(np.asarray(flags, dtype=bool), index=names.index)
    return names.where(~flags, names.map(lambda n: [*n, name] if name not in n else n))


def _joined(names: pd.Series, column) -> pd.Series:
    order = column.info["names"]
    return names.map(lambda n: " ".join(x for x in order if x in n))


def whole_problem(file: str, message: str, column: str = NO_COLUMN) -> Problem:
    """A problem with a whole file or setting, printed ``file: [column: ]message``."""
    return Problem(file, WHOLE_FILE, column, message, unit=ROW)
