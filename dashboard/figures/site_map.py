"""Map of France with the trial sites (Plotly geo, drawn offline).

Plotly fetches the country outlines (``europe_50m.json``, scope ``europe`` at the 1:50m
resolution) from ``config["topojsonURL"]``; :func:`map_graph_config` points it at
``assets/geo/`` of this app, so no request leaves the server (no CDN, no tiles).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.sites import site_labels
from dashboard.figures.theme import (
    COLORS,
    SITE_STATUS_COLORS,
    SITE_STATUS_LABELS,
    figure,
)

#: Longitude and latitude ranges framing metropolitan France (Corsica included).
FRANCE_LON = (-5.6, 10.0)
FRANCE_LAT = (41.2, 51.3)
MIN_MARKER = 9  # px: a site with no patient stays visible
MARKER_PER_SQRT_PATIENT = 7  # px: marker area grows with patients enrolled
# Rough scale of the drawn map, for placing labels: px per degree (Mercator near 46° N)
# and px per character of the 11 px label font.
PX_PER_LON = 27.0
PX_PER_LAT = 39.0
PX_PER_CHAR = 6.2
LABEL_HEIGHT = 14.0
POSITIONS = ("middle right", "middle left", "top center", "bottom center")


def map_graph_config(topojson_url: str) -> dict:
    """What the map's Graph config adds to the house config: the local topology folder."""
    return {"topojsonURL": topojson_url, "scrollZoom": False}


def marker_size(enrolled: int) -> float:
    """Marker diameter in px; its area is proportional to the patients enrolled."""
    return MIN_MARKER + MARKER_PER_SQRT_PATIENT * math.sqrt(max(int(enrolled), 0))


def _label_box(position: str, x: float, y: float, radius: float, width: float):
    gap, half = 3.0, LABEL_HEIGHT / 2
    if position == "middle right":
        return (x + radius + gap, x + radius + gap + width, y - half, y + half)
    if position == "middle left":
        return (x - radius - gap - width, x - radius - gap, y - half, y + half)
    if position == "top center":
        return (x - width / 2, x + width / 2, y + radius + gap, y + radius + gap + LABEL_HEIGHT)
    return (x - width / 2, x + width / 2, y - radius - gap - LABEL_HEIGHT, y - radius - gap)


def _overlap(a, b) -> float:
    dx = min(a[1], b[1]) - max(a[0], b[0])
    dy = min(a[3], b[3]) - max(a[2], b[2])
    return dx * dy if dx > 0 and dy > 0 else 0.0


def label_positions(
    lon: list[float], lat: list[float], sizes: list[float], labels: list[str]
) -> list[str]:
    """A text position per marker so that labels cover neither markers nor each other.

    Greedy: each site in turn takes the first of :data:`POSITIONS` that overlaps
    nothing placed so far (markers, earlier labels), else the least overlapping one.
    """
    points = [(x * PX_PER_LON, y * PX_PER_LAT) for x, y in zip(lon, lat, strict=True)]
    taken = [
        (x - size / 2, x + size / 2, y - size / 2, y + size / 2)
        for (x, y), size in zip(points, sizes, strict=True)
    ]
    chosen = []
    for index, ((x, y), size, label) in enumerate(zip(points, sizes, labels, strict=True)):
        width = PX_PER_CHAR * len(label)
        others = [box for other, box in enumerate(taken) if other != index]
        boxes = {p: _label_box(p, x, y, size / 2, width) for p in POSITIONS}
        costs = {p: sum(_overlap(box, other) for other in others) for p, box in boxes.items()}
        best = min(POSITIONS, key=lambda p: (costs[p], POSITIONS.index(p)))
        chosen.append(best)
        taken.append(boxes[best])
    return chosen


GEO = {
    "scope": "europe",
    "resolution": 50,
    "projection": {"type": "mercator"},
    "lonaxis": {"range": list(FRANCE_LON)},
    "lataxis": {"range": list(FRANCE_LAT)},
    "showland": True,
    "landcolor": "#f1f3f5",
    "showocean": True,
    "oceancolor": "#e7f0f8",
    "showlakes": False,
    "showrivers": False,
    "showcountries": True,
    "countrycolor": "#adb5bd",
    "showcoastlines": True,
    "coastlinecolor": "#adb5bd",
    "showframe": False,
    "bgcolor": "white",
}
SIZE_NOTE = {
    "text": "Marker area ∝ patients enrolled",
    "x": 0,
    "y": 0,
    "xref": "paper",
    "yref": "paper",
    "showarrow": False,
    "xanchor": "left",
    "yanchor": "bottom",
    "font": {"size": 11, "color": COLORS["muted"]},
}


def site_map_figure(metrics: pd.DataFrame) -> go.Figure:
    """Sites on a map of France: marker area = patients enrolled, colour = site status."""
    located = (metrics["latitude"].notna() & metrics["longitude"].notna()).to_numpy()
    lon, lat = metrics["longitude"].to_numpy()[located], metrics["latitude"].to_numpy()[located]
    labels = site_labels(metrics).to_numpy()[located]
    statuses = metrics["status"].to_numpy()[located]
    names = metrics["name"].to_numpy()[located].tolist()
    cities = metrics["city"].to_numpy()[located].tolist()
    enrolled = [int(n) for n in metrics["enrolled"].to_numpy()[located]]
    sizes = [marker_size(n) for n in enrolled]
    positions = label_positions(list(lon), list(lat), sizes, list(labels))
    traces = []
    for status in dict.fromkeys(statuses):  # one trace per status, in order of appearance
        label = SITE_STATUS_LABELS.get(status, status)
        rows = [i for i, other in enumerate(statuses) if other == status]
        traces.append(
            {
                "type": "scattergeo",
                "lon": lon[rows],
                "lat": lat[rows],
                "mode": "markers+text",
                "name": label,
                "text": labels[rows],
                "textposition": [positions[i] for i in rows],
                "textfont": {"size": 11, "color": "#343a40"},
                "marker": {
                    "size": [sizes[i] for i in rows],
                    "color": SITE_STATUS_COLORS.get(status, COLORS["muted"]),
                    "line": {"color": "white", "width": 1.5},
                    "opacity": 0.9,
                },
                "customdata": [[names[i], cities[i], enrolled[i], label] for i in rows],
                "hovertemplate": (
                    "%{customdata[0]}<br>%{customdata[1]}<br>Status: %{customdata[3]}"
                    "<br>Enrolled: %{customdata[2]} patients<extra></extra>"
                ),
            }
        )
    return figure(
        "Sites in France",
        traces,
        {
            "geo": GEO,
            "annotations": [SIZE_NOTE],
            "height": 480,
            "margin": {"l": 10, "r": 10, "b": 10},
            "legend": {"itemsizing": "constant"},
        },
    )
