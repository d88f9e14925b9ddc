"""Data quality figures: the open findings of each data version, by severity."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import COLORS, figure

SEVERITY_COLORS = {"critical": "#b02a37", "major": "#d9822b", "minor": "#8c959d"}


def trend_figure(trend: pd.DataFrame, labels: dict[int, str]) -> go.Figure:
    """Stacked bars of the open findings of each data version (``trend``:
    :func:`analysis.quality.summary.quality_trend`), with the findings new and resolved
    since the version before written above each bar. ``labels``: each version's x label
    ("v3 · cut 30 Jun 2020")."""
    x = [labels[v] for v in trend["version"]]
    traces = [
        {
            "type": "bar",
            "x": x,
            "y": trend[severity].tolist(),
            "name": severity.capitalize(),
            "marker": {"color": color},
            "width": 0.5 if len(x) < 4 else None,  # one or two versions: not a wall
            "hovertemplate": f"%{{x}}: %{{y}} {severity}<extra></extra>",
        }
        for severity, color in SEVERITY_COLORS.items()
    ]
    notes = [
        {
            "x": label,
            "y": total,
            "yanchor": "bottom",
            "showarrow": False,
            "text": "" if pd.isna(new) else f"+{int(new)} new, −{int(resolved)} resolved",
            "font": {"size": 11, "color": COLORS["muted"]},
        }
        for label, total, new, resolved in zip(
            x, trend["total"], trend["new"], trend["resolved"], strict=True
        )
    ]
    top = max([1, *trend["total"].tolist()])
    return figure(
        "Open findings in each data version",
        traces,
        {
            "barmode": "stack",
            "annotations": notes,
            "xaxis": {"type": "category"},  # "v3 · cut 30 Jun 2020" says what it is
            "yaxis": {"title": {"text": "Open findings"}, "range": [0, top * 1.2]},
            "legend": {"orientation": "h", "y": -0.25},
            "height": 380,
        },
    )
