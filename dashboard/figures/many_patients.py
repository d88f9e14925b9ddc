"""What figures draw when a trial has too many patients to draw each one.

One line, row or column per patient reads well for MTSA's 21 patients; at thousands
it is unreadable and weighs megabytes on every page change. Such figures draw the
:data:`MAX_PATIENTS_DRAWN` most recent patients (the listings below them keep every
patient) or, for trajectories, only the cohort summary.
"""

from __future__ import annotations

import pandas as pd

MAX_PATIENTS_DRAWN = 100


def too_many(patients: int) -> bool:
    """Whether ``patients`` are too many to draw one by one."""
    return patients > MAX_PATIENTS_DRAWN


def most_recent(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """The rows of the :data:`MAX_PATIENTS_DRAWN` latest ``date_column`` (ties broken by
    ``patient_id``), in ``frame``'s order."""
    if not too_many(len(frame)):
        return frame
    latest = frame.sort_values([date_column, "patient_id"]).tail(MAX_PATIENTS_DRAWN).index
    return frame[frame.index.isin(latest)]


def shown_note(shown: int, total: int, what: str = "most recently enrolled") -> str:
    """ " (the 100 most recently enrolled of 6,675 patients)", or "" when all are shown."""
    return "" if shown >= total else f" (the {shown} {what} of {total:,} patients)"
