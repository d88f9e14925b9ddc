"""A REDCap data dictionary: its fields, their forms, types and choices.

A dictionary comes either as the CSV that REDCap's Data Dictionary page downloads (18
columns, headed ``Variable / Field Name``, ``Form Name``...) or as the metadata the
API returns (``field_name``, ``form_name``...; PyCap gives it as a DataFrame). Both are
read into one :class:`Dictionary`. The reader is lenient about what it does not use
(section headers, branching logic, annotations): the dictionary is the project's own,
and REDCap has already checked it. What the reader needs (unique field names, a first
field that is the record id, choices it can parse) is checked here, each problem
naming the dictionary's line and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, Problem, read_records, read_text

CSV_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""The columns of a dictionary downloaded from REDCap, in REDCap's order."""
API_COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
"""The same columns as the API's metadata export names them."""
NEEDED = ("field_name", "form_name", "field_type")

CHOICE_TYPES = ("radio", "dropdown", "checkbox")
IMPLICIT_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
"""Choices REDCap gives these field types without listing them."""
NO_DATA_TYPES = ("descriptive",)
"""Fields that hold no value and have no column in a records export."""


@dataclass(frozen=True)
class Field:
    """One field of the dictionary (``line``: where the dictionary defines it)."""

    name: str
    form: str
    type: str
    label: str
    choices: dict[str, str]
    validation: str
    line: int

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES or self.type in IMPLICIT_CHOICES

    def columns(self) -> list[str]:
        """The columns the field has in a records export (one per choice for a checkbox)."""
        if self.type == "checkbox":
            return [checkbox_column(self.name, code) for code in self.choices]
        return [] if self.type in NO_DATA_TYPES else [self.name]


@dataclass(frozen=True)
class Dictionary:
    """The fields of a REDCap project, in dictionary order (the first is the record id)."""

    fields: dict[str, Field]
    file: str

    @property
    def record_id(self) -> str:
        return next(iter(self.fields))

    @property
    def forms(self) -> list[str]:
        return list(dict.fromkeys(f.form for f in self.fields.values()))

    def get(self, name: str) -> Field | None:
        return self.fields.get(name)

    def form_of(self, name: str) -> str:
        field = self.fields.get(name)
        return field.form if field else ""


def checkbox_column(field: str, code: str) -> str:
    """The export column of one choice of a checkbox: ``imputed___1``. REDCap writes the
    code in lower case, with ``-`` and ``.`` as ``_``."""
    return f"{field}___{code.lower().replace('-', '_').replace('.', '_')}"


def parse_choices(text: str) -> dict[str, str] | None:
    """``1, Female | 2, Male`` as ``{"1": "Female", "2": "Male"}``; None if a choice has
    no comma (REDCap's syntax is ``code, label``, choices separated by ``|``)."""
    choices = {}
    for part in str(text).split("|"):
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        if not comma or not code.strip():
            return None
        choices[code.strip()] = label.strip()
    return choices


def unique_group_name(name: str) -> str:
    """The unique name REDCap gives a data access group named ``name`` (``STE`` →
    ``ste``, ``Lyon Sud`` → ``lyon_sud``): lower case, spaces as ``_``, other signs
    dropped, at most 18 characters. Raw exports write it in
    ``redcap_data_access_group``; exports with labels write the name itself."""
    text = "".join(
        c
        for c in str(name).strip().lower().replace(" ", "_")
        if c.isascii() and (c.isalnum() or c == "_")
    )
    return text[:18]


def read_dictionary_file(path: Path, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A dictionary CSV as text cells headed by its own column names, with ``line``."""
    text, problems = read_text(Path(path), file)
    if text is None:
        return None, problems
    header, data, lines, _counts, problems = read_records(text, file)
    if not header:
        return None, problems
    frame = pd.DataFrame({name: data[i] for i, name in enumerate(header) if name})
    frame["line"] = lines
    return frame, problems


def _api_names(frame: pd.DataFrame) -> pd.DataFrame:
    """The dictionary with the API's column names, whichever names it came with."""
    if "field_name" not in frame.columns and frame.index.name == "field_name":
        frame = frame.reset_index()  # PyCap's metadata DataFrame
    renamed = frame.rename(columns=dict(zip(CSV_COLUMNS, API_COLUMNS, strict=True)))
    if "line" not in renamed:
        renamed = renamed.assign(line=np.arange(2, len(renamed) + 2))
    return renamed


def parse_dictionary(frame: pd.DataFrame, file: str) -> tuple[Dictionary | None, list[Problem]]:
    """The :class:`Dictionary` of ``frame`` (CSV or API column names), or None and why."""
    frame = _api_names(frame)
    missing = [CSV_COLUMNS[API_COLUMNS.index(name)] for name in NEEDED if name not in frame]
    if missing:
        message = f"not a REDCap data dictionary: no column {', '.join(missing)}"
        return None, [Problem(file, WHOLE_FILE, NO_COLUMN, message)]
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    fields, problems = {}, []
    for row in text.itertuples(index=False):
        row = row._asdict()
        line, name = int(float(row["line"])), row["field_name"].strip()
        field_type = row["field_type"].strip().lower()
        choices = IMPLICIT_CHOICES.get(field_type, {})
        if field_type in CHOICE_TYPES:
            choices = parse_choices(row.get("select_choices_or_calculations", ""))
        why = _field_problem(name, fields, choices)
        if why:
            problems.append(Problem(file, line, name or "Variable / Field Name", why))
            continue
        fields[name] = Field(
            name=name,
            form=row["form_name"].strip(),
            type=field_type,
            label=row.get("field_label", ""),
            choices=choices,
            validation=row.get("text_validation_type_or_show_slider_number", "").strip(),
            line=line,
        )
    if not fields and not problems:
        problems.append(Problem(file, WHOLE_FILE, NO_COLUMN, "the data dictionary has no fields"))
    return (Dictionary(fields, file) if not problems else None), problems


def _field_problem(name: str, fields: dict, choices) -> str | None:
    if not name:
        return "a field has no name"
    if name in fields:
        return f"field {name} is defined twice (first on line {fields[name].line})"
    if choices is None:
        return "choices are not 'code, label | code, label'"
    return None
