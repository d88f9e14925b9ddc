"""Microchimerism: samples per day, the 3-month sample and the detectable share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chimerism import (
    DEFAULT_DETECTION_LIMIT,
    chimerism_day90,
    chimerism_days,
    detectable_share,
    is_detectable,
)
from analysis.day90 import Share
from analysis.recovery import microchimerism_view
from analysis.recovery_days import transplanted_patients
from tests.unit.test_recovery import CUT, d, make_tables, patient


def sample(pid, day, percent, detected):
    return {"patient_id": pid, "sampled_on": d(day), "donor_percent": percent, "detected": detected}


def four_patients():
    """Samples (day: donor %, detected) of four patients transplanted on day 0.

    A  d-3 0.5 yes (before day 0, dropped); d30 0.2 yes; d88 0.08 yes and d88 0.03 yes
       (same day: lowest 0.03); d95 0.5 yes    -> 3-month sample d88 (2 days) 0.03
    B  d86 0.04 yes, d94 0.06 yes             -> tie at 4 days: the earlier, d86 0.04
    C  d90 (no percent) no                    -> d90, not detected
    D  d60 0.1 yes, d110 0.1 yes              -> nothing in days 76-104: no sample
    """
    samples = [
        sample("A", -3, 0.5, True),
        sample("A", 30, 0.2, True),
        sample("A", 88, 0.08, True),
        sample("A", 88, 0.03, True),
        sample("A", 95, 0.5, True),
        sample("B", 86, 0.04, True),
        sample("B", 94, 0.06, True),
        sample("C", 90, None, False),
        sample("D", 60, 0.1, True),
        sample("D", 110, 0.1, True),
    ]
    return make_tables([patient(p) for p in "ABCD"], chimerism=samples)


def test_samples_per_day_after_day0():
    tables = four_patients()
    samples = chimerism_days(tables, transplanted_patients(tables, CUT), CUT)
    a = samples[samples["patient_id"] == "A"]
    assert a["day"].tolist() == [30, 88, 95]
    assert a["donor_percent"].tolist() == [0.2, 0.03, 0.5]


def test_three_month_sample_window_and_tie():
    tables = four_patients()
    samples = chimerism_days(tables, transplanted_patients(tables, CUT), CUT)
    day90 = chimerism_day90(samples, list("ABCD"))
    assert day90["day"].astype(object).where(day90["day"].notna(), None).tolist() == [
        88,
        86,
        90,
        None,
    ]
    assert day90.loc["A", "donor_percent"] == 0.03 and day90.loc["B", "donor_percent"] == 0.04
    assert np.isnan(day90.loc["C", "donor_percent"]) and not day90.loc["C", "detected"]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        # A 0.03 yes, B 0.04 yes, C not detected; D has no 3-month sample (not evaluable).
        (0.01, Share(2, 3, 4)),  # the default: A and B
        (0.035, Share(1, 3, 4)),  # only B (0.04) reaches 0.035
        (0.04, Share(1, 3, 4)),  # at the limit counts
        (0.1, Share(0, 3, 4)),
    ],
)
def test_detectable_share_depends_on_the_limit(limit, expected):
    assert microchimerism_view(four_patients(), CUT, limit=limit).detectable == expected


def test_is_detectable_rules():
    assert is_detectable(0.05, True, 0.01)
    assert not is_detectable(0.005, True, 0.01)  # reported, but under the limit
    assert not is_detectable(0.5, False, 0.01)  # the laboratory says not detected
    assert is_detectable(np.nan, True, 0.01)  # detected without a percent
    assert not is_detectable(np.nan, None, 0.01)
    assert DEFAULT_DETECTION_LIMIT == 0.01


def test_negative_limit_is_refused():
    day90 = pd.DataFrame({"day": [90], "donor_percent": [0.1], "detected": [True]})
    with pytest.raises(ValueError, match="detection limit"):
        detectable_share(day90, -1)
