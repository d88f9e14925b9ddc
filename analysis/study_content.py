"""What a study records at all, as opposed to what has not happened yet.

A CSV bundle can hold every kind of record. Data mapped from another study (CDISC
datasets of a trial without a transplant, an export without response assessments) may
not, and the trial row then lists what is missing (``not_recorded``): its panels say
"not recorded in this study" instead of "none yet".
"""

from __future__ import annotations

import pandas as pd

WHAT = {
    "transplant": "Transplant (day 0) dates",
    "blood_counts": "Blood counts",
    "chimerism": "Donor chimerism",
    "responses": "Response assessments",
    "transfusions": "Transfusions",
    "gvhd": "Graft-versus-host disease",
}
"""Each name of ``not_recorded`` and how pages name it."""


def not_recorded(tables: dict[str, pd.DataFrame], _data_cut=None) -> frozenset[str]:
    """Names of :data:`WHAT` that the study does not record (``trial.not_recorded``).

    ``_data_cut`` is not used: it is there so that the function computes a panel's
    result as every other (``compute(tables, data_cut)``)."""
    trial = tables.get("trial")
    if trial is None or trial.empty or "not_recorded" not in trial:
        return frozenset()
    value = trial["not_recorded"].iloc[0]
    return frozenset(value.split()) if isinstance(value, str) else frozenset()
