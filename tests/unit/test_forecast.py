"""Accrual forecast (analysis/forecast.py, accrual_model.py, forecast_sim.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import accrual_model as am
from analysis.forecast import (
    Forecast,
    WhatIf,
    enrollment_forecast_json,
    forecast_accrual,
)
from analysis.forecast_sim import fan_counts, time_to_reach
from tests.unit.tables import table

CUT = dt.date(2024, 6, 30)
ORIGIN = pd.Timestamp("2022-01-01")


def make_tables(sites: list[list], enrollments: list[tuple[str, pd.Timestamp]], target: int,
                cut: pd.Timestamp, planned_end: str | None = "2026-12-31") -> dict:  # fmt: skip
    """Tables from site rows [id, status, ethics, activated] and (site, date) enrollments."""
    site_rows = [
        {
            "site_id": sid,
            "name": f"Site {sid}",
            "status": status,
            "ethics_approved_on": ethics,
            "activated_on": activated,
        }
        for sid, status, ethics, activated in sites
    ]
    patients = [
        {"patient_id": f"P{i}", "site_id": sid, "screened_on": day, "enrolled_on": day}
        for i, (sid, day) in enumerate(enrollments)
    ]
    trial = [["NCT00000000", "test", target, ORIGIN, planned_end, cut]]
    return {
        "trial": table("trial", trial),
        "sites": table("sites", site_rows),
        "patients": table("patients", patients),
    }


def bundle(target: int = 40) -> dict[str, pd.DataFrame]:
    """Five open sites (20 patients), one pending with ethics approval, one without."""
    sites = [
        ["A", "recruiting", "2022-02-01", "2022-06-01"],
        ["B", "recruiting", "2022-03-01", "2022-09-15"],
        ["C", "recruiting", "2022-05-01", "2023-01-10"],
        ["D", "recruiting", "2022-09-01", "2023-05-01"],
        ["E", "recruiting", "2023-01-01", "2023-07-01"],
        ["F", "not_yet_recruiting", "2024-04-01", None],
        ["G", "not_yet_recruiting", None, None],
    ]
    counts = {"A": 7, "B": 5, "C": 4, "D": 3, "E": 1}
    cut = pd.Timestamp(CUT)
    enrollments = []
    for sid, status, _, activated in sites:
        if status == "recruiting":
            days = np.linspace(20, (cut - pd.Timestamp(activated)).days - 5, counts[sid])
            enrollments += [
                (sid, pd.Timestamp(activated) + pd.Timedelta(days=int(d))) for d in days
            ]
    return make_tables(sites, enrollments, target, cut)


def small(tables, **kwargs) -> Forecast:
    return forecast_accrual(tables, CUT, n_sims=1000, **kwargs)


def test_fcst001_same_data_and_seed_give_the_same_forecast():
    first, second = small(bundle(), seed=11), small(bundle(), seed=11)
    assert enrollment_forecast_json(first) == enrollment_forecast_json(second)
    pd.testing.assert_frame_equal(first.fan, second.fan)


def test_fcst002_interval_is_ordered_and_the_fan_is_monotone():
    f = forecast_accrual(bundle(), CUT)
    assert CUT < f.target_date_lower <= f.target_date_median <= f.target_date_upper
    fan = f.fan
    assert fan["date"].iloc[0] == pd.Timestamp(CUT)
    assert fan["date"].iloc[-1] == pd.Timestamp(f.target_date_upper)
    assert (fan[["lower", "median", "upper"]].iloc[0] == 20).all()
    assert (fan["lower"] <= fan["median"]).all() and (fan["median"] <= fan["upper"]).all()
    assert (fan[["lower", "median", "upper"]].diff().dropna() >= 0).all().all()
    assert fan["upper"].iloc[-1] == 40 and fan["upper"].max() <= 40
    assert 0.0 <= f.probability_by_planned_end <= 1.0 and f.fraction_not_reached == 0.0
    assert (f.sites_open, f.sites_pending, f.enrolled, f.target) == (5, 2, 20, 40)


def test_fcst003_none_once_the_target_is_reached():
    assert forecast_accrual(bundle(target=20), CUT) is None
    assert forecast_accrual(bundle(), CUT, target=15) is None
    assert enrollment_forecast_json(None) is None


def test_fcst004_doubling_the_rates_moves_the_median_earlier():
    base = small(bundle())
    faster = small(bundle(), what_if=WhatIf(rate_multiplier=2.0))
    assert faster.target_date_median < base.target_date_median
    assert faster.target_date_upper < base.target_date_upper
    assert any("× 2" in note for note in faster.assumptions)


def test_fcst005_opening_a_site_earlier_moves_the_median_earlier():
    def opened(day):
        return small(bundle(), what_if=WhatIf(site_opens={"G": day, "F": day}))

    soon, late = opened(dt.date(2024, 7, 1)), opened(dt.date(2026, 1, 1))
    assert soon.target_date_median < late.target_date_median
    assert soon.target_date_median <= small(bundle()).target_date_median


def test_fcst006_no_site_open_uses_the_planned_prior_and_says_so():
    sites = [[sid, "not_yet_recruiting", "2024-05-01", None] for sid in "ABCDE"]
    tables = make_tables(sites, [], 21, pd.Timestamp(CUT))
    f = small(tables)
    assert f.prior_source == "planned" and f.sites_open == 0
    # planned mean: 21 / (5 sites × months from 2022-01-01 to 2026-12-31)
    months = (pd.Timestamp("2026-12-31") - ORIGIN).days / 30.4375
    assert_allclose(f.prior_mean_per_month, 21 / (5 * months), rtol=1e-12)
    assert any("No site has opened yet" in note for note in f.assumptions)
    assert f.target_date_median is not None and f.target_date_lower > CUT


def test_fcst007_no_site_can_recruit_so_the_target_is_never_reached():
    tables = bundle()
    tables["sites"]["status"] = "suspended"
    f = small(tables)
    assert f.fraction_not_reached == 1.0
    assert f.target_date_median is None and f.target_date_upper is None
    assert f.probability_by_planned_end == 0.0
    assert f.fan["date"].iloc[-1] == pd.Timestamp(f.horizon_end)
    assert any("100.0% of simulations" in note for note in f.assumptions)


def test_fcst008_json_has_the_section5_keys():
    out = enrollment_forecast_json(small(bundle()))
    assert list(out) == [
        "target_date_median",
        "target_date_lower",
        "target_date_upper",
        "probability_by_planned_end",
    ]
    assert dt.date.fromisoformat(out["target_date_median"]) > CUT
    tables = bundle()
    tables["trial"]["planned_accrual_end"] = pd.NaT
    assert enrollment_forecast_json(small(tables))["probability_by_planned_end"] is None


@pytest.mark.parametrize(
    ("what_if", "message"),
    [
        (WhatIf(site_opens={"Z": CUT}), "unknown site"),
        (WhatIf(site_opens={"A": CUT}), "already recruiting"),
        (WhatIf(site_opens={"F": dt.date(2024, 1, 1)}), "before the data cut"),
        (WhatIf(rate_multiplier=0.0), "must be positive"),
    ],
)
def test_fcst009_bad_what_if_is_refused_with_a_clear_message(what_if, message):
    with pytest.raises(ValueError, match=message):
        small(bundle(), what_if=what_if)


def test_fcst010_planned_end_probability_tracks_the_planned_date():
    early, late = bundle(), bundle()
    early["trial"]["planned_accrual_end"] = pd.Timestamp("2024-07-31")
    late["trial"]["planned_accrual_end"] = pd.Timestamp("2040-01-01")
    assert small(early).probability_by_planned_end < 0.01
    assert small(late).probability_by_planned_end > 0.99


def test_fcst011_row_order_of_the_input_changes_nothing():
    tables = bundle()
    shuffled = {name: frame.sample(frac=1, random_state=5) for name, frame in tables.items()}
    assert enrollment_forecast_json(small(tables)) == enrollment_forecast_json(small(shuffled))


def test_fcst012_maximum_likelihood_recovers_known_gamma_parameters():
    rng = np.random.default_rng(2007)
    alpha, mean = 2.0, 0.5 / 30.4375  # 0.5 patients per site-month
    exposures = rng.uniform(200, 700, size=600)
    counts = rng.poisson(rng.gamma(alpha, mean / alpha, size=600) * exposures)
    prior = am.fit_poisson_gamma(counts, exposures)
    assert_allclose(prior.alpha, alpha, rtol=0.2)
    assert_allclose(prior.mean, mean, rtol=0.06)
    assert am.fit_poisson_gamma([3], [100.0]) is None  # one site: not identifiable
    assert am.fit_poisson_gamma([0, 0], [100.0, 50.0]) is None  # no patient yet


def test_fcst013_time_to_reach_and_fan_counts_by_hand():
    # two sites at rate 1/day, the second opening on day 10: Λ(10) = 10, then slope 2,
    # so Λ reaches 15 at 10 + 5/2 = 12.5; a row with no rate never reaches it.
    starts = np.array([[0.0, 10.0], [0.0, 0.0]])
    rates = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert_allclose(time_to_reach(starts, rates, np.array([15.0, 1.0])), [12.5, np.inf])
    arrivals = np.array([[2.0, 11.0, 14.0], [0.5, 1.0, 1.5]])
    counts = fan_counts(starts, rates, arrivals, np.array([0.0, 5.0, 11.0, 100.0]))
    # Λ(0, 5, 11, 100) = 0, 5, 12, 190 in row 1; 0 throughout in row 2
    assert counts.tolist() == [[0, 1, 2, 3], [0, 0, 0, 0]]


def test_fcst014_residual_delay_is_conditioned_on_not_being_open_yet():
    rng = np.random.default_rng(0)
    delays = np.array([30.0, 60.0, 90.0, 120.0])
    residual = am.sample_residual_delays(delays, 70, 500, rng)
    assert set(residual.tolist()) == {20.0, 50.0}
    assert am.sample_residual_delays(delays, 200, 10, rng) is None  # overdue
    lognormal = am.sample_residual_delays(delays[:2], 300, 500, rng)  # too few: default
    assert (lognormal > 0).all()


# --- calibration on trials simulated from the model ------------------------------------


def simulated_trial(rng, n_sites=8, alpha=2.0, per_month=0.5, target=30, at=15):
    """A trial drawn from the Poisson–gamma model, cut on the day the ``at``-th patient
    enrolls, and the true date the target was reached. Ethics approvals fall in the
    first two months, activation 60–200 days later; a site not open at the cut is
    pending (with its ethics date if that was before the cut)."""
    rates = rng.gamma(alpha, per_month / alpha / 30.4375, n_sites)
    ethics = np.floor(rng.uniform(0, 60, n_sites))
    activation = ethics + np.floor(rng.uniform(60, 200, n_sites))
    arrivals = activation[:, None] + np.cumsum(
        rng.exponential(1 / rates[:, None], (n_sites, 120)), axis=1
    )
    order = np.argsort(arrivals, axis=None)
    site_of = np.repeat(np.arange(n_sites), 120)[order]
    days = np.floor(arrivals.ravel()[order]).astype(int)
    cut_day, true_day = days[at - 1], days[target - 1]
    site_ids = np.array([f"S{s}" for s in range(n_sites)], dtype=object)

    def dates(values):
        values = np.asarray(values, dtype=float)
        out = ORIGIN + pd.to_timedelta(np.where(values <= cut_day, values, np.nan), unit="D")
        return np.asarray(out, dtype="datetime64[ns]")

    sites = table(
        "sites",
        pd.DataFrame(
            {
                "site_id": site_ids,
                "name": site_ids,
                "status": np.where(activation <= cut_day, "recruiting", "not_yet_recruiting"),
                "ethics_approved_on": dates(ethics),
                "activated_on": dates(activation),
            }
        ),
    )
    n = int(np.sum(days <= cut_day))
    enrolled_on = dates(days[:n])
    patients = table(
        "patients",
        pd.DataFrame(
            {
                "patient_id": [f"P{i}" for i in range(n)],
                "site_id": site_ids[site_of[:n]],
                "screened_on": enrolled_on,
                "enrolled_on": enrolled_on,
            }
        ),
    )
    cut = ORIGIN + pd.Timedelta(days=int(cut_day))
    trial = table("trial", [["NCT0", "sim", target, ORIGIN, None, cut]])
    tables = {"trial": trial, "sites": sites, "patients": patients}
    return tables, cut.date(), (ORIGIN + pd.Timedelta(days=int(true_day))).date()


def test_fcst015_95_percent_interval_covers_the_true_date_in_simulated_trials():
    rng = np.random.default_rng(4958)
    outcomes = []
    for _ in range(300):
        tables, cut, truth = simulated_trial(rng)
        f = forecast_accrual(tables, cut, n_sims=400, seed=1)
        upper = f.target_date_upper or dt.date.max
        outcomes.append(-1 if truth < f.target_date_lower else (1 if truth > upper else 0))
    outcomes = np.array(outcomes)
    coverage = np.mean(outcomes == 0)
    assert 0.90 <= coverage <= 0.99, coverage
    assert np.mean(outcomes == -1) <= 0.06 and np.mean(outcomes == 1) <= 0.06


def test_fcst016_forecast_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        small(bundle()).seed = 3  # type: ignore[misc]
