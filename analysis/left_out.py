"""What an analysis leaves out because a data-quality finding makes it meaningless.

The import loads records that contradict each other (only what cannot be read or
linked refuses it), and the data-quality rules report them (:mod:`analysis.quality`).
An analysis then leaves out the patient such a contradiction makes meaningless (a
survival time that would be negative, a transplant of a patient never enrolled) and
says how many it left out, why, and which rule's findings list them, so that a panel
can link to them.

The functions that derive per-patient rows (:mod:`analysis.endpoints`,
:func:`analysis.recovery_days.transplanted_patients`) name the patients they leave out
in their frame's ``attrs[LEFT_OUT]``, by reason; :func:`left_out` turns that into
counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.endpoints import LEFT_OUT, NEGATIVE_TIME
from analysis.quality.rules import AFTER_DEATH, ENROL_STATUS, FU_BEFORE_ENROL
from analysis.recovery_days import DIED_BEFORE_TRANSPLANT, NEVER_ENROLLED

WHY = {
    NEGATIVE_TIME: (
        FU_BEFORE_ENROL,
        "death, progression or last contact dated before enrollment",
    ),
    NEVER_ENROLLED: (ENROL_STATUS, "transplant recorded for a patient never enrolled"),
    DIED_BEFORE_TRANSPLANT: (AFTER_DEATH, "transplant dated after the patient's death"),
}
"""Each reason: the data-quality rule whose findings list the patients, and the words."""


@dataclass(frozen=True)
class LeftOut:
    """``patients`` left out of an analysis for ``reason``, listed by the findings of
    data-quality rule ``rule``."""

    rule: str
    patients: int
    reason: str

    def json(self) -> dict:
        return {"rule": self.rule, "patients": self.patients, "reason": self.reason}


def left_out(*frames: pd.DataFrame) -> list[LeftOut]:
    """The patients the frames' analyses left out, by reason (a patient left out of
    several frames for one reason counts once)."""
    ids: dict[str, set] = {}
    for frame in frames:
        for reason, patients in frame.attrs.get(LEFT_OUT, {}).items():
            ids.setdefault(reason, set()).update(patients)
    return [
        LeftOut(WHY[reason][0], len(ids[reason]), WHY[reason][1])
        for reason in WHY
        if ids.get(reason)
    ]


def left_out_json(items: list[LeftOut]) -> list[dict]:
    """``left_out`` of the JSON answers: ``[{rule, patients, reason}]``."""
    return [item.json() for item in items]
