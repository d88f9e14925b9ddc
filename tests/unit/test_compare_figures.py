"""The earlier data version drawn beside the shown one ("Compare with"), without a browser.

Version 1 is tests/fixtures/bundles/small (EXPECTED.md); version 2 adds P-009, enrolled
2020-05-18, last seen 2020-06-22 (tests/later_bundles.py ``one_more_patient``). Both are
cut on 2020-06-30. Counted by hand from the CSV files:

- enrolled (version 1): 2019-02-25, 2019-03-18, 2019-05-20, 2019-07-15, 2019-09-23,
  2020-01-27, so 0 on the trial start (2019-01-08), 1..6, flat to 2020-06-30; version 2
  reaches 7 on 2020-05-18.
- days from enrollment to death or last contact (version 1): P-008 147 censored, P-006
  196 censored, P-002 210 died, P-005 315, P-004 385, P-001 476 censored. OS: 100% to
  day 210, then 3 of the 4 at risk: 75%.
- PFS (version 1): P-002 progressed 2019-09-16, day 182, with 5 at risk (all but P-008):
  80%; the rest as OS, P-002 leaving the risk set at 182.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.enrollment import enrollment_summary
from analysis.survival_panels import survival_json
from dashboard.callbacks.compare_versions import (
    NO_COMPARISON,
    NOTHING_EARLIER,
    compare_choices,
    compared_version,
    version_name,
)
from dashboard.figures.enrollment import cumulative_enrollment_figure
from dashboard.figures.risk_table import months
from dashboard.figures.survival import km_figure
from data_access.bundle import read_bundle
from data_access.frames import data_cut_of
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import one_more_patient

NAME = "Version 1 (data cut 30 Jun 2020)"


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    two = one_more_patient(tmp_path_factory.mktemp("later") / "two", "P-009")
    return read_bundle(SMALL_BUNDLE), read_bundle(two)


def summary(tables):
    return enrollment_summary(tables, data_cut_of(tables))


def curves(tables, **options):
    return survival_json(tables, data_cut_of(tables), **options)


def earlier_traces(figure, meta):
    return [t for t in figure.data if t.meta == meta]


def test_cmpfig001_enrollment_draws_the_earlier_curve_dashed_beneath(versions):
    one, two = versions
    figure = cumulative_enrollment_figure(summary(two), earlier=summary(one), earlier_name=NAME)
    (earlier,) = earlier_traces(figure, "enrolled-earlier")
    assert earlier.name == NAME
    assert earlier.line.dash == "dash" and earlier.line.shape == "hv"
    assert list(earlier.y) == [0, 1, 2, 3, 4, 5, 6, 6]
    assert [pd.Timestamp(x).date().isoformat() for x in earlier.x] == [
        "2019-01-08",
        "2019-02-25",
        "2019-03-18",
        "2019-05-20",
        "2019-07-15",
        "2019-09-23",
        "2020-01-27",
        "2020-06-30",
    ]
    shown = next(t for t in figure.data if t.name == "Enrolled")
    assert shown.line.dash is None and list(shown.y)[-2:] == [7, 7]
    assert figure.data[0] is earlier  # drawn first: beneath the shown curve
    assert earlier.line.color != shown.line.color  # lighter


def test_cmpfig002_enrollment_without_comparison_is_unchanged(versions):
    _one, two = versions
    figure = cumulative_enrollment_figure(summary(two))
    assert not earlier_traces(figure, "enrolled-earlier")
    assert [t.name for t in figure.data] == ["Enrolled", "Planned accrual"]


def test_cmpfig003_km_draws_the_earlier_os_curve_table_stays_current(versions):
    one, two = versions
    figure = km_figure(curves(two), 0.95, earlier=curves(one), earlier_name=NAME)
    (earlier,) = earlier_traces(figure, "km-earlier")
    assert earlier.name == NAME and earlier.showlegend
    assert earlier.line.dash == "dash"
    days = [0, 147, 196, 210, 315, 385, 476]
    assert list(earlier.x) == pytest.approx([months(d) for d in days])
    assert list(earlier.y) == pytest.approx([100, 100, 100, 75, 75, 75, 75])
    assert "Version 1 (data cut 30 Jun 2020), all patients: 6.9 months: OS 75%, 4 at risk" in (
        earlier.hovertext
    )
    # The number-at-risk table is version 2's: 7 patients at risk at month 0.
    (curve,) = earlier_traces(figure, "km-curve")
    assert curve.name == "all patients (n=7)"
    first_row = next(t for t in figure.data if t.meta == "risk-table")
    assert first_row.text[0] == "7"


def test_cmpfig004_km_overlays_the_endpoint_shown(versions):
    one, two = versions
    pfs = km_figure(
        curves(two, endpoint="pfs"), 0.95, earlier=curves(one, endpoint="pfs"), earlier_name=NAME
    )
    (earlier,) = earlier_traces(pfs, "km-earlier")
    days = [0, 147, 182, 196, 315, 385, 476]
    assert list(earlier.x) == pytest.approx([months(d) for d in days])
    assert list(earlier.y) == pytest.approx([100, 100, 80, 80, 80, 80, 80])


def test_cmpfig005_grouped_earlier_curves_share_one_legend_entry_and_group_colours(versions):
    one, two = versions
    figure = km_figure(
        curves(two, by="sex"), 0.95, by="sex", earlier=curves(one, by="sex"), earlier_name=NAME
    )
    earlier = earlier_traces(figure, "km-earlier")
    shown = earlier_traces(figure, "km-curve")
    assert len(earlier) == len(shown) == 2
    assert [t.showlegend for t in earlier] == [True, False]
    assert len({t.legendgroup for t in earlier}) == 1
    for before, now in zip(earlier, shown, strict=True):  # same group order: F, M
        rgb = now.line.color.lstrip("#")
        r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
        assert before.line.color == f"rgba({r},{g},{b},0.55)"


def kept(number, cut, rows_kept=True):
    return {"version": number, "data_cut": pd.Timestamp(cut).date(), "rows_kept": rows_kept}


def test_cmpfig006_compare_choices_offer_earlier_kept_versions_or_say_why_not():
    assert compare_choices([kept(1, "2020-06-30")], 1, "1") == (
        [{"label": "none", "value": NO_COMPARISON}],
        NO_COMPARISON,
        True,
        NOTHING_EARLIER,
    )
    rows = [kept(1, "2020-03-31"), kept(2, "2020-04-30", rows_kept=False), kept(3, "2020-06-30")]
    options, value, disabled, _hint = compare_choices(rows, 3, None)
    assert [o["value"] for o in options] == [NO_COMPARISON, "1"]
    assert options[1]["label"] == "version 1, data cut 31 Mar 2020"
    assert (value, disabled) == (NO_COMPARISON, False)
    assert compare_choices(rows, 3, "1")[1] == "1"  # kept while still offered


def test_cmpfig007_a_compared_version_must_be_an_earlier_one():
    shown = {"version": 3}
    assert compared_version(NO_COMPARISON, shown) is None
    assert compared_version("2", shown) == 2
    for forged in ("3", "7", "0", "x"):
        with pytest.raises(ValueError):
            compared_version(forged, shown)
    assert version_name(3, pd.Timestamp("2020-03-31").date()) == (
        "Version 3 (data cut 31 Mar 2020)"
    )
