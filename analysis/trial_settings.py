"""Trial settings: optional columns of the trial row, named ``<prefix>_<field>``
(``stopping_p0``, ``quality_max_anc``), each overriding one default of a rule."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd


def trial_settings(tables: dict[str, pd.DataFrame]) -> dict:
    """The trial row as a mapping of settings; empty without a trial row."""
    trial = tables.get("trial")
    if trial is None or trial.empty:
        return {}
    return trial.iloc[0].to_dict()


def given_settings(settings: Mapping | None, prefix: str, names: Iterable[str]) -> dict:
    """``name -> raw value`` of each ``prefix + name`` key that ``settings`` gives;
    missing, empty and NaN values are not given (the default holds)."""
    given = {}
    for name in names:
        raw = (settings or {}).get(prefix + name)
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or raw == "":
            continue
        given[name] = raw
    return given
