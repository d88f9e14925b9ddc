"""The datasets of one study being read, with the problems and remarks found on the way.

Mapping code asks the study for a dataset's variables as text, numbers or dates; each
date variable is parsed once, and an impossible date is recorded as a problem naming
the file, row and variable, however many mappers read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, Problem
from data_access.cdisc.datasets import ROW, Dataset
from data_access.cdisc.dates import ParsedDates, analysis_dates, parse_dates
from data_access.cdisc.mapping import Mapping


@dataclass
class Study:
    datasets: dict[str, Dataset]
    mapping: Mapping
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    _dates: dict[tuple[str, str], ParsedDates] = field(default_factory=dict)
    _latest: pd.Series | None = None

    def get(self, name: str) -> Dataset | None:
        return self.datasets.get(name)

    def require(self, name: str, *variables: str) -> Dataset | None:
        """Dataset ``name`` when it has ``variables``; else None, with a problem."""
        ds = self.datasets.get(name)
        if ds is None and name in self.unreadable:  # already said why
            return None
        if ds is None:
            message = f"required dataset {name.upper()} is missing ({name}.xpt, "
            message += f"{name}.sas7bdat or {name}.csv)"
            self.variable_problem(f"{name}.xpt", NO_COLUMN, message)
            return None
        return ds if self.has_variables(ds, *variables) else None

    def has_variables(self, ds: Dataset, *variables: str) -> bool:
        """Whether ``ds`` has ``variables``; a problem for each one it lacks."""
        missing = [v for v in variables if v not in ds.frame]
        for variable in missing:
            self.variable_problem(ds.file, variable, "required variable is missing")
        return not missing

    def unique(self, ds: Dataset, *keys: str) -> None:
        """A problem for each record repeating the ``keys`` of an earlier one."""
        if not ds.has(*keys):
            return
        values = pd.DataFrame({k: ds.text(k) for k in keys})
        repeated = values.duplicated(keep="first")
        first = values.groupby(list(keys), sort=False).ngroup()
        first_row = pd.Series(values.index, index=values.index).groupby(first).transform("min")
        for row in repeated[repeated].index:
            shown = ", ".join(values.loc[row])
            message = f"duplicate {', '.join(keys)}: {shown} (first on row {first_row[row] + 1})"
            self.problems.append(ds.problem(row, keys[-1], message))

    def variable_problem(self, file: str, variable: str, message: str) -> None:
        """A problem with a whole variable of a dataset (or of a missing dataset)."""
        self.problems.append(Problem(file, WHOLE_FILE, variable, message, unit=ROW))

    def dates(self, ds: Dataset, variable: str) -> ParsedDates:
        """``variable`` of ``ds`` as dates (imputed where partial); invalid ones reported."""
        key = (ds.name, variable)
        if key not in self._dates:
            parsed = parse_dates(ds.text(variable))
            for row in parsed.invalid[parsed.invalid].index:
                value = ds.text(variable).loc[row]
                self.problems.append(
                    ds.problem(
                        row,
                        variable,
                        f"not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}",
                    )
                )
            self._dates[key] = parsed
        return self._dates[key]

    def adam_dates(self, ds: Dataset, values: pd.Series, variable: str) -> pd.Series:
        """ADaM dates of ``variable`` (``values`` on some rows of ``ds``); a value that
        is not a date is reported."""
        dates, invalid = analysis_dates(values)
        for row in invalid[invalid].index:
            self.problems.append(
                ds.problem(row, variable, f"not a date (SAS date or YYYY-MM-DD): {values[row]!r}")
            )
        return dates

    def first_date(self, ds: Dataset, variables: list[str]) -> tuple[pd.Series, pd.Series]:
        """The first of ``variables`` (in order) that holds a date, row by row, and
        whether that date was imputed."""
        dates = pd.Series(pd.NaT, index=ds.frame.index, dtype="datetime64[ns]")
        imputed = pd.Series(False, index=ds.frame.index)
        for variable in variables:
            if variable not in ds.frame:
                continue
            parsed = self.dates(ds, variable)
            take = dates.isna() & parsed.dates.notna()
            dates = dates.where(~take, parsed.dates)
            imputed = imputed.where(~take, parsed.imputed)
        return dates, imputed

    def note(self, text: str) -> None:
        self.notes.append(text)

    def per_subject(self, ds: Dataset, values: pd.Series, how: str = "min") -> pd.Series:
        """``values`` (on the rows of ``ds``) reduced to one per USUBJID (``how``: a pandas
        aggregation such as ``min``, ``max``, ``first``); missing values are skipped."""
        frame = pd.DataFrame({"id": ds.text("USUBJID"), "v": values}).dropna(subset=["v"])
        return frame.groupby("id")["v"].agg(how)

    def all_record_dates(self) -> pd.Series:
        """The latest date of every dated record of each subject, in every dataset read
        (``--DTC`` variables of SDTM; ADaM's ``--DT`` are left to ADaM's own readers).
        Computed once."""
        if self._latest is None:
            self._latest = self._latest_record_dates()
        return self._latest

    def _latest_record_dates(self) -> pd.Series:
        latest = []
        for ds in self.datasets.values():
            if "USUBJID" not in ds.frame or ds.name.startswith(("ad", "supp")) or ds.name == "ts":
                continue
            for variable in ds.frame.columns:
                if variable.endswith("DTC"):
                    latest.append(self.per_subject(ds, self.dates(ds, variable).dates, "max"))
        if not latest:
            return pd.Series(dtype="datetime64[ns]")
        return pd.concat(latest).groupby(level=0).max()
