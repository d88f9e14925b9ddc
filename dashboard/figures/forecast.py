"""Overall enrollment with the accrual forecast: observed steps, then a median line and a
95% fan to the target (:func:`analysis.forecast.forecast_accrual`)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from analysis.forecast import Forecast
from dashboard.figures.enrollment import add_enrolled_curve
from dashboard.figures.theme import COLORS, PLOTLY_DATE, base_figure
from dashboard.formatting import format_date

FAN_FILL = "rgba(31, 90, 150, 0.16)"
MAX_YEARS_SHOWN = 6  # the axis stops here even if the fan goes on (very slow accrual)


def target_reached_on(cumulative: pd.DataFrame, target: int | None) -> dt.date | None:
    """The date the running total first reached ``target``; None if it has not."""
    if not target or cumulative.empty:
        return None
    reached = cumulative[cumulative["enrolled"] >= target]
    return None if reached.empty else pd.Timestamp(reached["date"].iloc[0]).date()


def _date_line(fig: go.Figure, day: pd.Timestamp, name: str, dash: str, color: str, side: str):
    """A vertical line on ``day`` labelled "name, date": right of it at the bottom of the
    plot, or left of it at the top."""
    right = side == "right"
    fig.add_vline(x=day, line={"dash": dash, "color": color, "width": 1})
    fig.add_annotation(
        x=day,
        y=0.02 if right else 0.98,
        yref="paper",
        text=f"{name}<br>{format_date(day)}",
        showarrow=False,
        xanchor="left" if right else "right",
        xshift=4 if right else -4,
        yanchor="bottom" if right else "top",
        align="left" if right else "right",
        font={"size": 11, "color": COLORS["muted"]},
    )


def _add_fan(fig: go.Figure, forecast: Forecast) -> None:
    fan = forecast.fan
    fig.add_scatter(
        x=fan["date"],
        y=fan["upper"],
        mode="lines",
        line={"width": 0},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=fan["date"],
        y=fan["lower"],
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=FAN_FILL,
        name="95% prediction interval",
        customdata=fan[["upper"]],
        hovertemplate=(
            f"%{{x|{PLOTLY_DATE}}}: between %{{y}} and %{{customdata[0]}} patients "
            "(95% interval)<extra></extra>"
        ),
    )
    fig.add_scatter(
        x=fan["date"],
        y=fan["median"],
        mode="lines",
        line={"dash": "dash", "width": 2.5, "color": COLORS["primary"]},
        name="Forecast (median)",
        hovertemplate=f"%{{x|{PLOTLY_DATE}}}: %{{y}} patients expected (median)<extra></extra>",
    )
    median, lower, upper = (
        forecast.target_date_median,
        forecast.target_date_lower,
        forecast.target_date_upper,
    )
    if median is None:
        return
    span_end = upper or forecast.horizon_end
    text = (
        f"Patient {forecast.target} expected {format_date(median)}<br>95% interval "
        f"{format_date(lower)} – {format_date(upper) if upper else 'beyond the horizon'}"
    )
    fig.add_scatter(
        x=[lower, median, span_end],
        y=[forecast.target] * 3,
        mode="lines+markers",
        line={"color": COLORS["accent"], "width": 3},
        marker={
            "symbol": ["line-ns", "diamond", "line-ns"],
            "size": [14, 13, 14],
            "color": COLORS["accent"],
            "line": {"color": COLORS["accent"], "width": 2},
        },
        name=f"Date patient {forecast.target} is reached (median, 95% interval)",
        text=[text] * 3,
        hovertemplate="%{text}<extra></extra>",
    )


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
    fig = base_figure("Overall enrollment and forecast")
    dates, counts = add_enrolled_curve(fig, cumulative, start_date, cut)
    end = cut
    if forecast is not None:
        _add_fan(fig, forecast)
        end = max(end, pd.Timestamp(forecast.fan["date"].iloc[-1]))
    reached = target_reached_on(cumulative, target)
    if reached is not None:
        fig.add_scatter(
            x=[reached],
            y=[target],
            mode="markers",
            marker={"symbol": "star", "size": 14, "color": COLORS["accent"]},
            name="Target reached",
            hovertemplate=f"Target reached on {format_date(reached)}<extra></extra>",
        )
    if target:
        fig.add_hline(
            y=target,
            line={"dash": "dot", "color": COLORS["target"]},
            annotation_text=f"Target: {target} patients",
            annotation_position="top left",
        )
    if planned_end is not None:
        planned = pd.Timestamp(planned_end)
        end = max(end, planned)
        _date_line(fig, planned, "Planned end of accrual", "dash", COLORS["planned"], "right")
    _date_line(fig, cut, "Data cut-off", "dot", COLORS["muted"], "left")
    end = min(end, cut + pd.DateOffset(years=MAX_YEARS_SHOWN)) + pd.Timedelta(days=45)
    first = dates[0] if dates else cut
    top = max([target or 0, *counts, 1])
    fig.update_layout(
        xaxis={"type": "date", "title": "Date", "range": [first, end], "tickformat": "%b %Y"},
        yaxis={"title": "Patients enrolled (cumulative)", "range": [0, top * 1.12]},
        height=460,
        margin={"t": 90},
        hovermode="closest",
    )
    return fig
