"""The numbers behind a figure, as a table: what "Download CSV" gives for a figure
that has no table of its own.

One row per drawn point: the trace's name, then its coordinates (``x``, ``y``; a
bar's ``base``; a heatmap's ``z`` for each ``x``/``y`` pair; a map's ``lat``/``lon``)
and its hover ``text``. Traces drawn only as decoration (no name, not in the legend)
are kept: a reader checking a figure wants every number it draws. Plotly sends
arrays either as lists or as typed arrays (``{"dtype", "bdata", "shape"}``); both
are read.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd

COORDINATES = ("x", "y", "base", "lat", "lon", "text")


def _array(value) -> list | None:
    """A trace attribute as a plain list (``None`` for a scalar or nothing)."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            dims = [int(d) for d in str(shape).split(",")]
            data = data.reshape(dims)
        return data.tolist()
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _heatmap_rows(trace: dict) -> pd.DataFrame:
    z = _array(trace.get("z")) or []
    xs = _array(trace.get("x")) or list(range(len(z[0]) if z else 0))
    ys = _array(trace.get("y")) or list(range(len(z)))
    rows = [
        {"y": ys[i], "x": xs[j], "z": value}
        for i, row in enumerate(z)
        for j, value in enumerate(row)
    ]
    return pd.DataFrame(rows, columns=["y", "x", "z"])


def _trace_rows(trace: dict) -> pd.DataFrame:
    if trace.get("type") == "heatmap":
        return _heatmap_rows(trace)
    columns = {name: _array(trace.get(name)) for name in COORDINATES}
    columns = {name: values for name, values in columns.items() if values is not None}
    if not columns:
        return pd.DataFrame()
    length = max(len(values) for values in columns.values())
    return pd.DataFrame(
        {name: values + [None] * (length - len(values)) for name, values in columns.items()}
    )


def figure_numbers(figure: dict | None) -> pd.DataFrame:
    """Every trace's points, one row each, headed by the trace's name."""
    frames = []
    for index, trace in enumerate((figure or {}).get("data", [])):
        rows = _trace_rows(trace)
        if rows.empty:
            continue
        name = trace.get("name") or trace.get("legendgroup") or f"trace {index + 1}"
        rows.insert(0, "series", name)
        frames.append(rows)
    if not frames:
        return pd.DataFrame(columns=["series"])
    return pd.concat(frames, ignore_index=True)
