"""The number-at-risk table under a time-to-event figure, aligned with its time axis.

The figure is two subplots sharing the x axis: the curves on top, and below them one
row of text per table line, each number placed at a time-axis tick (0, 6, 12, ...
months), so the columns sit exactly under the ticks at any width. Times in months are
days / 30.4375.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.survival_summary import DAYS_PER_MONTH
from dashboard.figures.theme import COLORS, TEMPLATE

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


def figure_with_table(title: str, labels: list[str]) -> go.Figure:
    """A two-row figure: the curves on top, the number-at-risk table below.

    The left margin leaves room for the longest table label.
    """
    table_px = ROW_PX * len(labels) + 40
    gap_px = 95
    total = PLOT_HEIGHT + gap_px + table_px
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[PLOT_HEIGHT / (PLOT_HEIGHT + table_px), table_px / (PLOT_HEIGHT + table_px)],
        vertical_spacing=gap_px / total,
    )
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title},
        height=total + 110,
        margin={"l": max(80, 20 + 7 * max(map(len, labels), default=0)), "r": 30, "t": 80, "b": 30},
        hovermode="closest",
    )
    return fig


def add_table(fig: go.Figure, rows: list[tuple[str, str, list]], ticks: list[int]) -> None:
    """Write the table: one text row per (label, colour, values at the ticks)."""
    for i, (_label, color, values) in enumerate(rows):
        fig.add_scatter(
            x=ticks,
            y=[-i] * len(ticks),
            text=[str(v) for v in values],
            mode="text",
            textfont={"color": color, "size": 12},
            hoverinfo="skip",
            showlegend=False,
            meta="risk-table",
            row=2,
            col=1,
        )
    fig.update_yaxes(
        row=2,
        col=1,
        tickvals=[-i for i in range(len(rows))],
        ticktext=[f'<span style="color:{c}">{label}</span>' for label, c, _ in rows],
        range=[-len(rows) + 0.4, 0.6],
        showgrid=False,
        zeroline=False,
        showline=False,
        fixedrange=True,
        ticks="",
    )
    fig.update_xaxes(row=2, col=1, showgrid=False, showline=False, showticklabels=False)
    fig.add_annotation(
        text="<b>Number at risk</b> (cumulative events and censored)",
        x=0,
        xref="paper",
        xanchor="left",
        y=1,
        yref="y2 domain",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12, "color": COLORS["muted"]},
    )


def time_axis(fig: go.Figure, ticks: list[int]) -> None:
    span = ticks[-1]
    fig.update_xaxes(
        tickvals=ticks,
        range=[-0.03 * span, span * 1.03],
        row=1,
        col=1,
        showticklabels=True,
        title={"text": X_TITLE},
    )
    fig.update_xaxes(range=[-0.03 * span, span * 1.03], row=2, col=1)
