"""The mapping's fields against the project's dictionary: what the project records.

A table whose required fields the project has none of is *not recorded* (a project
without transfusions): its panels say so. A table with some but not all of them cannot
be read, and a patient's screening date is always needed. An optional field the
project lacks leaves its column empty, with a remark.
"""

from __future__ import annotations

from data_access.bundle_read import Problem
from data_access.frames import bundle_columns
from data_access.redcap.mapping import lab_tests, table_fields
from data_access.redcap.read import PER_PATIENT, REPEATING, TABLES, Reader, whole_problem

KEYS = {"patient_id", "site_id"}
"""Columns that do not come from a mapped field (the record id, the site)."""


def _required(table: str) -> list[str]:
    table = TABLES[table]
    return [c for c in bundle_columns(table) if not table.c[c].nullable and c not in KEYS]


def _present(reader: Reader, table: str) -> dict[str, bool]:
    """Column -> whether the project's dictionary has its mapped field."""
    dictionary = reader.export.dictionary
    present = {
        column: dictionary.get(name) is not None
        for column, name in table_fields(reader.mapping, table).items()
        if column not in KEYS
    }
    if table == "lab_results":
        found = any(dictionary.get(name) is not None for name in lab_tests(reader.mapping))
        present.update({"test": found, "value": found, "unit": found})
    return present


def _takes_names(table: str, column: str) -> bool:
    return "names" in TABLES[table].c[column].info


def recorded(reader: Reader, table: str) -> bool:
    """Whether the project has any of ``table``'s required fields."""
    present = _present(reader, table)
    return any(present.get(column, False) for column in _required(table))


def check_fields(reader: Reader) -> list[Problem]:
    """Problems with the mapping's fields; a remark for optional ones the project lacks."""
    problems, absent = [], []
    file = reader.export.dictionary.file
    for table in (*PER_PATIENT, *REPEATING):
        present, fields = _present(reader, table), table_fields(reader.mapping, table)
        needed = table in ("patients",) or recorded(reader, table)
        for column in _required(table):
            if needed and not present.get(column, False):
                name = fields.get(column) or ", ".join(lab_tests(reader.mapping))
                message = (
                    f"no field {name} ({table}.{column}): name the project's field in the "
                    f"mapping file's [{table}] table"
                )
                problems.append(whole_problem(file, message))
        for column, name in fields.items():
            f = reader.export.dictionary.get(name)
            if f is None and column not in _required(table):
                absent.append(f"{table}.{column} ({name})")
            elif (
                f is not None
                and f.type == "checkbox"
                and "names" not in TABLES[table].c[column].info
            ):
                message = f"field {name} is a checkbox: it cannot fill {table}.{column}"
                problems.append(whole_problem(file, message, name))
    if absent:
        reader.notes.append(f"fields not in the data dictionary, left empty: {', '.join(absent)}")
    return problems


NOT_RECORDED = {
    "transplant": ("patients", "transplant_on"),
    "gvhd": ("adverse_events", "gvhd_type"),
    "blood_counts": ("lab_results", None),
    "chimerism": ("chimerism", None),
    "responses": ("responses", None),
    "transfusions": ("transfusions", None),
}
"""What a project may not record, and the field (or, None, the table) that would hold it."""


def not_recorded(reader: Reader) -> list[str]:
    """Names of :data:`data_access.schema.NOT_RECORDED` the project's dictionary lacks."""
    missing = []
    for name, (table, column) in NOT_RECORDED.items():
        if column is None:
            absent = not recorded(reader, table)
        else:
            absent = not _present(reader, table).get(column, False)
        if absent:
            missing.append(name)
    return missing


def missing_columns(reader: Reader) -> list[str]:
    """Mapped fields the dictionary has but the records export does not."""
    dictionary, cells = reader.export.dictionary, reader.export.cells
    names = [
        n for t in (*PER_PATIENT, *REPEATING) for n in table_fields(reader.mapping, t).values()
    ]
    names += list(lab_tests(reader.mapping))
    missing = []
    for name in dict.fromkeys(names):
        f = dictionary.get(name)
        if f is not None and f.columns() and not any(c in cells for c in f.columns()):
            missing.append(name)
    return missing
