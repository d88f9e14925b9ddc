"""Safety figures: worst grade per patient and organ class, AE timeline, GVHD, stopping rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import COLORS, base_figure

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


def _discrete_scale() -> list:
    """Colour scale for z in [0.5, 5.5] with one flat band per grade."""
    scale = []
    for g, color in GRADE_COLORS.items():
        scale += [[(g - 1) / 5, color], [g / 5, color]]
    return scale


def _title_and_legend_on_top(fig: go.Figure) -> None:
    """Pin the title to the top edge, and a horizontal legend between it and the plot."""
    fig.update_layout(
        title={"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.01, "yanchor": "bottom"},
    )


def _short(soc: str, width: int = 46) -> str:
    return soc if len(soc) <= width else soc[: width - 1].rstrip(" ,") + "…"


def worst_grade_heatmap(worst: pd.DataFrame, patients: list[str], socs: list[str]) -> go.Figure:
    """Patients (columns) by system organ class (rows), coloured by the worst grade.

    ``worst`` has ``patient_id, soc, worst_grade``; ``patients`` and ``socs`` give
    the order (every enrolled patient, so those without events show as blank).
    """
    grid = worst.pivot(index="soc", columns="patient_id", values="worst_grade")
    grid = grid.reindex(index=socs, columns=patients).astype(float)
    z = grid.to_numpy()
    text = np.where(np.isnan(z), "no event", np.vectorize(lambda v: f"grade {v:.0f}")(z))
    fig = base_figure("Worst adverse event grade per patient and organ class")
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=patients,
            y=[_short(s) for s in socs],
            customdata=np.array([[s] * len(patients) for s in socs]),
            text=text,
            zmin=0.5,
            zmax=5.5,
            colorscale=_discrete_scale(),
            xgap=2,
            ygap=2,
            hoverongaps=False,
            colorbar={
                "title": {"text": "Worst grade"},
                "tickvals": list(GRADE_COLORS),
                "ticktext": [f"{g}" + (" (death)" if g == 5 else "") for g in GRADE_COLORS],
                "thickness": 14,
                "len": 0.9,
            },
            hovertemplate="Patient %{x}<br>%{customdata}<br>Worst: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=max(260, 90 + 30 * len(socs)),
        margin={"l": 320, "r": 20, "t": 50, "b": 90},
        plot_bgcolor="#f1f3f5",
    )
    fig.update_xaxes(title_text="Patient", tickangle=-45, showgrid=False, type="category")
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    return fig


def _event_hover(row) -> str:
    anchor = "transplant" if row.day0_is_transplant else "enrollment"
    end = "ongoing" if row.ongoing else f"resolved day {row.end_day}"
    flags = ", serious" if row.serious else ""
    gvhd = f"<br>{row.gvhd_type} GVHD {row.gvhd_grade or ''}" if row.gvhd else ""
    return (
        f"Patient {row.patient_id}<br>{row.term} ({row.soc})<br>Grade {row.grade}{flags}"
        f"<br>Onset day {row.day} from {anchor} ({row.onset_on:%d %b %Y}), {end}{gvhd}"
    )


def _onset_markers(events: pd.DataFrame, label: dict, name: str, marker: dict, **extra):
    """Markers at the onset of ``events``, on their patients' rows, hovering the event."""
    return go.Scatter(
        x=events["day"],
        y=events["patient_id"].map(label),
        mode="markers",
        marker=marker,
        name=name,
        hovertext=[_event_hover(r) for r in events.itertuples()],
        hovertemplate="%{hovertext}<extra></extra>",
        **extra,
    )


