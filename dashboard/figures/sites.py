"""Figures of the Sites page: activation timeline, recruitment by site, screening funnel.

Every figure is built from aggregates (site metrics, per-site counts, funnel counts):
no hover text or ``customdata`` carries a patient id, because the sponsor sees this page.
"""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import plotly.graph_objects as go

from analysis.funnel import ScreeningFunnel
from dashboard.figures.theme import (
    COLORS,
    PLOTLY_DATE,
    SITE_STATUS_COLORS,
    SITE_STATUS_LABELS,
    base_figure,
)
from dashboard.formatting import format_date

#: One colour per site in the recruitment chart (Okabe–Ito, colour-blind safe).
SITE_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
)

MILESTONES = (
    ("ethics_approved_on", "Ethics approval", "circle"),
    ("contract_signed_on", "Contract signed", "square"),
    ("initiation_visit_on", "Initiation visit", "diamond"),
    ("activated_on", "Activated", "star"),
    ("closed_on", "Closed", "x"),
)
#: Phase before activation, keyed by the milestone that opens it.
PHASES = {
    "ethics_approved_on": ("Ethics approval → contract", "#c6dbef"),
    "contract_signed_on": ("Contract → initiation visit", "#9ecae1"),
    "initiation_visit_on": ("Initiation visit → activation", "#6baed6"),
}
WAITING = ("Not yet open: waiting since ethics approval", "#e0e0e0")
_MS_PER_DAY = 86_400_000
LEGEND_BELOW = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": -0.08,
    "yanchor": "top",
    "entrywidth": 0.5,
    "entrywidthmode": "fraction",
    "font": {"size": 11},
}


def site_labels(sites: pd.DataFrame) -> pd.Series:
    """Short, unique labels for axes and legends: the city ('Lyon' for 'Pierre-Bénite (Lyon)')."""

    def short(row) -> str:
        city = row["city"] if isinstance(row["city"], str) and row["city"] else row["name"]
        if city.endswith(")") and "(" in city:
            city = city[city.rindex("(") + 1 : -1]
        return city

    labels = sites.apply(short, axis=1) if len(sites) else pd.Series(dtype=object)
    duplicated = labels.duplicated(keep=False)
    return labels.where(~duplicated, labels + " (" + sites["site_id"] + ")")


def _status_label(status: str) -> str:
    return SITE_STATUS_LABELS.get(status, status)


