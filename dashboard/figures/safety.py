"""Safety figures: worst grade per patient and organ class, AE timeline, GVHD, stopping rule."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.many_patients import most_recent, shown_note
from dashboard.figures.theme import COLORS, DAYS_FROM_TRANSPLANT, figure, vline

#: CTCAE grade -> colour, light to dark; grade 5 (death) near black.
GRADE_COLORS = {1: "#fdd49e", 2: "#fc8d59", 3: "#e34a33", 4: "#b30000", 5: "#3b0a0a"}
GRADE_LABELS = {
    1: "Grade 1 (mild)",
    2: "Grade 2 (moderate)",
    3: "Grade 3 (severe)",
    4: "Grade 4 (life-threatening)",
    5: "Grade 5 (death)",
}
GVHD_COLORS = {"acute": COLORS["primary"], "chronic": COLORS["accent"]}
TIMELINE_MAX_DAY = 365
MAX_POINTS_PER_N = 60  # longer stopping tables: points where the steps change


def _discrete_scale() -> list:
    """Colour scale for z in [0.5, 5.5] with one flat band per grade."""
    scale = []
    for g, color in GRADE_COLORS.items():
        scale += [[(g - 1) / 5, color], [g / 5, color]]
    return scale


def wrapped(label: str, width: int = 30) -> str:
    """A long organ-class name on lines of at most ``width`` characters, whole."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def patients_shown(follow_up: pd.DataFrame) -> pd.DataFrame:
    """The patients the per-patient figures draw: every one, or the most recent (day 0)."""
    return most_recent(follow_up, "day0_on")


def worst_grade_heatmap(worst: pd.DataFrame, follow_up: pd.DataFrame, socs: list[str]) -> go.Figure:
    """Patients (columns, by id) by system organ class (rows), coloured by the worst grade.

    ``worst`` has ``patient_id, soc, worst_grade``; every patient of ``follow_up`` is
    a column (those without events show as blank), or the most recent ones
    (:func:`patients_shown`); ``socs`` gives the rows' order.
    """
    patients = sorted(patients_shown(follow_up)["patient_id"])
    grid = worst.pivot(index="soc", columns="patient_id", values="worst_grade")
    grid = grid.reindex(index=socs, columns=patients).astype(float)
    z = grid.to_numpy()
    text = np.where(
        np.isnan(z), "no event", np.char.add("grade ", np.nan_to_num(z).astype(int).astype(str))
    )
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": patients,
        "y": socs,
        "customdata": np.array([[s] * len(patients) for s in socs]),
        "text": text,
        "zmin": 0.5,
        "zmax": 5.5,
        "colorscale": _discrete_scale(),
        "xgap": 2,
        "ygap": 2,
        "hoverongaps": False,
        "colorbar": {
            "title": {"text": "Worst grade"},
            "tickvals": list(GRADE_COLORS),
            "ticktext": [f"{g}" + (" (death)" if g == 5 else "") for g in GRADE_COLORS],
            "thickness": 14,
            "len": 0.9,
        },
        "hovertemplate": "Patient %{x}<br>%{customdata}<br>Worst: %{text}<extra></extra>",
    }
    title = "Worst adverse event grade per patient and organ class"
    return figure(
        title + shown_note(len(patients), len(follow_up), "most recent"),
        [heatmap],
        {
            "height": max(300, 150 + 36 * len(socs)),
            "margin": {"r": 20, "b": 90},
            "plot_bgcolor": "#f1f3f5",
            "xaxis": {
                "title": {"text": "Patient"},
                "tickangle": -45,
                "showgrid": False,
                "type": "category",
            },
            "yaxis": {
                "autorange": "reversed",
                "showgrid": False,
                "type": "category",
                "automargin": True,
                "tickvals": socs,
                "ticktext": [wrapped(s) for s in socs],
            },
        },
    )


HOVER_COLUMNS = [
    "patient_id",
    "term",
    "soc",
    "grade",
    "serious",
    "day",
    "day0_is_transplant",
    "onset_on",
    "ongoing",
    "end_day",
    "gvhd",
    "gvhd_type",
    "gvhd_grade",
]


def _event_hover(row) -> str:
    anchor = "transplant" if row.day0_is_transplant else "enrollment"
    end = "ongoing" if row.ongoing else f"resolved day {row.end_day}"
    flags = ", serious" if row.serious else ""
    gvhd = f"<br>{row.gvhd_type} GVHD {row.gvhd_grade or ''}" if row.gvhd else ""
    return (
        f"Patient {row.patient_id}<br>{row.term} ({row.soc})<br>Grade {row.grade}{flags}"
        f"<br>Onset day {row.day} from {anchor} ({row.onset_on:%d %b %Y}), {end}{gvhd}"
    )


