"""A REDCap records export: its rows, where each came from, and its values decoded.

REDCap's flat ("records") export has one row per record, per event in a longitudinal
project (``redcap_event_name``), and per instance of a repeating instrument
(``redcap_repeat_instrument``, ``redcap_repeat_instance``); the record's data access
group is in ``redcap_data_access_group``, a form's status in ``<form>_complete`` and
each choice of a checkbox in a column ``<field>___<code>``. Values are the choices'
codes ("raw") or their labels: which one is read from the values themselves, against
the dictionary's choices, and both decode to the same codes.

Every problem names the file's line, then the record, event, instrument and instance,
then the field, so that a data manager can find the value in REDCap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, Problem, shown
from data_access.redcap.dictionary import Dictionary, Field, checkbox_column

EVENT = "redcap_event_name"
INSTRUMENT = "redcap_repeat_instrument"
INSTANCE = "redcap_repeat_instance"
GROUP = "redcap_data_access_group"
SYSTEM = (EVENT, INSTRUMENT, INSTANCE, GROUP, "redcap_survey_identifier")
STATUSES = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
INCOMPLETE = "0"
CHECKBOX_LABELS = {"Checked": "1", "Unchecked": "0"}


@dataclass(frozen=True)
class RecordProblem(Problem):
    """A problem in a records export, printed as ``records.csv:LINE: record R, instrument
    I, instance N: FIELD: message`` (the place says what REDCap shows the value under)."""

    place: str = ""

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}", self.place]
        if self.column != NO_COLUMN:
            parts.append(self.column)
        return ": ".join([p for p in parts if p] + [self.message])


@dataclass
class Export:
    """The rows of a records export as text (``""`` missing), with each row's line."""

    cells: pd.DataFrame
    lines: np.ndarray
    file: str
    dictionary: Dictionary
    labels: bool = False
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self):
        self._row_of = {int(line): i for i, line in enumerate(self.lines)}

    @property
    def record(self) -> pd.Series:
        return self.cells[self.dictionary.record_id]

    def column(self, name: str) -> pd.Series:
        """A column's text, ``""`` everywhere when the export does not have it."""
        if name in self.cells:
            return self.cells[name]
        return pd.Series("", index=self.cells.index, dtype=object)

    def place(self, line: int, field_name: str = "") -> str:
        """What REDCap shows the value of ``field_name`` on ``line`` under."""
        row = self._row_of.get(int(line))
        if row is None:
            return ""
        record = self.record.iat[row]
        parts = [f"record {record}" if record else "record (no id)"]
        event = self.column(EVENT).iat[row]
        if event:
            parts.append(f"event {event}")
        repeated, form = self.column(INSTRUMENT).iat[row], self.dictionary.form_of(field_name)
        if repeated and form not in ("", repeated):  # the record's value is not on this row
            return ", ".join([*parts, f"instrument {form}"])
        if repeated or form:
            parts.append(f"instrument {repeated or form}")
        instance = self.column(INSTANCE).iat[row]
        if instance:
            parts.append(f"instance {instance}")
        return ", ".join(parts)

    def problem(self, line: int, column: str, message: str) -> RecordProblem:
        return RecordProblem(
            self.file, int(line), column or NO_COLUMN, message, place=self.place(line, column)
        )

    def report(self, rows, column: str, messages) -> None:
        """Problems at positions ``rows`` (a mask or indexes) of ``column``."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        texts = [messages] * len(rows) if isinstance(messages, str) else list(messages)
        for row, text in zip(rows, texts, strict=True):
            self.problems.append(self.problem(self.lines[row], column, text))


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, ``""`` where missing; whole floats without ``.0`` (a DataFrame from
    an API client may have guessed numbers)."""

    def text(value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return frame.astype(object).map(text) if len(frame.columns) else frame


def make_export(
    cells: pd.DataFrame, lines: np.ndarray, file: str, dictionary: Dictionary
) -> Export:
    """The export, its layout checked and its kind (codes or labels) recognised."""
    export = Export(cells.reset_index(drop=True), np.asarray(lines), file, dictionary)
    first = cells.columns[0] if len(cells.columns) else ""
    if first != dictionary.record_id:
        message = (
            f"the first column is {first!r}, not the record id {dictionary.record_id!r} "
            "(the first field of the data dictionary): export with the record id, "
            "and with variable names, not labels, as headers"
        )
        export.problems.append(Problem(file, 1, first or NO_COLUMN, message))
        return export
    empty = export.record.eq("")
    export.report(empty.to_numpy(), dictionary.record_id, "record id is missing")
    export.labels = _uses_labels(export)
    _check_instruments(export)
    return export


def unknown_columns(export: Export) -> list[str]:
    """Columns that are neither REDCap's own nor those of a dictionary field."""
    known = set(SYSTEM)
    for f in export.dictionary.fields.values():
        known.update(f.columns())
    known.update(f"{form}_complete" for form in export.dictionary.forms)
    known.update(f"{form}_timestamp" for form in export.dictionary.forms)
    return [c for c in export.cells.columns if c not in known]


# ----------------------------------------------------------------------- codes or labels


def _choice_columns(export: Export):
    """(column, codes, labels) of every choice column the export has."""
    for f in export.dictionary.fields.values():
        if f.type == "checkbox":
            for code, label in f.choices.items():
                column = checkbox_column(f.name, code)
                if column in export.cells:
                    yield column, {"0", "1"}, {*CHECKBOX_LABELS, label}
        elif f.has_choices and f.name in export.cells:
            yield f.name, set(f.choices), set(f.choices.values())
    for form in export.dictionary.forms:
        if f"{form}_complete" in export.cells:
            yield f"{form}_complete", set(STATUSES), set(STATUSES.values())


def _uses_labels(export: Export) -> bool:
    """Whether choice values are labels: some value is a label and not a code, and none
    is a code and not a label. An export holding both is a problem."""
    as_code, as_label = None, None
    for column, codes, labels in _choice_columns(export):
        values = set(export.cells[column].unique()) - {""}
        code_only, label_only = values & (codes - labels), values & (labels - codes)
        if code_only and as_code is None:
            as_code = (column, sorted(code_only)[0])
        if label_only and as_label is None:
            as_label = (column, sorted(label_only)[0])
    if as_code and as_label:
        message = (
            f"choices are written both as codes ({as_code[0]} {as_code[1]!r}) and as labels "
            f"({as_label[0]} {as_label[1]!r}): export again, all raw or all labels"
        )
        export.problems.append(Problem(export.file, WHOLE_FILE, NO_COLUMN, message, unit="row"))
    return as_label is not None and as_code is None


def _form_of_label(label: str, forms: list[str]) -> str | None:
    """The form whose name REDCap made from ``label`` (lower case, ``_`` between words)."""
    name = "".join(c if c.isalnum() else "_" for c in label.strip().lower())
    name = "_".join(part for part in name.split("_") if part)
    return name if name in forms else None


def _check_instruments(export: Export) -> None:
    """Repeating instruments named by form (labels: by the form's label), instances
    numbered; the column is rewritten with form names."""
    if INSTRUMENT not in export.cells:
        return
    forms = export.dictionary.forms
    given = export.cells[INSTRUMENT]
    names = given.map(lambda v: v if v in forms or not v else _form_of_label(v, forms))
    unknown = given.ne("") & names.isna()
    export.report(
        unknown.to_numpy(),
        INSTRUMENT,
        [f"unknown instrument {shown(v)} (forms: {', '.join(forms)})" for v in given[unknown]],
    )
    export.cells[INSTRUMENT] = names.fillna("")
    instance = export.column(INSTANCE)
    bad = given.ne("") & ~instance.str.fullmatch(r"[1-9]\d*").fillna(False)
    export.report(
        bad.to_numpy(),
        INSTANCE,
        [f"not an instance number: {shown(v)}" for v in instance[bad]],
    )


# ------------------------------------------------------------------------- decoding


def codes(export: Export, f: Field) -> pd.Series:
    """The codes of a choice field (labels decoded); a value that is no choice of the
    field is reported and left empty."""
    values = export.column(f.name)
    lookup = {label: code for code, label in f.choices.items()} if export.labels else {}
    decoded = values.map(lambda v: v if not export.labels else lookup.get(v))
    if not export.labels:
        decoded = values.where(values.isin(list(f.choices)) | values.eq(""), None)
    bad = values.ne("") & decoded.isna()
    listed = ", ".join(f"{c} {label}" for c, label in f.choices.items())
    export.report(
        bad.to_numpy(),
        f.name,
        [f"not a choice: {shown(v)} (choices: {listed})" for v in values[bad]],
    )
    return decoded.fillna("")


def checked(export: Export, f: Field) -> pd.DataFrame:
    """A checkbox's choices as booleans (columns: codes), whatever the export wrote."""
    out = {}
    for code, label in f.choices.items():
        values = export.column(checkbox_column(f.name, code))
        if export.labels:
            out[code] = values.isin(["Checked", label])
            bad = ~values.isin(["", "Checked", "Unchecked", label])
        else:
            out[code] = values.eq("1")
            bad = ~values.isin(["", "0", "1"])
        column = checkbox_column(f.name, code)
        export.report(bad.to_numpy(), column, [f"not 0 or 1: {shown(v)}" for v in values[bad]])
    return pd.DataFrame(out, index=export.cells.index)


def status(export: Export, form: str) -> pd.Series:
    """The form status as a code (``0`` Incomplete ... ``2`` Complete), ``""`` if none."""
    values = export.column(f"{form}_complete")
    if export.labels:
        return values.map({label: code for code, label in STATUSES.items()}).fillna("")
    return values
