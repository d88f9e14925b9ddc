"""Demo data, part 2: each enrolled patient's course, responses, transfusions, chimerism.

Day numbers count from the study start; ``NEVER`` means no such date. Each table is
returned as a dict of numpy columns with a ``patient`` column indexing the enrolled
patients. Sources of the orders of magnitude: :mod:`data_access.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_access.demo_accrual import NEVER

FOLLOW_UP_DAYS = 730  # the protocol follows each patient for 2 years
WITHDRAWAL_REASONS = np.array(
    ["patient decision", "donor no longer available", "investigator decision"], dtype=object
)
# Relapse: a relapse-prone fraction relapses at a lognormal time from enrollment; NRM:
# early deaths during aplasia, and later ones; death follows relapse after a few months.
RELAPSE_PRONE = 0.55
RELAPSE_MEDIAN_DAYS = 250
EARLY_NRM = 0.05
LATE_NRM = 0.06
SURVIVAL_AFTER_RELAPSE_MEDIAN_DAYS = 120
EARLY_DEATH_CAUSES = (("infection", 0.8), ("haemorrhage", 0.2))
LATE_DEATH_CAUSES = (("infection", 0.5), ("cardiac failure", 0.2), ("haemorrhage", 0.1))
RELAPSE_DEATH_CAUSES = (("relapse/progression", 0.85), ("infection", 0.15))
ASSESSMENT_DAYS = np.array([30, 90, 180, 365])  # marrow assessments after day 0
CHIMERISM_DAYS = np.array([7, 14, 30, 90, 180])
CHIMERISM_JITTER = np.array([1, 1, 3, 5, 10])


@dataclass(frozen=True)
class Course:
    """One entry per enrolled patient; day numbers, NEVER where there is no such date."""

    enrolled: np.ndarray
    transplant: np.ndarray  # NEVER for patients withdrawn before it
    day0: np.ndarray  # planned or actual micro-transplant day
    withdrawn: np.ndarray
    withdrawal_reason: np.ndarray
    end: np.ndarray  # last day of follow-up: death, final visit, loss or withdrawal
    died: np.ndarray
    death_cause: np.ndarray
    relapse: np.ndarray
    neutrophil_day: np.ndarray  # ANC >= 0.5, days after day 0
    platelet20_day: np.ndarray
    platelet50_day: np.ndarray

    @property
    def transplanted(self) -> np.ndarray:
        return self.transplant < NEVER


def _pick(rng, choices, n) -> np.ndarray:
    labels = np.array([c for c, _ in choices] + ["other"], dtype=object)
    weights = np.array([w for _, w in choices] + [1 - sum(w for _, w in choices)])
    return rng.choice(labels, n, p=weights)


def _lognormal_days(rng, median, sigma, n, low, high) -> np.ndarray:
    return np.clip(np.round(rng.lognormal(np.log(median), sigma, n)), low, high).astype(np.int64)


def simulate_course(enrolled: np.ndarray, rng: np.random.Generator) -> Course:
    """Micro-transplant 4-8 weeks after enrollment, recovery, relapse and death."""
    n = len(enrolled)
    day0 = enrolled + rng.integers(28, 57, n)
    withdraws = rng.random(n) < 0.03
    withdrawn = np.where(withdraws, enrolled + rng.integers(3, 20, n), NEVER)
    transplant = np.where(withdraws, NEVER, day0)
    final_visit = enrolled + FOLLOW_UP_DAYS + rng.integers(-7, 15, n)
    lost = np.where(rng.random(n) < 0.02, day0 + rng.integers(60, 600, n), NEVER)

    neutrophil = _lognormal_days(rng, 11.5, 0.28, n, 6, 40)
    platelet20 = np.maximum(_lognormal_days(rng, 13.5, 0.3, n, 7, 50), neutrophil - 3)
    platelet50 = platelet20 + _lognormal_days(rng, 6, 0.5, n, 2, 40)

    early_nrm = np.where(rng.random(n) < EARLY_NRM, day0 + rng.integers(8, 46, n), NEVER)
    late_nrm = np.where(rng.random(n) < LATE_NRM, day0 + rng.integers(46, 700, n), NEVER)
    nrm = np.minimum(early_nrm, late_nrm)
    nrm_cause = np.where(
        early_nrm < late_nrm, _pick(rng, EARLY_DEATH_CAUSES, n), _pick(rng, LATE_DEATH_CAUSES, n)
    )
    relapse_delay = np.round(rng.lognormal(np.log(RELAPSE_MEDIAN_DAYS), 0.6, n))
    relapse = np.where(
        rng.random(n) < RELAPSE_PRONE, np.maximum(enrolled + relapse_delay, day0 + 21), NEVER
    )
    after_relapse = _lognormal_days(rng, SURVIVAL_AFTER_RELAPSE_MEDIAN_DAYS, 0.7, n, 10, 2000)
    relapse_death = np.where(relapse < NEVER, relapse + after_relapse, NEVER)
    nrm_first = nrm < relapse
    relapse = np.where(nrm_first, NEVER, relapse).astype(np.int64)
    died = np.where(nrm_first, nrm, relapse_death)
    cause = np.where(nrm_first, nrm_cause, _pick(rng, RELAPSE_DEATH_CAUSES, n))

    end = np.minimum(np.minimum(final_visit, lost), died)
    end = np.where(withdraws, withdrawn, end)
    died = np.where(died <= end, died, NEVER)
    cause = np.where(died < NEVER, cause, None)
    relapse = np.where(relapse <= end, relapse, NEVER)
    return Course(
        enrolled=enrolled,
        transplant=transplant,
        day0=day0,
        withdrawn=withdrawn,
        withdrawal_reason=np.where(withdraws, rng.choice(WITHDRAWAL_REASONS, n), None),
        end=end,
        died=died,
        death_cause=cause,
        relapse=relapse,
        neutrophil_day=neutrophil,
        platelet20_day=platelet20,
        platelet50_day=platelet50,
    )


def responses(course: Course, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """CR or CRi at entry, marrow assessments until relapse, and the relapse itself.

    Patients entering in CRi may reach CR at a later assessment; assessments fall
    strictly before a relapse, so no patient has two responses on one day.
    """
    n = len(course.enrolled)
    entry_cr = rng.random(n) < 0.8
    converts_at = rng.geometric(0.5, n)  # CRi patients reach CR at this assessment
    jitter = rng.integers(-3, 4, (n, len(ASSESSMENT_DAYS)))
    days = course.day0[:, None] + ASSESSMENT_DAYS[None, :] + jitter
    final = course.enrolled + FOLLOW_UP_DAYS + rng.integers(-7, 8, n)
    days = np.concatenate([days, final[:, None]], axis=1)
    k = np.arange(1, days.shape[1] + 1)[None, :]
    value = np.where(entry_cr[:, None] | (k >= converts_at[:, None]), "CR", "CRi")
    keep = (
        course.transplanted[:, None]
        & (days < course.relapse[:, None])
        & (days <= course.end[:, None])
    )
    patient, slot = np.nonzero(keep)
    relapsed = np.flatnonzero(course.relapse < NEVER)
    all_patients = np.arange(n)
    return {
        "patient": np.concatenate([all_patients, patient, relapsed]),
        "day": np.concatenate([course.enrolled, days[patient, slot], course.relapse[relapsed]]),
        "response": np.concatenate(
            [
                np.where(entry_cr, "CR", "CRi").astype(object),
                value[patient, slot].astype(object),
                np.full(len(relapsed), "relapse", dtype=object),
            ]
        ),
    }


def _regular(start, step, last, n_max) -> tuple[np.ndarray, np.ndarray]:
    """(patient, day) pairs of start, start + step, ... up to last, per patient."""
    k = np.arange(n_max)[None, :]
    days = start[:, None] + step[:, None] * k
    patient, slot = np.nonzero(days <= last[:, None])
    return patient, days[patient, slot]


def transfusions(course: Course, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Platelets every 2-3 days and red cells every 5-8 days during aplasia; support later.

    The last platelet transfusion comes 5-10 days before the platelet count holds at 20,
    so that the recovery rule (no transfusion from 7 days before) sometimes bites.
    """
    n = len(course.enrolled)
    t0, ok = course.day0, course.transplanted
    plt_last = np.where(
        ok & (rng.random(n) < 0.92), t0 + course.platelet20_day - rng.integers(5, 11, n), -NEVER
    )
    p1, d1 = _regular(t0 + rng.integers(2, 6, n), rng.integers(2, 4, n), plt_last, 25)
    rbc_last = np.where(
        ok & (rng.random(n) < 0.9), t0 + course.neutrophil_day + rng.integers(0, 10, n), -NEVER
    )
    p2, d2 = _regular(t0 + rng.integers(0, 8, n), rng.integers(5, 9, n), rbc_last, 12)
    relapsed = course.relapse < NEVER
    p3, d3 = _regular(
        course.relapse + rng.integers(10, 30, n), rng.integers(14, 22, n),
        np.where(relapsed, course.end, -NEVER), 60,
    )  # fmt: skip
    patient = np.concatenate([p1, p2, p3])
    day = np.concatenate([d1, d2, d3])
    product = np.concatenate(
        [np.full(len(p1), "platelets", dtype=object), np.full(len(p2) + len(p3), "red_cells")]
    ).astype(object)
    keep = day <= course.end[patient]
    return {"patient": patient[keep], "day": day[keep], "product": product[keep]}


def chimerism(course: Course, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Donor microchimerism: detected in some patients, at well under 1% donor DNA.

    About 60% of patients carry detectable donor cells, less often as months pass;
    undetected samples have ``donor_percent`` 0.
    """
    n = len(course.enrolled)
    m = len(CHIMERISM_DAYS)
    jitter = rng.integers(-CHIMERISM_JITTER, CHIMERISM_JITTER + 1, (n, m))
    days = course.day0[:, None] + CHIMERISM_DAYS[None, :] + jitter
    carrier = rng.random(n) < 0.6
    p_detect = np.where(carrier[:, None], np.linspace(0.9, 0.3, m)[None, :], 0.03)
    detected = rng.random((n, m)) < p_detect
    level = 0.1 * np.array([1.0, 0.8, 0.5, 0.3, 0.2])[None, :]
    percent = np.clip(level * rng.lognormal(0.0, 0.7, (n, m)), 0.005, 0.9).round(3)
    percent = np.where(detected, percent, 0.0)
    patient, slot = np.nonzero(course.transplanted[:, None] & (days <= course.end[:, None]))
    return {
        "patient": patient,
        "day": days[patient, slot],
        "donor_percent": percent[patient, slot],
        "detected": detected[patient, slot],
    }