def _onset_markers(events: pd.DataFrame, label: dict, name: str, marker: dict, **extra) -> dict:
    """Markers at the onset of ``events``, on their patients' rows, hovering the event."""
    return {
        "type": "scatter",
        "x": events["day"],
        "y": events["patient_id"].map(label),
        "mode": "markers",
        "marker": marker,
        "name": name,
        "hovertext": [_event_hover(r) for r in events[HOVER_COLUMNS].itertuples()],
        "hovertemplate": "%{hovertext}<extra></extra>",
        **extra,
    }


def _segments(starts, ends, rows) -> tuple[list, list]:
    """x and y of horizontal segments start→end on each row, broken by gaps."""
    xs, ys = [], []
    for start, end, row in zip(starts, ends, rows, strict=True):
        xs += [start, end, None]
        ys += [row, row, None]
    return xs, ys


def _grade_traces(events: pd.DataFrame, label: dict) -> list[dict]:
    traces = []
    for grade, color in GRADE_COLORS.items():
        chosen = events[events["grade"] == grade]
        if chosen.empty:
            continue
        ends = np.maximum(chosen["end_day"], chosen["day"] + 1)
        xs, ys = _segments(chosen["day"], ends, chosen["patient_id"].map(label))
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "line": {"color": color, "width": 10},
                "legendgroup": f"g{grade}",
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
        marker = {"color": color, "size": 11, "line": {"color": "white", "width": 1}}
        traces.append(
            _onset_markers(chosen, label, GRADE_LABELS[grade], marker, legendgroup=f"g{grade}")
        )
    return traces


def ae_timeline_figure(events: pd.DataFrame, follow_up: pd.DataFrame) -> go.Figure:
    """Swimmer-style timeline: one row per patient, AEs as bars from onset to resolution.

    Days count from the transplant (day 0); a patient not yet transplanted is drawn
    from enrollment and labelled so. Bars and onset markers are coloured by grade;
    GVHD is ringed with a star, a death marked with a cross. The first year is shown;
    zoom out for the rest. Many patients: the most recent (:func:`patients_shown`).
    """
    follow = patients_shown(follow_up).sort_values(["day0_on", "patient_id"], ascending=False)
    marked = np.where(follow["day0_is_transplant"].astype(bool), "", "*")
    label = dict(zip(follow["patient_id"], follow["patient_id"] + marked, strict=True))
    xs, ys = _segments(follow["start_day"], follow["end_day"], follow["patient_id"].map(label))
    traces = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "line": {"color": "#ced4da", "width": 6},
            "name": "Follow-up",
            "hoverinfo": "skip",
        }
    ]
    events = events.merge(follow[["patient_id", "day0_is_transplant"]], on="patient_id")
    traces += _grade_traces(events, label)
    gvhd = events[events["gvhd"]]
    if not gvhd.empty:
        marker = {"symbol": "star-open", "size": 20, "color": COLORS["primary"]}
        traces.append(_onset_markers(gvhd, label, "GVHD", marker))
    dead = follow[follow["died"]]
    if not dead.empty:
        traces.append(
            {
                "type": "scatter",
                "x": dead["end_day"],
                "y": dead["patient_id"].map(label),
                "mode": "markers",
                "marker": {
                    "symbol": "x-thin",
                    "size": 14,
                    "line": {"width": 3, "color": "#212529"},
                },
                "name": "Death",
                "hovertemplate": "Patient %{y}<br>Died on day %{x}<extra></extra>",
            }
        )
    low = int(min(follow["start_day"].min(), events["day"].min() if len(events) else 0)) - 5
    high = int(min(TIMELINE_MAX_DAY, max(follow["end_day"].max(), 30))) + 5
    axis_title = DAYS_FROM_TRANSPLANT
    if not follow["day0_is_transplant"].all():
        axis_title += "; * not transplanted: days since enrollment"
    title = "Adverse events by patient, first year after transplant"
    return figure(
        title + shown_note(len(follow), len(follow_up), "most recent"),
        traces,
        {
            "height": max(320, 170 + 26 * len(follow)),
            "hovermode": "closest",
            "margin": {"t": 95, "b": 55},
            "xaxis": {"title": {"text": axis_title}, "range": [low, high]},
            "yaxis": {"type": "category", "showgrid": False, "title": None, "automargin": True},
            "shapes": [vline(0, {"color": COLORS["muted"], "dash": "dot", "width": 1})],
        },
    )


