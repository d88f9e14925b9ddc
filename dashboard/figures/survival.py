"""Kaplan–Meier and cumulative-incidence figures with a number-at-risk table beneath.

Both take the ``stats survival`` / ``stats relapse`` JSON (``docs/command-line.md``). Times
are drawn in months (days / 30.4375); the table (:mod:`dashboard.figures.risk_table`)
is a second subplot sharing the time axis. Figures are built in one piece
(:func:`dashboard.figures.theme.figure`).
"""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.risk_table import (
    counts_at,
    month_ticks,
    months,
    table_layout,
    table_traces,
)
from dashboard.figures.theme import COLORS, EARLIER_GROUP, earlier_line, figure, rgba

ENDPOINT_NAMES = {"os": "OS", "pfs": "PFS"}
Y_TITLES = {"os": "Overall survival (%)", "pfs": "Progression-free survival (%)"}
EVENT_WORDS = {"os": "deaths", "pfs": "events"}
SEX_LABELS = {"F": "female", "M": "male"}
GROUP_COLORS = [COLORS["primary"], COLORS["accent"], "#2e7d32", "#5e35b1", "#00838f", "#b02a37"]
CAUSE_COLORS = {"relapse": COLORS["accent"], "nrm": "#5e35b1"}


def group_name(by: str | None, group: str) -> str:
    """The group as written in legends: 'adverse', 'female', 'STE', 'all patients'."""
    if by is None:
        return "all patients"
    if by == "sex":
        return SEX_LABELS.get(group, group)
    return group


def pct(value: float | None) -> str:
    return "NR" if value is None else f"{100 * value:.0f}"


def _ci_band(xs, lower, upper, color, group_key) -> list[dict]:
    """Translucent band between the CI limits, drawn as steps (two traces, tonexty)."""
    points = [(x, lo, up) for x, lo, up in zip(xs, lower, upper, strict=True) if lo is not None]
    if not points:
        return []
    common = {
        "type": "scatter",
        "x": [p[0] for p in points],
        "mode": "lines",
        "line": {"shape": "hv", "width": 0, "color": color},
        "hoverinfo": "skip",
        "showlegend": False,
        "legendgroup": group_key,
    }
    return [
        {**common, "y": [p[2] for p in points], "meta": "km-ci-upper"},
        {
            **common,
            "y": [p[1] for p in points],
            "fill": "tonexty",
            "fillcolor": rgba(color, 0.15),
            "meta": "km-ci-lower",
        },
    ]