def _day(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _timeline_segments(site: pd.Series, cut: pd.Timestamp) -> list[dict]:
    """Bars of one site: the phases between its milestones up to activation, then open
    to closure or the cut; a site not open at the cut waits from its first milestone."""
    reached = [
        (column, _day(site[column]))
        for column, _label, _symbol in MILESTONES[:4]
        if _day(site[column]) is not None and _day(site[column]) <= cut
    ]
    activated = _day(site["activated_on"])
    if activated is None or activated > cut:
        if not reached:
            return []
        name, color = WAITING
        return [{"name": name, "color": color, "start": reached[0][1], "end": cut}]
    segments = []
    for (column, start), (_next, end) in pairwise(reached):
        name, color = PHASES.get(column, PHASES["initiation_visit_on"])
        segments.append({"name": name, "color": color, "start": start, "end": end})
    closed = _day(site["closed_on"])
    status = site["status"]
    segments.append(
        {
            "name": f"Open ({_status_label(status).lower()})",
            "color": SITE_STATUS_COLORS.get(status, COLORS["muted"]),
            "start": activated,
            "end": closed if closed is not None and closed < cut else cut,
        }
    )
    return segments


def _waiting_text(site: pd.Series, cut: pd.Timestamp) -> str | None:
    """'waiting 193 days since ethics approval' for a site not open at the cut."""
    activated = _day(site["activated_on"])
    if activated is not None and activated <= cut:
        return None
    ethics = _day(site["ethics_approved_on"])
    if ethics is None or ethics > cut:
        return "no ethics approval yet"
    return f"waiting {(cut - ethics).days} days since ethics approval"


def activation_timeline_figure(metrics: pd.DataFrame, data_cut) -> go.Figure:
    """Gantt chart: one row per site, ethics approval → contract → initiation → activation
    → closure or the data cut, milestone markers, sites not yet open shown waiting."""
    cut = pd.Timestamp(data_cut)
    fig = base_figure("Site activation timeline")
    labels = site_labels(metrics)
    order = metrics.assign(label=labels).sort_values(
        ["activated_on", "ethics_approved_on", "site_id"], na_position="last"
    )
    traces: dict[str, dict] = {}
    for _, site in order.iterrows():
        for segment in _timeline_segments(site, cut):
            days = (segment["end"] - segment["start"]).days
            trace = traces.setdefault(
                segment["name"],
                {"color": segment["color"], "x": [], "base": [], "y": [], "custom": []},
            )
            trace["x"].append(days * _MS_PER_DAY)
            trace["base"].append(segment["start"])
            trace["y"].append(site["label"])
            trace["custom"].append(
                [site["name"], format_date(segment["start"]), format_date(segment["end"]), days]
            )
    for name, trace in traces.items():
        waiting = name == WAITING[0]
        fig.add_bar(
            x=trace["x"],
            base=trace["base"],
            y=trace["y"],
            orientation="h",
            name=name,
            marker={
                "color": trace["color"],
                "pattern": {"shape": "/", "fgcolor": "#757575", "solidity": 0.25}
                if waiting
                else None,
            },
            customdata=trace["custom"],
            hovertemplate=(
                f"%{{customdata[0]}}<br>{name}: %{{customdata[1]}} → %{{customdata[2]}}"
                " (%{customdata[3]} days)<extra></extra>"
            ),
        )
    _add_milestone_markers(fig, order, cut)
    for _, site in order.iterrows():
        text = _waiting_text(site, cut)
        if text:
            fig.add_annotation(
                x=cut,
                y=site["label"],
                text=text,
                showarrow=False,
                xanchor="left",
                xshift=6,
                font={"size": 11, "color": COLORS["muted"]},
            )
    _mark_data_cut(fig, cut, inside=False)
    fig.update_layout(
        barmode="overlay",
        xaxis={"type": "date", "tickformat": "%b %Y", "range": _timeline_range(metrics, cut)},
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(order["label"])[::-1],
            "title": None,
            "automargin": True,
        },
        height=max(380, 210 + 40 * len(metrics)),
        margin={"r": 230, "t": 50},
        legend=LEGEND_BELOW,
        hovermode="closest",
    )
    return fig


def _timeline_range(metrics: pd.DataFrame, cut: pd.Timestamp) -> list:
    """From a month before the first milestone to just after the cut."""
    dates = metrics[[column for column, _label, _symbol in MILESTONES]].stack()
    dates = dates[dates <= cut]
    first = dates.min() if len(dates) else cut - pd.DateOffset(years=1)
    return [first - pd.Timedelta(days=30), cut + pd.Timedelta(days=20)]


def _add_milestone_markers(fig: go.Figure, order: pd.DataFrame, cut: pd.Timestamp) -> None:
    for column, label, symbol in MILESTONES:
        rows = order[order[column].notna() & (order[column] <= cut)]
        if rows.empty:
            continue
        fig.add_scatter(
            x=rows[column],
            y=rows["label"],
            mode="markers",
            name=label,
            marker={
                "symbol": symbol,
                "size": 9,
                "color": "#343a40",
                "line": {"color": "white", "width": 1},
            },
            customdata=rows[["name"]],
            hovertemplate=f"%{{customdata[0]}}<br>{label}: %{{x|{PLOTLY_DATE}}}<extra></extra>",
        )


