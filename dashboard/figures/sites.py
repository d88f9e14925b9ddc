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
    figure,
    vline,
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
WAITING = ("Waiting since ethics approval", "#e0e0e0")
_MS_PER_DAY = 86_400_000


def site_labels(sites: pd.DataFrame) -> pd.Series:
    """Short, unique labels for axes and legends: the city ('Lyon' for 'Pierre-Bénite (Lyon)')."""

    def short(city, name) -> str:
        city = city if isinstance(city, str) and city else name
        if city.endswith(")") and "(" in city:
            city = city[city.rindex("(") + 1 : -1]
        return city

    labels = pd.Series(
        [short(city, name) for city, name in zip(sites["city"], sites["name"], strict=True)],
        index=sites.index,
        dtype=object,
    )
    duplicated = labels.duplicated(keep=False)
    if not duplicated.any():
        return labels
    return labels.where(~duplicated, labels + " (" + sites["site_id"] + ")")


def _status_label(status: str) -> str:
    return SITE_STATUS_LABELS.get(status, status)


def _day(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _timeline_segments(site: dict, cut: pd.Timestamp) -> list[dict]:
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


def _waiting_text(site: dict, cut: pd.Timestamp) -> str | None:
    """'waiting 193 days since ethics approval' for a site not open at the cut."""
    activated = _day(site["activated_on"])
    if activated is not None and activated <= cut:
        return None
    ethics = _day(site["ethics_approved_on"])
    if ethics is None or ethics > cut:
        return "no ethics approval yet"
    return f"waiting {(cut - ethics).days} days"


def _records(rows: pd.DataFrame, columns: list[str]) -> list[dict]:
    """``rows`` as one dict per row with only ``columns`` (dates as Timestamps or NaT)."""
    values = [rows[column].tolist() for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _phase_bars(sites: list[dict], cut: pd.Timestamp) -> list[dict]:
    """One bar trace per phase (ethics → contract, ..., open, waiting), every site in it."""
    bars: dict[str, dict] = {}
    for site in sites:
        for segment in _timeline_segments(site, cut):
            days = (segment["end"] - segment["start"]).days
            bar = bars.setdefault(
                segment["name"],
                {"color": segment["color"], "x": [], "base": [], "y": [], "custom": []},
            )
            bar["x"].append(days * _MS_PER_DAY)
            bar["base"].append(segment["start"])
            bar["y"].append(site["label"])
            bar["custom"].append(
                [site["name"], format_date(segment["start"]), format_date(segment["end"]), days]
            )
    traces = []
    for name, bar in bars.items():
        marker = {"color": bar["color"]}
        if name == WAITING[0]:
            marker["pattern"] = {"shape": "/", "fgcolor": "#757575", "solidity": 0.25}
        traces.append(
            {
                "type": "bar",
                "x": bar["x"],
                "base": bar["base"],
                "y": bar["y"],
                "orientation": "h",
                "name": name,
                "marker": marker,
                "customdata": bar["custom"],
                "hovertemplate": (
                    f"%{{customdata[0]}}<br>{name}: %{{customdata[1]}} → %{{customdata[2]}}"
                    " (%{customdata[3]} days)<extra></extra>"
                ),
            }
        )
    return traces


def _site_ticks(sites: list[dict], cut: pd.Timestamp) -> list[str]:
    """Each site's row label; under a site not yet open, in small grey type, how long it
    has been waiting (beside the axis, so that the plot keeps its width on a phone)."""
    ticks = []
    for site in sites:
        text = _waiting_text(site, cut)
        note = f'<br><span style="font-size:10px;color:{COLORS["muted"]}">{text}</span>'
        ticks.append(site["label"] + (note if text else ""))
    return ticks


def activation_timeline_figure(metrics: pd.DataFrame, data_cut) -> go.Figure:
    """Gantt chart: one row per site, ethics approval → contract → initiation → activation
    → closure or the data cut, milestone markers, sites not yet open shown waiting."""
    cut = pd.Timestamp(data_cut)
    columns = ["site_id", "name", "status", *(column for column, _l, _s in MILESTONES)]
    order = (
        metrics[columns]
        .assign(label=site_labels(metrics))
        .sort_values(["activated_on", "ethics_approved_on", "site_id"], na_position="last")
    )
    sites = _records(order, [*columns, "label"])
    cut_shape = _data_cut_line(cut)
    cut_key = {  # the line's key in the legend: a label above the plot meets the legend
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "lines",
        "line": cut_shape["line"],
        "name": f"Data cut-off, {format_date(cut)}",
        "showlegend": True,
        "hoverinfo": "skip",
    }
    return figure(
        "Site activation timeline",
        [*_phase_bars(sites, cut), *_milestone_markers(order, cut), cut_key],
        {
            "barmode": "overlay",
            "xaxis": {
                "type": "date",
                "tickformat": "%b %Y",
                "range": _timeline_range(metrics, cut),
            },
            "yaxis": {
                "categoryorder": "array",
                "categoryarray": list(order["label"])[::-1],
                "tickvals": [site["label"] for site in sites],
                "ticktext": _site_ticks(sites, cut),
                "title": None,
                "automargin": True,
            },
            "height": max(380, 210 + 50 * len(metrics)),
            "hovermode": "closest",
            "shapes": [cut_shape],
        },
    )


def _timeline_range(metrics: pd.DataFrame, cut: pd.Timestamp) -> list:
    """From a month before the first milestone to just after the cut."""
    dates = metrics[[column for column, _label, _symbol in MILESTONES]].to_numpy().ravel()
    dates = dates[dates <= cut.to_datetime64()]  # NaT compares False
    first = pd.Timestamp(dates.min()) if len(dates) else cut - pd.DateOffset(years=1)
    return [first - pd.Timedelta(days=30), cut + pd.Timedelta(days=20)]


def _milestone_markers(order: pd.DataFrame, cut: pd.Timestamp) -> list[dict]:
    """One marker trace per milestone reached by the cut."""
    traces = []
    labels, names = order["label"].to_numpy(), order[["name"]].to_numpy()
    for column, label, symbol in MILESTONES:
        days = order[column].to_numpy()
        reached = days <= cut.to_datetime64()  # NaT compares False
        if not reached.any():
            continue
        traces.append(
            {
                "type": "scatter",
                "x": days[reached],
                "y": labels[reached],
                "mode": "markers",
                "name": label,
                "marker": {
                    "symbol": symbol,
                    "size": 9,
                    "color": "#343a40",
                    "line": {"color": "white", "width": 1},
                },
                "customdata": names[reached],
                "hovertemplate": (
                    f"%{{customdata[0]}}<br>{label}: %{{x|{PLOTLY_DATE}}}<extra></extra>"
                ),
            }
        )
    return traces


def _data_cut_line(cut: pd.Timestamp) -> dict:
    return vline(cut, {"dash": "dot", "color": COLORS["target"], "width": 1.5})


def _data_cut_marks(cut: pd.Timestamp) -> tuple[dict, dict]:
    """A dotted line at the data cut, labelled inside the plot at its top, left of the
    line (clear of the legend above the plot): (shape, annotation)."""
    label = {
        "x": cut,
        "y": 1,
        "yref": "paper",
        "text": f"Data cut-off<br>{format_date(cut)}",
        "showarrow": False,
        "xanchor": "right",
        "xshift": -4,
        "yanchor": "top",
        "align": "right",
        "bgcolor": "rgba(255, 255, 255, 0.8)",
        "font": {"size": 11, "color": COLORS["target"]},
    }
    return _data_cut_line(cut), label


def _site_steps(cumulative: pd.DataFrame) -> dict[str, tuple[list, list]]:
    """Each site's (dates, patients enrolled by then) from ``site_id, date, enrolled`` rows."""
    steps: dict[str, tuple[list, list]] = {}
    for site_id, day, count in zip(
        cumulative["site_id"].tolist(),
        cumulative["date"].tolist(),
        cumulative["enrolled"].tolist(),
        strict=True,
    ):
        dates, counts = steps.setdefault(site_id, ([], []))
        dates.append(day)
        counts.append(count)
    return steps


def _site_curve(site: dict, steps: tuple[list, list], cut: pd.Timestamp, color: str) -> dict:
    """The steps of one site's patients enrolled, from its activation to closure or the cut."""
    dates, counts = steps
    start = _day(site["activated_on"])
    if start is not None and (not dates or start < dates[0]):
        dates, counts = [start, *dates], [0, *counts]
    closed = _day(site["closed_on"])
    end = closed if closed is not None and closed < cut else cut
    if dates and end > dates[-1]:
        dates, counts = [*dates, end], [*counts, counts[-1]]
    return {
        "type": "scatter",
        "x": dates,
        "y": counts,
        "mode": "lines",
        "line": {"shape": "hv", "width": 2.5, "color": color},
        "name": f"{site['label']} ({site['enrolled']})",
        "customdata": [[site["name"]]] * len(dates),
        "hovertemplate": (
            f"%{{customdata[0]}}<br>%{{x|{PLOTLY_DATE}}}: %{{y}} enrolled<extra></extra>"
        ),
    }


def recruitment_by_site_figure(
    metrics: pd.DataFrame, cumulative: pd.DataFrame, data_cut
) -> go.Figure:
    """Cumulative patients enrolled per site, from activation to the data cut (or closure).

    Sites activated but without a patient are drawn flat at zero; sites never activated
    and without patients are left out (the timeline shows them).
    """
    cut = pd.Timestamp(data_cut)
    columns = ["site_id", "name", "enrolled", "activated_on", "closed_on"]
    shown = metrics[columns].assign(label=site_labels(metrics))
    shown = shown[
        (shown["enrolled"] > 0) | (shown["activated_on"].notna() & (shown["activated_on"] <= cut))
    ].sort_values(["enrolled", "site_id"], ascending=[False, True])
    steps = _site_steps(cumulative)
    traces = [
        _site_curve(
            site,
            steps.get(site["site_id"], ([], [])),
            cut,
            SITE_PALETTE[index % len(SITE_PALETTE)],
        )
        for index, site in enumerate(_records(shown, [*columns, "label"]))
    ]
    cut_shape, cut_label = _data_cut_marks(cut)
    top = int(shown["enrolled"].max()) if len(shown) else 1
    yaxis = {"title": "Patients enrolled (cumulative)", "rangemode": "tozero"}
    return figure(
        "Recruitment by site",
        traces,
        {
            "xaxis": {"type": "date", "title": "Date", "tickformat": "%b %Y"},
            "yaxis": {**yaxis, "dtick": 1} if top <= 10 else yaxis,
            "legend": {"title": {"text": "Site (enrolled)", "side": "top"}},
            "height": 420,
            "hovermode": "closest",
            "shapes": [cut_shape],
            "annotations": [cut_label],
        },
    )


def screening_funnel_figure(funnel: ScreeningFunnel) -> go.Figure:
    """The CONSORT-style stages as a funnel, each with its share of the patients screened."""
    names = [name for name, _ in funnel.stages]
    counts = [count for _, count in funnel.stages]
    shares = [f"{100 * n / funnel.screened:.0f}%" if funnel.screened else "—" for n in counts]
    trace = {
        "type": "funnel",
        "y": names,
        "x": counts,
        "text": [f"{n} ({share})" for n, share in zip(counts, shares, strict=True)],
        "textinfo": "text",
        "textposition": "inside",
        "marker": {"color": [COLORS["primary"]] * len(counts)},
        "connector": {"fillcolor": "#dbe4ef", "line": {"width": 0}},
        "customdata": shares,
        "hovertemplate": "%{y}: %{x} patients<br>%{customdata} of those screened<extra></extra>",
    }
    return figure(
        "Screening funnel",
        [trace],
        {
            "yaxis": {"title": None, "automargin": True},
            "height": 360,
            "showlegend": False,
            "margin": {"l": 150},
        },
    )
