"""Enrollment figures of the Overview page: cumulative enrollment and patients per site."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.enrollment import EnrollmentSummary
from dashboard.figures.theme import (
    COLORS,
    PLOTLY_DATE,
    SITE_STATUS_COLORS,
    SITE_STATUS_LABELS,
    base_figure,
)


def add_enrolled_curve(
    fig: go.Figure, cumulative: pd.DataFrame, start_date=None, data_cut=None
) -> tuple[list, list]:
    """Draw the steps of patients enrolled (``cumulative``: ``date, enrolled``).

    The curve starts at 0 on ``start_date`` when that is before the first enrollment
    and runs flat to ``data_cut``. Returns the dates and counts drawn.
    """
    dates, counts = list(cumulative["date"]), [int(n) for n in cumulative["enrolled"]]
    if start_date is not None and (not dates or pd.Timestamp(start_date) < dates[0]):
        dates, counts = [pd.Timestamp(start_date), *dates], [0, *counts]
    if data_cut is not None and dates and pd.Timestamp(data_cut) > dates[-1]:
        dates, counts = [*dates, pd.Timestamp(data_cut)], [*counts, counts[-1]]
    fig.add_scatter(
        x=dates,
        y=counts,
        mode="lines",
        line={"shape": "hv", "width": 3, "color": COLORS["primary"]},
        name="Enrolled",
        hovertemplate=f"%{{x|{PLOTLY_DATE}}}: %{{y}} patients enrolled<extra></extra>",
    )
    return dates, counts


def cumulative_enrollment_figure(summary: EnrollmentSummary, start_date=None) -> go.Figure:
    """Step curve of patients enrolled to the data cut, against the target and the plan."""
    fig = base_figure("Cumulative enrollment")
    _, counts = add_enrolled_curve(fig, summary.cumulative, start_date, summary.data_cut)
    if not summary.planned.empty:
        fig.add_scatter(
            x=summary.planned["date"],
            y=summary.planned["enrolled"],
            mode="lines",
            line={"dash": "dot", "color": COLORS["planned"]},
            name="Planned accrual",
            hovertemplate=f"Planned by %{{x|{PLOTLY_DATE}}}: %{{y:.0f}} patients<extra></extra>",
        )
    if summary.target:
        fig.add_hline(
            y=summary.target,
            line={"dash": "dash", "color": COLORS["target"]},
            annotation_text=f"Target: {summary.target} patients",
            annotation_position="top left",
        )
    if summary.data_cut is not None:
        cut = pd.Timestamp(summary.data_cut)
        fig.add_vline(x=cut, line={"dash": "dot", "color": COLORS["muted"], "width": 1})
        fig.add_annotation(
            x=cut,
            y=0.02,
            yref="paper",
            text="Data cut-off",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"color": COLORS["muted"], "size": 11},
        )
    top = max([summary.target or 0, *counts, 1])
    fig.update_layout(
        xaxis_title="Date",
        yaxis_title="Patients enrolled",
        yaxis_range=[0, top * 1.1],
        hovermode="closest",
    )
    return fig


def enrollment_by_site_figure(by_site: pd.DataFrame) -> go.Figure:
    """Horizontal bars of enrolled patients per site, every site shown, coloured by status."""
    fig = base_figure("Patients enrolled by site")
    ordered = by_site.iloc[::-1]  # largest at the top of a horizontal bar chart
    for status, rows in ordered.groupby("status", sort=False):
        label = SITE_STATUS_LABELS.get(status, status)
        fig.add_bar(
            x=rows["enrolled"],
            y=rows["name"],
            orientation="h",
            name=label,
            marker_color=SITE_STATUS_COLORS.get(status, COLORS["muted"]),
            customdata=rows[["site_id"]].assign(status=label),
            text=rows["enrolled"],
            textposition="outside",
            hovertemplate=(
                "%{y} (%{customdata[0]}): %{x} patients enrolled"
                "<br>Site status: %{customdata[1]}<extra></extra>"
            ),
        )
    fig.update_layout(
        xaxis_title="Patients enrolled",
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(ordered["name"]),
            "title": None,
            "automargin": True,
        },
        xaxis={"dtick": 1 if by_site["enrolled"].max() <= 10 else None, "rangemode": "tozero"},
        barmode="overlay",
        height=max(320, 60 + 38 * len(by_site)),
    )
    return fig
