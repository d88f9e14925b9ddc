"""Sites page figures and texts, without a browser.

Dates and counts come from tests/fixtures/bundles/small/EXPECTED.md (data cut
2020-06-30; LIL, NCY and PSL not yet recruiting, without milestones).
"""

from __future__ import annotations

import datetime as dt
import json
from itertools import combinations

import pandas as pd
import pytest

from analysis.forecast import Forecast
from dashboard.callbacks.sites_view import (
    RATE_OPTIONS,
    BadOption,
    forecast_sentence,
    ordinal,
    parse_what_if,
    site_rows,
    sites_data,
)
from dashboard.figures.forecast import forecast_figure, target_reached_on
from dashboard.figures.site_map import (
    PX_PER_CHAR,
    PX_PER_LAT,
    PX_PER_LON,
    _label_box,
    _overlap,
    label_positions,
    marker_size,
    site_map_figure,
)
from dashboard.figures.sites import (
    WAITING,
    activation_timeline_figure,
    recruitment_by_site_figure,
    screening_funnel_figure,
    site_labels,
)
from data_access.bundle import read_bundle
from data_access.demo import generate
from tests.conftest import SMALL_BUNDLE

CUT = dt.date(2020, 6, 30)


@pytest.fixture(scope="module")
def small():
    return sites_data(read_bundle(SMALL_BUNDLE), CUT)


def test_site_fig001_labels_are_short_cities(small):
    labels = dict(zip(small.metrics["site_id"], site_labels(small.metrics), strict=True))
    assert labels == {
        "CLF": "Clermont-Ferrand",
        "GRE": "Grenoble",
        "LIL": "Lille",
        "LYS": "Lyon",
        "NCY": "Nancy",
        "PSL": "Paris",
        "STE": "Saint-Étienne",
    }


def test_site_fig002_timeline_phases_and_waiting_sites():
    sites = pd.DataFrame(
        {
            "site_id": ["A", "B"],
            "name": ["Open site", "Late site"],
            "city": ["Lyon", "Lille"],
            "status": ["recruiting", "not_yet_recruiting"],
            "ethics_approved_on": pd.to_datetime(["2019-01-01", "2020-01-01"]),
            "contract_signed_on": pd.to_datetime(["2019-02-01", "2020-03-01"]),
            "initiation_visit_on": pd.to_datetime(["2019-03-01", None]),
            "activated_on": pd.to_datetime(["2019-04-01", None]),
            "closed_on": pd.to_datetime([None, None]),
        }
    )
    fig = activation_timeline_figure(sites, CUT)
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    # Open site: 31 + 28 + 31 days of phases, then open 01 Apr 2019 → cut (456 days).
    assert [list(bars[name].y) for name in bars] == [["Lyon"]] * 4 + [["Lille"]]
    assert list(bars["Open (recruiting)"].customdata[0][1:]) == ["01 Apr 2019", "30 Jun 2020", 456]
    # Late site: one waiting bar from ethics approval to the cut, 181 days.
    waiting = bars[WAITING[0]]
    assert list(waiting.customdata[0][1:]) == ["01 Jan 2020", "30 Jun 2020", 181]
    # The waiting time is written under the site's name, beside the axis.
    ticks = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))
    assert ticks["Lyon"] == "Lyon"
    assert ticks["Lille"].startswith("Lille<br>")
    assert ticks["Lille"].endswith(">waiting 181 days</span>")
    assert fig.data[-1].name == "Data cut-off, 30 Jun 2020"  # a key in the legend


def test_site_fig003_sites_without_ethics_approval_say_so(small):
    fig = activation_timeline_figure(small.metrics, CUT)
    notes = [tick for tick in fig.layout.yaxis.ticktext if "no ethics approval yet" in tick]
    assert len(notes) == 3  # LIL, NCY, PSL


