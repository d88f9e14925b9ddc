"""Enrollment figures of the Overview page: cumulative enrollment and patients per site."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.enrollment import EnrollmentSummary
from dashboard.figures.sites import site_labels
from dashboard.figures.theme import (
    COLORS,
    EARLIER_GROUP,
    PLOTLY_DATE,
    SITE_STATUS_COLORS,
    SITE_STATUS_LABELS,
    earlier_line,
    figure,
    hline,
    vline,
)


def enrolled_curve(cumulative: pd.DataFrame, start_date=None, data_cut=None) -> tuple[dict, list]:
    """The steps of patients enrolled (``cumulative``: ``date, enrolled``), and the counts.

    The curve starts at 0 on ``start_date`` when that is before the first enrollment
    and runs flat to ``data_cut``.
    """
    dates, counts = list(cumulative["date"]), [int(n) for n in cumulative["enrolled"]]
    if start_date is not None and (not dates or pd.Timestamp(start_date) < dates[0]):
        dates, counts = [pd.Timestamp(start_date), *dates], [0, *counts]
    if data_cut is not None and dates and pd.Timestamp(data_cut) > dates[-1]:
        dates, counts = [*dates, pd.Timestamp(data_cut)], [*counts, counts[-1]]
    trace = {
        "type": "scatter",
        "x": dates,
        "y": counts,
        "mode": "lines",
        "line": {"shape": "hv", "width": 3, "color": COLORS["primary"]},
        "name": "Enrolled",
        "hovertemplate": f"%{{x|{PLOTLY_DATE}}}: %{{y}} patients enrolled<extra></extra>",
    }
    return trace, counts


def target_label(target: int) -> dict:
    """ "Target: n patients" above the target line, at its left end."""
    return {
        "text": f"Target: {target} patients",
        "showarrow": False,
        "x": 0,
        "xanchor": "left",
        "xref": "x domain",
        "y": target,
        "yanchor": "bottom",
        "yref": "y",
    }


def data_cut_marks(data_cut) -> tuple[list[dict], list[dict]]:
    """A dotted vertical line labelled "Data cut-off": (shapes, annotations)."""
    if data_cut is None:
        return [], []
    cut = pd.Timestamp(data_cut)
    label = {
        "x": cut,
        "y": 0.02,
        "yref": "paper",
        "text": "Data cut-off",
        "showarrow": False,
        "xanchor": "right",
        "yanchor": "bottom",
        "font": {"color": COLORS["muted"], "size": 11},
    }
    return [vline(cut, {"dash": "dot", "color": COLORS["muted"], "width": 1})], [label]


def earlier_enrolled_curve(earlier: EnrollmentSummary, name: str) -> tuple[dict, list]:
    """The enrolled steps of an earlier data version, to its own data cut, drawn dashed
    and lighter (``name``: the version in the legend), and its counts."""
    start = earlier.planned["date"].iloc[0] if not earlier.planned.empty else None
    curve, counts = enrolled_curve(earlier.cumulative, start, earlier.data_cut)
    curve.update(
        line=earlier_line(COLORS["primary"]),
        name=name,
        legendgroup=EARLIER_GROUP,
        legendrank=2000,  # after the shown curve and the plan
        hovertemplate=f"{name}: %{{x|{PLOTLY_DATE}}}: %{{y}} patients enrolled<extra></extra>",
        meta="enrolled-earlier",
    )
    return curve, counts


def cumulative_enrollment_figure(
    summary: EnrollmentSummary,
    start_date=None,
    earlier: EnrollmentSummary | None = None,
    earlier_name: str = "earlier version",
) -> go.Figure:
    """Step curve of patients enrolled to the data cut, against the target and the plan.

    ``earlier``: the summary of an earlier data version, whose curve is drawn dashed and
    lighter beneath the shown one, named ``earlier_name`` in the legend.
    """
    curve, counts = enrolled_curve(summary.cumulative, start_date, summary.data_cut)
    traces, shapes, annotations = [curve], [], []
    if earlier is not None:
        before, before_counts = earlier_enrolled_curve(earlier, earlier_name)
        traces.insert(0, before)  # beneath the shown curve
        counts = counts + before_counts
    if not summary.planned.empty:
        traces.append(
            {
                "type": "scatter",
                "x": summary.planned["date"],
                "y": summary.planned["enrolled"],
                "mode": "lines",
                "line": {"dash": "dot", "color": COLORS["planned"]},
                "name": "Planned accrual",
                "hovertemplate": (
                    f"Planned by %{{x|{PLOTLY_DATE}}}: %{{y:.0f}} patients<extra></extra>"
                ),
            }
        )
    if summary.target:
        shapes.append(hline(summary.target, {"dash": "dash", "color": COLORS["target"]}))
        annotations.append(target_label(summary.target))
    cut_shapes, cut_labels = data_cut_marks(summary.data_cut)
    top = max([summary.target or 0, *counts, 1])
    return figure(
        "Cumulative enrollment",
        traces,
        {
            "yaxis": {"title": {"text": "Patients enrolled"}, "range": [0, top * 1.1]},
            "hovermode": "closest",
            "shapes": shapes + cut_shapes,
            "annotations": annotations + cut_labels,
        },
    )


def enrollment_by_site_figure(by_site: pd.DataFrame) -> go.Figure:
    """Horizontal bars of enrolled patients per site, every site shown, coloured by status.

    Each bar is labelled with its count and its status in words, so that a site with no
    patient yet still shows (a bar of length 0 has nothing to colour) and the status
    never rests on colour alone.
    """
    ordered = by_site.iloc[::-1]  # largest at the top of a horizontal bar chart
    ordered = ordered.assign(label=site_labels(ordered))  # short: a phone keeps the bars
    traces = []
    for status, rows in ordered.groupby("status", sort=False):
        label = SITE_STATUS_LABELS.get(status, status)
        traces.append(
            {
                "type": "bar",
                "x": rows["enrolled"],
                "y": rows["label"],
                "orientation": "h",
                "name": label,
                "marker": {"color": SITE_STATUS_COLORS.get(status, COLORS["muted"])},
                "customdata": rows[["name", "site_id"]].assign(status=label),
                "text": [f"{n} · {label.lower()}" for n in rows["enrolled"]],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": (
                    "%{customdata[0]} (%{customdata[1]}): %{x} patients enrolled"
                    "<br>Site status: %{customdata[2]}<extra></extra>"
                ),
            }
        )
    return figure(
        "Patients enrolled by site",
        traces,
        {
            "xaxis": {
                "title": {"text": "Patients enrolled"},
                "dtick": 1 if by_site["enrolled"].max() <= 10 else None,
                # room on the right for the longest label ("0 · not yet recruiting")
                "range": [0, max(int(by_site["enrolled"].max()), 1) * 1.6],
            },
            "yaxis": {
                "categoryorder": "array",
                "categoryarray": list(ordered["label"]),
                "title": None,
                "automargin": True,
            },
            "barmode": "overlay",
            "legend": {"traceorder": "reversed"},  # the bars' order: largest at the top
            "height": max(320, 60 + 38 * len(by_site)),
        },
    )
