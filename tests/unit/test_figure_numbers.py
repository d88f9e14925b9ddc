"""The numbers behind a figure, read back from the figure as the browser holds it."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard.figures.numbers import figure_numbers


def records(table) -> list[dict]:
    """Rows with missing cells as None (the CSV writes them empty)."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def test_fignum001_scatter_and_bar_points_one_row_each():
    figure = {
        "data": [
            {"type": "scatter", "name": "Enrolled", "x": ["2020-01-01", "2020-02-01"], "y": [1, 3]},
            {"type": "bar", "name": "LYS", "x": [5], "y": ["Lyon"], "base": ["2019-03-01"]},
        ]
    }
    table = figure_numbers(figure)
    assert list(table.columns) == ["series", "x", "y", "base"]
    assert records(table) == [
        {"series": "Enrolled", "x": "2020-01-01", "y": 1, "base": None},
        {"series": "Enrolled", "x": "2020-02-01", "y": 3, "base": None},
        {"series": "LYS", "x": 5, "y": "Lyon", "base": "2019-03-01"},
    ]


def test_fignum002_heatmap_one_row_per_cell_with_its_labels():
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": ["P-1", "P-2"],
                "y": ["Infections", "Cardiac"],
                "z": [[3, None], [1, 5]],
            }
        ]
    }
    rows = records(figure_numbers(figure))
    assert rows == [
        {"series": "trace 1", "y": "Infections", "x": "P-1", "z": 3},
        {"series": "trace 1", "y": "Infections", "x": "P-2", "z": None},
        {"series": "trace 1", "y": "Cardiac", "x": "P-1", "z": 1},
        {"series": "trace 1", "y": "Cardiac", "x": "P-2", "z": 5},
    ]


def test_fignum003_typed_arrays_as_plotly_sends_them():
    # Plotly 6 sends numpy arrays as base64 typed arrays; the browser returns them so.
    sent = go.Figure(go.Scatter(name="ANC", x=np.array([0, 7, 14]), y=np.array([0.8, 0.1, 0.6])))
    table = figure_numbers(sent.to_plotly_json())
    assert table["x"].tolist() == [0, 7, 14]
    assert table["y"].tolist() == [0.8, 0.1, 0.6]
    heat = go.Figure(go.Heatmap(z=np.array([[1.0, 2.0], [3.0, 4.0]]), x=["a", "b"], y=["r", "s"]))
    assert figure_numbers(heat.to_plotly_json())["z"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_fignum004_nothing_drawn_gives_an_empty_table_not_an_error():
    assert figure_numbers(None).empty
    assert figure_numbers({"data": [{"type": "scatter"}]}).empty
