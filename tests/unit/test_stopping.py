"""Bayesian beta-binomial stopping boundary (analysis/stopping.py) on textbook numbers.

Hand computation used below. With a Beta(1, 1) prior and k events of n, the posterior
is Beta(1 + k, 1 + n - k), and by the binomial identity
I_x(a, b) = P(Bin(a + b - 1, x) >= a),

    P(p > 0.2 | k of n) = 1 - I_0.2(1 + k, 1 + n - k) = P(Bin(n + 1, 0.2) <= k).

n = 1 (Bin(2, 0.2)): P(0) = 0.8^2 = 0.64; P(1) = 2 x 0.2 x 0.8 = 0.32.
    k = 0: 0.64;  k = 1: 0.96 > 0.9                        -> boundary 1
n = 5 (Bin(6, 0.2)): P(0) = 0.8^6 = 0.262144; P(1) = 6 x 0.2 x 0.8^5 = 0.393216;
    P(2) = 15 x 0.04 x 0.8^4 = 0.24576.
    k = 1: 0.65536;  k = 2: 0.90112 > 0.9                  -> boundary 2
n = 10 (Bin(11, 0.2)): P(0) = 0.8^11 = 0.0858993; P(1) = 11 x 0.2 x 0.8^10 = 0.2362232;
    P(2) = 55 x 0.04 x 0.8^9 = 0.2952790; P(3) = 165 x 0.008 x 0.8^8 = 0.2214593;
    P(4) = 330 x 0.0016 x 0.8^7 = 0.1107296.
    k = 3: 0.8388608;  k = 4: 0.9495904 > 0.9              -> boundary 4
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.stopping import (
    StoppingRule,
    boundary_count,
    early_nrm_outcomes,
    posterior_probability,
    stopping_boundary,
)

UNIFORM = StoppingRule(a=1, b=1, p0=0.2, cutoff=0.9)


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (0, 1, 0.64),
        (1, 1, 0.96),
        (1, 5, 0.65536),
        (2, 5, 0.90112),
        (3, 10, 0.8388608),
        (4, 10, 0.9495904),
    ],
)
def test_stp001_posterior_matches_hand_binomial_sums(k, n, expected):
    assert posterior_probability(k, n, UNIFORM) == pytest.approx(expected, abs=5e-7)


@pytest.mark.parametrize(("n", "boundary"), [(1, 1), (5, 2), (10, 4)])
def test_stp002_boundary_on_textbook_cases(n, boundary):
    assert boundary_count(n, UNIFORM) == boundary


def test_stp003_default_rule_needs_more_than_one_death():
    rule = StoppingRule()
    assert (rule.a, rule.b, rule.p0, rule.cutoff, rule.window_days) == (0.4, 1.6, 0.2, 0.9, 100)
    assert rule.a / (rule.a + rule.b) == pytest.approx(rule.p0)  # prior mean = p0
    assert boundary_count(1, rule) is None
    assert posterior_probability(1, 1, rule) == pytest.approx(0.8243, abs=1e-4)
    assert [boundary_count(n, rule) for n in (2, 5, 10, 21)] == [2, 3, 5, 7]


def test_stp004_boundary_never_decreases_with_n_and_posterior_rises_with_k():
    rule = StoppingRule()
    assert boundary_count(1, rule) is None  # unreachable with one patient
    bounds = [boundary_count(n, rule) for n in range(2, 40)]
    assert bounds == sorted(bounds)
    assert all(b <= n for n, b in enumerate(bounds, start=2))
    probs = [posterior_probability(k, 12, rule) for k in range(13)]
    assert probs == sorted(probs)


def outcomes(events: list[bool]) -> pd.DataFrame:
    dates = pd.date_range("2020-01-01", periods=len(events), freq="7D")
    return pd.DataFrame({"evaluated_on": dates, "event": events})


def test_stp005_sentence_not_crossed():
    result = stopping_boundary(outcomes([False, True, False, False, False]), 21, UNIFORM)
    assert list(result.table["observed"].head(5)) == [0, 1, 1, 1, 1]
    assert len(result.table) == 21
    assert result.table["observed"].iloc[5:].isna().all()
    assert not result.crossed
    assert result.sentence == "Boundary not crossed (1 of 5, boundary at 2)."


def test_stp006_sentence_crossed_names_the_patient():
    result = stopping_boundary(outcomes([True, False, False]), 10, UNIFORM)
    assert result.crossed and result.first_crossed_at == 1
    assert result.sentence.startswith("Boundary crossed (1 of 3, boundary at 2)")


def test_stp007_no_patient_evaluated_yet():
    empty = pd.DataFrame({"evaluated_on": pd.Series(dtype="datetime64[ns]"), "event": []})
    result = stopping_boundary(empty, 21, StoppingRule())
    assert result.evaluated == 0 and not result.crossed
    assert result.sentence == (
        "No patient evaluable yet for early NRM (the earliest stop would be 2 of 2)."
    )


def test_stp008_order_of_evaluation_follows_dates_not_rows():
    frame = outcomes([False, False, True])
    reordered = frame.iloc[::-1]
    assert list(stopping_boundary(reordered, 3, UNIFORM).table["observed"]) == [0, 0, 1]


def test_stp009_early_nrm_outcomes():
    start = pd.Series(pd.to_datetime(["2020-01-01"] * 5), index=list("ABCDE"))
    nrm = pd.DataFrame(
        {"time": [50, 120, 30, 60, 100], "event": [2, 2, 1, 0, 0]}, index=list("ABCDE")
    )
    result = early_nrm_outcomes(nrm, start, start, StoppingRule())
    # A early NRM; B NRM after the window (evaluated at day 100 without event);
    # C relapsed on day 30 (no NRM possible after); D censored on day 60 (not yet);
    # E followed exactly 100 days.
    assert list(result.index) == ["A", "B", "C", "E"]
    assert list(result["event"]) == [True, False, False, False]
    assert list((result["evaluated_on"] - start[result.index]).dt.days) == [50, 100, 30, 100]


@pytest.mark.parametrize(
    "kwargs",
    [{"a": 0}, {"b": -1}, {"p0": 1.0}, {"cutoff": 0}, {"window_days": 0}, {"anchor": "death"}],
)
def test_stp010_invalid_rules_say_what_is_wrong(kwargs):
    with pytest.raises(ValueError):
        StoppingRule(**kwargs)


def test_stp011_rule_from_trial_settings():
    rule = StoppingRule.from_settings(
        {"stopping_p0": "0.3", "stopping_window_days": 60.0, "stopping_a": float("nan"), "x": 1}
    )
    assert (rule.p0, rule.window_days, rule.a) == (0.3, 60, 0.4)
    assert StoppingRule.from_settings(None) == StoppingRule()
    assert "P(early NRM rate > 30% | data) > 0.90" in rule.describe()
