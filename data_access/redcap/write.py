"""The trial data as a REDCap project: records REDCap's data import tool takes, and the
dictionary to build the project from.

The dictionary is the one shipped in ``redcap/``, less the forms and fields of what the
trial does not record (``trial.not_recorded``). The records are raw: choice codes, dates
``YYYY-MM-DD``, yes/no as 1/0, a checkbox's choices as ``field___code`` 0/1, one row
per patient for the non-repeating forms and one per instance of a repeating form
(``redcap_repeat_instrument``, ``redcap_repeat_instance``), the site as the data access
group's unique name, and each form filled in marked Complete (2). A blood count sample
is one instance holding the counts of one day (a second count of a test on the same
day opens another instance). REDCap holds neither the trial's settings nor the sites'
milestones: they are written beside, as a mapping file's ``[trial]`` table and a
``sites.csv``, which ``import --mapping --sites`` read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import Boolean, Engine

from data_access.bundle import csv_cells, write_folder
from data_access.bundle_read import restore_formulas
from data_access.queries import load_snapshot
from data_access.redcap.dictionary import (
    CSV_COLUMNS,
    Dictionary,
    Field,
    checkbox_column,
    parse_dictionary,
    read_dictionary_file,
    unique_group_name,
)
from data_access.redcap.fields import NOT_RECORDED
from data_access.redcap.mapping import BOOLEAN, DEFAULTS, LAB_TESTS, table_fields
from data_access.redcap.records import GROUP, INSTANCE, INSTRUMENT
from data_access.schema import BUNDLE_TABLES, Site

SHIPPED = Path(__file__).resolve().parents[2] / "redcap" / "mtsa-data-dictionary.csv"
TABLES = {table.name: table for table in BUNDLE_TABLES.values()}
PER_PATIENT = ("patients", "follow_up")
REPEATING = ("responses", "transfusions", "adverse_events", "chimerism", "time_to_event")
COMPLETE = "2"
TRIAL_KEYS = (
    "nct_id",
    "title",
    "target_enrollment",
    "start_date",
    "planned_accrual_end",
    "data_cut",
)


def shipped_dictionary() -> tuple[pd.DataFrame, Dictionary]:
    """The dictionary shipped with the dashboard, as cells and as a :class:`Dictionary`."""
    frame, problems = read_dictionary_file(SHIPPED, SHIPPED.name)
    dictionary, more = parse_dictionary(frame, SHIPPED.name) if frame is not None else (None, [])
    if dictionary is None:
        raise ValueError(f"{SHIPPED}: {'; '.join(str(p) for p in problems + more)}")
    return frame, dictionary


def _dropped_fields(not_recorded: str | None) -> set[str]:
    """Fields of what the trial does not record (a whole form for a table)."""
    dropped = set()
    for name in (not_recorded or "").split():
        table, column = NOT_RECORDED[name]
        fields = table_fields(DEFAULTS, table)
        dropped |= {fields[column]} if column else set(fields.values())
        if table == "lab_results" and column is None:
            dropped |= set(LAB_TESTS)
    return dropped


def _encode(values: pd.Series, f: Field, column) -> pd.Series:
    """Bundle text of a column as the field's raw REDCap values."""
    if f.type == "checkbox" or not f.has_choices:
        return values
    table = DEFAULTS["values"][BOOLEAN] if isinstance(column.type, Boolean) else None
    table = table or DEFAULTS["values"].get(column.name)
    if table is None:
        return values
    code_of = {}
    for code, label in f.choices.items():
        code_of.setdefault(table.get(label.upper()), code)
    encoded = values.map(lambda v: code_of.get(v, "") if v else "")
    unknown = values.ne("") & encoded.eq("")
    if unknown.any():
        raise ValueError(f"{column.name} {values[unknown].iloc[0]!r} has no choice in {f.name}")
    return encoded


def _checkbox(values: pd.Series, f: Field, column) -> dict[str, pd.Series]:
    table = DEFAULTS["values"][column.name]
    names = values.str.split()
    out = {}
    for code, label in f.choices.items():
        name = table.get(label.upper())
        out[checkbox_column(f.name, code)] = names.map(lambda n, x=name: "1" if x in n else "0")
    return out


def _cells(name: str, frame: pd.DataFrame, dictionary: Dictionary) -> pd.DataFrame:
    """A table's rows as REDCap columns (fields the dictionary lacks are left out)."""
    table = TABLES[name]
    text = csv_cells(table, frame)
    out = {}
    for column, field_name in table_fields(DEFAULTS, name).items():
        f = dictionary.get(field_name)
        if f is None:
            continue
        values = restore_formulas(text[column]) if text[column].dtype == object else text[column]
        if f.type == "checkbox":
            out.update(_checkbox(values, f, table.c[column]))
        else:
            out[f.name] = _encode(values, f, table.c[column])
    return pd.DataFrame(out, index=frame.index)


def _instances(frame: pd.DataFrame, name: str, dictionary: Dictionary, form: str) -> pd.DataFrame:
    cells = _cells(name, frame, dictionary)
    cells[INSTRUMENT] = form
    cells[INSTANCE] = (frame.groupby("patient_id", sort=False).cumcount() + 1).astype(str)
    cells["patient_id"] = frame["patient_id"].to_numpy()
    return cells


