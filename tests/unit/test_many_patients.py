"""Figures of a large trial: the most recent patients drawn, the others summarised.

The selection is checked on hand-made frames; the figures on a 300-patient simulated
trial (MTSA has 21, under the limit, so its figures are unchanged).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.recovery import Trajectory
from analysis.safety import safety_report
from analysis.stopping import StoppingRule, stopping_boundary
from analysis.swimmer import swimmer_rows
from dashboard.figures import many_patients
from dashboard.figures.many_patients import MAX_PATIENTS_DRAWN, most_recent, shown_note
from dashboard.figures.recovery import trajectory_figure
from dashboard.figures.safety import (
    ae_timeline_figure,
    stopping_boundary_figure,
    worst_grade_heatmap,
)
from dashboard.figures.swimmer import swimmer_figure
from data_access import demo


def test_most_recent_keeps_the_latest_dates_ties_by_id_in_frame_order(monkeypatch):
    monkeypatch.setattr(many_patients, "MAX_PATIENTS_DRAWN", 3)
    frame = pd.DataFrame(
        {
            "patient_id": ["E", "A", "D", "B", "C"],
            "day0_on": pd.to_datetime(
                ["2021-05-01", "2021-01-01", "2021-03-01", "2021-03-01", "2021-02-01"]
            ),
        }
    )
    # Latest: E (May), then B and D (March, tie: both fit); C and A are older.
    assert list(most_recent(frame, "day0_on")["patient_id"]) == ["E", "D", "B"]
    # A tie at the edge goes to the larger id (sorted last).
    monkeypatch.setattr(many_patients, "MAX_PATIENTS_DRAWN", 2)
    assert list(most_recent(frame, "day0_on")["patient_id"]) == ["E", "D"]


def test_shown_note():
    assert shown_note(100, 100) == ""
    assert shown_note(100, 6675) == " (the 100 most recently enrolled of 6,675 patients)"


def _trajectory(patients: int) -> Trajectory:
    ids = [f"P{i:04d}" for i in range(patients)]
    lines = pd.DataFrame(
        {
            "patient_id": np.repeat(ids, 2),
            "start": [0, 7] * patients,
            "end": [0, 7] * patients,
            "x": [0.0, 7.0] * patients,
            "value": [0.1, 1.0] * patients,
        }
    )
    cohort = pd.DataFrame(
        {
            "start": [0, 7],
            "end": [0, 7],
            "x": [0.0, 7.0],
            "n_patients": [patients, patients],
            "median": [0.1, 1.0],
            "q1": [0.1, 1.0],
            "q3": [0.1, 1.0],
        }
    )
    return Trajectory("ANC", lines, cohort)


def test_trajectory_draws_each_patient_only_up_to_the_limit():
    small = trajectory_figure(_trajectory(MAX_PATIENTS_DRAWN))
    assert small.data[0].name == "Each patient"
    big = trajectory_figure(_trajectory(MAX_PATIENTS_DRAWN + 1), highlight="P0003")
    names = [t.name for t in big.data]
    assert "Each patient" not in names
    assert names[-1] == "P0003"  # the chosen patient is still drawn
    assert list(big.data[-1].x) == [0.0, 7.0]
    assert "median and IQR of 101 patients" in big.layout.title.text


@pytest.fixture(scope="module")
def large_trial():
    trial = demo.full_trial(300, seed=7)
    cut = trial.end
    tables = demo.truncate_at(trial.tables, cut)
    return tables, cut


def test_safety_figures_draw_the_most_recent_patients(large_trial):
    tables, cut = large_trial
    report = safety_report(tables, cut)
    follow = report.follow_up
    assert len(follow) > MAX_PATIENTS_DRAWN
    latest = follow.sort_values(["day0_on", "patient_id"]).tail(MAX_PATIENTS_DRAWN)
    recent = set(latest["patient_id"])
    oldest_shown = follow[follow["patient_id"].isin(recent)]["day0_on"].min()
    assert (follow[~follow["patient_id"].isin(recent)]["day0_on"] <= oldest_shown).all()

    socs = list(report.by_soc["soc"])
    heatmap = worst_grade_heatmap(report.worst_grade, follow, socs)
    assert set(heatmap.data[0].x) == recent
    assert list(heatmap.data[0].x) == sorted(recent)
    assert f"of {len(follow):,} patients" in heatmap.layout.title.text

    timeline = ae_timeline_figure(report.events, follow)
    rows = {y.rstrip("*") for trace in timeline.data for y in trace.y if y is not None}
    assert rows == recent
    assert timeline.layout.height == 170 + 26 * MAX_PATIENTS_DRAWN


def test_swimmer_draws_the_most_recently_enrolled(large_trial):
    tables, cut = large_trial
    rows = swimmer_rows(tables, cut)
    fig = swimmer_figure(rows)
    bars = fig.data[0]
    assert len(bars.y) == MAX_PATIENTS_DRAWN
    shown = rows[rows["patient_id"].isin(bars.y)]
    hidden = rows[~rows["patient_id"].isin(bars.y)]
    assert hidden["enrolled_on"].max() <= shown["enrolled_on"].min()
    assert list(bars.y) == [p for p in rows["patient_id"] if p in set(bars.y)]  # order kept


def _step_value(xs, ys, n):
    """The value a Plotly ``hv`` step line shows at ``n``."""
    i = np.searchsorted(np.asarray(xs, dtype=float), n, side="right") - 1
    return ys[i]


def test_stopping_boundary_of_a_long_trial_is_drawn_from_its_steps():
    rule = StoppingRule()
    n = 1_000
    outcomes = pd.DataFrame(
        {
            "evaluated_on": [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(400)],
            "event": [i % 7 == 0 for i in range(400)],
        }
    )
    boundary = stopping_boundary(outcomes, n, rule)
    fig = stopping_boundary_figure(boundary)
    line, _, markers, observed = fig.data
    assert len(line.x) < n / 4  # change points only, not 1,000 plateaus
    ceiling = float(boundary.table["boundary"].max()) + 1
    for row in boundary.table.itertuples():
        expected = ceiling + 1 if pd.isna(row.boundary) else row.boundary
        assert _step_value(line.x, line.y, row.n) == expected
    seen = boundary.table[boundary.table["observed"].notna()]
    for row in seen.itertuples():
        assert _step_value(observed.x, observed.y, row.n) == row.observed
    assert len(markers.x) < n / 4
    assert fig.layout.xaxis.dtick is None  # 500 ticks would be unreadable
