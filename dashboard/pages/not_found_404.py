"""Shown for any address that is not a page."""

import dash
from dash import html

dash.register_page(__name__, path="/404", name="Page not found", nav=False)


def layout(**_query):
    return html.Div(
        [
            html.H1("Page not found", className="page-title"),
            html.P(["There is no page at this address. ", html.A("Go to the overview", href="/")]),
        ]
    )
