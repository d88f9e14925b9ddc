"""Aalen–Johansen cumulative incidence against R cmprsk and hand computations.

[cmprsk] R ``cmprsk::cuminc(ftime, fstat)`` estimates for
    ftime = c(1, 1, 2, 4, 4, 4, 6, 6, 7, 8, 9, 9, 9, 1, 2, 2, 4, 4)
    fstat = c(1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0)
quoted with that R code in statsmodels' ``statsmodels/duration/tests/test_survfunc.py``
(``test_incidence``). The data tie events with censorings at times 1, 2 and 4.
"""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import AalenJohansenFitter
from numpy.testing import assert_allclose

from analysis.competing_risks import cif_at, cumulative_incidence, median_time
from analysis.survival import kaplan_meier

FTIME = [1, 1, 2, 4, 4, 4, 6, 6, 7, 8, 9, 9, 9, 1, 2, 2, 4, 4]
FSTAT = [1, 1, 1, 2, 2, 2, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
CAUSES = {1: "a", 2: "b", 3: "c"}


def test_cr001_matches_r_cuminc_with_ties():
    # [cmprsk] estimates at times 1, 2, 4, 6, 7, 8, 9
    cif = cumulative_incidence(FTIME, FSTAT, CAUSES)
    steps = cif.steps
    assert steps["time"].tolist() == [1, 2, 4, 6, 7, 8, 9]
    assert_allclose(steps["cif_a"], [0.11111111, 0.17037037] + [0.17037037] * 5, atol=1e-8)
    assert_allclose(steps["cif_b"], [0, 0] + [0.20740741] * 5, atol=1e-8)
    assert_allclose(steps["cif_c"], [0, 0, 0, 0.17777778] + [0.26666667] * 3, atol=1e-8)
    # events before censorings: the censored subject at time 1 is in the risk set
    assert steps["n_at_risk"].tolist() == [18, 15, 12, 7, 5, 4, 3]
    assert steps["n_censored"].tolist() == [1, 2, 2, 0, 0, 1, 3]
    assert steps[["n_a", "n_b", "n_c"]].sum().tolist() == [3, 3, 3]
    assert list(steps.columns) == [
        "time",
        "n_at_risk",
        "n_censored",
        "n_a",
        "n_b",
        "n_c",
        "cif_a",
        "cif_b",
        "cif_c",
    ]


def test_cr002_hand_computation_with_tied_causes():
    # times 2, 2, 2, 3, 5 ; events relapse, death, censored, relapse, censored
    # t=2: n=5, one of each cause: CIF_r = CIF_d = 1/5, S = 3/5
    # t=3: n=2, relapse: CIF_r = 1/5 + 3/5 * 1/2 = 1/2, S = 3/10
    cif = cumulative_incidence([2, 2, 2, 3, 5], [1, 2, 0, 1, 0], {1: "relapse", 2: "death"})
    assert_allclose(cif.steps["cif_relapse"], [0.2, 0.5, 0.5])
    assert_allclose(cif.steps["cif_death"], [0.2, 0.2, 0.2])
    assert median_time(cif, "relapse") == 3
    assert median_time(cif, "death") is None
    assert cif_at(cif, "relapse", 2.5) == pytest.approx(0.2)
    assert cif_at(cif, "death", 1) == 0.0


def test_cr003_single_cause_is_one_minus_kaplan_meier():
    time, status = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]
    cif = cumulative_incidence(time, status, {1: "relapse"})
    km = kaplan_meier(time, status)
    assert_allclose(cif.steps["cif_relapse"], [1 - s.survival for s in km.steps], atol=1e-12)


def test_cr004_incidences_and_survival_add_to_one():
    cif = cumulative_incidence(FTIME, FSTAT, CAUSES)
    km = kaplan_meier(FTIME, [int(s > 0) for s in FSTAT])
    total = cif.steps[["cif_a", "cif_b", "cif_c"]].sum(axis=1)
    assert_allclose(total + [s.survival for s in km.steps], 1.0, atol=1e-12)


def test_cr005_agrees_with_lifelines_when_there_are_no_ties():
    rng = np.random.default_rng(7)
    time = rng.permutation(np.arange(1, 41)).astype(float)
    event = rng.integers(0, 3, size=40)
    cif = cumulative_incidence(time, event, {1: "x", 2: "y"})
    fitter = AalenJohansenFitter(calculate_variance=False).fit(time, event, event_of_interest=1)
    theirs = fitter.cumulative_density_.iloc[:, 0]
    assert_allclose(theirs.reindex(cif.steps["time"]).to_numpy(), cif.steps["cif_x"], atol=1e-12)


def test_cr006_shuffling_rows_changes_nothing():
    order = np.random.default_rng(3).permutation(len(FTIME))
    a = cumulative_incidence(FTIME, FSTAT, CAUSES).steps
    b = cumulative_incidence(np.array(FTIME)[order], np.array(FSTAT)[order], CAUSES).steps
    assert a.equals(b)


def test_cr007_empty_and_bad_input():
    empty = cumulative_incidence([], [], {1: "relapse", 2: "nrm"})
    assert empty.n == 0 and empty.steps.empty
    assert median_time(empty, "relapse") is None
    with pytest.raises(ValueError, match="not 0"):
        cumulative_incidence([1, 2], [1, 3], {1: "relapse", 2: "nrm"})
    with pytest.raises(ValueError, match="causes is empty"):
        cumulative_incidence([1], [0], {})
    with pytest.raises(ValueError, match="identifier"):
        cumulative_incidence([1], [0], {1: "two words"})
    with pytest.raises(ValueError, match="positive integers"):
        cumulative_incidence([1], [0], {0: "zero"})
    with pytest.raises(ValueError, match="unknown cause"):
        median_time(empty, "death")
