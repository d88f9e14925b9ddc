"""Best response and Clopper–Pearson intervals.

[binom] Printed R output of ``binom.test`` (the Clopper–Pearson interval):
  binom.test(9, 24, 1/6): 95 percent confidence interval 0.1879929 0.5940636
  binom.test(1, 1497, 0.0033, conf.level = 0.9): 90 percent confidence interval
  3.426347e-05 3.164954e-03
(as reproduced in "r binom test confidence interval", Nov 2020, and the R help page
for binom.test, which names Clopper & Pearson 1934).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.response import RESPONSE_ORDER, best_response, clopper_pearson, response_summary


def _d(day: int) -> pd.Timestamp:
    return pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)


def _enrolled(*ids, on=0):
    return pd.DataFrame({"patient_id": list(ids), "enrolled_on": [_d(on)] * len(ids)})


def _responses(rows):
    return pd.DataFrame(
        [{"patient_id": p, "assessed_on": _d(day), "response": r} for p, day, r in rows],
        columns=["patient_id", "assessed_on", "response"],
    )


def test_resp001_clopper_pearson_matches_binom_test():
    ci = clopper_pearson(9, 24)
    assert ci.estimate == pytest.approx(0.375)
    assert (ci.ci_lower, ci.ci_upper) == (
        pytest.approx(0.1879929, abs=1e-7),
        pytest.approx(0.5940636, abs=1e-7),
    )


def test_resp002_clopper_pearson_other_level():
    ci = clopper_pearson(1, 1497, level=0.9)
    assert ci.ci_lower == pytest.approx(3.426347e-05, rel=1e-6)
    assert ci.ci_upper == pytest.approx(3.164954e-03, rel=1e-6)


def test_resp003_clopper_pearson_edges_closed_form():
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
    zero = clopper_pearson(0, 10)
    assert zero.ci_lower == 0.0 and zero.ci_upper == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)
    full = clopper_pearson(21, 21)
    assert full.ci_upper == 1.0 and full.ci_lower == pytest.approx(0.025 ** (1 / 21), abs=1e-12)
    with pytest.raises(ValueError, match="at least one trial"):
        clopper_pearson(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError, match="level"):
        clopper_pearson(1, 3, level=95)


def test_resp004_best_response_order_window_and_not_evaluable():
    enrolled = _enrolled("a", "b", "c", "d", "e", "f")
    responses = _responses(
        [
            ("a", 30, "PR"),
            ("a", 60, "CRi"),
            ("a", 90, "CRh"),  # CRh ranks above CRi (ELN 2022)
            ("b", -5, "CR"),  # before enrollment: not a response on study
            ("b", 40, "SD"),
            ("c", 731, "CR"),  # after the 2-year window
            ("c", 700, "NE"),
            ("d", 100, "relapse"),
            ("d", 730, "CR"),  # day 730 is inside the window
            ("f", 10, "CR"),
            ("x", 10, "CR"),  # not enrolled
        ]
    )
    best = best_response(responses, enrolled)
    assert best.to_dict() == {"a": "CRh", "b": "SD", "c": "NE", "d": "CR", "e": "NE", "f": "CR"}
    assert best.index.name == "patient_id"


def test_resp005_pd_and_relapse_tie_reports_the_earlier_and_data_cut_applies():
    enrolled = _enrolled("a")
    responses = _responses([("a", 200, "PD"), ("a", 100, "relapse"), ("a", 300, "CR")])
    assert best_response(responses, enrolled, data_cut=_d(250)).to_dict() == {"a": "relapse"}
    assert best_response(responses, enrolled).to_dict() == {"a": "CR"}


def test_resp006_summary_rates_over_all_enrolled():
    screened = pd.DataFrame({"patient_id": ["screened"], "enrolled_on": [pd.NaT]})
    enrolled = pd.concat([_enrolled(*"abcdefghij"), screened], ignore_index=True)
    responses = _responses(
        [
            ("a", 10, "CR"),
            ("b", 10, "CR"),
            ("c", 10, "CRi"),
            ("d", 10, "CRh"),
            ("e", 10, "PR"),
            ("f", 10, "PD"),
        ]
    )
    summary = response_summary(responses, enrolled)
    assert summary.n == 10
    assert list(summary.best) == list(RESPONSE_ORDER)
    assert summary.best == {
        "CR": 2,
        "CRh": 1,
        "CRi": 1,
        "PR": 1,
        "SD": 0,
        "PD": 1,
        "relapse": 0,
        "NE": 4,
    }
    assert summary.cr_rate == clopper_pearson(2, 10)
    assert summary.cr_cri_rate == clopper_pearson(4, 10)


def test_resp007_summary_without_patients_and_bad_input():
    empty = response_summary(_responses([]), _enrolled())
    assert empty.n == 0 and empty.cr_rate.estimate is None and empty.cr_rate.ci_upper is None
    with pytest.raises(ValueError, match="unknown response"):
        best_response(_responses([("a", 1, "MLFS")]), _enrolled("a"))
    with pytest.raises(ValueError, match="lacks column"):
        best_response(pd.DataFrame({"patient_id": []}), _enrolled("a"))


def test_resp008_shuffling_rows_changes_nothing():
    enrolled = _enrolled(*"abcd")
    rows = [
        ("a", 5, "SD"),
        ("a", 9, "CR"),
        ("b", 3, "PD"),
        ("b", 1, "relapse"),
        ("c", 2, "NE"),
        ("d", 8, "CRi"),
    ]
    forward = best_response(_responses(rows), enrolled)
    backward = best_response(_responses(rows[::-1]), enrolled.iloc[::-1])
    assert forward.sort_index().equals(backward.sort_index())
    assert dt.date(2024, 1, 1) == _d(0).date()
