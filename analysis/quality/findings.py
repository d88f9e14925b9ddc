"""The findings table: one row per problem found, in one shape for every rule.

Columns :data:`COLUMNS`: ``rule`` (a rule id), ``severity``, ``patient_id`` (None for a
site's finding), ``site_id``, ``date`` (the date of the record concerned,
``datetime64[ns]``, NaT when none) and ``detail`` (plain words with the values and
dates). The order is the data manager's: severity, site, patient (a site's own findings
first), rule in display order, date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.quality.rules import RULE_ORDER, SEVERITIES, SEVERITY_OF

COLUMNS = ["rule", "severity", "patient_id", "site_id", "date", "detail"]


def empty() -> pd.DataFrame:
    """A findings table without rows, typed as a full one."""
    return make("", [], [], [], [])


def make(rule: str, patient_id, site_id, date, detail) -> pd.DataFrame:
    """The findings of ``rule``, one per element of the equally long array-likes."""
    patient_id = np.asarray(patient_id, dtype=object)
    frame = pd.DataFrame(
        {
            "rule": np.full(len(patient_id), rule, dtype=object),
            "severity": np.full(len(patient_id), SEVERITY_OF.get(rule), dtype=object),
            "patient_id": patient_id,
            "site_id": np.asarray(site_id, dtype=object),
            "date": pd.to_datetime(pd.Series(np.asarray(date), dtype="datetime64[ns]")).to_numpy(),
            "detail": np.asarray(detail, dtype=object),
        }
    )
    frame["patient_id"] = frame["patient_id"].where(frame["patient_id"].notna(), None)
    return frame[COLUMNS]


def sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in the data manager's order (module docstring), on a fresh index."""
    keys = pd.DataFrame(
        {
            "severity": frame["severity"].map({s: k for k, s in enumerate(SEVERITIES)}),
            "site": frame["site_id"].fillna(""),
            "patient": frame["patient_id"].fillna(""),
            "rule": frame["rule"].map(RULE_ORDER),
            "date": frame["date"],
        },
        index=frame.index,
    )
    order = keys.sort_values(list(keys.columns), kind="mergesort", na_position="first").index
    return frame.loc[order].reset_index(drop=True)


def iso(date) -> str:
    """A date as ``YYYY-MM-DD`` text."""
    return pd.Timestamp(date).strftime("%Y-%m-%d")


def number(value: float) -> str:
    """A measured value as short text: ``150``, ``0.62``, ``-5``."""
    return f"{float(value):g}"
