"""Recovery page figures: blood-count trajectories and recovery cumulative incidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.competing_risks import CumulativeIncidence
from analysis.options import COUNT
from analysis.recovery import LAST_DAY, Trajectory, numbers_at_risk
from analysis.recovery_days import ENDPOINTS
from dashboard.figures.many_patients import too_many
from dashboard.figures.risk_table import table_layout, table_traces
from dashboard.figures.theme import COLORS, DAYS_FROM_TRANSPLANT, figure, hline, vline
from dashboard.formatting import short_number

PATIENT_LINE = "#adb5bd"
BAND = "rgba(31, 90, 150, 0.15)"
ENDPOINT_COLORS = {
    "neutrophil": COLORS["primary"],
    "platelet20": "#2e7d32",
    "platelet50": "#5e35b1",
}
THRESHOLD_COLOR = "#b02a37"
SHORT_LABELS = {"neutrophil": "ANC ≥ 0.5", "platelet20": "PLT ≥ 20", "platelet50": "PLT ≥ 50"}
CIF_TICKS = (0, 7, 14, 21, 28, 35, 42, 56, 70, 84, 100)
MIN_CIF_DAY = 42


@dataclass(frozen=True)
class TestInfo:
    """How one lab test is named, scaled and judged on the page.

    On a log axis values under ``floor`` are drawn at ``floor`` (the hover text keeps
    the measured value); ``ticks`` are the labelled values.
    """

    short: str
    unit: str
    axis: str
    log: bool = False
    floor: float | None = None
    y_range: tuple[float, float] | None = None
    ticks: tuple[float, ...] | None = None
    thresholds: tuple[tuple[float, str], ...] = ()
    sparse: bool = False
    """Sampled a few times per patient (marrow): points, never lines or a band drawn
    between samples that were not taken."""


TESTS = {
    "ANC": TestInfo(
        short="ANC",
        unit="×10⁹/L",
        axis="Neutrophils, ×10⁹/L (log scale)",
        log=True,
        floor=0.01,
        y_range=(0.01, 20),
        ticks=(0.01, 0.05, 0.1, 0.5, 1, 5, 10),
        thresholds=((0.5, "0.5: neutrophil recovery"),),
    ),
    "PLT": TestInfo(
        short="PLT",
        unit="×10⁹/L",
        axis="Platelets, ×10⁹/L (log scale)",
        log=True,
        floor=1.0,
        y_range=(1, 1000),
        ticks=(1, 5, 10, 20, 50, 100, 200, 500, 1000),
        thresholds=((20, "20: platelet recovery"), (50, "50")),
    ),
    "PB_BLAST_PCT": TestInfo(short="blood blasts", unit="%", axis="Blasts in the blood (%)"),
    "BM_BLAST_PCT": TestInfo(
        short="marrow blasts",
        unit="%",
        axis="Blasts in the marrow (%)",
        thresholds=((5, "5%: complete-remission limit"),),
        sparse=True,
    ),
}


def _when(start: int, end: int) -> str:
    return f"Day {start}" if start == end else f"Days {start}–{end}"


def _shown(values, info: TestInfo) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.maximum(values, info.floor) if info.log and info.floor else values


def _line_texts(patient_id, rows: pd.DataFrame, info: TestInfo) -> list[str]:
    return [
        f"{patient_id} · {_when(r.start, r.end)}: {info.short} {short_number(r.value)} {info.unit}"
        for r in rows.itertuples()
    ]


def _patient_lines(lines: pd.DataFrame, info: TestInfo, highlight) -> list[dict]:
    """Every patient's line but the highlighted one, as one trace broken by gaps; none
    when there are too many patients to tell apart (the cohort band says it all)."""
    if too_many(lines["patient_id"].nunique()):
        return []
    others = lines[lines["patient_id"] != highlight]
    xs, ys, texts = [], [], []
    for patient_id, rows in others.groupby("patient_id", sort=True):
        xs += [*rows["x"], None]
        ys += [*_shown(rows["value"], info), None]
        texts += [*_line_texts(patient_id, rows, info), None]
    return [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "text": texts,
            "mode": "markers" if info.sparse else "lines",
            "marker": {"color": PATIENT_LINE, "size": 6},
            "name": "Each patient",
            "line": {"color": PATIENT_LINE, "width": 1},
            "opacity": 0.8,
            "connectgaps": False,
            "hovertemplate": "%{text}<extra></extra>",
        }
    ]


def _cohort(cohort: pd.DataFrame, info: TestInfo) -> list[dict]:
    if cohort.empty:
        return []
    texts = [
        f"{_when(r.start, r.end)}: median {info.short} {short_number(r.median)} {info.unit} "
        f"(IQR {short_number(r.q1)}–{short_number(r.q3)}), {r.n_patients} patients"
        for r in cohort.itertuples()
    ]
    if info.sparse:
        return [_cohort_points(cohort, info, texts)]
    edge = {"type": "scatter", "x": cohort["x"], "mode": "lines", "line": {"width": 0}}
    return [
        {**edge, "y": _shown(cohort["q3"], info), "showlegend": False, "hoverinfo": "skip"},
        {
            **edge,
            "y": _shown(cohort["q1"], info),
            "fill": "tonexty",
            "fillcolor": BAND,
            "name": "Interquartile range",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": cohort["x"],
            "y": _shown(cohort["median"], info),
            "text": texts,
            "mode": "lines",
            "name": "Cohort median",
            "line": {"color": COLORS["primary"], "width": 3},
            "hovertemplate": "%{text}<extra></extra>",
        },
    ]


def _cohort_points(cohort: pd.DataFrame, info: TestInfo, texts: list[str]) -> dict:
    """The median of each window as a point with its IQR as a bar: nothing in between."""
    median = _shown(cohort["median"], info)
    return {
        "type": "scatter",
        "x": cohort["x"],
        "y": median,
        "text": texts,
        "mode": "markers",
        "name": "Cohort median (IQR bar)",
        "marker": {"color": COLORS["primary"], "size": 9},
        "error_y": {
            "type": "data",
            "symmetric": False,
            "array": list(_shown(cohort["q3"], info) - median),
            "arrayminus": list(median - _shown(cohort["q1"], info)),
            "color": COLORS["primary"],
            "thickness": 1.5,
        },
        "hovertemplate": "%{text}<extra></extra>",
    }


def _transfusion_ticks(transfusions: pd.DataFrame, highlight) -> list[dict]:
    """Platelet transfusions as ticks along the bottom (cohort per day; the patient's)."""
    if transfusions.empty:
        return []
    per_day = transfusions.groupby("day").size()
    tick = {"type": "scatter", "yaxis": "y2", "mode": "markers"}
    traces = [
        {
            **tick,
            "x": per_day.index,
            "y": [0.04] * len(per_day),
            "marker": {"symbol": "line-ns-open", "size": 12, "color": COLORS["muted"]},
            "name": "Platelet transfusions",
            "text": [
                f"Day {day}: {n} platelet transfusion{'s' * (n != 1)}" for day, n in per_day.items()
            ],
            "hovertemplate": "%{text}<extra></extra>",
        }
    ]
    own = transfusions[transfusions["patient_id"] == highlight]
    if highlight is not None and not own.empty:
        traces.append(
            {
                **tick,
                "x": own["day"],
                "y": [0.1] * len(own),
                "marker": {"symbol": "line-ns-open", "size": 12, "color": COLORS["accent"]},
                "name": f"{highlight}: platelet transfusions",
                "text": [f"{highlight} · Day {day}: platelet transfusion" for day in own["day"]],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _highlighted(lines: pd.DataFrame, info: TestInfo, highlight, recovery_days) -> tuple:
    """The chosen patient's line, and dotted lines on their recovery days: (traces,
    shapes, annotations)."""
    rows = lines[lines["patient_id"] == highlight]
    trace = {
        "type": "scatter",
        "x": rows["x"],
        "y": _shown(rows["value"], info),
        "mode": "markers" if info.sparse else "lines+markers",
        "name": highlight,
        "line": {"color": COLORS["accent"], "width": 2.5},
        "marker": {"size": 6},
        "text": _line_texts(highlight, rows, info),
        "hovertemplate": "%{text}<extra></extra>",
    }
    days = [(label, day) for label, day in (recovery_days or {}).items() if day is not None]
    shapes = [
        vline(day, {"dash": "dot", "color": COLORS["accent"], "width": 1.5}) for _, day in days
    ]
    labels = [
        {
            "x": day,
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "showarrow": False,
            "text": f"{label}: day {day}",
            "font": {"color": COLORS["accent"], "size": 11},
        }
        for label, day in days
    ]
    return [trace], shapes, labels


def _thresholds(info: TestInfo) -> tuple[list[dict], list[dict]]:
    shapes = [
        hline(value, {"dash": "dash", "color": THRESHOLD_COLOR, "width": 1})
        for value, _ in info.thresholds
    ]
    labels = [  # add_hline's own label is misplaced on log axes
        {
            "x": 1,
            "xref": "paper",
            "xanchor": "right",
            "y": np.log10(value) if info.log else value,
            "yanchor": "bottom",
            "showarrow": False,
            "text": label,
            "font": {"color": THRESHOLD_COLOR, "size": 11},
        }
        for value, label in info.thresholds
    ]
    return shapes, labels


def _y_axis(info: TestInfo) -> dict:
    yaxis = {"title": {"text": info.axis}}
    if not info.log:
        return yaxis | {"rangemode": "tozero"}
    low, high = info.y_range
    return yaxis | {
        "type": "log",
        "range": [np.log10(low), np.log10(high)],
        "tickvals": list(info.ticks),
        "ticktext": [short_number(t) for t in info.ticks],
    }


def trajectory_figure(
    trajectory: Trajectory,
    transfusions: pd.DataFrame | None = None,
    highlight: str | None = None,
    recovery_days: dict[str, int | None] | None = None,
) -> go.Figure:
    """The cohort median with its IQR band, a thin grey line per patient, thresholds.

    ``transfusions`` (``patient_id, day``) are drawn as ticks (platelets figure);
    ``highlight`` draws one patient in colour, with ``recovery_days`` (label -> day) as
    dotted vertical lines. Above :data:`MAX_PATIENTS_DRAWN` patients the grey lines are
    left out: the band summarises them, and the page stays light.
    """
    info = TESTS[trajectory.test]
    traces = _patient_lines(trajectory.lines, info, highlight) + _cohort(trajectory.cohort, info)
    shapes, annotations = [], []
    if highlight is not None:
        own, shapes, annotations = _highlighted(trajectory.lines, info, highlight, recovery_days)
        traces += own
    threshold_shapes, threshold_labels = _thresholds(info)
    if transfusions is not None:
        traces += _transfusion_ticks(transfusions, highlight)
    title = f"{COUNT.labels[trajectory.test]}, day 0 to day {LAST_DAY}"
    patients = trajectory.lines["patient_id"].nunique()
    if too_many(patients):
        title += f": median and IQR of {patients:,} patients (choose one to draw their line)"
    return figure(
        title,
        traces,
        {
            "xaxis": {
                "title": {"text": DAYS_FROM_TRANSPLANT},
                "range": [-1, LAST_DAY + 1],
                "dtick": 10,
            },
            "yaxis": _y_axis(info),
            "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
            "hovermode": "closest",
            "height": 480,
            "shapes": shapes + threshold_shapes,
            "annotations": annotations + threshold_labels,
        },
    )


def cif_days(curves: dict[str, CumulativeIncidence]) -> list[int]:
    """The time axis' ticks (and numbers-at-risk columns): weekly to day 42 at least,
    then fortnightly, up to the first tick after the last recovery or death."""
    last = 0.0
    for cif in curves.values():
        events = cif.steps[(cif.steps["n_recovery"] > 0) | (cif.steps["n_death"] > 0)]
        if len(events):
            last = max(last, float(events["time"].max()))
    end = next((t for t in CIF_TICKS if t >= max(last + 2, MIN_CIF_DAY)), CIF_TICKS[-1])
    return [t for t in CIF_TICKS if t <= end]


def _step_xy(cif: CumulativeIncidence) -> tuple[list, list]:
    steps = cif.steps
    x = [0.0, *steps["time"]]
    y = [0.0, *(100 * steps["cif_recovery"])]
    return x, y


def _cif_traces(curves: dict[str, CumulativeIncidence], medians: dict) -> list[dict]:
    traces = []
    for endpoint in ENDPOINTS:
        cif = curves[endpoint.name]
        if cif.n == 0:
            continue
        x, y = _step_xy(cif)
        median = medians.get(endpoint.name)
        suffix = "median not reached" if median is None else f"median day {median:.0f}"
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "mode": "lines",
                "line": {
                    "shape": "hv",
                    "width": 2.5,
                    "color": ENDPOINT_COLORS[endpoint.name],
                },
                "name": f"{endpoint.label} ({suffix})",
                "hovertemplate": (
                    f"Day %{{x:.0f}}: %{{y:.0f}}% recovered ({endpoint.label})<extra></extra>"
                ),
            }
        )
    return traces


def cif_figure(curves: dict[str, CumulativeIncidence], medians: dict) -> go.Figure:
    """Cumulative incidence of recovery (death a competing risk), numbers at risk below."""
    ticks = cif_days(curves)
    rows = [
        (SHORT_LABELS[e.name], ENDPOINT_COLORS[e.name], numbers_at_risk(curves[e.name], ticks))
        for e in ENDPOINTS
        if curves[e.name].n
    ]
    layout = table_layout(
        rows,
        ticks,
        {"title": {"text": "Patients recovered (%)"}, "range": [0, 102], "ticksuffix": "%"},
        x_title=DAYS_FROM_TRANSPLANT,
        header="<b>Number at risk</b>",
    )
    layout["shapes"] = [hline(50, {"dash": "dot", "color": COLORS["muted"], "width": 1})]
    return figure(
        "Cumulative incidence of recovery",
        _cif_traces(curves, medians) + table_traces(rows, ticks),
        layout,
    )