def gvhd_incidence_figure(acute, chronic) -> go.Figure:
    """Cumulative incidence of acute and chronic GVHD (death competing), in percent."""
    traces = []
    for kind, cif in (("acute", acute), ("chronic", chronic)):
        if cif is None or cif.steps.empty:
            continue
        steps = cif.steps
        traces.append(
            {
                "type": "scatter",
                "x": [0.0, *steps["time"].tolist()],
                "y": [0.0, *(100 * steps["cif_gvhd"]).tolist()],
                "mode": "lines",
                "line": {"shape": "hv", "color": GVHD_COLORS[kind], "width": 2},
                "name": f"{kind.capitalize()} GVHD",
                "hovertemplate": f"{kind.capitalize()} GVHD by day %{{x:.0f}}: %{{y:.1f}}%"
                "<extra></extra>",
            }
        )
    top = max((max(t["y"]) for t in traces), default=0)
    return figure(
        "Cumulative incidence of GVHD (death as competing risk)",
        traces,
        {
            "xaxis": {"title": {"text": "Days from transplant"}, "rangemode": "tozero"},
            "yaxis": {
                "title": {"text": "Cumulative incidence (%)"},
                "range": [0, max(10, math.ceil(top / 10) * 10 + 5)],
            },
        },
    )


def _changes(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows where ``column`` changes, and the last: all a step line needs."""
    if len(table) < 2:
        return table
    values = table[column].astype("float")
    previous = values.shift()
    same = (values == previous) | (values.isna() & previous.isna())
    changed = ~same
    changed.iloc[[0, -1]] = True
    return table[changed.to_numpy()]


def _boundary_traces(table: pd.DataFrame, ceiling: float) -> list[dict]:
    """The boundary as plateaus centred on each n (x from n - 1/2 to n + 1/2), the zone
    above it shaded; one hover marker per n, or per change of the boundary when the
    table is long."""
    steps = _changes(table, "boundary")
    edges = [n - 0.5 for n in steps["n"]] + [len(table) + 0.5]
    level = steps["boundary"].astype("float").fillna(ceiling + 1).tolist()
    reachable = table[table["boundary"].notna()]
    if len(table) > MAX_POINTS_PER_N:
        reachable = _changes(reachable, "boundary")
    return [
        {
            "type": "scatter",
            "x": edges,
            "y": level + level[-1:],
            "mode": "lines",
            "line": {"shape": "hv", "color": COLORS["target"], "width": 2},
            "name": "Stopping boundary (stop at or above)",
            "legendgroup": "boundary",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": edges,
            "y": [ceiling + 1] * len(edges),
            "mode": "lines",
            "line": {"width": 0, "shape": "hv"},
            "fill": "tonexty",
            "fillcolor": "rgba(176, 42, 55, 0.10)",
            "name": "Stopping zone (rule met)",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": reachable["n"],
            "y": reachable["boundary"].astype(int),
            "mode": "markers",
            "marker": {"color": COLORS["target"], "size": 5},
            "legendgroup": "boundary",
            "showlegend": False,
            "name": "Boundary",
            "hovertemplate": "%{x} patients evaluated: stop at %{y} or more early NRM"
            "<extra></extra>",
        },
    ]


def stopping_boundary_figure(boundary) -> go.Figure:
    """Boundary and observed early-NRM counts by number of patients evaluated.

    ``boundary`` is :class:`analysis.stopping.StoppingBoundary`; the zone at or above
    the boundary (where the rule is met) is shaded. Step lines are drawn from the
    points where they change, so a trial of thousands stays light.
    """
    table = boundary.table
    rule = boundary.rule
    bound = table["boundary"].astype("float")
    ceiling = float(np.nanmax(bound.to_numpy())) + 1 if bound.notna().any() else len(table)
    traces = _boundary_traces(table, ceiling)
    seen = table[table["observed"].notna()]
    if len(seen) > MAX_POINTS_PER_N:
        seen = _changes(seen, "observed")
    if not seen.empty:
        traces.append(
            {
                "type": "scatter",
                "x": seen["n"],
                "y": seen["observed"].astype(int),
                "mode": "lines+markers",
                "line": {"shape": "hv", "color": COLORS["primary"], "width": 2},
                "marker": {"size": 7},
                "name": "Observed early NRM",
                "customdata": seen["posterior"],
                "hovertemplate": "After %{x} patients evaluated: %{y} early NRM"
                f"<br>P(rate > {rule.p0:.0%}) = %{{customdata:.2f}}<extra></extra>",
            }
        )
    return figure(
        "Early NRM against the stopping boundary",
        traces,
        {
            "xaxis": {
                "title": {"text": "Patients evaluated"},
                "range": [0.5, len(table) + 0.5],
                "dtick": 2 if len(table) <= MAX_POINTS_PER_N else None,
            },
            "yaxis": {
                "title": {"text": "Early NRM (patients)"},
                "range": [-0.3, ceiling + 0.5],
                "dtick": 1 if ceiling <= MAX_POINTS_PER_N else None,
            },
        },
    )
