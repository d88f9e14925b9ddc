"""Swimmer plot: one bar per patient from enrollment to last contact, with event marks."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.swimmer import ALIVE
from dashboard.figures.many_patients import most_recent, shown_note
from dashboard.figures.risk_table import X_TITLE, month_ticks, months
from dashboard.figures.theme import COLORS, figure
from dashboard.formatting import format_date

BAR_COLOR = "#a9c2dc"
MARKS = {
    "response": {
        "name": "Complete remission (CR, CRh, CRi)",
        "marker": {"symbol": "circle", "size": 11, "color": "#2e7d32"},
    },
    "relapse": {
        "name": "Relapse or progression",
        "marker": {"symbol": "diamond", "size": 12, "color": COLORS["accent"]},
    },
    "death": {
        "name": "Death",
        "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 3, "color": "#212529"}},
    },
    "alive": {
        "name": "Alive at last contact (censored)",
        "marker": {
            "symbol": "triangle-right-open",
            "size": 11,
            "line": {"width": 2, "color": COLORS["primary"]},
        },
    },
}


MARK_DAYS = {
    "response": "response_day",
    "relapse": "relapse_day",
    "death": "death_day",
    "alive": "follow_up_days",
}


def _days(value) -> str:
    return f"day {int(value)} ({months(int(value)):.1f} months)"


def _bar_hover(row) -> str:
    lines = [
        f"<b>{row.patient_id}</b> ({row.site_id})",
        f"Enrolled {format_date(row.enrolled_on)}",
        f"{'Died' if row.status != ALIVE else 'Last contact'} {format_date(row.end_on)}: "
        f"{months(int(row.follow_up_days)):.1f} months",
        f"Best response within 2 years: {row.best_response}",
    ]
    if not pd.isna(row.withdrawn_on):
        lines.append(f"Withdrawn {format_date(row.withdrawn_on)}")
    return "<br>".join(lines)


def _mark_hover(key: str, subset: pd.DataFrame) -> list[str]:
    if key == "response":
        return [
            f"{r.patient_id}: {r.response}, {_days(r.response_day)}"
            for r in subset.itertuples(index=False)
        ]
    if key == "alive":
        return [
            f"{r.patient_id}: alive at last contact {format_date(r.end_on)}, "
            f"{_days(r.follow_up_days)}"
            for r in subset.itertuples(index=False)
        ]
    word = "relapse or progression" if key == "relapse" else "death"
    return [
        f"{pid}: {word}, {_days(d)}"
        for pid, d in zip(subset["patient_id"], subset[MARK_DAYS[key]], strict=True)
    ]


def _mark_traces(rows: pd.DataFrame) -> list[dict]:
    marks = {
        "response": rows[rows["response_day"].notna()],
        "relapse": rows[rows["relapse_day"].notna()],
        "death": rows[rows["death_day"].notna()],
        "alive": rows[rows["status"] == ALIVE],
    }
    return [
        {
            "type": "scatter",
            "x": [months(int(d)) for d in subset[MARK_DAYS[key]]] or [None],
            "y": list(subset["patient_id"]) or [None],
            "mode": "markers",
            "name": MARKS[key]["name"],
            "marker": MARKS[key]["marker"],
            "hovertext": _mark_hover(key, subset),
            "hovertemplate": "%{hovertext}<extra></extra>",
            "meta": f"swimmer-{key}",
        }
        for key, subset in marks.items()
    ]


def swimmer_figure(rows: pd.DataFrame) -> go.Figure:
    """Horizontal bars (months) ordered by follow-up, longest at the top.

    ``rows`` is :func:`analysis.swimmer.swimmer_rows` (already ordered); with many
    patients, the most recently enrolled (:mod:`dashboard.figures.many_patients`).
    """
    total = len(rows)
    rows = most_recent(rows, "enrolled_on")
    order = list(rows["patient_id"])
    bar = {
        "type": "bar",
        "x": [months(int(d)) for d in rows["follow_up_days"]],
        "y": order,
        "base": 0,
        "orientation": "h",
        "marker": {"color": BAR_COLOR},
        "width": 0.6,
        "name": "Follow-up from enrollment",
        "hovertext": [_bar_hover(r) for r in rows.itertuples(index=False)],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "meta": "swimmer-bar",
    }
    last = max((months(int(d)) for d in rows["follow_up_days"]), default=0)
    ticks = month_ticks(last)
    return figure(
        "Follow-up of each patient (swimmer plot)" + shown_note(len(rows), total),
        [bar, *_mark_traces(rows)],
        {
            "height": max(360, 150 + 24 * len(rows)),
            "margin": {"l": 90, "r": 30, "t": 90, "b": 50},
            "xaxis": {
                "title": {"text": X_TITLE},
                "tickvals": ticks,
                "range": [0, ticks[-1] * 1.03],
            },
            "yaxis": {
                "title": None,
                "categoryorder": "array",
                "categoryarray": order[::-1],
                "automargin": True,
                "showgrid": False,
            },
            "bargap": 0.3,
            "hovermode": "closest",
        },
    )
