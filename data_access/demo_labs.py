"""Demo data, part 3: blood counts and blasts, sampled as in practice, fully vectorised.

Schedule, in days from the micro-transplant (day 0): weekly from enrollment to day -7;
nearly daily (85% of days) from the start of chemotherapy (day -6) to day 21 in
hospital; three to four a week to day 34; weekly from day 35 to day 98, so that every
week to day 100 has its count as the protocol asks; then monthly to the end of
follow-up. Now and then a patient misses a weekly visit (2% of them), the gap the
data-quality rules report. Peripheral blasts are counted less often than neutrophils and platelets,
marrow blasts at each response assessment. Counts follow a per-patient curve on the
log scale: baseline, aplasia a few days after chemotherapy, recovery on the patient's
recovery day, fall again after a relapse; platelet transfusions raise the next days'
counts. Some patients have a second value on the same day (a repeated count).
Sources of the orders of magnitude: :mod:`data_access.demo`.
"""

from __future__ import annotations

import numpy as np

from data_access.demo_course import Course

APLASIA = np.arange(-6, 22)
PRE = np.arange(-56, -6)
CATCH_UP = np.arange(22, 36, 2)
WEEKLY = np.arange(35, 99, 7)
MONTHLY = 90 + 30 * np.arange(1, 23)
BOOST_WINDOW = (-10, 61)  # days from day 0 where platelet transfusions are modelled
BOOST = np.array([15.0, 7.0, 3.0])  # platelets added 1, 2, 3 days after a transfusion
MISSED_WEEKLY = 0.02  # share of weekly visits missed (all their counts)