def _lab_instances(labs: pd.DataFrame, dictionary: Dictionary) -> pd.DataFrame:
    """One instance per patient, day and repeat of a test on that day."""
    if dictionary.get("lab_date") is None or labs.empty:
        return pd.DataFrame()
    labs = labs.assign(
        day=csv_cells(TABLES["lab_results"], labs)["sampled_on"],
        value_text=csv_cells(TABLES["lab_results"], labs)["value"],
        repeat=labs.groupby(["patient_id", "sampled_on", "test"], sort=False).cumcount(),
    )
    field_of = {test: field for field, test in LAB_TESTS.items()}
    keys = ["patient_id", "day", "repeat"]
    wide = labs.pivot_table(
        index=keys, columns="test", values="value_text", aggfunc="first", sort=False
    )
    wide.columns = [field_of[test] for test in wide.columns]
    wide = wide.reset_index()
    cells = wide[[c for c in LAB_TESTS if c in wide]].fillna("")
    cells.insert(0, "lab_date", wide["day"])
    cells[INSTRUMENT] = dictionary.form_of("lab_date")
    cells[INSTANCE] = (wide.groupby("patient_id", sort=False).cumcount() + 1).astype(str)
    cells["patient_id"] = wide["patient_id"]
    return cells


def records_frame(tables: dict[str, pd.DataFrame], dictionary: Dictionary) -> pd.DataFrame:
    """Every row of the records export, grouped by record, in REDCap's column order."""
    patients = tables["patients"]
    base = _cells("patients", patients, dictionary)
    base["patient_id"] = patients["patient_id"].to_numpy()
    follow = _cells("follow_up", tables["follow_up"], dictionary)
    follow["patient_id"] = tables["follow_up"]["patient_id"].to_numpy()
    base = base.merge(follow, on="patient_id", how="left").fillna("")
    parts = [base.assign(**{INSTRUMENT: "", INSTANCE: ""})]
    for name in REPEATING:
        form = dictionary.form_of(table_fields(DEFAULTS, name)[_first_required(name)])
        if form and not tables[name].empty:
            parts.append(_instances(tables[name], name, dictionary, form))
    parts.append(_lab_instances(tables["lab_results"], dictionary))
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True).fillna("")
    order = {pid: i for i, pid in enumerate(patients["patient_id"])}
    rows = rows.assign(_rank=rows["patient_id"].map(order)).sort_values("_rank", kind="stable")
    sites = patients.set_index("patient_id")["site_id"].map(unique_group_name)
    rows[dictionary.record_id] = rows["patient_id"]
    rows[GROUP] = rows["patient_id"].map(sites)
    return _columns(rows, dictionary)


def _first_required(name: str) -> str:
    table = TABLES[name]
    return next(c.name for c in table.columns if not c.nullable and c.name in DEFAULTS[name])


def _columns(rows: pd.DataFrame, dictionary: Dictionary) -> pd.DataFrame:
    """REDCap's order: record id, repeat columns, group, then each form's fields and its
    status (Complete where the row holds a value of the form)."""
    out = {dictionary.record_id: rows[dictionary.record_id]}
    out.update({INSTRUMENT: rows[INSTRUMENT], INSTANCE: rows[INSTANCE], GROUP: rows[GROUP]})
    for form in dictionary.forms:
        columns = [
            c
            for f in dictionary.fields.values()
            if f.form == form and f.name != dictionary.record_id
            for c in f.columns()
        ]
        filled = pd.Series(False, index=rows.index)
        for column in columns:
            values = rows[column] if column in rows else pd.Series("", index=rows.index)
            out[column] = values
            unticked = values.eq("0") if "___" in column else False
            filled |= values.ne("") & ~unticked
        out[f"{form}_complete"] = filled.map({True: COMPLETE, False: ""})
    return pd.DataFrame(out).reset_index(drop=True)


def trial_mapping(trial: pd.DataFrame) -> str:
    """The trial row as a mapping file's ``[trial]`` table (TOML)."""
    cells = csv_cells(TABLES["trial"], trial).iloc[0]
    lines = [
        "# The trial's settings, which a REDCap project does not hold.",
        "# Read back with: python -m dashboard import DIR --mapping mapping.toml --sites sites.csv",
        "",
        "[trial]",
    ]
    for key in TRIAL_KEYS:
        value = cells[key]
        if key == "title" or key == "nct_id":
            value = restore_formulas(pd.Series([value])).iloc[0]
        if value == "":
            continue
        text = value if key == "target_enrollment" else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def redcap_files(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame | str]:
    """The files of a REDCap export of ``tables`` (typed frames by table name)."""
    frame, dictionary = shipped_dictionary()
    trial = tables["trial"]
    dropped = _dropped_fields(trial["not_recorded"].iloc[0] if len(trial) else None)
    kept = frame[~frame[CSV_COLUMNS[0]].isin(dropped)][list(CSV_COLUMNS)]
    dictionary, _ = parse_dictionary(kept, SHIPPED.name)
    return {
        "records.csv": records_frame(tables, dictionary),
        "data_dictionary.csv": kept.reset_index(drop=True),
        "sites.csv": csv_cells(Site.__table__, tables["sites"]),
        "mapping.toml": trial_mapping(trial),
    }


def export_redcap(engine: Engine, directory: Path, version: int | None = None) -> list[Path]:
    """Write the trial data (as of ``version``) as a REDCap export in ``directory``:
    ``records.csv``, ``data_dictionary.csv``, ``sites.csv`` and ``mapping.toml``."""
    snapshot = load_snapshot(engine, version)
    return write_folder(directory, redcap_files(snapshot.tables))
