"""The frame around every page: navigation, data banner, live-poll timer and stores."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from dashboard.auth import can_view
from dashboard.components.report_menu import report_menu
from dashboard.ids import Shell

TRIAL_NAME = "MTSA"
TRIAL_TITLE = "Micro-transplantation in elderly patients with AML"
NCT_ID = "NCT03439371"


def user_menu() -> list:
    """The signed-in user's name and role, and the sign-out link."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    site = f", {current_user.site_id}" if getattr(current_user, "site_id", None) else ""
    return [
        html.Span(
            [html.Span(current_user.username, id="shell-user"), f" ({current_user.role}{site})"],
            className="navbar-text ms-3 me-2 small text-nowrap",
        ),
        dbc.Button(
            "Sign out",
            href="/logout",
            external_link=True,
            size="sm",
            color="light",
            outline=True,
            id="shell-sign-out",
            className="text-nowrap",
        ),
    ]


CURRENT_CHOICE = {"label": "Current data", "value": "current"}


def navigation(pages: list[dict]) -> dbc.Navbar:
    """Navbar from the page registry: only pages that exist and that the user may open."""
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in pages
    ]
    brand = html.Span(
        title=f"{TRIAL_NAME}: {TRIAL_TITLE} ({NCT_ID})",
        children=[
            html.Span(TRIAL_NAME, className="fw-bold"),
            html.Span(" · "),
            html.Span(NCT_ID, className="nct"),
        ],
    )
    menu = dbc.Collapse(
        [dbc.Nav(links, navbar=True, className="ms-auto", id="shell-nav"), *user_menu()],
        id=Shell.MENU,
        navbar=True,
        is_open=False,
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(brand, href="/"),
                html.Button(
                    html.Span(className="navbar-toggler-icon"),
                    id=Shell.MENU_TOGGLE,
                    className="navbar-toggler",
                    type="button",
                    **{"aria-label": "Menu", "aria-controls": Shell.MENU},
                ),
                menu,
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        expand="xl",  # six pages and the user: folded below 1200 px
        className="mb-2",
    )


def version_chooser() -> html.Div:
    """The data version every page shows: the current one, or an earlier one as it was
    (``?version=N`` in the address, so that a view can be linked)."""
    return html.Div(
        [
            dbc.Label("Show data", html_for=Shell.VERSION_CHOICE, className="small mb-0"),
            dbc.Select(
                id=Shell.VERSION_CHOICE,
                options=[CURRENT_CHOICE],
                value=CURRENT_CHOICE["value"],
                size="sm",
                style={"width": "auto", "maxWidth": "min(22rem, calc(100vw - 7.5rem))"},
            ),
        ],
        className="d-flex align-items-center gap-2 mb-2",
    )


def shell_layout(poll_seconds: float) -> html.Div:
    """Top-level layout; ``dash.page_container`` holds the page of the current URL."""
    pages = [
        page
        for page in dash.page_registry.values()
        if page.get("nav", True) and can_view(current_user, page["panel"])
    ]
    return html.Div(
        [
            navigation(pages),
            dbc.Container(
                [
                    html.Div(
                        [
                            html.Div(id=Shell.BANNER, className="data-banner"),
                            html.Div(
                                [version_chooser(), report_menu()],
                                className="d-flex flex-wrap align-items-start column-gap-3",
                            ),
                        ],
                        className="d-flex flex-wrap justify-content-between align-items-start "
                        "column-gap-3",
                    ),
                    html.Div(id=Shell.ERROR),
                    dash.page_container,
                ],
                fluid=True,
            ),
            dcc.Interval(id=Shell.INTERVAL, interval=int(poll_seconds * 1000)),
            dcc.Store(id=Shell.VERSION),
            dcc.Store(id=Shell.STATUS),
            dcc.Store(id=Shell.AS_OF),
            dcc.Location(id=Shell.URL, refresh=False),
            dcc.Location(id=Shell.GO, refresh="callback-nav"),
        ]
    )
