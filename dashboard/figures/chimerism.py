"""Microchimerism figure: donor DNA percent over time per patient, against the assay limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.chimerism import is_detectable
from dashboard.figures.many_patients import most_recent, shown_note, too_many
from dashboard.figures.theme import COLORS, DAYS_FROM_TRANSPLANT, figure, hline

LINE = "#adb5bd"
LIMIT_COLOR = "#b02a37"


def percent_text(value: float) -> str:
    """A percentage to at most 3 decimals, without trailing zeros: '0.05%'."""
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _describe(row, limit: float) -> str:
    if row.detected is False or (pd.isna(row.donor_percent) and row.detected is not True):
        what = "not detected"
    elif pd.isna(row.donor_percent):
        what = "detected (no percent given)"
    elif row.donor_percent < limit:
        what = f"{percent_text(row.donor_percent)} donor DNA, under the detection limit"
    else:
        what = f"{percent_text(row.donor_percent)} donor DNA"
    return f"{row.patient_id} · Day {row.day}: {what}"


def _frame(samples: pd.DataFrame, limit: float, floor: float) -> pd.DataFrame:
    """The samples with where to draw them (``y``), whether detectable, and hover text."""
    frame = samples.copy()
    frame["detected"] = frame["detected"].astype(object).where(frame["detected"].notna(), None)
    frame["shown"] = [is_detectable(r.donor_percent, r.detected, limit) for r in frame.itertuples()]
    frame["y"] = np.where(frame["shown"], frame["donor_percent"].fillna(limit), floor)
    frame["y"] = frame["y"].astype(float).clip(lower=floor)
    frame["text"] = [_describe(r, limit) for r in frame.itertuples()]
    return frame


def _sample_traces(frame: pd.DataFrame, highlight) -> list[dict]:
    xs, ys = [], []
    for patient_id, rows in frame.groupby("patient_id", sort=True):
        if patient_id != highlight:
            xs += [*rows["day"], None]
            ys += [*rows["y"], None]
    traces = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "line": {"color": LINE, "width": 1},
            "name": "Each patient",
            "hoverinfo": "skip",
        }
    ]
    others = frame[frame["patient_id"] != highlight]
    for shown, name, symbol in (
        (True, "Detectable", "circle"),
        (False, "Not detected or under the limit", "circle-open"),
    ):
        points = others[others["shown"] == shown]
        traces.append(
            {
                "type": "scatter",
                "x": points["day"],
                "y": points["y"],
                "text": points["text"],
                "mode": "markers",
                "name": name,
                "marker": {"symbol": symbol, "size": 7, "color": COLORS["primary"]},
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _highlight_trace(frame: pd.DataFrame, highlight: str) -> dict:
    own = frame[frame["patient_id"] == highlight]
    return {
        "type": "scatter",
        "x": own["day"],
        "y": own["y"],
        "text": own["text"],
        "mode": "lines+markers",
        "name": highlight,
        "line": {"color": COLORS["accent"], "width": 2.5},
        "marker": {
            "size": 9,
            "symbol": ["circle" if s else "circle-open" for s in own["shown"]],
        },
        "hovertemplate": "%{text}<extra></extra>",
    }


def _marks(limit: float, floor: float) -> tuple[list[dict], list[dict]]:
    """The detection limit line and the 3-month window: (shapes, annotations)."""
    shapes = [
        hline(limit if limit > 0 else floor, {"dash": "dash", "color": LIMIT_COLOR, "width": 1}),
        {
            "type": "rect",
            "xref": "x",
            "x0": 76,
            "x1": 104,
            "yref": "y domain",
            "y0": 0,
            "y1": 1,
            "fillcolor": "rgba(108, 117, 125, 0.08)",
            "line": {"width": 0},
        },
    ]
    annotations = [
        {
            "text": f"Detection limit {percent_text(limit)}",
            "font": {"color": LIMIT_COLOR, "size": 11},
            "showarrow": False,
            "x": 1,
            "xanchor": "right",
            "xref": "x domain",
            "y": np.log10(limit if limit > 0 else floor),  # annotations on a log axis: log10
            "yanchor": "bottom",
            "yref": "y",
        },
        {
            "x": 90,
            "y": 1,
            "yref": "paper",
            "yanchor": "top",  # inside the band: above the plot is the legend's row
            "showarrow": False,
            "text": "3 months",
            "font": {"size": 11, "color": COLORS["muted"]},
        },
    ]
    return shapes, annotations


def chimerism_figure(
    samples: pd.DataFrame,
    limit: float,
    highlight: str | None = None,
    transplant_on: pd.Series | None = None,
) -> go.Figure:
    """Donor percent per patient on a log axis, with the detection limit.

    Samples not detected (or under the limit) are drawn as open circles just under the
    limit line, since a log axis has no zero; the hover text says what was measured.
    ``transplant_on`` (by patient) picks the most recently transplanted patients when
    there are too many to draw (:mod:`dashboard.figures.many_patients`); the
    highlighted patient is always drawn.
    """
    floor = limit / 2 if limit > 0 else 0.001
    frame = _frame(samples, limit, floor)
    total = frame["patient_id"].nunique()
    title = "Donor DNA in the blood, per patient"
    if transplant_on is not None and too_many(total):
        dates = transplant_on.rename("transplant_on").rename_axis("patient_id").reset_index()
        recent = most_recent(dates[dates["patient_id"].isin(frame["patient_id"])], "transplant_on")
        frame = frame[
            frame["patient_id"].isin(recent["patient_id"]) | (frame["patient_id"] == highlight)
        ]
        title += shown_note(len(recent), total, "most recently transplanted")
    traces = _sample_traces(frame, highlight)
    if highlight is not None:
        traces.append(_highlight_trace(frame, highlight))
    shapes, annotations = _marks(limit, floor)
    top = max(1.0, float(frame["y"].max()) * 1.5) if len(frame) else 1.0
    low = floor / 2
    ticks = [10.0**k for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(top))) + 1)]
    ticks = [t for t in ticks if low <= t <= top]
    return figure(
        title,
        traces,
        {
            "xaxis": {"title": {"text": DAYS_FROM_TRANSPLANT}, "rangemode": "tozero"},
            "yaxis": {
                "title": {"text": "Donor DNA, % (log scale)"},
                "type": "log",
                "range": [np.log10(low), np.log10(top)],
                "tickvals": ticks,
                "ticktext": [percent_text(t) for t in ticks],
            },
            "height": 440,
            "hovermode": "closest",
            "shapes": shapes,
            "annotations": annotations,
        },
    )
