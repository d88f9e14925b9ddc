"""Rules across the rows and files of the CSV bundle (``docs/data-bundle.md``).

Cell rules (types, required values, allowed values) come from the schema and run in
:mod:`data_access.bundle_read`. The rules here also come from the schema where it
says them (primary keys and unique constraints are duplicate-key rules, foreign keys
are reference rules, date columns are data-cut rules); what the schema cannot say is
declared once in the tables below. Every rule is vectorised over whole columns and
sees only valid cells: a cell already reported as invalid is treated as missing, so one
mistake is reported once.

Dates after the data cut and records dated before enrollment are not problems: real
exports hold both (screening labs, events before treatment, data entered after the
cut). They are kept, and every panel applies the data cut and its own definition.

Only what cannot be read or linked is refused. Records that contradict each other (a
death before enrollment, a transplant for a patient never enrolled, a site activated
before its initiation visit) load: the data-quality rules (``analysis.quality``) report
them as findings, and each analysis leaves out a record that such a contradiction makes
meaningless and says how many it left out. A DSMB never waits for a clean export to see
the rest of the data. The order of the trial row's own dates stays a rule: they are the
study's plan, not data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Date, Table, UniqueConstraint

from data_access.bundle_read import HEADER_LINE, NO_COLUMN, Problem, TableData, shown
from data_access.frames import bundle_columns
from data_access.schema import LAB_UNITS

RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("trial", "target_enrollment"): (1, None),
    ("sites", "latitude"): (-90, 90),
    ("sites", "longitude"): (-180, 180),
    ("patients", "age"): (0, 120),
    ("chimerism", "donor_percent"): (0, 100),
    ("time_to_event", "days"): (0, None),
}
"""The numbers each column can hold (inclusive). Eligibility (age 60–74) is not an import
rule, nor is a plausible lab value: a negative count loads and is a data-quality finding."""

DATE_ORDER: dict[str, list[tuple[str, str]]] = {
    "trial": [("start_date", "planned_accrual_end")],
}
"""``(earlier, later)`` dates of one row (same day allowed). With a date missing, the
order still holds between the dates on either side of it (the order is transitive)."""

Messages = Callable[[np.ndarray], list[str]]


def _iso(values) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(values).strftime("%Y-%m-%d"), dtype=object)


def _mask(mask) -> np.ndarray:
    if isinstance(mask, pd.Series):
        mask = mask.fillna(False)
    return np.asarray(mask, dtype=bool)


def emit(td: TableData, mask, column: str, messages: Messages | str) -> list[Problem]:
    """Problems for the rows of ``td`` where ``mask`` holds; messages built for those only."""
    rows = np.flatnonzero(_mask(mask))
    if len(rows) == 0:
        return []
    texts = [messages] * len(rows) if isinstance(messages, str) else messages(rows)
    return [
        td.problem(int(line), column, text)
        for line, text in zip(td.lines[rows], texts, strict=True)
    ]


# ------------------------------------------------------------------ single file


def trial_row_count(td: TableData) -> list[Problem]:
    if not td.readable or len(td) == 1:
        return []
    if len(td) == 0:
        return [td.problem(HEADER_LINE, NO_COLUMN, "must have exactly 1 row, found none")]
    message = f"must have exactly 1 row, found {len(td)}"
    return [td.problem(int(line), NO_COLUMN, message) for line in td.lines[1:]]


def ranges(td: TableData) -> list[Problem]:
    problems = []
    for (table, name), (low, high) in RANGES.items():
        if table != td.table.name:
            continue
        values = td.values[name]
        bad = pd.Series(False, index=values.index)
        if low is not None:
            bad |= (values < low).fillna(False)
        if high is not None:
            bad |= (values > high).fillna(False)
        limit = f"at least {low}" if high is None else f"between {low} and {high}"
        problems += emit(
            td,
            bad,
            name,
            lambda rows, v=values, lim=limit: [
                f"out of range: {x} (must be {lim})" for x in v.iloc[rows]
            ],
        )
    return problems


def lab_units(td: TableData) -> list[Problem]:
    values = td.values
    expected = values["test"].map(LAB_UNITS)
    bad = values["unit"].notna() & expected.notna() & values["unit"].ne(expected)

    def messages(rows):
        return [
            f"unit {shown(u)} does not match test {t} (expected {LAB_UNITS[t]})"
            for u, t in zip(values["unit"].iloc[rows], values["test"].iloc[rows], strict=True)
        ]

    return emit(td, bad, "unit", messages)


def key_sets(table: Table) -> list[list[str]]:
    """Column sets that must be unique: the primary key unless surrogate, unique constraints."""
    columns = set(bundle_columns(table))
    keys = []
    primary = [c.name for c in table.primary_key.columns]
    if all(name in columns for name in primary):
        keys.append(primary)
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.append([c.name for c in constraint.columns])
    return keys


def duplicate_keys(td: TableData) -> list[Problem]:
    problems = []
    for key in key_sets(td.table):
        sub = td.values[key]
        complete = sub.notna().all(axis=1).to_numpy()
        if complete.sum() < 2:
            continue
        sub = sub[complete].reset_index(drop=True)
        lines = pd.Series(td.lines[complete])
        first = lines.groupby([sub[k] for k in key], sort=False).transform("first")
        dup = np.zeros(len(td), dtype=bool)
        dup[np.flatnonzero(complete)] = sub.duplicated(keep="first").to_numpy()
        firsts = np.full(len(td), -1)
        firsts[np.flatnonzero(complete)] = first.to_numpy()
        label = ", ".join(key)

        def messages(rows, key=key, label=label, firsts=firsts):
            shown_values = [
                _iso(td.values[k].iloc[rows])
                if isinstance(td.table.c[k].type, Date)
                else td.values[k].iloc[rows].astype(str).to_numpy()
                for k in key
            ]
            return [
                f"duplicate {label}: {', '.join(parts)} (first on {td.unit or 'line'} {firsts[r]})"
                for r, parts in zip(rows, zip(*shown_values, strict=True), strict=True)
            ]

        problems += emit(td, dup, key[-1], messages)
    return problems


def _transitive(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """Every implied ``(earlier, later)`` pair with the columns that lie between them."""
    after: dict[str, set[str]] = {}
    for a, b in pairs:
        after.setdefault(a, set()).add(b)
    changed = True
    while changed:
        changed = False
        for a in list(after):
            reach = set().union(*(after.get(b, set()) for b in after[a])) - after[a]
            if reach:
                after[a] |= reach
                changed = True
    return {
        (a, b): {c for c in later if b in after.get(c, set())}
        for a, later in after.items()
        for b in later
    }


def date_order(td: TableData) -> list[Problem]:
    problems = []
    values = td.values
    for (a, b), between in _transitive(DATE_ORDER.get(td.table.name, [])).items():
        bad = (values[a] > values[b]).to_numpy()
        for c in between:
            bad &= values[c].isna().to_numpy()
        problems += emit(
            td,
            bad,
            b,
            lambda rows, a=a, b=b: [
                f"{b} {later} is before {a} {earlier}"
                for later, earlier in zip(
                    _iso(values[b].iloc[rows]), _iso(values[a].iloc[rows]), strict=True
                )
            ],
        )
    return problems


# ------------------------------------------------------------------ across files


def references(td: TableData, data: dict[str, TableData]) -> list[Problem]:
    problems = []
    for name in bundle_columns(td.table):
        for fk in td.table.c[name].foreign_keys:
            parent = data[fk.column.table.name]
            if not parent.readable:
                continue
            values = td.values[name]
            bad = values.notna() & ~values.isin(parent.values[fk.column.name].dropna().unique())
            problems += emit(
                td,
                bad,
                name,
                lambda rows, v=values, n=name, f=parent.file: [
                    f"unknown {n} {shown(x)} (not in {f})" for x in v.iloc[rows]
                ],
            )
    return problems


def name_lists(td: TableData) -> list[Problem]:
    """A cell of names (``imputed``, ``not_recorded``) lists known names, separated by
    spaces; names of dates must name dates that its row holds."""
    problems = []
    for name in bundle_columns(td.table):
        info = td.table.c[name].info
        if "names" not in info:
            continue
        cells = td.values[name]
        for row in np.flatnonzero(cells.notna().to_numpy()):
            named = cells.iloc[row].split()
            wrong = [n for n in named if n not in info["names"]]
            blank = [n for n in named if info["names_dates"] and pd.isna(td.values[n].iloc[row])]
            if wrong:
                message = (
                    f"unknown name {shown(' '.join(wrong))} (may be: {', '.join(info['names'])})"
                )
            elif blank:
                message = f"names {', '.join(blank)}, which is empty"
            else:
                continue
            problems.append(td.problem(int(td.lines[row]), name, message))
    return problems


def check_rules(data: dict[str, TableData]) -> list[Problem]:
    """Every cross-row and cross-file rule, over tables already read cell by cell."""
    problems = trial_row_count(data["trial"])
    for td in data.values():
        problems += ranges(td)
        problems += duplicate_keys(td)
        problems += date_order(td)
        problems += references(td, data)
        problems += name_lists(td)
        if td.table.name == "lab_results":
            problems += lab_units(td)
    return problems
