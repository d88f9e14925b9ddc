"""Marrow blasts are sampled about twice a patient: drawn as points, never joined."""

from __future__ import annotations

import pandas as pd

from analysis.recovery import Trajectory
from dashboard.figures.recovery import trajectory_figure


def _marrow() -> Trajectory:
    lines = pd.DataFrame(
        {
            "patient_id": ["P-1", "P-1", "P-2"],
            "start": [28, 90, 30],
            "end": [28, 90, 30],
            "x": [28.0, 90.0, 30.0],
            "value": [4.0, 1.0, 12.0],
        }
    )
    cohort = pd.DataFrame(
        {
            "start": [28, 90],
            "end": [35, 90],
            "x": [31.0, 90.0],
            "n_patients": [2, 1],
            "median": [8.0, 1.0],
            "q1": [6.0, 1.0],
            "q3": [10.0, 1.0],
        }
    )
    return Trajectory("BM_BLAST_PCT", lines, cohort)


def test_recfig001_sparse_samples_are_points_with_iqr_bars():
    figure = trajectory_figure(_marrow(), highlight="P-1")
    modes = {t.name: t.mode for t in figure.data}
    assert all("lines" not in mode for mode in modes.values()), modes
    assert not any(t.fill for t in figure.data)  # no band between samples
    median = next(t for t in figure.data if t.name.startswith("Cohort median"))
    assert list(median.y) == [8.0, 1.0]
    # IQR 6-10 around 8: bars of 2 up and 2 down; a single patient: no bar.
    assert list(median.error_y.array) == [2.0, 0.0]
    assert list(median.error_y.arrayminus) == [2.0, 0.0]


def test_recfig002_dense_counts_keep_their_lines_and_band():
    marrow = _marrow()
    anc = Trajectory("ANC", marrow.lines.assign(value=[0.1, 1.2, 0.3]), marrow.cohort)
    figure = trajectory_figure(anc)
    assert figure.data[0].mode == "lines"
    assert any(t.fill == "tonexty" for t in figure.data)
