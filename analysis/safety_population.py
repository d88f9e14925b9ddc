"""Who and what the safety tables count: the safety population and the analysed events.

ICH E3 (section 12.2) tabulates adverse events that emerge on treatment among the
patients who received it. What a study's data say decides how this is done, and the
pages say which rule applied:

- Safety population: the study's own flag where it has one (ADaM ADSL ``SAFFL``:
  ``safety_population``); else, where the data hold first-treatment dates, the enrolled
  patients treated by the data cut; else every enrolled patient.
- Events: the study's treatment-emergent flag where it has one (ADaM ADAE ``TRTEMFL``:
  ``treatment_emergent``); else, where the data hold first-treatment dates, events with
  onset on or after the patient's first treatment; else every event reported (the CSV
  bundle's meaning when it has no treatment dates).
- Grades: CTCAE grades, or grades mapped from a study's mild/moderate/severe scale,
  which the pages then say (``grade_from_severity``).

References
----------
.. [1] ICH E3, *Structure and Content of Clinical Study Reports*, 1995, section 12.2.
.. [2] CDISC, *ADaM Structure for Occurrence Data (OCCDS)*, version 1.1, 2023
   (``TRTEMFL``); *ADaM Implementation Guide* v1.3 (``SAFFL``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.ae_counts import ae_counts

STUDY_FLAG, TREATED, ENROLLED = "study flag", "treated", "enrolled"
FLAGGED, ON_TREATMENT, EVERY_EVENT = "study flag", "on treatment", "every event"
POPULATION_TEXTS = {
    STUDY_FLAG: "the study's safety population (ADSL SAFFL)",
    TREATED: "the treated population (enrolled and treated by the data cut-off)",
    ENROLLED: "the enrolled population",
}
EVENT_TEXTS = {
    FLAGGED: "treatment-emergent events as the study flags them (ADAE TRTEMFL)",
    ON_TREATMENT: "treatment-emergent events (onset on or after the first treatment)",
    EVERY_EVENT: "every adverse event reported",
}


@dataclass(frozen=True)
class SafetyBasis:
    """The rules a safety report followed (module docstring), said on every page."""

    population: str
    events: str
    grades_from_severity: bool

    def sentence(self, n: int) -> str:
        """E.g. 'Treatment-emergent events ...; percentages of the 254 patients of ...'."""
        text = (
            f"{EVENT_TEXTS[self.events][0].upper()}{EVENT_TEXTS[self.events][1:]}; "
            f"percentages of the {n} patients in {POPULATION_TEXTS[self.population]}."
        )
        if self.grades_from_severity:
            text += (
                " Grades were mapped from the study's severity scale (such as mild, moderate, "
                "severe) where it recorded no CTCAE grade."
            )
        return text


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    return column in frame and bool(frame[column].notna().any())


def safety_population(enrolled: pd.DataFrame, cut: pd.Timestamp) -> tuple[pd.DataFrame, str]:
    """The enrolled patients (indexed by ``patient_id``) the safety tables count, and
    which rule chose them."""
    if _has_values(enrolled, "safety_population"):
        flagged = enrolled["safety_population"].fillna(False).astype(bool)
        return enrolled[flagged], STUDY_FLAG
    if _has_values(enrolled, "treatment_start_on"):
        started = pd.to_datetime(enrolled["treatment_start_on"])
        return enrolled[started.notna() & (started <= cut)], TREATED
    return enrolled, ENROLLED


def analysed_events(ae: pd.DataFrame, population: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The events of the population's patients that the tables count, and which rule."""
    ae = ae[ae["patient_id"].isin(population.index)]
    if _has_values(ae, "treatment_emergent"):
        return ae[ae["treatment_emergent"].fillna(False).astype(bool)], FLAGGED
    if _has_values(population, "treatment_start_on"):
        start = pd.to_datetime(ae["patient_id"].map(population["treatment_start_on"]))
        return ae[pd.to_datetime(ae["onset_on"]) >= start], ON_TREATMENT
    return ae, EVERY_EVENT


def grades_from_severity(events: pd.DataFrame) -> bool:
    return _has_values(events, "grade_from_severity") and bool(
        events["grade_from_severity"].fillna(False).astype(bool).any()
    )


def treated_arm(patients: pd.DataFrame) -> pd.Series:
    """The arm each patient was treated in (``actual_arm``), else the planned ``arm``:
    safety is tabulated by the treatment received (ICH E9 5.2.3)."""
    if "arm" not in patients:
        return pd.Series(None, index=patients.index, dtype=object)
    if "actual_arm" not in patients:
        return patients["arm"].astype(object)
    actual = patients["actual_arm"].astype(object)
    return actual.where(actual.notna(), patients["arm"].astype(object))


def arms_of(population: pd.DataFrame) -> list[str]:
    """The treatment arms of the population, when there are two or more (else none)."""
    arms = sorted(treated_arm(population).dropna().astype(str).unique())
    return arms if len(arms) > 1 else []


def counts_by_arm(events: pd.DataFrame, population: pd.DataFrame, arms: list[str]) -> pd.DataFrame:
    """Per treated arm: patients, percentage of the arm and events, overall and by organ
    class.

    Columns ``arm, n`` (patients of the arm in the population), ``soc`` (None for the
    row of any event), ``patients, percent, events``; in each arm the row of any event
    first, then organ classes by patients (most first), then name.
    """
    rows = []
    arm_of = treated_arm(population)
    for arm in arms:
        n = int((arm_of == arm).sum())
        mine = events[events["patient_id"].map(arm_of) == arm]
        overall = ae_counts(mine, ()).assign(soc=None)
        for row in pd.concat([overall, ae_counts(mine, ("soc",))]).itertuples(index=False):
            rows.append(
                {
                    "arm": arm,
                    "n": n,
                    "soc": row.soc,
                    "patients": int(row.patients),
                    "percent": 100.0 * row.patients / n if n else None,
                    "events": int(row.events),
                }
            )
    return pd.DataFrame(rows, columns=["arm", "n", "soc", "patients", "percent", "events"])