def test_site_fig004_map_markers_grow_with_enrollment(small):
    fig = site_map_figure(small.metrics)
    sizes = {}
    for trace in fig.data:
        sizes.update(zip(trace.text, trace.marker.size, strict=True))
    assert sizes["Lille"] == marker_size(0) > 0
    assert sizes["Saint-Étienne"] == sizes["Lyon"] > sizes["Grenoble"] == sizes["Clermont-Ferrand"]
    assert fig.layout.geo.scope == "europe"
    assert {t.name for t in fig.data} == {"Recruiting", "Not yet recruiting"}


def test_site_fig005_map_labels_do_not_cover_each_other():
    # Lyon, Saint-Étienne and Grenoble are close: a label to the right of each collides.
    lon, lat = [4.824, 4.376, 5.747, 3.087], [45.699, 45.474, 45.2, 45.777]
    names = ["Lyon", "Saint-Étienne", "Grenoble", "Clermont-Ferrand"]
    sizes = [30, 30, 16, 22]
    positions = label_positions(lon, lat, sizes, names)
    boxes = [
        _label_box(p, x * PX_PER_LON, y * PX_PER_LAT, s / 2, PX_PER_CHAR * len(n))
        for p, x, y, s, n in zip(positions, lon, lat, sizes, names, strict=True)
    ]
    assert [_overlap(a, b) for a, b in combinations(boxes, 2)] == [0.0] * 6


def test_site_fig006_recruitment_lines_end_at_the_cut(small):
    fig = recruitment_by_site_figure(small.metrics, small.by_site, CUT)
    lines = {t.name: t for t in fig.data}
    assert set(lines) == {"Saint-Étienne (2)", "Lyon (2)", "Clermont-Ferrand (1)", "Grenoble (1)"}
    ste = lines["Saint-Étienne (2)"]
    # Activated 2019-01-08 at 0, enrolled 2019-02-25 and 2020-01-27, flat to the cut.
    assert list(ste.y) == [0, 1, 2, 2]
    assert pd.Timestamp(ste.x[-1]) == pd.Timestamp(CUT)


def test_site_fig007_funnel_counts(small):
    fig = screening_funnel_figure(small.funnel)
    funnel = fig.data[0]
    assert list(funnel.y)[:3] == ["Screened", "Eligible", "Enrolled"]
    assert list(funnel.x)[:3] == [8, 6, 6]
    assert list(funnel.text)[2] == "6 (75%)"


def test_site_fig008_no_patient_id_reaches_the_page():
    tables = generate()
    data = sites_data(tables, None)
    figures = [
        activation_timeline_figure(data.metrics, data.data_cut),
        site_map_figure(data.metrics),
        recruitment_by_site_figure(data.metrics, data.by_site, data.data_cut),
        screening_funnel_figure(data.funnel),
        forecast_figure(data.cumulative, None, target=21, data_cut=data.data_cut),
    ]
    text = json.dumps([f.to_plotly_json() for f in figures], default=str)
    text += json.dumps(site_rows(data.metrics))
    assert [pid for pid in tables["patients"]["patient_id"] if pid in text] == []


def test_site_fig009_grid_rows_are_plain_json(small):
    rows = {row["site_id"]: row for row in site_rows(small.metrics)}
    assert rows["STE"]["enrolled"] == 2
    assert rows["STE"]["days_to_activation"] == 120
    assert rows["STE"]["enrolled_per_month"] == pytest.approx(0.1129, abs=5e-5)
    assert rows["STE"]["first_enrolled_on"] == "2019-02-25"
    assert rows["STE"]["status"] == "Recruiting"
    assert rows["LIL"]["enrolled_per_month"] is None
    assert rows["LIL"]["activated_on"] is None
    json.dumps(rows)  # nothing numpy left


