"""The patient profile's course: every record of one patient on one shared time axis.

Lanes, stacked top to bottom on one x axis (zooming one lane zooms all): neutrophils
and platelets against their recovery thresholds (recovery days marked, platelet
transfusions as ticks), blasts, adverse events as bars from onset to resolution
(coloured by grade as on the Safety page, serious ones marked, GVHD distinct),
responses, donor chimerism; the death as a line through every lane. A lane without
a record says "no record" rather than vanish.

The x axis counts days from the transplant (the default), days from enrollment, or
shows dates (:data:`AXES`). Drawn from :class:`analysis.patient_profile.PatientProfile`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.patient_profile import PatientProfile
from dashboard.figures.chimerism import percent_text
from dashboard.figures.recovery import ENDPOINT_COLORS, SHORT_LABELS, THRESHOLD_COLOR
from dashboard.figures.safety import GRADE_COLORS, GRADE_LABELS, wrapped
from dashboard.figures.theme import COLORS, PLOTLY_DATE, TEMPLATE
from dashboard.formatting import short_number

TRANSPLANT = "transplant"
ENROLLMENT = "enrollment"
DATES = "dates"
AXES = {
    TRANSPLANT: "Days from transplant",
    ENROLLMENT: "Days from enrollment",
    DATES: "Dates",
}
"""The x axis switch: value -> label."""

NO_RECORD = "no record"
GVHD_COLOR = COLORS["primary"]
TRANSFUSION_COLOR = COLORS["accent"]
DEATH_COLOR = "#212529"
GAP_PX = 14  # between lanes
LABEL_WIDTH = 24  # characters: a longer event name wraps, leaving room for the plot
TOP_PX = 110  # the figure's title and its legend (assets/20-legend-room.js adds rows)
BOTTOM_PX = 55


@dataclass(frozen=True)
class Lane:
    key: str
    title: str
    height: int  # px


def _lanes(profile: PatientProfile) -> list[Lane]:
    labels = profile.events["label"].nunique() if len(profile.events) else 0
    return [
        Lane("anc", "ANC ×10⁹/L", 150),
        Lane("plt", "Platelets ×10⁹/L", 150),
        Lane("blasts", "Blasts %", 110),
        Lane("events", "Events", max(80, 30 + 30 * labels)),
        Lane("responses", "Response", 70),
        Lane("chimerism", "Donor DNA %", 110),
    ]


def axis_origin(profile: PatientProfile, axis: str) -> dt.date | None:
    """The day 0 of ``axis``: the transplant (or, without one, the patient's day 0),
    the enrollment; None for dates."""
    if axis == DATES:
        return None
    if axis == ENROLLMENT:
        return profile.enrolled_on or profile.day0_on
    return profile.transplant_on or profile.day0_on


def axis_title(profile: PatientProfile, axis: str) -> str:
    if axis == DATES:
        return "Date"
    if axis == TRANSPLANT and profile.transplant_on is None:
        return "Days from enrollment (not transplanted)"
    return AXES[axis]


def _dates(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")


def to_x(profile: PatientProfile, axis: str, dates) -> list:
    """Where ``dates`` fall on ``axis``: days from its origin, or ISO dates (None when
    missing)."""
    stamps = _dates(list(dates))
    if axis == DATES:
        return [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in stamps]
    origin = axis_origin(profile, axis)
    if origin is None:
        return [None] * len(stamps)
    days = (stamps - pd.Timestamp(origin)).dt.days
    return [None if pd.isna(d) else int(d) for d in days]


def _when(date, day) -> str:
    shown = pd.Timestamp(date).strftime("%d %b %Y") if date is not None else "no date"
    return shown if day is None or pd.isna(day) else f"day {int(day)} ({shown})"


def _ref(row: int) -> tuple[str, str]:
    """The x and y axis names of lane ``row`` (1-based), as traces name them."""
    return ("x", "y") if row == 1 else (f"x{row}", f"y{row}")


def _hline(row: int, y, color: str) -> dict:
    x, yaxis = _ref(row)
    return {
        "type": "line",
        "xref": f"{x} domain",
        "x0": 0,
        "x1": 1,
        "yref": yaxis,
        "y0": y,
        "y1": y,
        "line": {"dash": "dash", "color": color, "width": 1},
    }


def _vline(row: int, x, color: str, dash: str = "dot") -> dict:
    xaxis, y = _ref(row)
    return {
        "type": "line",
        "xref": xaxis,
        "x0": x,
        "x1": x,
        "yref": f"{y} domain",
        "y0": 0,
        "y1": 1,
        "line": {"dash": dash, "color": color, "width": 1.5},
    }


def _no_record(row: int) -> dict:
    x, y = _ref(row)
    return {
        "text": NO_RECORD,
        "xref": f"{x} domain",
        "yref": f"{y} domain",
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "font": {"color": COLORS["muted"], "size": 12},
    }


def _test_rows(profile: PatientProfile, tests: tuple[str, ...]) -> pd.DataFrame:
    labs = profile.labs
    if labs is None or labs.empty:
        return pd.DataFrame(columns=["date", "day", "test", "value", "unit"])
    return labs[labs["test"].isin(tests) & labs["value"].notna()]


def _count_lane(profile, axis, row, test, color, floor, log) -> list[dict]:
    rows = _test_rows(profile, (test,))
    if rows.empty:
        return []
    x, y = _ref(row)
    values = rows["value"].astype(float).to_numpy()
    return [
        {
            "type": "scatter",
            "xaxis": x,
            "yaxis": y,
            "x": to_x(profile, axis, rows["date"]),
            "y": np.maximum(values, floor) if log else values,
            "mode": "lines+markers",
            "line": {"color": color, "width": 2},
            "marker": {"size": 6},
            "name": "ANC" if test == "ANC" else "Platelets",
            "text": [
                f"{_when(r.date, r.day)}: {short_number(r.value)} ×10⁹/L" for r in rows.itertuples()
            ],
            "hovertemplate": "%{text}<extra></extra>",
        }
    ]


def _recovery_marks(profile, axis, anc_row, plt_row) -> tuple[list[dict], list[dict]]:
    """Dotted lines on the recovery days (in their lane), with a hover marker each."""
    shapes, traces = [], []
    if profile.transplant_on is None:
        return shapes, traces
    lanes = {"neutrophil": anc_row, "platelet20": plt_row, "platelet50": plt_row}
    levels = {"neutrophil": 0.5, "platelet20": 20, "platelet50": 50}
    for endpoint, row in lanes.items():
        day = (profile.recovery or {}).get(f"{endpoint}_day")
        if day is None:
            continue
        date = profile.transplant_on + dt.timedelta(days=int(day))
        x = to_x(profile, axis, [date])[0]
        color = ENDPOINT_COLORS[endpoint]
        shapes.append(_vline(row, x, color))
        xaxis, yaxis = _ref(row)
        traces.append(
            {
                "type": "scatter",
                "xaxis": xaxis,
                "yaxis": yaxis,
                "x": [x],
                "y": [levels[endpoint]],
                "mode": "markers",
                "marker": {"symbol": "diamond", "size": 10, "color": color},
                "name": f"Recovery {SHORT_LABELS[endpoint]}",
                "text": [f"Recovery {SHORT_LABELS[endpoint]}: {_when(date, day)} from transplant"],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return shapes, traces


def _transfusion_ticks(profile, axis, row) -> list[dict]:
    given = profile.transfusions
    if given is None or given.empty:
        return []
    platelets = given[given["product"].astype(str).str.lower().str.contains("platelet")]
    if platelets.empty:
        return []
    x, y = _ref(row)
    return [
        {
            "type": "scatter",
            "xaxis": x,
            "yaxis": y,
            "x": to_x(profile, axis, platelets["date"]),
            "y": [1.5] * len(platelets),
            "mode": "markers",
            "marker": {"symbol": "line-ns-open", "size": 14, "color": TRANSFUSION_COLOR},
            "name": "Platelet transfusion",
            "text": [
                f"Platelet transfusion, {_when(r.date, r.day)}" for r in platelets.itertuples()
            ],
            "hovertemplate": "%{text}<extra></extra>",
        }
    ]


def _blast_traces(profile, axis, row) -> list[dict]:
    traces = []
    x, y = _ref(row)
    for test, name, color in (
        ("PB_BLAST_PCT", "Blasts in the blood", COLORS["muted"]),
        ("BM_BLAST_PCT", "Blasts in the marrow", "#5e35b1"),
    ):
        rows = _test_rows(profile, (test,))
        if rows.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "xaxis": x,
                "yaxis": y,
                "x": to_x(profile, axis, rows["date"]),
                "y": rows["value"].astype(float),
                "mode": "lines+markers" if test == "PB_BLAST_PCT" else "markers",
                "line": {"color": color, "width": 1.5},
                "marker": {"size": 8, "color": color},
                "name": name,
                "text": [
                    f"{name}, {_when(r.date, r.day)}: {short_number(r.value)}%"
                    for r in rows.itertuples()
                ],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _event_end(profile: PatientProfile, row) -> tuple[object, bool]:
    """(end date, ongoing) of an event: resolved, or ongoing up to the death, the last
    contact or the data cut."""
    end = getattr(row, "end_date", None)
    if end is not None and not pd.isna(end):
        return end, False
    for date in (profile.died_on, profile.last_contact_on, profile.data_cut):
        if date is not None:
            return date, True
    return row.date, True


def _yes(value) -> bool:
    """A flag that is set (True, "yes"); missing and False are not."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return False
    return value in (True, "yes") or (not isinstance(value, str) and bool(value))


def _event_text(profile, row, end, ongoing) -> str:
    flags = [w for w, on in (("serious", row.serious), ("related", row.related)) if _yes(on)]
    grade = "grade not given" if pd.isna(row.grade) else f"grade {int(row.grade)}"
    extra = f" ({', '.join(flags)})" if flags else ""
    finish = "ongoing" if ongoing else f"resolved {_when(end, getattr(row, 'end_day', None))}"
    return f"{row.label}: {grade}{extra}<br>onset {_when(row.date, row.day)}, {finish}"


def _event_traces(profile, axis, row) -> list[dict]:
    """One bar per event from onset to resolution, on its label's row, coloured by grade
    (GVHD in its own colour); serious events marked at onset."""
    events = profile.events
    if events is None or events.empty:
        return []
    x, y = _ref(row)
    groups: dict[str, dict] = {}
    serious = {"x": [], "y": [], "text": []}
    for event in events.itertuples():
        end, ongoing = _event_end(profile, event)
        start_x, end_x = to_x(profile, axis, [event.date, end])
        if end_x == start_x and axis != DATES:
            end_x = start_x + 1  # a one-day event still shows
        gvhd = event.kind == "GVHD"
        grade = None if pd.isna(event.grade) else int(event.grade)
        key = "GVHD" if gvhd else (GRADE_LABELS.get(grade, "Grade not given"))
        color = GVHD_COLOR if gvhd else GRADE_COLORS.get(grade, COLORS["muted"])
        group = groups.setdefault(key, {"color": color, "x": [], "y": [], "text": []})
        text = _event_text(profile, event, end, ongoing)
        group["x"] += [start_x, end_x, None]
        row_label = wrapped(str(event.label), LABEL_WIDTH)
        group["y"] += [row_label, row_label, None]
        group["text"] += [text, text, None]
        if _yes(event.serious):
            serious["x"].append(start_x)
            serious["y"].append(row_label)
            serious["text"].append(text)
    order = [GRADE_LABELS[g] for g in GRADE_COLORS] + ["Grade not given", "GVHD"]
    traces = [
        {
            "type": "scatter",
            "xaxis": x,
            "yaxis": y,
            "x": group["x"],
            "y": group["y"],
            "text": group["text"],
            "mode": "lines",
            "line": {"color": group["color"], "width": 12},
            "name": key,
            "hovertemplate": "%{text}<extra></extra>",
        }
        for key in order
        if (group := groups.get(key)) is not None
    ]
    if serious["x"]:
        traces.append(
            {
                "type": "scatter",
                "xaxis": x,
                "yaxis": y,
                **serious,
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 13,
                    "color": "white",
                    "line": {"color": DEATH_COLOR, "width": 1.5},
                },
                "name": "Serious (★ at onset)",
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _response_traces(profile, axis, row) -> list[dict]:
    responses = profile.responses
    if responses is None or responses.empty:
        return []
    x, y = _ref(row)
    return [
        {
            "type": "scatter",
            "xaxis": x,
            "yaxis": y,
            "x": to_x(profile, axis, responses["date"]),
            "y": ["Response"] * len(responses),
            "mode": "markers+text",
            "text": responses["response"].astype(str).tolist(),
            "textposition": "top center",
            "marker": {"symbol": "circle", "size": 10, "color": "#2e7d32"},
            "name": "Response",
            "customdata": [_when(r.date, r.day) for r in responses.itertuples()],
            "hovertemplate": "%{text}, %{customdata}<extra></extra>",
        }
    ]


def _chimerism_traces(profile, axis, row) -> list[dict]:
    samples = profile.chimerism
    if samples is None or samples.empty:
        return []
    x, y = _ref(row)
    traces = []
    detected = samples["detected"].astype(object)
    seen = samples["donor_percent"].notna() & (detected != False)  # noqa: E712
    for shown, name, symbol in (
        (True, "Donor DNA detected", "circle"),
        (False, "Not detected", "circle-open"),
    ):
        rows = samples[seen == shown]
        if rows.empty:
            continue
        texts = [
            f"{_when(r.date, r.day)}: "
            + (percent_text(r.donor_percent) + " donor DNA" if shown else "not detected")
            for r in rows.itertuples()
        ]
        traces.append(
            {
                "type": "scatter",
                "xaxis": x,
                "yaxis": y,
                "x": to_x(profile, axis, rows["date"]),
                "y": rows["donor_percent"].fillna(0).astype(float) if shown else [0] * len(rows),
                "mode": "markers",
                "marker": {"symbol": symbol, "size": 9, "color": COLORS["primary"]},
                "name": name,
                "text": texts,
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return traces


def _death(profile, axis, rows: int) -> tuple[list[dict], list[dict]]:
    """The death as a line through every lane, and its legend entry and hover."""
    if profile.died_on is None:
        return [], []
    x = to_x(profile, axis, [profile.died_on])[0]
    shapes = [_vline(row, x, DEATH_COLOR, dash="solid") for row in range(1, rows + 1)]
    cause = f": {profile.death_cause}" if profile.death_cause else ""
    xaxis, yaxis = _ref(5)
    trace = {
        "type": "scatter",
        "xaxis": xaxis,
        "yaxis": yaxis,
        "x": [x],
        "y": ["Response"],
        "mode": "markers",
        "marker": {"symbol": "x-thin", "size": 14, "line": {"width": 3, "color": DEATH_COLOR}},
        "name": "Death",
        "text": [f"Died{cause}, {_when(profile.died_on, None)}"],
        "hovertemplate": "%{text}<extra></extra>",
    }
    return shapes, [trace]


def _count_axis(log: bool, low: float, high: float, ticks: tuple) -> dict:
    if not log:
        return {"rangemode": "tozero"}
    return {
        "type": "log",
        "range": [np.log10(low), np.log10(high)],
        "tickvals": list(ticks),
        "ticktext": [short_number(t) for t in ticks],
    }


def patient_course_figure(
    profile: PatientProfile, axis: str = TRANSPLANT, log: bool = True
) -> go.Figure:
    """The patient's course, one lane per kind of record on one shared x axis.

    ``axis``: :data:`TRANSPLANT` (days from the transplant, or from enrollment for a
    patient not transplanted), :data:`ENROLLMENT` or :data:`DATES`. ``log``: counts on
    a log scale (the default) or linear.
    """
    if axis not in AXES:
        raise ValueError(f"unknown axis {axis!r}; known: {', '.join(AXES)}")
    lanes = _lanes(profile)
    plot_px = sum(lane.height for lane in lanes) + GAP_PX * (len(lanes) - 1)
    height = plot_px + TOP_PX + BOTTOM_PX
    layout = _stacked_axes([lane.height for lane in lanes], GAP_PX)
    row = {lane.key: i for i, lane in enumerate(lanes, start=1)}
    traces, shapes, notes = [], [], []

    anc = _count_lane(profile, axis, row["anc"], "ANC", ENDPOINT_COLORS["neutrophil"], 0.01, log)
    plt = _count_lane(profile, axis, row["plt"], "PLT", ENDPOINT_COLORS["platelet20"], 1.0, log)
    ticks = _transfusion_ticks(profile, axis, row["plt"])
    marks_shapes, marks = _recovery_marks(profile, axis, row["anc"], row["plt"])
    blasts = _blast_traces(profile, axis, row["blasts"])
    events = _event_traces(profile, axis, row["events"])
    responses = _response_traces(profile, axis, row["responses"])
    chimerism = _chimerism_traces(profile, axis, row["chimerism"])
    for key, lane_traces in (
        ("anc", anc),
        ("plt", plt + ticks),
        ("blasts", blasts),
        ("events", events),
        ("responses", responses),
        ("chimerism", chimerism),
    ):
        if not lane_traces:
            notes.append(_no_record(row[key]))
        traces += lane_traces
    traces += marks
    shapes += marks_shapes
    shapes.append(_hline(row["anc"], 0.5, THRESHOLD_COLOR))
    shapes += [_hline(row["plt"], level, THRESHOLD_COLOR) for level in (20, 50)]
    death_shapes, death = _death(profile, axis, len(lanes))
    shapes += death_shapes
    traces += death

    n = len(lanes)
    bottom = "xaxis" if n == 1 else f"xaxis{n}"
    layout[bottom] = {**layout.get(bottom, {}), "title": {"text": axis_title(profile, axis)}}
    if axis == DATES:
        for i in range(1, n + 1):
            name = "xaxis" if i == 1 else f"xaxis{i}"
            layout[name] = {**layout[name], "type": "date", "hoverformat": PLOTLY_DATE}
    else:
        low, high = _x_range(profile, axis, traces)
        layout[bottom] = {**layout[bottom], "range": [low, high]}  # the others match it
    y = {key: "yaxis" if i == 1 else f"yaxis{i}" for key, i in row.items()}
    for lane in lanes:  # each lane named by its y axis, on the left
        layout[y[lane.key]] |= {"title": {"text": lane.title, "font": {"size": 12}}}
    layout[y["anc"]] |= _count_axis(log, 0.01, 20, (0.01, 0.1, 0.5, 1, 5))
    layout[y["plt"]] |= _count_axis(log, 1, 1000, (1, 10, 20, 50, 200, 1000))
    layout[y["blasts"]] |= {"rangemode": "tozero"}
    layout[y["events"]] |= {"type": "category", "showgrid": False, "autorange": "reversed"}
    layout[y["responses"]] |= {"type": "category", "showgrid": False, "showticklabels": False}
    # the response codes are written above their points: room for them in a short lane
    layout[y["responses"]]["range"] = [-0.5, 1]
    layout[y["chimerism"]] |= {"rangemode": "tozero"}
    layout.update(
        {
            "template": TEMPLATE,
            "title": {"text": f"Patient {profile.patient_id}: course on one time axis"},
            "height": height,
            "margin": {"t": TOP_PX, "b": BOTTOM_PX, "l": 60, "r": 20},
            "hovermode": "closest",
            "shapes": shapes,
            "annotations": notes,
        }
    )
    return go.Figure(data=traces, layout=layout)


def _stacked_axes(heights: list[int], gap_px: int) -> dict:
    """The axes of lanes stacked from top to bottom on one shared x axis, lane ``i`` on
    ``xaxis{i}`` / ``yaxis{i}`` (the first without a number), every x axis matching the
    bottom one, which alone has tick labels: the layout ``make_subplots(rows=n,
    shared_xaxes=True, row_heights=heights)`` makes, written directly (a tenth of its
    time)."""
    n = len(heights)
    total = sum(heights) + gap_px * (n - 1)
    layout, top = {}, total
    for i, height in enumerate(heights, start=1):
        suffix = "" if i == 1 else str(i)
        bottom = top - height
        shared = {"matches": f"x{n}", "showticklabels": False} if i < n else {}
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [0.0, 1.0], **shared}
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "domain": [max(bottom / total, 0.0), min(top / total, 1.0)],
        }
        top = bottom - gap_px
    return layout


def _x_range(profile, axis, traces) -> tuple[float, float]:
    """From a little before the first record (or day 0) to a little after the last."""
    xs = [x for t in traces for x in t["x"] if x is not None]
    origin = axis_origin(profile, axis)
    for date in (profile.died_on, profile.last_contact_on):
        if date is not None and origin is not None:
            xs.append((date - origin).days)
    low = min([0, *xs])
    high = max([30, *xs])
    pad = max(3, round(0.03 * (high - low)))
    return low - pad, high + pad
