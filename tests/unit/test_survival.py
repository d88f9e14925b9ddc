"""Kaplan–Meier, log-rank and reverse-KM follow-up against published R and Stata output.

Sources (expected numbers are copied from these, never from this code):

- [doaml] R survival package, ``tests/doaml.Rout.save`` (github.com/therneau/survival),
  the ``aml`` data of Miller (1981): ``fit <- survfit(Surv(time, status) ~ x)``
  (conf.type = "log", the default), ``print(fit)``, ``summary(fit)`` and
  ``survdiff(Surv(time, status) ~ x)``.
- [cancer] R survival package, ``tests/cancer.Rout.save``: the ``lung`` data,
  ``summary(survfit(Surv(time, status) ~ ph.ecog, lung), times=c(30*1:11, 365*1:3))``
  and ``print(temp[2:3])`` (conf.type = "log"). The lung data are the copy shipped
  with lifelines (``load_lung``, status recoded 1 = dead).
- [gehan] Stata ``sts list, by(group)`` for the Gehan (1965) leukaemia data, control
  group, G. Rodríguez, data.princeton.edu/eco572/KaplanMeier.html. Stata's interval
  is the log-log one (Kalbfleisch & Prentice), R's conf.type = "log-log".
- [sm] R ``survfit``/``survdiff`` values quoted with their R code in statsmodels'
  ``statsmodels/duration/tests/test_survfunc.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.statistics import multivariate_logrank_test
from numpy.testing import assert_allclose

from analysis.survival import (
    kaplan_meier,
    logrank,
    reverse_km_median_follow_up,
    survival_at,
)

# aml (R survival), Miller (1981): time in weeks, status 1 = relapse
AML_MAINTAINED = ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
AML_NONMAINTAINED = (
    [5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
)
# Gehan (1965) control group, all relapses (Cox & Oakes 1984, table 1.1)
GEHAN_CONTROL = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def _event_rows(km):
    return [s for s in km.steps if s.n_events > 0]


def _lung():
    lung = load_lung()
    return lung.dropna(subset=["ph.ecog"])


def test_surv001_log_ci_matches_r_summary_aml_maintained():
    # [doaml] summary(survfit(Surv(time, status) ~ x, aml)), x=Maintained, conf.type="log"
    km = kaplan_meier(*AML_MAINTAINED, conf_type="log")
    rows = _event_rows(km)
    assert [s.time for s in rows] == [9, 13, 18, 23, 31, 34, 48]
    assert [s.n_at_risk for s in rows] == [11, 10, 8, 7, 5, 4, 2]
    assert_allclose(
        [s.survival for s in rows], [0.909, 0.818, 0.716, 0.614, 0.491, 0.368, 0.184], atol=5e-4
    )
    assert_allclose(
        [s.std_err for s in rows],
        [0.0867, 0.1163, 0.1397, 0.1526, 0.1642, 0.1627, 0.1535],
        atol=5e-5,
    )
    assert_allclose(
        [s.ci_lower for s in rows],
        [0.7541, 0.6192, 0.4884, 0.3769, 0.2549, 0.1549, 0.0359],
        atol=5e-5,
    )
    assert_allclose(
        [s.ci_upper for s in rows], [1.0, 1.0, 1.0, 0.999, 0.946, 0.875, 0.944], atol=5e-4
    )


def test_surv002_log_ci_is_none_where_survival_reaches_zero():
    # [doaml] x=Nonmaintained: last row "45 1 1 0.0000 NaN NA NA"
    km = kaplan_meier(*AML_NONMAINTAINED, conf_type="log")
    rows = _event_rows(km)
    assert_allclose(
        [s.survival for s in rows[:-1]],
        [0.8333, 0.6667, 0.5833, 0.4861, 0.3889, 0.2917, 0.1944, 0.0972],
        atol=5e-5,
    )
    assert_allclose(
        [s.std_err for s in rows[:-1]],
        [0.1076, 0.1361, 0.1423, 0.1481, 0.1470, 0.1387, 0.1219, 0.0919],
        atol=5e-5,
    )
    assert_allclose(
        [s.ci_lower for s in rows[:-1]],
        [0.6470, 0.4468, 0.3616, 0.2675, 0.1854, 0.1148, 0.0569, 0.0153],
        atol=5e-5,
    )
    assert_allclose(
        [s.ci_upper for s in rows[:-1]],
        [1.0, 0.995, 0.941, 0.883, 0.816, 0.741, 0.664, 0.620],
        atol=5e-4,
    )
    last = rows[-1]
    assert (last.time, last.n_at_risk, last.n_events, last.survival) == (45, 1, 1, 0.0)
    assert (last.std_err, last.ci_lower, last.ci_upper) == (None, None, None)


def test_surv003_tied_event_and_censoring_counts_event_first():
    # [doaml] Maintained: one relapse and one censoring at week 13; R's n.risk is 10
    # at 13 (both still at risk) and 8 at 18.
    km = kaplan_meier(*AML_MAINTAINED)
    by_time = {s.time: s for s in km.steps}
    assert (by_time[13].n_at_risk, by_time[13].n_events, by_time[13].n_censored) == (10, 1, 1)
    assert by_time[18].n_at_risk == 8
    # one step per distinct time with an event or a censoring
    assert [s.time for s in km.steps] == [9, 13, 18, 23, 28, 31, 34, 45, 48, 161]
    assert by_time[161].n_events == 0 and by_time[161].n_censored == 1


def test_surv004_median_and_ci_as_r_print_aml():
    # [doaml] print(fit): Maintained median 31, 0.95LCL 18, UCL NA;
    #                     Nonmaintained median 23, LCL 8, UCL NA
    maintained = kaplan_meier(*AML_MAINTAINED)
    nonmaintained = kaplan_meier(*AML_NONMAINTAINED)
    assert (maintained.median, maintained.median_ci) == (31, (18, None))
    assert (nonmaintained.median, nonmaintained.median_ci) == (23, (8, None))
    assert (maintained.n, maintained.events, nonmaintained.n, nonmaintained.events) == (
        11,
        7,
        12,
        11,
    )


def test_surv005_median_ci_lung_by_ecog():
    # [cancer] print(survfit(Surv(time, status) ~ ph.ecog, lung)[2:3]):
    #   ph.ecog=1  113 events 82 median 306 0.95LCL 268 0.95UCL 429
    #   ph.ecog=2   50 events 44 median 199 0.95LCL 156 0.95UCL 288
    lung = _lung()
    expected = {1.0: (113, 82, 306, 268, 429), 2.0: (50, 44, 199, 156, 288)}
    for ecog, (n, events, median, lcl, ucl) in expected.items():
        rows = lung[lung["ph.ecog"] == ecog]
        km = kaplan_meier(rows["time"], rows["status"])
        assert (km.n, km.events, km.median, km.median_ci) == (n, events, median, (lcl, ucl))


@pytest.mark.parametrize(
    ("ecog", "t", "survival", "std_err", "lower", "upper"),
    [
        # [cancer] summary(survfit(Surv(time, status) ~ ph.ecog, lung), times=...)
        (0.0, 365, 0.535, 0.0728, 0.4100, 0.699),
        (0.0, 730, 0.193, 0.0707, 0.0943, 0.396),
        (1.0, 365, 0.431, 0.0509, 0.3417, 0.543),
        (1.0, 730, 0.114, 0.0388, 0.0582, 0.222),
        (2.0, 365, 0.2147, 0.0614, 0.123, 0.376),
        (2.0, 730, 0.0371, 0.0345, 0.006, 0.229),
        (2.0, 270, 0.3766, 0.0705, 0.261, 0.543),
    ],
)
def test_surv006_landmark_as_r_summary_times(ecog, t, survival, std_err, lower, upper):
    rows = _lung()
    rows = rows[rows["ph.ecog"] == ecog]
    at = survival_at(kaplan_meier(rows["time"], rows["status"]), t)
    assert_allclose([at.survival, at.std_err], [survival, std_err], atol=5e-4)
    assert_allclose([at.ci_lower, at.ci_upper], [lower, upper], atol=5e-4)


def test_surv007_group_of_one():
    # [cancer] ph.ecog=3 is a single patient (died on day 118): R prints survival 1,
    # std.err 0 and limits 1, 1 at 30, 60 and 90 days and nothing past day 118.
    rows = _lung()
    rows = rows[rows["ph.ecog"] == 3.0]
    km = kaplan_meier(rows["time"], rows["status"])
    for t in (30, 60, 90):
        at = survival_at(km, t)
        assert (at.n_at_risk, at.survival, at.std_err, at.ci_lower, at.ci_upper) == (
            1,
            1.0,
            0.0,
            1.0,
            1.0,
        )
    assert survival_at(km, 120).survival is None
    (step,) = km.steps
    assert (step.time, step.survival, step.std_err, step.ci_lower, step.ci_upper) == (
        118,
        0.0,
        None,
        None,
        None,
    )
    assert km.median == 118 and km.median_ci == (None, None)


def test_surv008_log_log_ci_matches_stata_gehan_control():
    # [gehan] Stata sts list (log-log limits): time 1: 0.9048 0.0641 0.6700 0.9753
    #                                          time 2: 0.8095 0.0857 0.5689 0.9239
    km = kaplan_meier(GEHAN_CONTROL, [1] * len(GEHAN_CONTROL), conf_type="log-log")
    first, second = km.steps[:2]
    assert_allclose([first.survival, first.std_err, first.ci_lower, first.ci_upper],
                    [0.9048, 0.0641, 0.6700, 0.9753], atol=5e-5)  # fmt: skip
    assert_allclose([second.survival, second.std_err, second.ci_lower, second.ci_upper],
                    [0.8095, 0.0857, 0.5689, 0.9239], atol=5e-5)  # fmt: skip


def test_surv009_plain_ci_is_r_formula_on_published_values():
    # Hand computation with R's survfit_confint, conf.type="plain":
    # lower = max(S - z*se(S), 0), upper = min(S + z*se(S), 1), se(S) = summary std.err,
    # applied to [doaml] Maintained rows (S, std.err) = (0.909, 0.0867), (0.491, 0.1642).
    z = 1.959964
    km = kaplan_meier(*AML_MAINTAINED, conf_type="plain")
    by_time = {s.time: s for s in km.steps}
    assert_allclose(
        [by_time[9].ci_lower, by_time[9].ci_upper], [0.909 - z * 0.0867, 1.0], atol=1e-3
    )
    assert_allclose(
        [by_time[31].ci_lower, by_time[31].ci_upper],
        [0.491 - z * 0.1642, 0.491 + z * 0.1642],
        atol=1e-3,
    )


def test_surv010_survival_reaching_zero_small_r_example():
    # [sm] ti1 = c(3, 1, 2, 3, 2, 1, 5, 3); st1 = c(0, 1, 1, 1, 0, 0, 1, 0)
    # survfit: surv 0.8750000 0.7291667 0.5468750 0; std.err of S 0.1169268 0.1649762
    # 0.2005800 NaN at times 1, 2, 3, 5
    time, event = [3, 1, 2, 3, 2, 1, 5, 3], [0, 1, 1, 1, 0, 0, 1, 0]
    for conf_type in ("log", "log-log", "plain"):
        rows = _event_rows(kaplan_meier(time, event, conf_type=conf_type))
        assert [s.time for s in rows] == [1, 2, 3, 5]
        assert [s.n_at_risk for s in rows] == [8, 6, 4, 1]
        assert_allclose([s.survival for s in rows], [0.875, 0.7291667, 0.546875, 0.0], atol=1e-6)
        assert_allclose([s.std_err for s in rows[:3]], [0.1169268, 0.1649762, 0.2005800], atol=1e-6)
        assert (rows[-1].std_err, rows[-1].ci_lower, rows[-1].ci_upper) == (None, None, None)


def test_surv011_logrank_aml_matches_survdiff():
    # [doaml] survdiff: Chisq= 3.4 on 1 degrees of freedom, p= 0.0653
    time = AML_MAINTAINED[0] + AML_NONMAINTAINED[0]
    event = AML_MAINTAINED[1] + AML_NONMAINTAINED[1]
    group = ["Maintained"] * 11 + ["Nonmaintained"] * 12
    result = logrank(time, event, group)
    assert result.df == 1
    assert result.chi2 == pytest.approx(3.40, abs=5e-3)
    assert result.p == pytest.approx(0.0653, abs=5e-5)


def test_surv012_logrank_small_r_example():
    # [sm] ti = c(ti1, ti2); st = c(st1, st2); survdiff(Surv(ti, st) ~ ix):
    # chisq 2.14673, p 0.14287
    ti = [*[3, 1, 2, 3, 2, 1, 5, 3], *[1, 1, 2, 3, 7, 1, 5, 3, 9]]
    st = [*[0, 1, 1, 1, 0, 0, 1, 0], *[0, 1, 0, 0, 1, 0, 1, 0, 1]]
    group = [1] * 8 + [2] * 9
    result = logrank(ti, st, group)
    assert (result.chi2, result.p) == (
        pytest.approx(2.14673, abs=1e-4),
        pytest.approx(0.14287, abs=1e-4),
    )


def test_surv013_logrank_three_groups_agrees_with_lifelines():
    # Consistency: with every group having expected events, lifelines'
    # multivariate_logrank_test and survdiff agree (lung by ph.ecog 0/1/2).
    lung = _lung()
    lung = lung[lung["ph.ecog"] < 3]
    ours = logrank(lung["time"], lung["status"], lung["ph.ecog"])
    theirs = multivariate_logrank_test(lung["time"], lung["ph.ecog"], lung["status"])
    assert ours.df == 2
    assert ours.chi2 == pytest.approx(theirs.test_statistic, rel=1e-9)
    assert ours.p == pytest.approx(theirs.p_value, rel=1e-9)


def test_surv014_logrank_drops_group_without_expected_events():
    # survdiff removes groups with expected = 0 (subjects all censored before the
    # first event) and lowers the degrees of freedom accordingly.
    time = AML_MAINTAINED[0] + AML_NONMAINTAINED[0] + [1, 2]
    event = AML_MAINTAINED[1] + AML_NONMAINTAINED[1] + [0, 0]
    group = ["M"] * 11 + ["N"] * 12 + ["early"] * 2
    result = logrank(time, event, group)
    two = logrank(time[:-2], event[:-2], group[:-2])
    assert result.df == 1
    assert result.chi2 == pytest.approx(two.chi2, rel=1e-12)
    with pytest.raises(ValueError, match="at least two groups"):
        logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"])


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_surv015_no_events(conf_type):
    # R survfit_confint: se = 0 gives limits equal to S = 1; print shows median NA.
    km = kaplan_meier([5, 7, 7, 20], [0, 0, 0, 0], conf_type=conf_type)
    assert km.events == 0
    for s in km.steps:
        assert (s.survival, s.std_err, s.ci_lower, s.ci_upper) == (1.0, 0.0, 1.0, 1.0)
    assert km.median is None and km.median_ci == (None, None)
    assert [s.n_censored for s in km.steps] == [1, 2, 1]
    assert survival_at(km, 10).survival == 1.0


def test_surv016_all_censored_single_subject():
    km = kaplan_meier([3], [False])
    assert len(km.steps) == 1 and km.steps[0].survival == 1.0
    assert km.median is None
    assert survival_at(km, 3).survival == 1.0 and survival_at(km, 3.5).survival is None


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_surv017_survival_reaching_zero_gives_none_limits(conf_type):
    km = kaplan_meier([1, 2, 3], [1, 1, 1], conf_type=conf_type)
    last = km.steps[-1]
    assert last.survival == 0.0
    assert (last.std_err, last.ci_lower, last.ci_upper) == (None, None, None)
    assert km.median == 2  # S(2) = 1/3 <= 0.5


def test_surv018_median_midpoint_when_curve_is_flat_at_half():
    # R survmean minmin: S = 0.5 exactly on [2, 3), drops at 3: median (2 + 3) / 2.
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert km.median == 2.5
    # lifelines reports the first time S <= 0.5 (module docstring claim)
    assert KaplanMeierFitter().fit([1, 2, 3, 4]).median_survival_time_ == 2
    # flat at 0.5 to the end: R's minmin keeps the first time at 0.5
    assert kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0]).median == 2


def test_surv019_shuffling_rows_changes_nothing():
    lung = load_lung()
    rng = np.random.default_rng(20261101)
    shuffled = lung.iloc[rng.permutation(len(lung))]
    for conf_type in ("log", "log-log", "plain"):
        a = kaplan_meier(lung["time"], lung["status"], conf_type=conf_type)
        b = kaplan_meier(shuffled["time"], shuffled["status"], conf_type=conf_type)
        assert a == b
    assert logrank(lung["time"], lung["status"], lung["sex"]) == logrank(
        shuffled["time"], shuffled["status"], shuffled["sex"]
    )


def test_surv020_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="no observations"):
        kaplan_meier([], [])
    with pytest.raises(ValueError, match="conf_type"):
        kaplan_meier([1], [1], conf_type="logit")
    with pytest.raises(ValueError, match="conf_level"):
        kaplan_meier([1], [1], conf_level=95)
    with pytest.raises(ValueError, match="differ in length"):
        kaplan_meier([1, 2], [1])
    with pytest.raises(ValueError, match="0/1"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([1, math.nan], [1, 1])
    with pytest.raises(ValueError, match="missing labels"):
        logrank([1, 2], [1, 1], ["a", None])


def test_surv021_reverse_km_follow_up_hand_computation():
    # Reverse KM (Schemper & Smith): censorings at 2, 4, 5 become events, deaths at 1, 3
    # censored. Risk sets: at 2: 4 -> S = 3/4; at 4: 2 -> S = 3/8 <= 0.5: median 4.
    follow = reverse_km_median_follow_up([1, 2, 3, 4, 5], [1, 0, 1, 0, 0])
    assert follow.n == 5 and follow.median == 4
    reverse = kaplan_meier([1, 2, 3, 4, 5], [0, 1, 0, 1, 1])
    assert (follow.ci_lower, follow.ci_upper) == reverse.median_ci
    # aml, both arms: potential follow-up median of survfit(Surv(time, 1 - status) ~ 1)
    time = AML_MAINTAINED[0] + AML_NONMAINTAINED[0]
    event = AML_MAINTAINED[1] + AML_NONMAINTAINED[1]
    assert (
        reverse_km_median_follow_up(time, event).median
        == kaplan_meier(time, 1 - np.array(event)).median
    )


def test_surv022_lifelines_claims_in_module_docstring():
    # lifelines' interval is log-log and matches ours where 0 < S < 1, but it gives
    # 0 at S = 0 where R (and this module) give no interval.
    time, event = AML_NONMAINTAINED
    ours = kaplan_meier(time, event, conf_type="log-log")
    ci = KaplanMeierFitter().fit(time, event).confidence_interval_
    for s in ours.steps[:-1]:
        assert_allclose(ci.loc[s.time].to_numpy(), [s.ci_lower, s.ci_upper], rtol=1e-10)
    assert ci.loc[45.0].tolist() == [0.0, 0.0]
    assert ours.steps[-1].ci_lower is None


def test_surv023_to_frame_and_landmark_past_end():
    km = kaplan_meier(*AML_MAINTAINED)
    frame = km.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(km.steps)
    assert list(frame.columns[:3]) == ["time", "n_at_risk", "n_events"]
    assert survival_at(km, 200).survival is None
    with pytest.raises(ValueError, match="landmark"):
        survival_at(km, -1)