def _mark_data_cut(fig: go.Figure, cut: pd.Timestamp, inside: bool = True) -> None:
    """A dotted line at the data cut, labelled inside the plot (clear of a legend on top)
    or above it."""
    fig.add_vline(x=cut, line={"dash": "dot", "color": COLORS["target"], "width": 1.5})
    fig.add_annotation(
        x=cut,
        y=1,
        yref="paper",
        text=f"Data cut-off{'<br>' if inside else ' '}{format_date(cut)}",
        showarrow=False,
        xanchor="right" if inside else "center",
        xshift=-4 if inside else 0,
        yanchor="top" if inside else "bottom",
        align="right",
        bgcolor="rgba(255, 255, 255, 0.8)",
        font={"size": 11, "color": COLORS["target"]},
    )


def recruitment_by_site_figure(
    metrics: pd.DataFrame, cumulative: pd.DataFrame, data_cut
) -> go.Figure:
    """Cumulative patients enrolled per site, from activation to the data cut (or closure).

    Sites activated but without a patient are drawn flat at zero; sites never activated
    and without patients are left out (the timeline shows them).
    """
    cut = pd.Timestamp(data_cut)
    fig = base_figure("Recruitment by site")
    labels = site_labels(metrics)
    shown = metrics.assign(label=labels)
    shown = shown[
        (shown["enrolled"] > 0) | (shown["activated_on"].notna() & (shown["activated_on"] <= cut))
    ].sort_values(["enrolled", "site_id"], ascending=[False, True])
    for index, (_, site) in enumerate(shown.iterrows()):
        rows = cumulative[cumulative["site_id"] == site["site_id"]]
        dates, counts = list(rows["date"]), list(rows["enrolled"])
        start = _day(site["activated_on"])
        if start is not None and (not dates or start < dates[0]):
            dates, counts = [start, *dates], [0, *counts]
        closed = _day(site["closed_on"])
        end = closed if closed is not None and closed < cut else cut
        if dates and end > dates[-1]:
            dates, counts = [*dates, end], [*counts, counts[-1]]
        fig.add_scatter(
            x=dates,
            y=counts,
            mode="lines",
            line={"shape": "hv", "width": 2.5, "color": SITE_PALETTE[index % len(SITE_PALETTE)]},
            name=f"{site['label']} ({site['enrolled']})",
            customdata=[[site["name"]]] * len(dates),
            hovertemplate=(
                f"%{{customdata[0]}}<br>%{{x|{PLOTLY_DATE}}}: %{{y}} enrolled<extra></extra>"
            ),
        )
    _mark_data_cut(fig, cut)
    top = int(shown["enrolled"].max()) if len(shown) else 1
    fig.update_layout(
        xaxis={"type": "date", "title": "Date", "tickformat": "%b %Y"},
        yaxis={"title": "Patients enrolled (cumulative)", "rangemode": "tozero", "dtick": 1}
        if top <= 10
        else {"title": "Patients enrolled (cumulative)", "rangemode": "tozero"},
        legend={"title": {"text": "Site (enrolled)"}},
        height=420,
        margin={"t": 80},
        hovermode="closest",
    )
    return fig


def screening_funnel_figure(funnel: ScreeningFunnel) -> go.Figure:
    """The CONSORT-style stages as a funnel, each with its share of the patients screened."""
    fig = base_figure("Screening funnel")
    names = [name for name, _ in funnel.stages]
    counts = [count for _, count in funnel.stages]
    shares = [f"{100 * n / funnel.screened:.0f}%" if funnel.screened else "—" for n in counts]
    fig.add_trace(
        go.Funnel(
            y=names,
            x=counts,
            text=[f"{n} ({share})" for n, share in zip(counts, shares, strict=True)],
            textinfo="text",
            textposition="inside",
            marker={"color": [COLORS["primary"]] * len(counts)},
            connector={"fillcolor": "#dbe4ef", "line": {"width": 0}},
            customdata=shares,
            hovertemplate=("%{y}: %{x} patients<br>%{customdata} of those screened<extra></extra>"),
        )
    )
    fig.update_layout(
        yaxis={"title": None, "automargin": True},
        height=360,
        showlegend=False,
        margin={"l": 150},
    )
    return fig
