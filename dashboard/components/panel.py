"""The one way a page draws a panel: a card, a figure card, and what shows instead.

Every page builds its panels here, so that they look and behave alike:

- :func:`panel_card`: a titled card (title, optional subtitle, actions on the right);
- :func:`figure_card`: a panel card holding one figure, with "Download CSV" (the
  numbers behind the figure) and the mode bar's camera (a PNG named after the panel).
  The graph's height always comes from the figure (:func:`figure_shown`): a graph
  drawn while its page is still hidden has no height of its own, and a graph without
  one collapses under the panels below;
- :func:`empty_state` and :func:`not_recorded_state`: what a panel shows instead of a
  figure when nothing can be drawn, saying why and what to do.

A callback fills a figure panel through :func:`figure_outputs` and returns
:func:`figure_shown` or :data:`NO_FIGURE` for those two outputs.

Example::

    figure_card(Ids.CURVE, "Cumulative enrollment", subtitle="all sites")
    # in register(app):
    @app.callback(*figure_outputs(Ids.CURVE), Input(Shell.VERSION, "data"))
    def draw(version):
        return figure_shown(make_figure(...))
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Output, dcc, html

from analysis.options import Option
from dashboard.components.downloads import download_button
from dashboard.figures.theme import GRAPH_CONFIG
from dashboard.formatting import plural
from dashboard.ids import FigureIds

HIDDEN = {"display": "none"}
SHOWN = {"display": "block"}
NO_FIGURE = ({}, HIDDEN)
"""The two figure outputs of a panel that has nothing to draw."""


def panel_card(title: str, body: list, *, subtitle: str = "", actions=None, card_id=None):
    """A card headed by ``title`` (and ``subtitle``), ``actions`` on the right."""
    heading = html.H2(
        [title, html.Small(subtitle, className="text-muted fw-normal ms-2")],
        className="h6 fw-semibold mb-0",
    )
    header = html.Div(
        [heading, html.Div(actions, className="d-flex align-items-center gap-2 flex-wrap")],
        className="d-flex justify-content-between align-items-center flex-wrap gap-2",
    )
    extra = {"id": card_id} if card_id else {}
    return dbc.Card(
        [dbc.CardHeader(header, className="bg-white"), dbc.CardBody(body)],
        className="panel-card mb-3",
        **extra,
    )


def figure_card(
    ids: FigureIds,
    title: str,
    *,
    subtitle: str = "",
    before: list = (),
    after: list = (),
    actions=None,
    config: dict | None = None,
    min_width: int = 0,
) -> dbc.Card:
    """A panel card holding one figure, ``before`` and ``after`` it in the card body.

    Actions: ``actions`` (the figure's own controls), then "Download CSV". The PNG of
    the mode bar's camera is named after the graph; ``config`` adds to the house
    Graph config. ``min_width`` (px): a figure of one column or row per patient is never
    drawn narrower; a phone scrolls it sideways.
    """
    csv = download_button(ids.csv, title="The numbers behind this figure, as a CSV file")
    config = {
        **GRAPH_CONFIG,
        **(config or {}),
        "toImageButtonOptions": {
            **GRAPH_CONFIG["toImageButtonOptions"],
            "filename": "mtsa-" + ids.graph.removesuffix("-graph"),
        },
    }
    graph = dcc.Loading(
        dcc.Graph(id=ids.graph, config=config, style=HIDDEN),
        type="circle",
        delay_show=300,
    )
    if min_width:  # a narrower screen scrolls the figure sideways rather than squeeze it
        graph = html.Div(
            html.Div(graph, style={"minWidth": f"{min_width}px"}),
            className="figure-scroll",
            style={"overflowX": "auto"},
        )
    return panel_card(
        title,
        [*before, graph, *after],
        subtitle=subtitle,
        actions=[actions, csv, dcc.Download(id=ids.download)],
    )


def select_items(option: Option, values=None) -> list[dict]:
    """A Select's options for ``option``: its values (or ``values`` of them), each
    labelled as the page names it."""
    keep = None if values is None else {str(v) for v in values}
    return [
        {"label": label, "value": value}
        for value, label in option.items()
        if keep is None or value in keep
    ]


def figure_outputs(ids: FigureIds) -> tuple[Output, Output]:
    """The outputs a callback fills for a figure panel: the figure and its height."""
    return Output(ids.graph, "figure"), Output(ids.graph, "style")


def figure_shown(figure: go.Figure | dict) -> tuple[go.Figure | dict, dict]:
    """The two figure outputs for ``figure`` (a Figure, or its dict as cached), the graph
    as tall as the figure."""
    return figure, {"height": f"{figure['layout']['height']}px"}


def empty_state(message: str, hint=None, color: str = "secondary") -> dbc.Alert:
    """What a panel shows instead of a figure: what is missing and what to do about it."""
    children = [html.Div(message, className="fw-semibold")]
    if hint:
        children.append(html.Div(hint, className="small mt-1"))
    return dbc.Alert(children, color=color, className="empty-state")


def quality_href(rule: str) -> str:
    """The Data quality page's listing of one rule's findings."""
    return f"/quality?rule={rule}"


def left_out_note(left_out: list[dict], what: str) -> dbc.Alert | None:
    """How many patients ``what`` (a panel, in words) leaves out because their records
    contradict each other, why, and a link to the data-quality findings that list them
    (``left_out`` JSON of :mod:`analysis.left_out`); None when it leaves out nobody."""
    if not left_out:
        return None
    total = sum(item["patients"] for item in left_out)
    items = [
        html.Li(
            [
                f"{plural(item['patients'], 'patient')}: {item['reason']} (",
                dcc.Link(
                    f"{item['rule']} findings",
                    href=quality_href(item["rule"]),
                    className="alert-link",
                ),
                ")",
            ]
        )
        for item in left_out
    ]
    return dbc.Alert(
        [
            html.Div(
                f"{plural(total, 'patient')} left out of {what}: their records contradict "
                "each other, so a time or a day 0 cannot be worked out.",
                className="fw-semibold",
            ),
            html.Ul(items, className="small mb-0 mt-1"),
        ],
        color="warning",
        className="left-out-note",
    )


def not_recorded_state(what: list[str]) -> dbc.Alert:
    """What a panel shows when the study's data do not hold what it draws at all (a
    study of another design): nothing is missing, there is nothing to show."""
    listed = ", ".join(w[0].lower() + w[1:] for w in what[1:])
    names = what[0] + (f", {listed}" if listed else "")
    return empty_state(
        f"Not recorded in this study: {names}.",
        "The data loaded come from a study that does not collect them; this panel "
        "applies to trials that do.",
    )


NO_DATA_HINT = [
    "Load a CSV bundle with ",
    html.Code("python -m dashboard import DIR"),
    ", or build the demo database with ",
    html.Code("python -m dashboard demo-db"),
    ".",
]