def _forecast(**changes) -> Forecast:
    values = {
        "data_cut": CUT,
        "target": 21,
        "enrolled": 6,
        "target_date_median": dt.date(2023, 3, 1),
        "target_date_lower": dt.date(2022, 6, 15),
        "target_date_upper": dt.date(2024, 7, 2),
        "probability_by_planned_end": 0.123,
        "planned_accrual_end": dt.date(2022, 5, 31),
        "fraction_not_reached": 0.0,
        "horizon_end": dt.date(2040, 6, 30),
        "fan": pd.DataFrame(
            {
                "date": pd.to_datetime(["2020-06-30", "2024-07-02"]),
                "median": [6, 21],
                "lower": [6, 15],
                "upper": [6, 21],
            }
        ),
        "prior_alpha": 1.0,
        "prior_mean_per_month": 0.1,
        "prior_source": "fitted",
        "sites_open": 4,
        "sites_pending": 3,
        "n_sims": 4000,
        "seed": 1,
        "assumptions": (),
    }
    return Forecast(**{**values, **changes})


def test_site_fig010_forecast_sentence():
    assert forecast_sentence(_forecast(sites_pending=0), scenario=False) == (
        "At the current pace the 21st patient is expected on 01 Mar 2023 (95% interval "
        "15 Jun 2022–02 Jul 2024); probability of reaching 21 by the planned end of "
        "accrual (31 May 2022): 12%."
    )
    # Three sites not open yet: the forecast counts on them, and says so.
    assert forecast_sentence(_forecast(), scenario=False).startswith(
        "At the current pace, with the sites not yet open opening as predicted, the 21st "
    )
    assert forecast_sentence(
        _forecast(target_date_upper=None, probability_by_planned_end=None), scenario=True
    ) == (
        "In this scenario the 21st patient is expected on 01 Mar 2023 (95% interval "
        "15 Jun 2022–beyond 20 years)."
    )
    assert [ordinal(n) for n in (1, 2, 3, 11, 12, 13, 21, 22, 23, 101)] == [
        "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st"
    ]  # fmt: skip


def test_site_fig011_target_reached_draws_no_fan():
    cumulative = pd.DataFrame(
        {"date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-05-01"]), "enrolled": [1, 2, 3]}
    )
    assert target_reached_on(cumulative, 3) == dt.date(2020, 5, 1)
    assert target_reached_on(cumulative, 4) is None
    fig = forecast_figure(cumulative, None, target=3, data_cut=CUT)
    assert [t.name for t in fig.data] == ["Enrolled", "Target reached", "Data cut-off, 30 Jun 2020"]


def test_site_fig012_what_if_options_are_checked():
    cut = dt.date(2020, 6, 30)
    assert parse_what_if("none", None, "1", cut) == {
        "open_site": None,
        "open_on": None,
        "rate": 1.0,
    }
    assert parse_what_if("LIL", "2020-08-01", "1.25", cut) == {
        "open_site": "LIL",
        "open_on": "2020-08-01",
        "rate": 1.25,
    }
    assert parse_what_if("LIL", None, 2, cut)["open_site"] is None  # no date yet: no scenario
    for bad in (
        (None, None, 0.3),
        (None, None, 1.1),
        (None, None, "x"),
        (["LIL"], "2020-08-01", 1),
        ("LIL", "2020-13-01", 1),
    ):
        with pytest.raises(BadOption):
            parse_what_if(*bad, cut)
    # An opening on or before the data cut is refused with a reason, not ignored.
    for past in ("2020-06-30", "2019-01-01"):
        with pytest.raises(BadOption, match=r"after the data cut-off \(30 Jun 2020\)"):
            parse_what_if("LIL", past, 1, cut)


def test_site_fig013_rate_options_are_the_parsed_ones():
    for option in RATE_OPTIONS:
        assert parse_what_if(None, None, option["value"], dt.date(2020, 1, 1))["rate"] > 0
    assert [o["value"] for o in RATE_OPTIONS][:3] == ["0.5", "0.75", "1"]
    assert RATE_OPTIONS[-1]["value"] == "3"