def ae_timeline_figure(events: pd.DataFrame, follow_up: pd.DataFrame) -> go.Figure:
    """Swimmer-style timeline: one row per patient, AEs as bars from onset to resolution.

    Days count from the transplant (day 0); a patient not yet transplanted is drawn
    from enrollment and labelled so. Bars and onset markers are coloured by grade;
    GVHD is ringed with a star, a death marked with a cross. The first year is shown;
    zoom out for the rest.
    """
    follow = follow_up.sort_values(["day0_on", "patient_id"], ascending=False)
    label = {
        row.patient_id: row.patient_id + ("" if row.day0_is_transplant else "*")
        for row in follow.itertuples()
    }
    fig = base_figure("Adverse events by patient, days from transplant")
    xs, ys = [], []
    for row in follow.itertuples():
        xs += [row.start_day, row.end_day, None]
        ys += [label[row.patient_id]] * 2 + [None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#ced4da", "width": 6},
            name="Follow-up",
            hoverinfo="skip",
        )
    )
    events = events.merge(follow[["patient_id", "day0_is_transplant"]], on="patient_id")
    for grade, color in GRADE_COLORS.items():
        chosen = events[events["grade"] == grade]
        if chosen.empty:
            continue
        xs, ys = [], []
        for row in chosen.itertuples():
            xs += [row.day, max(row.end_day, row.day + 1), None]
            ys += [label[row.patient_id]] * 2 + [None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": color, "width": 10},
                legendgroup=f"g{grade}",
                showlegend=False,
                hoverinfo="skip",
            )
        )
        marker = {"color": color, "size": 11, "line": {"color": "white", "width": 1}}
        fig.add_trace(
            _onset_markers(chosen, label, GRADE_LABELS[grade], marker, legendgroup=f"g{grade}")
        )
    gvhd = events[events["gvhd"]]
    if not gvhd.empty:
        marker = {"symbol": "star-open", "size": 20, "color": COLORS["primary"]}
        fig.add_trace(_onset_markers(gvhd, label, "GVHD", marker))
    dead = follow[follow["died"]]
    if not dead.empty:
        fig.add_trace(
            go.Scatter(
                x=dead["end_day"],
                y=dead["patient_id"].map(label),
                mode="markers",
                marker={"symbol": "x-thin", "size": 14, "line": {"width": 3, "color": "#212529"}},
                name="Death",
                hovertemplate="Patient %{y}<br>Died on day %{x}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line={"color": COLORS["muted"], "dash": "dot", "width": 1})
    low = int(min(follow["start_day"].min(), events["day"].min() if len(events) else 0)) - 5
    high = int(min(TIMELINE_MAX_DAY, max(follow["end_day"].max(), 30))) + 5
    _title_and_legend_on_top(fig)
    fig.update_layout(
        height=max(320, 170 + 26 * len(follow)), hovermode="closest", margin={"t": 95, "b": 55}
    )
    title = "Days from transplant (day 0); first year shown"
    if not follow["day0_is_transplant"].all():
        title += "; * not transplanted: days from enrollment"
    fig.update_xaxes(title_text=title, range=[low, high])
    fig.update_yaxes(type="category", showgrid=False, title_text=None, automargin=True)
    return fig


def gvhd_incidence_figure(acute, chronic) -> go.Figure:
    """Cumulative incidence of acute and chronic GVHD (death competing), in percent."""
    fig = base_figure("Cumulative incidence of GVHD (death as competing risk)")
    for kind, cif in (("acute", acute), ("chronic", chronic)):
        if cif is None or cif.steps.empty:
            continue
        steps = cif.steps
        x = [0.0, *steps["time"].tolist()]
        y = [0.0, *(100 * steps["cif_gvhd"]).tolist()]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"shape": "hv", "color": GVHD_COLORS[kind], "width": 2},
                name=f"{kind.capitalize()} GVHD",
                hovertemplate=f"{kind.capitalize()} GVHD by day %{{x:.0f}}: %{{y:.1f}}%"
                "<extra></extra>",
            )
        )
    top = max((max(t.y) for t in fig.data), default=0)
    fig.update_xaxes(title_text="Days from transplant", rangemode="tozero")
    fig.update_yaxes(
        title_text="Cumulative incidence (%)", range=[0, max(10, math.ceil(top / 10) * 10 + 5)]
    )
    return fig


def stopping_boundary_figure(boundary) -> go.Figure:
    """Boundary and observed early-NRM counts by number of patients evaluated.

    ``boundary`` is :class:`analysis.stopping.StoppingBoundary`; the zone at or above
    the boundary (where the rule is met) is shaded.
    """
    table = boundary.table
    rule = boundary.rule
    fig = base_figure("Early non-relapse mortality against the stopping boundary")
    bound = table["boundary"].astype("float")
    ceiling = float(np.nanmax(bound.to_numpy())) + 1 if bound.notna().any() else len(table)
    # Plateaus centred on each n: x from n - 1/2 to n + 1/2.
    edges = [n - 0.5 for n in table["n"]] + [len(table) + 0.5]
    level = bound.fillna(ceiling + 1).tolist()
    fig.add_trace(
        go.Scatter(
            x=edges,
            y=level + level[-1:],
            mode="lines",
            line={"shape": "hv", "color": COLORS["target"], "width": 2},
            name="Stopping boundary (stop at or above)",
            legendgroup="boundary",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=edges,
            y=[ceiling + 1] * len(edges),
            mode="lines",
            line={"width": 0, "shape": "hv"},
            fill="tonexty",
            fillcolor="rgba(176, 42, 55, 0.10)",
            name="Stopping zone (rule met)",
            hoverinfo="skip",
        )
    )
    reachable = table[table["boundary"].notna()]
    fig.add_trace(
        go.Scatter(
            x=reachable["n"],
            y=reachable["boundary"].astype(int),
            mode="markers",
            marker={"color": COLORS["target"], "size": 5},
            legendgroup="boundary",
            showlegend=False,
            name="Boundary",
            hovertemplate="%{x} patients evaluated: stop at %{y} or more early NRM<extra></extra>",
        )
    )
    seen = table[table["observed"].notna()]
    if not seen.empty:
        fig.add_trace(
            go.Scatter(
                x=seen["n"],
                y=seen["observed"].astype(int),
                mode="lines+markers",
                line={"shape": "hv", "color": COLORS["primary"], "width": 2},
                marker={"size": 7},
                name="Observed early NRM",
                customdata=seen["posterior"],
                hovertemplate="After %{x} patients evaluated: %{y} early NRM"
                f"<br>P(rate > {rule.p0:.0%}) = %{{customdata:.2f}}<extra></extra>",
            )
        )
    _title_and_legend_on_top(fig)
    fig.update_layout(margin={"t": 100})
    fig.update_xaxes(title_text="Patients evaluated", range=[0.5, len(table) + 0.5], dtick=2)
    fig.update_yaxes(title_text="Early NRM (patients)", range=[-0.3, ceiling + 0.5], dtick=1)
    return fig
