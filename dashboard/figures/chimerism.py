"""Microchimerism figure: donor DNA percent over time per patient, against the assay limit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.chimerism import is_detectable
from dashboard.figures.theme import COLORS, base_figure

X_TITLE = "Days since micro-transplant (day 0)"
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


def chimerism_figure(
    samples: pd.DataFrame, limit: float, highlight: str | None = None
) -> go.Figure:
    """Donor percent per patient on a log axis, with the detection limit.

    Samples not detected (or under the limit) are drawn as open circles just under the
    limit line, since a log axis has no zero; the hover text says what was measured.
    """
    fig = base_figure("Donor DNA in the blood, per patient")
    floor = limit / 2 if limit > 0 else 0.001
    frame = samples.copy()
    frame["detected"] = frame["detected"].astype(object).where(frame["detected"].notna(), None)
    frame["shown"] = [is_detectable(r.donor_percent, r.detected, limit) for r in frame.itertuples()]
    frame["y"] = np.where(frame["shown"], frame["donor_percent"].fillna(limit), floor)
    frame["y"] = frame["y"].astype(float).clip(lower=floor)
    frame["text"] = [_describe(r, limit) for r in frame.itertuples()]
    xs, ys = [], []
    for patient_id, rows in frame.groupby("patient_id", sort=True):
        if patient_id != highlight:
            xs += [*rows["day"], None]
            ys += [*rows["y"], None]
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": LINE, "width": 1},
        name="Each patient",
        hoverinfo="skip",
    )
    others = frame[frame["patient_id"] != highlight]
    for shown, name, symbol in (
        (True, "Detectable", "circle"),
        (False, "Not detected or under the limit", "circle-open"),
    ):
        points = others[others["shown"] == shown]
        fig.add_scatter(
            x=points["day"],
            y=points["y"],
            text=points["text"],
            mode="markers",
            name=name,
            marker={"symbol": symbol, "size": 7, "color": COLORS["primary"]},
            hovertemplate="%{text}<extra></extra>",
        )
    if highlight is not None:
        own = frame[frame["patient_id"] == highlight]
        fig.add_scatter(
            x=own["day"],
            y=own["y"],
            text=own["text"],
            mode="lines+markers",
            name=highlight,
            line={"color": COLORS["accent"], "width": 2.5},
            marker={
                "size": 9,
                "symbol": ["circle" if s else "circle-open" for s in own["shown"]],
            },
            hovertemplate="%{text}<extra></extra>",
        )
    fig.add_hline(
        y=limit if limit > 0 else floor,
        line={"dash": "dash", "color": LIMIT_COLOR, "width": 1},
        annotation_text=f"Detection limit {percent_text(limit)}",
        annotation_position="top right",
        annotation_font={"color": LIMIT_COLOR, "size": 11},
    )
    top = max(1.0, float(frame["y"].max()) * 1.5) if len(frame) else 1.0
    fig.add_vrect(x0=76, x1=104, fillcolor="rgba(108, 117, 125, 0.08)", line_width=0)
    fig.add_annotation(
        x=90,
        y=1,
        yref="paper",
        yanchor="bottom",
        showarrow=False,
        text="3 months",
        font={"size": 11, "color": COLORS["muted"]},
    )
    low = floor / 2
    ticks = [10.0**k for k in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(top))) + 1)]
    ticks = [t for t in ticks if low <= t <= top]
    fig.update_layout(
        xaxis={"title": X_TITLE, "rangemode": "tozero"},
        yaxis={
            "title": "Donor DNA, % (log scale)",
            "type": "log",
            "range": [np.log10(low), np.log10(top)],
            "tickvals": ticks,
            "ticktext": [percent_text(t) for t in ticks],
        },
        height=440,
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.2, "yanchor": "top"},
        margin={"b": 110},
    )
    return fig
