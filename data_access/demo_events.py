"""Demo data, part 4: adverse events (CTCAE terms and grades, MedDRA system organ class).

Most events fall in the aplasia after chemotherapy: febrile neutropenia in about two
thirds of patients, infections in about three quarters, mucositis; deaths without
relapse carry a fatal (grade 5) event. GVHD is very rare: Guo et al. saw none, so the
demo has at most about one mild acute case per hundred patients.
Sources of the orders of magnitude: :mod:`data_access.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_access.demo_accrual import NEVER
from data_access.demo_course import Course

INFECTIONS = "Infections and infestations"
GI = "Gastrointestinal disorders"
GENERAL = "General disorders and administration site conditions"


@dataclass(frozen=True)
class EventSpec:
    term: str
    soc: str
    probability: float  # per transplanted patient
    grades: tuple[float, float, float, float]  # probability of grades 1-4
    onset: tuple[int, int] | None  # days from day 0; None: during aplasia
    duration: tuple[int, int]  # days to resolution
    related: tuple[float, float, float]  # yes, no, unknown


EVENTS = (
    EventSpec(
        "Febrile neutropenia",
        "Blood and lymphatic system disorders",
        0.65,
        (0, 0, 0.9, 0.1),
        None,
        (2, 8),
        (0.9, 0.05, 0.05),
    ),
    EventSpec("Mucositis oral", GI, 0.35, (0.4, 0.4, 0.2, 0), (2, 8), (4, 15), (0.9, 0.05, 0.05)),
    EventSpec("Nausea", GI, 0.35, (0.6, 0.35, 0.05, 0), (-6, 2), (2, 6), (0.8, 0.1, 0.1)),
    EventSpec("Diarrhea", GI, 0.25, (0.5, 0.35, 0.15, 0), (-3, 10), (2, 7), (0.6, 0.2, 0.2)),
    EventSpec("Fever", GENERAL, 0.2, (0.6, 0.4, 0, 0), (0, 1), (1, 3), (0.9, 0.05, 0.05)),
    EventSpec(
        "Infusion related reaction",
        "Injury, poisoning and procedural complications",
        0.06,
        (0.6, 0.4, 0, 0),
        (0, 0),
        (0, 1),
        (1.0, 0, 0),
    ),
    EventSpec("Fatigue", GENERAL, 0.3, (0.5, 0.4, 0.1, 0), (-6, 30), (7, 30), (0.5, 0.1, 0.4)),
    EventSpec(
        "Hypokalemia",
        "Metabolism and nutrition disorders",
        0.2,
        (0.3, 0.4, 0.25, 0.05),
        (0, 20),
        (2, 7),
        (0.3, 0.3, 0.4),
    ),
    EventSpec(
        "Alanine aminotransferase increased",
        "Investigations",
        0.15,
        (0.6, 0.25, 0.15, 0),
        (0, 30),
        (5, 20),
        (0.5, 0.2, 0.3),
    ),
    EventSpec(
        "Rash maculo-papular",
        "Skin and subcutaneous tissue disorders",
        0.1,
        (0.6, 0.4, 0, 0),
        (5, 40),
        (5, 20),
        (0.4, 0.2, 0.4),
    ),
)
INFECTION_PATIENTS = 0.75
# term, share of infections, probability of CTCAE grades 1-4 (sepsis is grade 4 or 5)
INFECTION_TERMS = (
    ("Sepsis", 0.2, (0, 0, 0, 1)),
    ("Lung infection", 0.3, (0, 0.3, 0.6, 0.1)),
    ("Catheter related infection", 0.22, (0, 0.4, 0.5, 0.1)),
    ("Enterocolitis infectious", 0.1, (0, 0.4, 0.5, 0.1)),
    ("Urinary tract infection", 0.12, (0, 0.6, 0.4, 0)),
    ("Skin infection", 0.06, (0, 0.5, 0.5, 0)),
)
FATAL_EVENTS = {  # death cause -> (term, soc) of the grade 5 event
    "infection": ("Sepsis", INFECTIONS),
    "haemorrhage": ("Intracranial hemorrhage", "Nervous system disorders"),
    "cardiac failure": ("Heart failure", "Cardiac disorders"),
}
GVHD_RATE = 0.01
RELATED = np.array(["yes", "no", "unknown"], dtype=object)


def _grade(rng, probabilities, n) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    return rng.choice(np.arange(1, 5), n, p=p / p.sum())


def _aplasia_onset(course: Course, patient, rng) -> np.ndarray:
    first = course.day0[patient] + 1
    return first + np.floor(rng.random(len(patient)) * (course.neutrophil_day[patient] + 6))


def _listed(course: Course, rng) -> list[dict]:
    """The common events of EVENTS, one block of rows per term."""
    n = len(course.enrolled)
    blocks = []
    for spec in EVENTS:
        patient = np.flatnonzero(course.transplanted & (rng.random(n) < spec.probability))
        if spec.onset is None:
            onset = _aplasia_onset(course, patient, rng)
        else:
            low, high = spec.onset
            onset = course.day0[patient] + rng.integers(low, high + 1, len(patient))
        blocks.append(
            {
                "patient": patient,
                "term": np.full(len(patient), spec.term, dtype=object),
                "soc": np.full(len(patient), spec.soc, dtype=object),
                "grade": _grade(rng, spec.grades, len(patient)),
                "onset": onset,
                "resolved": onset + rng.integers(*spec.duration, len(patient), endpoint=True),
                "related": rng.choice(RELATED, len(patient), p=spec.related),
            }
        )
    return blocks


def _infections(course: Course, rng) -> dict:
    """About 75% of patients have one or more infections, mostly during aplasia."""
    n = len(course.enrolled)
    infected = course.transplanted & (rng.random(n) < INFECTION_PATIENTS)
    count = np.where(infected, 1 + rng.poisson(0.4, n), 0)
    patient = np.repeat(np.arange(n), count)
    m = len(patient)
    late = rng.random(m) < 0.2
    onset = np.where(
        late,
        course.day0[patient] + rng.integers(30, 401, m),
        _aplasia_onset(course, patient, rng),
    )
    weights = np.array([w for _, w, _ in INFECTION_TERMS])
    which = rng.choice(len(INFECTION_TERMS), m, p=weights / weights.sum())
    grade = np.zeros(m, dtype=np.int64)
    for k, (_, _, grades) in enumerate(INFECTION_TERMS):
        grade[which == k] = _grade(rng, grades, int((which == k).sum()))
    return {
        "patient": patient,
        "term": np.array([t for t, _, _ in INFECTION_TERMS], dtype=object)[which],
        "soc": np.full(m, INFECTIONS, dtype=object),
        "grade": grade,
        "onset": onset,
        "resolved": onset + rng.integers(5, 22, m),
        "related": rng.choice(RELATED, m, p=(0.3, 0.5, 0.2)),
    }


def _fatal(course: Course, rng) -> dict:
    """A grade 5 event on the day of each death without relapse-related cause."""
    cause = np.where(course.died < NEVER, course.death_cause, None)
    patient = np.flatnonzero(np.isin(cause, list(FATAL_EVENTS)))
    m = len(patient)
    term_soc = [FATAL_EVENTS[c] for c in cause[patient]]
    onset = np.maximum(course.died[patient] - rng.integers(0, 8, m), course.day0[patient])
    return {
        "patient": patient,
        "term": np.array([t for t, _ in term_soc], dtype=object),
        "soc": np.array([s for _, s in term_soc], dtype=object),
        "grade": np.full(m, 5),
        "onset": onset,
        "resolved": np.full(m, NEVER),
        "related": rng.choice(RELATED, m, p=(0.2, 0.3, 0.5)),
    }


def _gvhd(course: Course, rng) -> dict:
    """Acute GVHD, grade I-II, in about 1% of patients (at most one per hundred)."""
    n = len(course.enrolled)
    patient = np.flatnonzero(course.transplanted & (rng.random(n) < GVHD_RATE))
    patient = patient[: max(1, n // 100)]
    m = len(patient)
    grade = np.where(rng.random(m) < 0.7, 1, 2)
    onset = course.day0[patient] + rng.integers(14, 61, m)
    return {
        "patient": patient,
        "term": np.full(m, "Acute graft versus host disease", dtype=object),
        "soc": np.full(m, "Immune system disorders", dtype=object),
        "grade": grade,
        "onset": onset,
        "resolved": onset + rng.integers(10, 43, m),
        "related": np.full(m, "yes", dtype=object),
        "gvhd_type": np.full(m, "acute", dtype=object),
        "gvhd_grade": np.where(grade == 1, "I", "II").astype(object),
    }


def adverse_events(course: Course, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All adverse events, within each patient's follow-up; ongoing ones unresolved.

    Serious: every grade 4-5 event (life-threatening or fatal: serious by the ICH E2A
    definition), 60% of grade 3 events (those needing hospital care), 5% of grade 1-2.
    """
    blocks = [*_listed(course, rng), _infections(course, rng), _fatal(course, rng)]
    blocks.append(_gvhd(course, rng))
    for block in blocks:
        m = len(block["patient"])
        block.setdefault("gvhd_type", np.full(m, None, dtype=object))
        block.setdefault("gvhd_grade", np.full(m, None, dtype=object))
    events = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
    events["grade"] = events["grade"].astype(np.int64)
    grade = events["grade"]
    p_serious = np.where(grade >= 3, 0.6, 0.05)
    events["serious"] = (rng.random(len(grade)) < p_serious) | (grade >= 4)
    end = course.end[events["patient"]]
    keep = events["onset"] <= end
    events["resolved"] = np.where(events["resolved"] <= end, events["resolved"], NEVER)
    events = {key: values[keep] for key, values in events.items()}
    order = np.lexsort((events["onset"], events["patient"]))
    return {key: values[order] for key, values in events.items()}
