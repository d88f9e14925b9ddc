"""One look for every figure: fonts, colours, margins, and the Graph config."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

COLORS = {
    "primary": "#1f5a96",
    "accent": "#d9822b",
    "muted": "#6c757d",
    "target": "#b02a37",
    "planned": "#6c757d",
    "grid": "#e9ecef",
}

SITE_STATUS_COLORS = {
    "recruiting": "#2e7d32",
    "not_yet_recruiting": "#9e9e9e",
    "active_not_recruiting": "#1f5a96",
    "suspended": "#d9822b",
    "completed": "#5e35b1",
    "withdrawn": "#212529",
    "unknown": "#6c757d",
}

SITE_STATUS_LABELS = {
    "recruiting": "Recruiting",
    "not_yet_recruiting": "Not yet recruiting",
    "active_not_recruiting": "Active, not recruiting",
    "suspended": "Suspended",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
    "unknown": "Status unknown",
}

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT_FAMILY, "size": 13, "color": "#212529"},
        # Below the mode bar (about 26 px at the top right), whatever the width.
        title={
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 30},
            "font": {"size": 16},
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        # automargin: tick labels and axis titles get the room they need, never overlap.
        xaxis={
            "gridcolor": COLORS["grid"],
            "linecolor": "#adb5bd",
            "zeroline": False,
            "automargin": True,
        },
        yaxis={
            "gridcolor": COLORS["grid"],
            "linecolor": "#adb5bd",
            "zeroline": False,
            "automargin": True,
        },
        hoverlabel={"font": {"family": FONT_FAMILY}},
        # One place for every legend: a row above the plot, under the title, never on a
        # curve or an axis title (assets/20-legend-room.js makes room when it wraps).
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "itemsizing": "constant",
            "font": {"size": 12},
        },
        colorway=[COLORS["primary"], COLORS["accent"], "#2e7d32", "#5e35b1", "#00838f"],
    )
)
pio.templates["mtsa"] = TEMPLATE

GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendDataToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


DEFAULT_HEIGHT = 420
"""Every figure has a height of its own: the page sizes its graph from it."""


def figure(title: str | dict, traces=(), layout: dict | None = None) -> go.Figure:
    """The figure built in one piece, in the house style.

    Plotly validates and copies the whole figure at every ``add_trace``,
    ``add_annotation``, ``add_hline`` or ``update_layout``; figures built that way
    spent most of a page's server time there. Here traces (dicts with a ``type``),
    shapes and annotations are plain lists, validated once. ``title`` is the text or
    the whole title dict. The figure is :data:`DEFAULT_HEIGHT` tall unless ``layout``
    says otherwise.
    """
    title = {"text": title} if isinstance(title, str) else title
    layout = {"template": TEMPLATE, "title": title, "height": DEFAULT_HEIGHT, **(layout or {})}
    return go.Figure(data=list(traces), layout=layout)


def rgba(hex_color: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(r,g,b,alpha)``: the colour, lighter on white."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def earlier_line(color: str) -> dict:
    """The line of an earlier data version's curve drawn beside the shown one ("Compare
    with"): dashed, thinner and lighter than the shown curve of ``color``."""
    return {"shape": "hv", "dash": "dash", "width": 2, "color": rgba(color, 0.55)}


EARLIER_GROUP = "earlier-version"
"""The legend group of an earlier version's curves: one legend entry shows or hides all."""


def hline(y, line: dict) -> dict:
    """A horizontal line across the plot at ``y`` (the shape ``add_hline`` makes)."""
    return {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": line,
    }


def vline(x, line: dict) -> dict:
    """A vertical line through the plot at ``x`` (the shape ``add_vline`` makes)."""
    return {
        "type": "line",
        "xref": "x",
        "x0": x,
        "x1": x,
        "yref": "y domain",
        "y0": 0,
        "y1": 1,
        "line": line,
    }


DAYS_FROM_TRANSPLANT = "Days since micro-transplant"
"""The time axis of every figure counted from the transplant (day 0)."""

PLOTLY_DATE = "%d %b %Y"  # d3 format matching dashboard.formatting.DATE_FORMAT
