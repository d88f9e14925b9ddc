"""Administration: user accounts and the audit log (admin role only, ``docs/roles.md``).

Static components only; the callbacks in ``dashboard/callbacks/admin.py`` fill the
grids and act on the accounts, each after ``require_panel("admin")``.
"""

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth.accounts import MIN_PASSWORD_LENGTH
from dashboard.auth.models import EVENTS
from dashboard.auth.roles import ROLES
from dashboard.callbacks.admin import ALL_USERS
from dashboard.components.downloads import download_button
from dashboard.components.grid import DEFAULT_COLUMN, MISSING, badge_column, text_column
from dashboard.components.panel import panel_card
from dashboard.components.reviews import reviews_card
from dashboard.ids import Admin

dash.register_page(
    __name__,
    path="/admin",
    name="Administration",
    title="Administration · MTSA",
    order=9,
    panel="admin",
)

#: Rows per page of the audit grid; the callbacks cap how many rows it holds.
AUDIT_PAGE_SIZE = 50
ACTIVE_COLORS = {"yes": "#146c43", "no": "#495057"}


def time_column(field: str, header: str, **extra) -> dict:
    """An ISO UTC timestamp shown as '25 Nov 2026 12:04:05 UTC'; sorts by time."""
    return {
        "field": field,
        "headerName": header,
        "filter": False,
        "valueFormatter": {
            "function": (
                "params.value ? d3.utcFormat('%d %b %Y %H:%M:%S UTC')"
                f"(d3.isoParse(params.value)) : '{MISSING}'"
            )
        },
        **extra,
    }


USER_COLUMNS = [
    text_column("name", "Name", pinned="left"),
    text_column("role", "Role"),
    text_column("site", "Site"),
    badge_column("active", "Active", ACTIVE_COLORS),
    time_column("locked_until", "Locked until"),
    time_column("created", "Created"),
]
AUDIT_COLUMNS = [
    time_column("at", "Time (UTC)"),
    text_column("user", "User"),
    text_column("event", "Event"),
    text_column("target", "Target", minWidth=240),
    text_column("address", "Client address"),
]


def _grid(grid_id: str, columns: list[dict], row_id: str | None = None, **options) -> dag.AgGrid:
    extra = {"getRowId": f"params.data.{row_id}"} if row_id else {}
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        defaultColDef=DEFAULT_COLUMN,
        columnSize="autoSize",
        dashGridOptions={
            "domLayout": "autoHeight",
            "animateRows": False,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
            **options,
        },
        style={"height": None},
        className="data-grid",
        **extra,
    )


def _field(label: str, component, width: int, help_text: str = "") -> dbc.Col:
    children = [dbc.Label(label, html_for=component.id), component]
    if help_text:
        children.append(dbc.FormText(help_text))
    return dbc.Col(children, md=width)


def _add_user_form() -> html.Div:
    return html.Div(
        [
            html.H3("Add a user", className="h6 mt-4"),
            dbc.Row(
                [
                    _field("User name", dbc.Input(id=Admin.NEW_NAME, autocomplete="off"), 2),
                    _field(
                        "Role",
                        dbc.Select(
                            id=Admin.NEW_ROLE,
                            options=[{"label": role, "value": role} for role in ROLES],
                            placeholder="Choose a role",
                        ),
                        2,
                    ),
                    _field(
                        "Site",
                        dbc.Input(id=Admin.NEW_SITE, autocomplete="off", disabled=True),
                        2,
                        "Investigators only; empty for all sites",
                    ),
                    _field(
                        "Password",
                        dbc.Input(
                            id=Admin.NEW_PASSWORD, type="password", autocomplete="new-password"
                        ),
                        2,
                        f"At least {MIN_PASSWORD_LENGTH} characters",
                    ),
                    _field(
                        "Password again",
                        dbc.Input(
                            id=Admin.NEW_PASSWORD_AGAIN,
                            type="password",
                            autocomplete="new-password",
                        ),
                        2,
                    ),
                    dbc.Col(
                        dbc.Button("Add user", id=Admin.ADD, color="primary", className="mt-4"),
                        md=2,
                    ),
                ],
                className="g-2 align-items-start",
            ),
            html.Div(id=Admin.ADD_MESSAGE, className="mt-2"),
        ]
    )


def _users_card() -> dbc.Card:
    buttons = [
        dbc.Button(label, id=button_id, color=color, outline=True, size="sm", className="me-2")
        for label, button_id, color in (
            ("Deactivate", Admin.DEACTIVATE, "dark"),
            ("Reactivate", Admin.REACTIVATE, "success"),
            ("Remove", Admin.REMOVE, "danger"),
        )
    ]
    return panel_card(
        "Users",
        [
            html.Div(id=Admin.USERS_MESSAGE),
            html.Div(
                [*buttons, html.Span("Select a user in the table first.", className="small")],
                className="mb-2",
            ),
            html.Div(id=Admin.ACTION_MESSAGE),
            _grid(
                Admin.USERS_GRID,
                USER_COLUMNS,
                row_id="name",
                rowSelection={
                    "mode": "singleRow",
                    "checkboxes": False,
                    "enableClickSelection": True,
                },
            ),
            dcc.ConfirmDialog(id=Admin.CONFIRM),
            dcc.Store(id=Admin.PENDING),
            dcc.Store(id=Admin.USERS_CHANGED, data=0),
            _add_user_form(),
        ],
    )


def _audit_filters() -> dbc.Row:
    return dbc.Row(
        [
            _field(
                "User",
                dbc.Select(id=Admin.AUDIT_USER, options=[ALL_USERS], value=ALL_USERS["value"]),
                3,
            ),
            _field(
                "Events",
                dbc.Checklist(
                    id=Admin.AUDIT_EVENTS,
                    options=[{"label": event, "value": event} for event in EVENTS],
                    value=[],
                    inline=True,
                    className="small",
                ),
                4,
                "None ticked: all events",
            ),
            _field("From (UTC)", dbc.Input(id=Admin.AUDIT_FROM, type="date", debounce=True), 2),
            _field("To (UTC)", dbc.Input(id=Admin.AUDIT_TO, type="date", debounce=True), 2),
            dbc.Col(
                [
                    dbc.Button(
                        "Refresh",
                        id=Admin.AUDIT_REFRESH,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="me-2 mt-4",
                    ),
                    html.Span(download_button(Admin.AUDIT_EXPORT), className="mt-4 d-inline-block"),
                ],
                md=2,
            ),
        ],
        className="g-2 mb-2",
    )


def _audit_card() -> dbc.Card:
    return panel_card(
        "Audit log",
        [
            _audit_filters(),
            dcc.Loading(html.Div(id=Admin.AUDIT_MESSAGE), type="dot"),
            _grid(
                Admin.AUDIT_GRID,
                AUDIT_COLUMNS,
                pagination=True,
                paginationPageSize=AUDIT_PAGE_SIZE,
                paginationPageSizeSelector=False,
            ),
            dcc.Download(id=Admin.AUDIT_DOWNLOAD),
        ],
    )


def layout(**_query):
    return html.Div(
        [
            html.H1("Administration", className="page-title"),
            _users_card(),
            _audit_card(),
            reviews_card(),
        ]
    )
