"""Finding and reading the CDISC datasets of a folder: SAS transport (XPT v5), sas7bdat, CSV.

A dataset is named by its domain (``dm.xpt``, ``DM.XPT``, ``adsl.sas7bdat``, ``ae.csv``).
SAS files are read with pyreadstat, which reads XPT numbers exactly (pandas' own
``read_sas`` can turn a 0 into 5.4e-79) and turns SAS dates into dates; a CSV dataset
is read as text. Every dataset comes back with upper-case variable names and its
variable labels; mappers read values through :meth:`Dataset.text` (``""`` for missing,
as SAS has it, numbers written without a trailing ``.0``) and convert what they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, Problem

SDTM_DOMAINS = ("dm", "ds", "ae", "ex", "pr", "sv", "lb", "rs", "ts", "suppdm")
ADAM_DATASETS = ("adsl", "adae", "adtte")
KNOWN = SDTM_DOMAINS + ADAM_DATASETS
SUFFIXES = (".xpt", ".sas7bdat", ".csv")
ROW = "row"
"""How a problem's position in a dataset is named: its row, counted from 1."""


@dataclass(frozen=True)
class Dataset:
    """One domain's records; ``rows`` numbers them from 1 as a SAS viewer does."""

    name: str
    file: str
    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    _texts: dict[str, pd.Series] = field(default_factory=dict, repr=False, compare=False)

    def has(self, *variables: str) -> bool:
        return all(v in self.frame for v in variables)

    def text(self, variable: str) -> pd.Series:
        """A variable as stripped text, ``""`` where missing or absent (made once; treat
        it as read-only)."""
        if variable not in self._texts:
            self._texts[variable] = self._as_text(variable)
        return self._texts[variable]

    def _as_text(self, variable: str) -> pd.Series:
        if variable not in self.frame:
            return pd.Series("", index=self.frame.index, dtype=object)
        values = self.frame[variable]
        if values.dtype != object:
            values = values.astype(object).where(values.notna(), "")
            return values.map(lambda v: v if isinstance(v, str) else _number_text(v))
        return values.fillna("").astype(str).str.strip()

    def problem(self, row: int, variable: str, message: str) -> Problem:
        """A problem at ``row`` (0-based position in ``frame``) of this dataset."""
        return Problem(self.file, int(row) + 1, variable, message, unit=ROW)


def _number_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def find_datasets(directory: Path) -> tuple[dict[str, Path], list[Problem], list[str]]:
    """The known datasets of ``directory`` by lower-case name, problems (two files for
    one domain), and the names of other data files, which are not read."""
    found: dict[str, list[Path]] = {}
    ignored = []
    for entry in sorted(directory.iterdir()):
        stem, suffix = entry.stem.lower(), entry.suffix.lower()
        if not entry.is_file() or suffix not in SUFFIXES:
            continue
        if stem in KNOWN:
            found.setdefault(stem, []).append(entry)
        else:
            ignored.append(entry.name)
    problems = [
        Problem(
            paths[0].name,
            WHOLE_FILE,
            NO_COLUMN,
            f"two files for {name.upper()}: {', '.join(p.name for p in paths)} (keep one)",
            unit=ROW,
        )
        for name, paths in found.items()
        if len(paths) > 1
    ]
    return {name: paths[0] for name, paths in found.items()}, problems, ignored


def looks_like_cdisc(directory: Path) -> bool:
    """Whether ``directory`` holds a DM or ADSL dataset (of any supported kind)."""
    datasets, _problems, _ignored = find_datasets(directory)
    return "dm" in datasets or "adsl" in datasets


def _read_sas(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    import pyreadstat

    reader = pyreadstat.read_xport if path.suffix.lower() == ".xpt" else pyreadstat.read_sas7bdat
    frame, meta = reader(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels or [], strict=False))
    return frame, {k: v for k, v in labels.items() if v}


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
    )
    return frame, {}


def read_dataset(name: str, path: Path) -> tuple[Dataset | None, list[Problem]]:
    """One dataset, or None and why it cannot be read."""
    try:
        frame, labels = _read_csv(path) if path.suffix.lower() == ".csv" else _read_sas(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        return None, [_unreadable(path, error)]
    except Exception as error:  # pyreadstat's own errors (ReadstatError, PyreadstatError)
        if type(error).__module__.split(".")[0] != "pyreadstat":
            raise
        return None, [_unreadable(path, error)]
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    labels = {k.upper(): v for k, v in labels.items()}
    return Dataset(name, path.name, frame.reset_index(drop=True), labels), []


def _unreadable(path: Path, error: Exception) -> Problem:
    kind = {".xpt": "SAS transport (XPT)", ".sas7bdat": "sas7bdat", ".csv": "CSV"}[
        path.suffix.lower()
    ]
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    message = f"not a readable {kind} dataset: {reason}"
    return Problem(path.name, WHOLE_FILE, NO_COLUMN, message, unit=ROW)
