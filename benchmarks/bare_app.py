"""The yardstick for benchmark 2: a bare Dash app drawing the same figures from memory.

For every page callback of the real app, the bare app has one callback with the same
outputs that returns, from an in-memory DataFrame:

- for each figure, a ``go.Figure`` with the same layout and the same traces (type,
  scalar properties, and every data array with the same length, shape and encoding:
  a NumPy array where the real figure sent typed-array ``bdata``, a list of text or
  numbers where it sent a list), so the same number of figures and points;
- for each grid's ``rowData``, the same number of rows with the same keys, from the
  DataFrame's records;
- any other output (cards, texts, styles, options) as the real app sent it.

No database, no sign-in, no cache, no analysis: what remains is Dash, Plotly and Flask
doing the same drawing and serialising, which is the least any implementation pays.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

TRIGGER = "bare-trigger"
# Trace properties that carry the data; other arrays (colour scales, text positions,
# marker colours) are drawn as the real figure had them.
DATA_KEYS = frozenset(
    {"x", "y", "z", "lat", "lon", "text", "hovertext", "customdata", "base", "ids", "width"}
)
TEXT_COLUMNS = ("label", "day")
NUMBER_COLUMNS = ("value", "count")


@dataclass(frozen=True)
class ArraySpec:
    """One data array of a trace: typed array (``dtype``, ``shape``) or list (``kind``)."""

    length: int
    dtype: str | None = None
    shape: tuple[int, ...] | None = None
    kind: str = "number"  # for lists: number, text, row (list of lists), other
    width: int = 0  # for rows: inner length


@dataclass
class TraceSpec:
    type: str
    scalars: dict
    arrays: dict[str, ArraySpec] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return max((a.length for a in self.arrays.values()), default=0)


@dataclass
class FigureSpec:
    layout: dict
    traces: list[TraceSpec]

    @property
    def points(self) -> int:
        return sum(t.points for t in self.traces)


def _array_spec(value) -> ArraySpec | None:
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        dtype = np.dtype(value["dtype"])
        n = len(base64.b64decode(value["bdata"])) // dtype.itemsize
        shape = tuple(int(s) for s in str(value["shape"]).split(",")) if "shape" in value else None
        return ArraySpec(n, dtype=dtype.str, shape=shape)
    if isinstance(value, list) and not any(isinstance(v, dict) for v in value):
        sample = next((v for v in value if v is not None), None)
        if isinstance(sample, list):
            return ArraySpec(len(value), kind="row", width=len(sample))
        if isinstance(sample, str):
            return ArraySpec(len(value), kind="text")
        if isinstance(sample, (int, float)):
            return ArraySpec(len(value), kind="number")
        return ArraySpec(len(value), kind="other")
    return None


def _split(props: dict, trace: TraceSpec) -> dict:
    """Data arrays of a trace into ``trace.arrays``; the rest returned, as sent."""
    scalars = {}
    for key, value in props.items():
        spec = _array_spec(value) if key in DATA_KEYS else None
        if spec is not None:
            trace.arrays[key] = spec
        else:
            scalars[key] = copy.deepcopy(value)
    return scalars


def figure_spec(figure: dict) -> FigureSpec:
    """What the bare app must draw to match ``figure`` (a figure as sent, JSON)."""
    traces = []
    for data in figure.get("data", []):
        trace = TraceSpec(type=data.get("type", "scatter"), scalars={})
        trace.scalars = _split({k: v for k, v in data.items() if k != "type"}, trace)
        traces.append(trace)
    return FigureSpec(layout=copy.deepcopy(figure.get("layout", {})), traces=traces)


@dataclass(frozen=True)
class OutputSpec:
    """One output of a callback: a figure, grid rows, or a value sent as is."""

    component: str
    prop: str
    figure: FigureSpec | None = None
    rows: int | None = None
    keys: tuple[str, ...] = ()
    value: object = None

    @property
    def points(self) -> int:
        return self.figure.points if self.figure else 0


def output_specs(outputs: list[tuple[str, str]], response: dict) -> list[OutputSpec]:
    """Specs of a callback's outputs from its JSON ``response`` (missing: no_update)."""
    specs = []
    for component, prop in outputs:
        value = response.get(component, {}).get(prop)
        if prop == "figure" and isinstance(value, dict) and value.get("data"):
            specs.append(OutputSpec(component, prop, figure=figure_spec(value)))
        elif prop == "rowData" and isinstance(value, list) and value:
            keys = tuple(dict.fromkeys(k for row in value for k in row))
            specs.append(OutputSpec(component, prop, rows=len(value), keys=keys))
        else:
            specs.append(OutputSpec(component, prop, value=copy.deepcopy(value)))
    return specs


def frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """The in-memory data: numbers, counts, labels and ISO dates."""
    rng = np.random.default_rng(seed)
    rows = max(rows, 1)
    days = pd.Timestamp("2019-01-08") + pd.to_timedelta(rng.integers(0, 2000, rows), unit="D")
    return pd.DataFrame(
        {
            "value": rng.gamma(2.0, 2.0, rows),
            "count": rng.integers(0, 100, rows),
            "label": np.char.add("P-", rng.integers(0, 10_000, rows).astype(str)).astype(object),
            "day": days.strftime("%Y-%m-%d").to_numpy(dtype=object),
        }
    )


def _array(spec: ArraySpec, data: pd.DataFrame):
    n = spec.length
    if spec.dtype is not None:
        values = np.resize(data["value"].to_numpy(), n) * 10
        values = values.astype(np.dtype(spec.dtype))
        return values.reshape(spec.shape) if spec.shape else values
    if spec.kind == "text":
        return np.resize(data["label"].to_numpy(), n).tolist()
    if spec.kind == "row":
        block = data[["label", "value", "day", "count"]].to_numpy()
        return np.resize(block[:, : max(spec.width, 1)], (n, max(spec.width, 1))).tolist()
    return np.resize(data["value"].to_numpy(), n).tolist()


def draw(spec: FigureSpec, data: pd.DataFrame) -> go.Figure:
    """A validated ``go.Figure`` with the traces of ``spec``, its data from ``data``."""
    traces = []
    for trace in spec.traces:
        props = dict(trace.scalars)  # go.Figure copies what it is given
        for key, array in trace.arrays.items():
            props[key] = _array(array, data)
        traces.append({"type": trace.type, **props})
    return go.Figure(data=traces, layout=spec.layout)


def rows(spec: OutputSpec, data: pd.DataFrame) -> list[dict]:
    columns = [*TEXT_COLUMNS, *NUMBER_COLUMNS]
    part = data.iloc[np.arange(spec.rows) % len(data)]
    picked = {key: part[columns[i % len(columns)]].to_numpy() for i, key in enumerate(spec.keys)}
    return pd.DataFrame(picked).to_dict("records")


def bare_app(callbacks: dict[str, list[OutputSpec]], data: pd.DataFrame) -> Dash:
    """A Dash app (same Dash and Plotly as the dashboard, compressed responses like it)
    with one callback per entry of ``callbacks``, each fired by ``TRIGGER``."""
    app = Dash(__name__, compress=True, suppress_callback_exceptions=True)
    app.layout = html.Div(dcc.Store(id=TRIGGER))

    def register(specs: list[OutputSpec]) -> None:
        @app.callback(*[Output(s.component, s.prop) for s in specs], Input(TRIGGER, "data"))
        def draw_outputs(_trigger):
            out = []
            for spec in specs:
                if spec.figure is not None:
                    out.append(draw(spec.figure, data))
                elif spec.rows is not None:
                    out.append(rows(spec, data))
                else:
                    out.append(spec.value)
            return tuple(out) if len(specs) > 1 else out[0]

    for specs in callbacks.values():
        register(specs)
    return app
