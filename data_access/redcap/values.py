"""One REDCap field's values as the text the CSV bundle would hold for its model column.

Choices are decoded to their labels and translated by the mapping's ``[values]`` tables
(``Female`` -> ``F``); a choice field without a table gives its code (the CTCAE grade).
Checkboxes give the model's names of the checked choices (``imputed``). Dates become
``YYYY-MM-DD``: REDCap's day-month and month-day validations are turned round, a time
is dropped, and a partial date (``2019-05``, ``2019``, typed in a text field) is
completed by the CDISC rule (:mod:`data_access.cdisc.dates`) and reported as imputed.
Everything else is passed as written, for the bundle's own cell rules to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Boolean, Column, Date

from data_access.bundle_read import shown
from data_access.cdisc.dates import ParsedDates, parse_dates
from data_access.cdisc.mapping import Mapping
from data_access.redcap.dictionary import Field
from data_access.redcap.mapping import BOOLEAN
from data_access.redcap.records import Export, checked, codes

_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(.*)")


@dataclass(frozen=True)
class FieldValues:
    """A field's model text on every row of the export, and its parsed dates if a date."""

    text: pd.Series
    dates: ParsedDates | None = None


def _value_table(mapping: Mapping, column: Column) -> dict | None:
    if isinstance(column.type, Boolean):
        return mapping["values"][BOOLEAN]
    return mapping["values"].get(column.name)


def _translate(export: Export, f: Field, labels: pd.Series, table: dict, column: str):
    translated = labels.str.upper().map(table)
    bad = labels.ne("") & translated.isna()
    section = BOOLEAN if set(table.values()) <= {"yes", "no"} else column
    export.report(
        bad.to_numpy(),
        f.name,
        [
            f"choice {shown(v)} has no meaning for {column}: add it to the mapping file's "
            f"[values.{section}] table"
            for v in labels[bad]
        ],
    )
    return translated.fillna("")


def _choices(export: Export, f: Field, column: Column, mapping: Mapping, site: bool) -> pd.Series:
    found = codes(export, f)
    if site:  # a site field's choices are labelled with the site ids
        return found.map(f.choices).fillna("")
    table = _value_table(mapping, column)
    if table is None:
        return found
    return _translate(export, f, found.map(f.choices).fillna(""), table, column.name)


def _names(export: Export, f: Field, column: Column, mapping: Mapping) -> pd.Series:
    """Checked choices as the model's space-separated names, in the model's order."""
    ticks = checked(export, f)
    table = mapping["values"].get(column.name, {})
    order = column.info.get("names", ())
    chosen = pd.Series([[] for _ in range(len(ticks))], index=ticks.index, dtype=object)
    for code, label in f.choices.items():
        if not ticks[code].any():
            continue
        name = table.get(label.upper())
        if name is None:
            labels = pd.Series(label, index=ticks.index)[ticks[code]]
            _translate(export, f, labels, table, column.name)
            continue
        chosen = chosen.where(~ticks[code], chosen.map(lambda names, n=name: [*names, n]))
    return chosen.map(lambda names: " ".join(n for n in order if n in names))


def _iso(text: pd.Series, validation: str) -> pd.Series:
    """Dates turned to ``YYYY-MM-DD...`` order, with ``T`` before a time."""
    if "dmy" in validation or "mdy" in validation:
        day_first = "dmy" in validation

        def turn(value: str) -> str:
            match = _DAY_FIRST.fullmatch(value)
            if not match:
                return value
            a, b, year, rest = match.groups()
            day, month = (a, b) if day_first else (b, a)
            return f"{year}-{int(month):02d}-{int(day):02d}{rest}"

        text = text.map(turn)
    return text.str.strip().str.replace(" ", "T", n=1, regex=False)


def _dates(export: Export, f: Field, text: pd.Series) -> FieldValues:
    parsed = parse_dates(_iso(text, f.validation))
    export.report(
        parsed.invalid.to_numpy(),
        f.name,
        [
            f"not a date (YYYY-MM-DD, or YYYY-MM or YYYY when partial): {shown(v)}"
            for v in text[parsed.invalid]
        ],
    )
    iso = parsed.dates.dt.strftime("%Y-%m-%d").where(parsed.dates.notna(), "")
    return FieldValues(iso.astype(object), parsed)


def field_values(
    export: Export, f: Field, column: Column, mapping: Mapping, *, site: bool = False
) -> FieldValues:
    """The model text of ``column`` from field ``f`` on every row of ``export``."""
    if f.type == "checkbox":
        if "names" not in column.info:
            raise ValueError(f"a checkbox cannot fill {column.name}")
        return FieldValues(_names(export, f, column, mapping))
    if f.has_choices:
        return FieldValues(_choices(export, f, column, mapping, site))
    text = export.column(f.name)
    if isinstance(column.type, Date):
        return _dates(export, f, text)
    return FieldValues(text)