def _schedule(course: Course, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(patient, day, with_blasts) for every blood count drawn."""
    n = len(course.enrolled)
    gap = (course.day0 - course.enrolled)[:, None]
    template = np.concatenate([PRE, APLASIA, CATCH_UP, WEEKLY, MONTHLY])
    rel = np.broadcast_to(template, (n, len(template))).copy()
    monthly = slice(len(template) - len(MONTHLY), None)
    rel[:, monthly] += rng.integers(-4, 5, (n, len(MONTHLY)))
    wanted = np.ones(rel.shape, dtype=bool)
    pre = slice(0, len(PRE))
    wanted[:, pre] = (rel[:, pre] >= -gap) & ((rel[:, pre] + gap) % 7 == 0)
    aplasia = slice(len(PRE), len(PRE) + len(APLASIA))
    wanted[:, aplasia] = rng.random((n, len(APLASIA))) < 0.85
    blasts = np.ones(len(template), dtype=bool)
    blasts[aplasia] = APLASIA % 3 == 0
    blasts[len(PRE) + len(APLASIA) : len(PRE) + len(APLASIA) + len(CATCH_UP)] = CATCH_UP % 4 == 2
    days = course.day0[:, None] + rel
    wanted &= (days >= course.enrolled[:, None]) & (days <= course.end[:, None])
    patient, slot = np.nonzero(wanted)
    return patient, days[patient, slot], blasts[slot]


def _interp(x, patient, knots_x, knots_y) -> np.ndarray:
    """Piecewise-linear per-patient curves (knots per row of knots_x/knots_y) at x."""
    y = knots_y[patient, 0].copy()
    for k in range(knots_x.shape[1] - 1):
        x0, x1 = knots_x[patient, k], knots_x[patient, k + 1]
        inside = (x >= x0) & (x < x1)
        frac = (x[inside] - x0[inside]) / (x1[inside] - x0[inside])
        y0, y1 = knots_y[patient[inside], k], knots_y[patient[inside], k + 1]
        y[inside] = y0 + frac * (y1 - y0)
    last = x >= knots_x[patient, -1]
    y[last] = knots_y[patient[last], -1]
    return y


def _relapse_factor(day, patient, course: Course, scale: float) -> np.ndarray:
    since = np.clip(day - course.relapse[patient], 0, 180)
    return np.maximum(np.exp(-since / scale), 0.1)


def _anc(course: Course, patient, day, rng) -> np.ndarray:
    n = len(course.enrolled)
    rn = course.neutrophil_day.astype(float)
    knots_x = np.column_stack([np.full(n, -3.0), np.minimum(4.0, rn - 3), rn - 2, rn, rn + 12])
    knots_y = np.log(
        np.column_stack(
            [
                rng.lognormal(np.log(2.6), 0.35, n),
                np.clip(rng.lognormal(np.log(0.04), 0.6, n), 0.005, 0.2),
                rng.uniform(0.12, 0.35, n),
                rng.uniform(0.6, 0.95, n),
                rng.lognormal(np.log(2.4), 0.35, n),
            ]
        )
    )
    rel = (day - course.day0[patient]).astype(float)
    value = np.exp(_interp(rel, patient, knots_x, knots_y) + rng.normal(0, 0.12, len(day)))
    return (value * _relapse_factor(day, patient, course, 50.0)).round(2)


def _platelet_boost(course: Course, transfusions: dict, patient, rel) -> np.ndarray:
    low, high = BOOST_WINDOW
    given = np.zeros((len(course.enrolled), high - low), dtype=float)
    is_platelets = transfusions["product"] == "platelets"
    t_patient = transfusions["patient"][is_platelets]
    t_rel = transfusions["day"][is_platelets] - course.day0[t_patient]
    inside = (t_rel >= low) & (t_rel < high)
    given[t_patient[inside], t_rel[inside] - low] = 1.0
    boost = np.zeros_like(given)
    for lag, amount in enumerate(BOOST, start=1):
        boost[:, lag:] += amount * given[:, :-lag]
    out = np.zeros(len(rel))
    inside = (rel >= low) & (rel < high)
    out[inside] = boost[patient[inside], rel[inside] - low]
    return out


def _plt(course: Course, transfusions: dict, patient, day, rng) -> np.ndarray:
    n = len(course.enrolled)
    r20 = course.platelet20_day.astype(float)
    r50 = course.platelet50_day.astype(float)
    nadir = np.clip(rng.lognormal(np.log(9), 0.35, n), 2, 16)
    knots_x = np.column_stack(
        [np.full(n, -2.0), np.minimum(6.0, r20 - 3), r20 - 2, r20, r50, r50 + 21]
    )
    knots_y = np.log(
        np.column_stack(
            [
                rng.lognormal(np.log(160), 0.35, n),
                nadir,
                np.minimum(nadir * 1.4, 18),
                rng.uniform(21, 32, n),
                rng.uniform(52, 70, n),
                rng.lognormal(np.log(170), 0.35, n),
            ]
        )
    )
    rel = day - course.day0[patient]
    value = np.exp(_interp(rel.astype(float), patient, knots_x, knots_y))
    value = value * np.exp(rng.normal(0, 0.1, len(day)))
    value += _platelet_boost(course, transfusions, patient, rel)
    return np.maximum(np.round(value * _relapse_factor(day, patient, course, 40.0)), 1.0)


def _pb_blasts(course: Course, patient, day, rng) -> np.ndarray:
    since = day - course.relapse[patient]
    leukaemic = 5 + 50 * (1 - np.exp(-np.clip(since, 0, None) / 40))
    leukaemic = np.minimum(leukaemic * rng.lognormal(0, 0.3, len(day)), 95)
    background = (rng.random(len(day)) < 0.05).astype(float)
    return np.where(since >= 0, np.round(leukaemic), background)


def _bm_blasts(responses: dict, rng) -> np.ndarray:
    n = len(responses["day"])
    remission = np.clip(rng.lognormal(np.log(1.5), 0.5, n), 0.2, 4.8)
    relapse = rng.uniform(8, 80, n)
    return np.where(responses["response"] == "relapse", relapse, remission).round(1)


def _duplicates(patient, day, test, value, rng):
    """Repeat a few counts the same day with a slightly different value."""
    n = int(patient.max()) + 1 if len(patient) else 0
    repeats = rng.random(n) < 0.12
    pick = np.flatnonzero(
        repeats[patient] & np.isin(test, ("ANC", "PLT")) & (rng.random(len(patient)) < 0.03)
    )
    again = value[pick] * rng.lognormal(0, 0.08, len(pick))
    again = np.where(test[pick] == "PLT", np.round(again), np.round(again, 2))
    return patient[pick], day[pick], test[pick], again


def lab_results(course: Course, responses: dict, transfusions: dict, rng) -> dict:
    """ANC and PLT (10^9/L), PB_BLAST_PCT and BM_BLAST_PCT (%) per patient and day."""
    patient, day, with_blasts = _schedule(course, rng)
    anc = _anc(course, patient, day, rng)
    plt = _plt(course, transfusions, patient, day, rng)
    pb = _pb_blasts(course, patient[with_blasts], day[with_blasts], rng)
    bm = _bm_blasts(responses, rng)
    n, n_pb, n_bm = len(day), int(with_blasts.sum()), len(bm)
    columns = {
        "patient": np.concatenate([patient, patient, patient[with_blasts], responses["patient"]]),
        "day": np.concatenate([day, day, day[with_blasts], responses["day"]]),
        "test": np.concatenate(
            [
                np.full(n, "ANC", dtype=object),
                np.full(n, "PLT", dtype=object),
                np.full(n_pb, "PB_BLAST_PCT", dtype=object),
                np.full(n_bm, "BM_BLAST_PCT", dtype=object),
            ]
        ),
        "value": np.concatenate([anc, plt, pb, bm]),
    }
    extra = _duplicates(columns["patient"], columns["day"], columns["test"], columns["value"], rng)
    for name, values in zip(("patient", "day", "test", "value"), extra, strict=True):
        columns[name] = np.concatenate([columns[name], values])
    kept = _attended(course, columns, rng)
    order = np.lexsort((columns["day"][kept], columns["patient"][kept]))
    return {name: values[kept][order] for name, values in columns.items()}


def _attended(course: Course, columns: dict, rng) -> np.ndarray:
    """Rows kept once a few weekly visits are missed (every count of a missed visit)."""
    rel = columns["day"] - course.day0[columns["patient"]]
    weekly = np.isin(rel, WEEKLY) & (columns["test"] != "BM_BLAST_PCT")
    visits, which = np.unique(
        np.stack([columns["patient"][weekly], rel[weekly]], axis=1), axis=0, return_inverse=True
    )
    missed = rng.random(len(visits)) < MISSED_WEEKLY
    kept = np.ones(len(rel), dtype=bool)
    kept[np.flatnonzero(weekly)[missed[which.ravel()]]] = False
    return kept
