"""The frame around every page: navigation, data banner, live-poll timer and stores."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.ids import Shell

TRIAL_NAME = "MTSA"
TRIAL_TITLE = "Micro-transplantation in elderly patients with AML"
NCT_ID = "NCT03439371"


def navigation(pages: list[dict]) -> dbc.Navbar:
    """Navbar built from the page registry, so it links only to pages that exist."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in pages
    ]
    brand = html.Span(
        [
            html.Span(TRIAL_NAME, className="fw-bold"),
            html.Span(f" · {TRIAL_TITLE} · ", className="d-none d-lg-inline"),
            html.Span(NCT_ID, className="nct"),
        ]
    )
    return dbc.Navbar(
        dbc.Container(
            [dbc.NavbarBrand(brand, href="/"), dbc.Nav(links, navbar=True, className="ms-auto")],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-2",
    )


def shell_layout(poll_seconds: float) -> html.Div:
    """Top-level layout; ``dash.page_container`` holds the page of the current URL."""
    pages = [p for p in dash.page_registry.values() if p.get("nav", True)]
    return html.Div(
        [
            navigation(pages),
            dbc.Container(
                [
                    html.Div(id=Shell.BANNER, className="data-banner"),
                    html.Div(id=Shell.ERROR),
                    dash.page_container,
                ],
                fluid=True,
            ),
            dcc.Interval(id=Shell.INTERVAL, interval=int(poll_seconds * 1000)),
            dcc.Store(id=Shell.VERSION),
            dcc.Store(id=Shell.STATUS),
        ]
    )
