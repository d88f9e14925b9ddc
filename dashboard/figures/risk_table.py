"""The number-at-risk table under a time-to-event figure, aligned with its time axis.

The figure is two subplots sharing the x axis (:func:`table_layout`): the curves on top,
and below them one row of text per table line (:func:`table_traces`), each number placed
at a time-axis tick (0, 6, 12, ... months; or days for recovery), so the columns sit
exactly under the ticks at any width. Every time-to-event figure (survival, relapse and
NRM, recovery) builds its table here. Times in months are days / 30.4375.
"""

from __future__ import annotations

import math

from analysis.units import DAYS_PER_MONTH
from dashboard.figures.theme import COLORS

X_TITLE = "Months since enrollment"
PLOT_HEIGHT = 430
ROW_PX = 19


def months(days: float) -> float:
    return days / DAYS_PER_MONTH


def month_ticks(last_month: float) -> list[int]:
    """Tick positions: every 6 months (12 past 5 years), covering the last time."""
    step = 6 if last_month <= 60 else 12
    end = max(step, step * math.ceil(last_month / step - 1e-9))
    return list(range(0, end + 1, step))


def counts_at(steps: list[dict], ticks: list[int], key: str) -> list[int]:
    """At each tick (months): the number at risk, or the cumulative count of ``key``.

    At risk at t are those with a time >= t (R's ``summary(fit, times=t)$n.risk``);
    cumulative counts include the tick itself.
    """
    out = []
    for tick in ticks:
        t_days = tick * DAYS_PER_MONTH
        if key == "at_risk":
            later = [s["n_at_risk"] for s in steps if s["time"] >= t_days]
            out.append(later[0] if later else 0)
        else:
            out.append(sum(s[key] for s in steps if s["time"] <= t_days))
    return out


def table_traces(rows: list[tuple[str, str, list]], ticks: list[int]) -> list[dict]:
    """The table on the lower subplot: one text row per (label, colour, values at the ticks)."""
    return [
        {
            "type": "scatter",
            "x": ticks,
            "y": [-i] * len(ticks),
            "text": [str(v) for v in values],
            "mode": "text",
            "textfont": {"color": color, "size": 12},
            "hoverinfo": "skip",
            "showlegend": False,
            "meta": "risk-table",
            "xaxis": "x2",
            "yaxis": "y2",
        }
        for i, (_label, color, values) in enumerate(rows)
    ]


HEADER = "<b>Number at risk</b> (events, censored)"


def table_layout(
    rows: list[tuple[str, str, list]],
    ticks: list[int],
    yaxis: dict,
    x_title: str = X_TITLE,
    header: str = HEADER,
) -> dict:
    """The layout of the two rows sharing the time axis: the curves on top (``yaxis``: their
    y axis, ``x_title`` their time axis), the table below, headed by ``header``.

    ``xaxis``/``yaxis`` are the curves', ``xaxis2``/``yaxis2`` the table's (what
    ``make_subplots(rows=2, shared_xaxes=True)`` makes). The left margin leaves room for
    the longest table label.
    """
    labels = [label for label, _color, _values in rows]
    table_px = ROW_PX * len(labels) + 40
    gap_px = 95
    total = PLOT_HEIGHT + gap_px + table_px
    span = ticks[-1]
    left = max(80, 20 + 7 * max(map(len, labels), default=0))
    time_range = [-0.08 * span, span * 1.03]  # the first column clear of the row labels
    return {
        "height": total + 110,
        "margin": {
            "l": left,
            "r": 30,
            "t": 80,
            "b": 30,
        },
        "hovermode": "closest",
        "xaxis": {
            "anchor": "y",
            "domain": [0.0, 1.0],
            "matches": "x2",
            "showticklabels": True,
            "tickvals": ticks,
            "range": time_range,
            "title": {"text": x_title},
        },
        "yaxis": {"anchor": "x", "domain": [(table_px + gap_px) / total, 1.0], **yaxis},
        "xaxis2": {
            "anchor": "y2",
            "domain": [0.0, 1.0],
            "range": time_range,
            "showgrid": False,
            "showline": False,
            "showticklabels": False,
        },
        "yaxis2": {
            "anchor": "x2",
            "domain": [0.0, table_px / total],
            "tickvals": [-i for i in range(len(rows))],
            "ticktext": [f'<span style="color:{c}">{label}</span>' for label, c, _ in rows],
            "range": [-len(rows) + 0.4, 0.6],
            "showgrid": False,
            "zeroline": False,
            "showline": False,
            "fixedrange": True,
            "ticks": "",
        },
        "annotations": [
            {
                "text": header,
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "xshift": 10 - left,  # from the figure's left edge, above the row labels
                "y": 1,
                "yref": "y2 domain",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": COLORS["muted"]},
            }
        ],
    }
