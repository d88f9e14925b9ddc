"""The "Download CSV" of every figure panel: the numbers behind the figure, audited."""

from __future__ import annotations

from collections.abc import Callable

from dash import Input, Output, State, no_update

from dashboard.auth import audit, require_panel
from dashboard.components.downloads import send_csv
from dashboard.figures.numbers import figure_numbers
from dashboard.ids import FigureIds, Shell
from dashboard.store import DataUnavailable


def csv_name(kind: str, version: dict, site: str | None = None) -> str:
    """``mtsa-KIND[-SITE]-DATACUT.csv``: what, where from and as of when."""
    where = f"-{site}" if site else ""
    return f"mtsa-{kind}{where}-{version.get('data_cut') or 'no-cut'}.csv"


def register_figure_csv(
    app,
    panel: str,
    ids: FigureIds,
    *,
    kind: str = "figure",
    table: Callable | None = None,
    states: tuple[State, ...] = (),
) -> None:
    """Clicking the panel's "Download CSV" sends the numbers behind its figure.

    ``table(version, *states)`` gives the panel's own table and file name as
    ``(frame, name)`` (for example Kaplan–Meier steps with their numbers at risk);
    without it, the file holds every number the figure draws (:func:`figure_numbers`)
    and is named after ``kind``. Refused (403) to a user who may not see ``panel``.
    """
    inputs = states if table is not None else (State(ids.graph, "figure"),)

    @app.callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        State(Shell.VERSION, "data"),
        *inputs,
        prevent_initial_call=True,
    )
    def download_figure_csv(_clicks, version, *values):
        require_panel(panel)
        if not version or version.get("version") is None:
            return no_update
        try:
            if table is None:
                frame, filename = figure_numbers(values[0]), csv_name(kind, version)
            else:
                frame, filename = table(version, *values)
        except (DataUnavailable, ValueError):
            return no_update
        audit("export", f"/{panel} {filename}")
        return send_csv(frame, filename)

    download_figure_csv.__name__ = f"download_{ids.csv.replace('-', '_')}"