def km_figure(
    curves: dict,
    conf_level: float,
    by: str | None = None,
    note: str | None = None,
    earlier: dict | None = None,
    earlier_name: str = "earlier version",
) -> go.Figure:
    """Kaplan–Meier curves with CI band, censoring marks, median, landmarks and risk table.

    ``curves`` is ``stats survival`` JSON (``survival_json``) grouped by the patient
    column ``by`` (None: one curve); ``note`` (the log-rank result) is written in the
    lower left corner of the plot so that it is part of the PNG. ``earlier``: the same
    curves of an earlier data version, drawn dashed and lighter beneath them (one
    legend entry, ``earlier_name``); the number-at-risk table stays the shown one's.
    """
    endpoint = curves["endpoint"]
    groups = curves["groups"]
    last_day = max((s["time"] for g in groups for s in g["steps"]), default=0)
    ticks = month_ticks(months(last_day))
    table = []
    for index, group in enumerate(groups):
        color = GROUP_COLORS[index % len(GROUP_COLORS)]
        prefix = "" if by is None else f"{group_name(by, group['group'])}: "
        steps = group["steps"]
        table += [
            (f"{prefix}at risk", color, counts_at(steps, ticks, "at_risk")),
            (
                f"{prefix}{EVENT_WORDS.get(endpoint, 'events')}",
                color,
                counts_at(steps, ticks, "n_events"),
            ),
            (f"{prefix}censored", color, counts_at(steps, ticks, "n_censored")),
        ]
    traces = [] if earlier is None else _earlier_curves(earlier, groups, by, earlier_name)
    for index, group in enumerate(groups):
        traces += _km_curve(group, index, endpoint, f"{100 * conf_level:.0f}%", by)
    traces += _legend_keys()
    layout = table_layout(
        table,
        ticks,
        {
            "title": {"text": Y_TITLES.get(endpoint, "Free of the event (%)")},
            "range": [0, 104],
            "tickvals": [0, 25, 50, 75, 100],
        },
    )
    if note:
        layout["annotations"].append(
            {
                "text": note,
                "x": 0.01,
                "xref": "x domain",
                "xanchor": "left",
                "y": 0.02,
                "yref": "y domain",
                "yanchor": "bottom",
                "showarrow": False,
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    what = {"os": "overall survival", "pfs": "progression-free survival"}
    title = f"Kaplan–Meier estimate of {what.get(endpoint, curves.get('label', endpoint))}"
    return figure(title, traces + table_traces(table, ticks), layout)


def _km_curve(group: dict, index: int, endpoint: str, level: str, by) -> list[dict]:
    """One group: CI band, step curve, censoring marks, median drop and landmarks."""
    name = ENDPOINT_NAMES.get(endpoint, endpoint)
    color = GROUP_COLORS[index % len(GROUP_COLORS)]
    key = f"group-{index}"
    steps = group["steps"]
    xs = [0.0] + [months(s["time"]) for s in steps]
    lower = [100.0] + [None if s["ci_lower"] is None else 100 * s["ci_lower"] for s in steps]
    upper = [100.0] + [None if s["ci_upper"] is None else 100 * s["ci_upper"] for s in steps]
    traces = _ci_band(xs, lower, upper, color, key)
    traces.append(
        {
            "type": "scatter",
            "x": xs,
            "y": [100.0] + [100 * s["survival"] for s in steps],
            "mode": "lines",
            "line": {"shape": "hv", "width": 2.5, "color": color},
            "name": f"{group_name(by, group['group'])} (n={group['n']})",
            "legendgroup": key,
            "hovertext": [f"Enrollment: {name} 100%, {group['n']} at risk"]
            + [
                f"{months(s['time']):.1f} months: {name} {pct(s['survival'])}% "
                f"({level} CI {pct(s['ci_lower'])}–{pct(s['ci_upper'])}%), "
                f"{s['n_at_risk']} at risk"
                for s in steps
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "meta": "km-curve",
        }
    )
    censored = [s for s in steps if s["n_censored"]]
    if censored:
        traces.append(
            {
                "type": "scatter",
                "x": [months(s["time"]) for s in censored],
                "y": [100 * s["survival"] for s in censored],
                "mode": "markers",
                "marker": {  # an open symbol is stroked in the marker's colour
                    "symbol": "cross-thin-open",
                    "size": 10,
                    "color": color,
                    "line": {"width": 1.5, "color": color},
                },
                "legendgroup": key,
                "showlegend": False,
                "hovertext": [
                    f"{months(s['time']):.1f} months: {s['n_censored']} censored" for s in censored
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "meta": "km-censored",
            }
        )
    return (
        traces
        + _median_drop(group, name, level, color, key)
        + _landmarks(group, name, level, color, key)
    )


def _earlier_curves(earlier: dict, groups: list[dict], by, version: str) -> list[dict]:
    """The step curves of an earlier version, each in the colour of the shown group of
    the same name (a group the shown version no longer has: a colour of its own)."""
    name = ENDPOINT_NAMES.get(earlier["endpoint"], earlier["endpoint"])
    shown = [g["group"] for g in groups]
    traces = []
    for index, group in enumerate(earlier["groups"]):
        place = shown.index(group["group"]) if group["group"] in shown else len(shown) + index
        steps = group["steps"]
        who = group_name(by, group["group"])
        traces.append(
            {
                "type": "scatter",
                "x": [0.0] + [months(s["time"]) for s in steps],
                "y": [100.0] + [100 * s["survival"] for s in steps],
                "mode": "lines",
                "line": earlier_line(GROUP_COLORS[place % len(GROUP_COLORS)]),
                "name": version,
                "legendgroup": EARLIER_GROUP,
                "legendrank": 2000,  # after the shown curves and the marks' keys
                "showlegend": index == 0,
                "hovertext": [f"{version}, {who}: enrollment, {group['n']} at risk"]
                + [
                    f"{version}, {who}: {months(s['time']):.1f} months: {name} "
                    f"{pct(s['survival'])}%, {s['n_at_risk']} at risk"
                    for s in steps
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "meta": "km-earlier",
            }
        )
    return traces


def _median_drop(group, name, level, color, key) -> list[dict]:
    median = group["median"]
    if median is None:
        return []
    lo, up = group["median_ci"]
    ci = f"{level} CI {month_text(lo)}–{month_text(up)}"
    text = f"Median {name} {month_text(median)} months ({ci})"
    return [
        {
            "type": "scatter",
            "x": [0, months(median), months(median)],
            "y": [50, 50, 0],
            "mode": "lines",
            "line": {"dash": "dot", "width": 1.5, "color": color},
            "legendgroup": key,
            "showlegend": False,
            "hovertext": [text] * 3,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "meta": "km-median",
        }
    ]


def _landmarks(group, name, level, color, key) -> list[dict]:
    points = [lm for lm in group["landmarks"] if lm["survival"] is not None]
    if not points:
        return []
    return [
        {
            "type": "scatter",
            "x": [months(lm["time"]) for lm in points],
            "y": [100 * lm["survival"] for lm in points],
            "mode": "markers",
            "marker": {
                "symbol": "diamond",
                "size": 10,
                "color": "white",
                "line": {"width": 2, "color": color},
            },
            "legendgroup": key,
            "showlegend": False,
            "hovertext": [
                f"{round(lm['time'] / 365.25)}-year {name} {pct(lm['survival'])}% "
                f"({level} CI {pct(lm['ci_lower'])}–{pct(lm['ci_upper'])}%)"
                for lm in points
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "meta": "km-landmark",
        }
    ]


def _legend_keys() -> list[dict]:
    """Legend entries explaining the marks shared by all curves."""
    grey = COLORS["muted"]
    return [
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": "censored",
            "marker": {
                "symbol": "cross-thin-open",
                "size": 10,
                "line": {"width": 1.5, "color": grey},
            },
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": "1- and 2-year estimate",
            "marker": {
                "symbol": "diamond",
                "size": 9,
                "color": "white",
                "line": {"width": 2, "color": grey},
            },
            "hoverinfo": "skip",
        },
    ]


def month_text(days: float | None) -> str:
    """Days as months to one decimal ('14.2'); 'NR' (not reached) for None."""
    return "NR" if days is None else f"{months(days):.1f}"


def cif_figure(relapse: dict) -> go.Figure:
    """Cumulative incidence of relapse and of non-relapse mortality, with risk table.

    ``relapse`` is ``stats relapse`` JSON for one group (all patients of the filter).
    """
    group = relapse["groups"][0]
    steps = group["steps"]
    last_day = max((s["time"] for s in steps), default=0)
    ticks = month_ticks(months(last_day))
    muted = COLORS["muted"]
    rows = [
        ("alive, relapse-free", "#212529", counts_at(steps, ticks, "at_risk")),
        ("relapses", CAUSE_COLORS["relapse"], counts_at(steps, ticks, "n_relapse")),
        ("NRM deaths", CAUSE_COLORS["nrm"], counts_at(steps, ticks, "n_nrm")),
        ("censored", muted, counts_at(steps, ticks, "n_censored")),
    ]
    xs = [0.0] + [months(s["time"]) for s in steps]
    traces = []
    for cause, label in (("relapse", "Relapse"), ("nrm", "Non-relapse mortality")):
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [0.0] + [100 * s[f"cif_{cause}"] for s in steps],
                "mode": "lines",
                "line": {"shape": "hv", "width": 2.5, "color": CAUSE_COLORS[cause]},
                "name": label,
                "hovertext": [f"Enrollment: {label.lower()} 0%"]
                + [
                    f"{months(s['time']):.1f} months: {label.lower()} "
                    f"{100 * s[f'cif_{cause}']:.0f}%, {s['n_at_risk']} at risk"
                    for s in steps
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "meta": f"cif-{cause}",
            }
        )
    layout = table_layout(
        rows,
        ticks,
        {
            "title": {"text": "Cumulative incidence (%)"},
            "range": [0, 104],
            "tickvals": [0, 25, 50, 75, 100],
        },
    )
    return figure(
        "Relapse and non-relapse mortality",
        traces + table_traces(rows, ticks),
        layout,
    )
