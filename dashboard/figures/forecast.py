"""Overall enrollment with the accrual forecast: observed steps, then a median line and a
95% fan to the target (:func:`analysis.forecast.forecast_accrual`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from analysis.forecast import Forecast
from dashboard.figures.enrollment import enrolled_curve, target_label
from dashboard.figures.theme import COLORS, PLOTLY_DATE, figure, hline
from dashboard.formatting import format_date

FAN_FILL = "rgba(31, 90, 150, 0.16)"
MAX_YEARS_SHOWN = 6  # the axis stops here even if the fan goes on (very slow accrual)


def target_reached_on(cumulative: pd.DataFrame, target: int | None) -> dt.date | None:
    """The date the running total first reached ``target``; None if it has not."""
    if not target or cumulative.empty:
        return None
    reached = cumulative[cumulative["enrolled"] >= target]
    return None if reached.empty else pd.Timestamp(reached["date"].iloc[0]).date()


def _date_line(day: pd.Timestamp, name: str, dash: str, color: str, top: float) -> dict:
    """A vertical line on ``day``, named with its date in the legend: a label on the plot
    would run into the target's or off the edge of a phone's screen."""
    return {
        "type": "scatter",
        "x": [day, day],
        "y": [0, top],
        "mode": "lines",
        "line": {"dash": dash, "color": color, "width": 1},
        "name": f"{name}, {format_date(day)}",
        "hoverinfo": "skip",
    }


def _fan(forecast: Forecast) -> list[dict]:
    fan = forecast.fan
    traces = [
        {
            "type": "scatter",
            "x": fan["date"],
            "y": fan["upper"],
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": fan["date"],
            "y": fan["lower"],
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": FAN_FILL,
            "name": "95% prediction interval",
            "customdata": fan[["upper"]],
            "hovertemplate": (
                f"%{{x|{PLOTLY_DATE}}}: between %{{y}} and %{{customdata[0]}} patients "
                "(95% interval)<extra></extra>"
            ),
        },
        {
            "type": "scatter",
            "x": fan["date"],
            "y": fan["median"],
            "mode": "lines",
            "line": {"dash": "dash", "width": 2.5, "color": COLORS["primary"]},
            "name": "Forecast (median)",
            "hovertemplate": (
                f"%{{x|{PLOTLY_DATE}}}: %{{y}} patients expected (median)<extra></extra>"
            ),
        },
    ]
    median, lower, upper = (
        forecast.target_date_median,
        forecast.target_date_lower,
        forecast.target_date_upper,
    )
    if median is None:
        return traces
    span_end = upper or forecast.horizon_end
    text = (
        f"Patient {forecast.target} expected {format_date(median)}<br>95% interval "
        f"{format_date(lower)} – {format_date(upper) if upper else 'beyond the horizon'}"
    )
    traces.append(
        {
            "type": "scatter",
            # The median first: the legend draws its key from the first point.
            "x": [median, lower, span_end],
            "y": [forecast.target] * 3,
            "mode": "lines+markers",
            "line": {"color": COLORS["accent"], "width": 3},
            "marker": {
                "symbol": ["diamond", "line-ns", "line-ns"],
                "size": [13, 14, 14],
                "color": COLORS["accent"],
                "line": {"color": COLORS["accent"], "width": 2},
            },
            "name": "Target date (median, 95% interval)",
            "text": [text] * 3,
            "hovertemplate": "%{text}<extra></extra>",
        }
    )
    return traces


def forecast_figure(
    cumulative: pd.DataFrame,
    forecast: Forecast | None,
    *,
    target: int | None,
    data_cut,
    planned_end=None,
    start_date=None,
) -> go.Figure:
    """Cumulative enrollment to the data cut, then the forecast fan to the target.

    With ``forecast`` None (target reached) only the observed curve and the date the
    target was reached are drawn.
    """
    cut = pd.Timestamp(data_cut)
    curve, counts = enrolled_curve(cumulative, start_date, cut)
    traces, shapes, annotations = [curve], [], []
    end = cut
    if forecast is not None:
        traces += _fan(forecast)
        end = max(end, pd.Timestamp(forecast.fan["date"].iloc[-1]))
    reached = target_reached_on(cumulative, target)
    if reached is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [reached],
                "y": [target],
                "mode": "markers",
                "marker": {"symbol": "star", "size": 14, "color": COLORS["accent"]},
                "name": "Target reached",
                "hovertemplate": f"Target reached on {format_date(reached)}<extra></extra>",
            }
        )
    if target:
        shapes.append(hline(target, {"dash": "dot", "color": COLORS["target"]}))
        annotations.append(target_label(target))
    top = max([target or 0, *counts, 1]) * 1.12
    traces.append(_date_line(cut, "Data cut-off", "dot", COLORS["muted"], top))
    if planned_end is not None:
        planned = pd.Timestamp(planned_end)
        end = max(end, planned)
        traces.append(_date_line(planned, "Planned end of accrual", "dash", COLORS["planned"], top))
    end = min(end, cut + pd.DateOffset(years=MAX_YEARS_SHOWN)) + pd.Timedelta(days=45)
    first = curve["x"][0] if curve["x"] else cut
    return figure(
        "Overall enrollment and forecast",
        traces,
        {
            "xaxis": {
                "type": "date",
                "range": [first, end],
                "tickformat": "%b %Y",
            },
            "yaxis": {
                "title": {"text": "Patients enrolled (cumulative)"},
                "range": [0, top],
            },
            "height": 460,
            "margin": {"t": 90},
            "hovermode": "closest",
            "shapes": shapes,
            "annotations": annotations,
        },
    )
