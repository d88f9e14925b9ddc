"""Administration page: accounts (list, add, deactivate, reactivate, remove), audit log.

Every callback starts with ``require_panel("admin")``, so a forged request from any
other role gets a 403. Accounts and audit rows are read and written only through
``dashboard.auth`` (no SQL here); an account change and its audit row are written in
one transaction, so neither exists without the other.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth import AuthDatabaseError, AuthError, audit, require_panel
from dashboard.auth.accounts import (
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
    add_user,
    get_user,
    list_users,
    remove_user,
    set_active,
)
from dashboard.auth.audit import (
    AuditFilter,
    audit_usernames,
    client_address,
    read_audit_log,
    record,
)
from dashboard.auth.models import EVENTS, USERNAME_LENGTH, utc_now
from dashboard.auth.roles import INVESTIGATOR, ROLES
from dashboard.auth.state import auth_state
from dashboard.components.downloads import spreadsheet_safe
from dashboard.components.panel import empty_state
from dashboard.ids import Admin

PANEL = "admin"
#: Rows the audit grid holds at most (newest first); the CSV takes up to EXPORT_LIMIT.
GRID_LIMIT = 1000
EXPORT_LIMIT = 100_000
EXPORT_FILE = "audit_log.csv"
SITE_ID = re.compile(r"[A-Z]{1,32}")
ACTIONS = {Admin.DEACTIVATE: "deactivate", Admin.REACTIVATE: "reactivate", Admin.REMOVE: "remove"}
DATABASE_DOWN = "The account database cannot be reached; try again in a moment."
ALL_USERS = {"label": "All users", "value": "*"}
"""The user filter's first choice: no user name can be ``*``."""
CSV_COLUMNS = {
    "at": "time_utc",
    "user": "user",
    "event": "event",
    "target": "target",
    "address": "client_address",
}


class BadFilter(ValueError):
    """A filter value the page never offers (a forged or stale request)."""


def _iso(moment: datetime | None) -> str | None:
    """'2026-11-25T12:04:05Z', which sorts as text in time order; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alert(text, color: str = "success") -> dbc.Alert:
    return dbc.Alert(text, color=color, dismissable=True, className="py-2 mb-2")


def user_rows(users, now: datetime) -> list[dict]:
    """Grid rows of accounts; 'locked until' only while the lock lasts."""
    return [
        {
            "name": user.username,
            "role": user.role,
            "site": user.site_id or ("all sites" if user.role == INVESTIGATOR else ""),
            "active": "yes" if user.active else "no",
            "locked_until": _iso(user.locked_until) if user.is_locked(now) else None,
            "created": _iso(user.created_at),
        }
        for user in users
    ]


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def new_user_problems(name, role, site, password, again) -> list[str]:
    """Everything wrong with the add-user form, in the order of its fields."""
    problems = []
    if not name:
        problems.append("Enter a user name.")
    elif not USERNAME_PATTERN.fullmatch(name):
        problems.append(
            f"The user name may use only letters, digits, '.', '_', '@' and '-' "
            f"(at most {USERNAME_LENGTH}), starting with a letter or digit."
        )
    if role not in ROLES:
        problems.append("Choose a role.")
    elif site and role != INVESTIGATOR:
        problems.append(f"A site applies only to investigators: leave it empty for {role}.")
    elif site and not SITE_ID.fullmatch(site):
        problems.append(
            "The site id must be uppercase letters, such as STE; leave it empty for all sites."
        )
    if not isinstance(password, str) or not password:
        problems.append("Enter a password.")
    elif len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters "
            f"(it has {len(password)})."
        )
    elif again != password:
        problems.append("The two passwords differ: type the same password twice.")
    return problems


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadFilter("Dates must be given as YYYY-MM-DD.")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as error:
        raise BadFilter("Dates must be given as YYYY-MM-DD.") from error


def audit_filter(user, events, start, end, limit: int) -> AuditFilter:
    """The page's filter values, checked; :class:`BadFilter` for anything not offered.

    Dates are whole UTC days: from the start of ``start`` to the end of ``end``.
    """
    if user is not None and not isinstance(user, str):
        raise BadFilter("Unknown user filter.")
    user = None if user == ALL_USERS["value"] else user
    events = events or []
    if not isinstance(events, list) or any(event not in EVENTS for event in events):
        raise BadFilter("Unknown event type in the filter.")
    first, last = _day(start), _day(end)
    if first and last and first > last:
        raise BadFilter("The start date is after the end date.")
    return AuditFilter(
        username=user or None,
        events=tuple(events),
        since=datetime.combine(first, time(), UTC) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        limit=limit,
    )


def audit_rows(entries) -> list[dict]:
    return [
        {
            "at": _iso(entry.at),
            "user": entry.username,
            "event": entry.event,
            "target": entry.target,
            "address": entry.client_address,
        }
        for entry in entries
    ]


def audit_csv_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows for the CSV, text that a spreadsheet could run as a formula quoted."""
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS), dtype=object).fillna("")
    return spreadsheet_safe(frame.astype(str)).rename(columns=CSV_COLUMNS)


def _read_audit(filters: AuditFilter) -> list[dict]:
    with auth_state().sessions() as session:
        return audit_rows(read_audit_log(session, filters))


def _audit_summary(count: int) -> html.Div:
    if count > GRID_LIMIT:
        text = (
            f"Showing the newest {GRID_LIMIT:,} matching entries. Narrow the filters to see "
            f"older ones, or download the CSV (up to {EXPORT_LIMIT:,} entries)."
        )
    else:
        text = f"{count:,} matching {'entry' if count == 1 else 'entries'}, newest first."
    return html.Div(text, className="small text-muted mb-2", id="admin-audit-count")


def _register_users(app) -> None:
    @app.callback(
        Output(Admin.USERS_GRID, "rowData"),
        Output(Admin.USERS_MESSAGE, "children"),
        Input(Admin.USERS_CHANGED, "data"),
    )
    def update_users_grid(_changed):
        require_panel(PANEL)
        try:
            with auth_state().sessions() as session:
                rows = user_rows(list_users(session), utc_now())
        except AuthDatabaseError:
            return [], empty_state(DATABASE_DOWN, color="warning")
        if not rows:
            return [], empty_state("No accounts yet.", "Add one with the form below.")
        return rows, None

    @app.callback(
        Output(Admin.NEW_SITE, "disabled"),
        Output(Admin.NEW_SITE, "value"),
        Input(Admin.NEW_ROLE, "value"),
    )
    def enable_site_field(role):
        require_panel(PANEL)
        if role == INVESTIGATOR:
            return False, no_update
        return True, ""

    @app.callback(
        Output(Admin.ADD_MESSAGE, "children"),
        Output(Admin.USERS_CHANGED, "data", allow_duplicate=True),
        Output(Admin.NEW_NAME, "value"),
        Output(Admin.NEW_PASSWORD, "value"),
        Output(Admin.NEW_PASSWORD_AGAIN, "value"),
        Input(Admin.ADD, "n_clicks"),
        State(Admin.NEW_NAME, "value"),
        State(Admin.NEW_ROLE, "value"),
        State(Admin.NEW_SITE, "value"),
        State(Admin.NEW_PASSWORD, "value"),
        State(Admin.NEW_PASSWORD_AGAIN, "value"),
        State(Admin.USERS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def add_user_from_form(_clicks, name, role, site, password, again, changed):
        require_panel(PANEL)
        name, site = _text(name), _text(site)
        unchanged = (no_update, no_update, no_update, no_update)
        problems = new_user_problems(name, role, site, password, again)
        if problems:
            items = html.Ul([html.Li(problem) for problem in problems], className="mb-0")
            return (_alert(["Not added:", items], "danger"), *unchanged)
        scope = f", site {site}" if site else ""
        try:
            with auth_state().sessions.begin() as session:
                add_user(session, name, role, password, site or None)
                record(
                    session,
                    "user_added",
                    username=current_user.username,
                    target=f"{name} ({role}{scope})",
                    client_address=client_address(),
                )
        except AuthError as error:
            return (_alert(f"Not added: {error}.", "danger"), *unchanged)
        except AuthDatabaseError:
            return (_alert(f"Not added. {DATABASE_DOWN}", "danger"), *unchanged)
        return _alert(f"Added {name} ({role}{scope})."), (changed or 0) + 1, "", "", ""


def _question(action: str, row: dict) -> str:
    name = row.get("name")
    if action == "remove":
        return (
            f"Remove the account {name} ({row.get('role')})? This cannot be undone; "
            "the audit log keeps its entries."
        )
    if action == "deactivate":
        return f"Deactivate {name}? They are signed out at once and cannot sign in."
    return f"Reactivate {name}? They can sign in again."


def _apply(session, action: str, name: str) -> str:
    """Carry out ``action`` on ``name`` and audit it; the result in words."""
    user = get_user(session, name)
    if user is None:
        raise AuthError(f"there is no user {name!r} any more")
    actor = {"username": current_user.username, "client_address": client_address()}
    if action == "remove":
        remove_user(session, name)
        record(session, "user_removed", target=name, **actor)
        return f"Removed {name}."
    active = action == "reactivate"
    if user.active == active:
        return f"{name} is already {'active' if active else 'inactive'}: nothing changed."
    set_active(session, name, active)
    record(session, "user_updated", target=f"{name}: {action}d", **actor)
    return f"{name} {action}d."


def _register_actions(app) -> None:
    @app.callback(
        Output(Admin.CONFIRM, "message"),
        Output(Admin.CONFIRM, "displayed"),
        Output(Admin.PENDING, "data"),
        Output(Admin.ACTION_MESSAGE, "children"),
        Input(Admin.DEACTIVATE, "n_clicks"),
        Input(Admin.REACTIVATE, "n_clicks"),
        Input(Admin.REMOVE, "n_clicks"),
        State(Admin.USERS_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    def ask_to_confirm_user_action(_deactivate, _reactivate, _remove, selected):
        require_panel(PANEL)
        action = ACTIONS.get(ctx.triggered_id)
        if action is None:
            raise PreventUpdate
        row = selected[0] if isinstance(selected, list) and selected else None
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            return no_update, False, None, _alert("Select a user in the table first.", "info")
        name = row["name"]
        if name == current_user.username:
            message = f"You cannot {action} your own account: ask another administrator."
            return no_update, False, None, _alert(message, "warning")
        return _question(action, row), True, {"action": action, "name": name}, None

    @app.callback(
        Output(Admin.ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(Admin.USERS_CHANGED, "data", allow_duplicate=True),
        Input(Admin.CONFIRM, "submit_n_clicks"),
        State(Admin.PENDING, "data"),
        State(Admin.USERS_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def apply_user_action(_submitted, pending, changed):
        require_panel(PANEL)
        if not isinstance(pending, dict):
            raise PreventUpdate
        action, name = pending.get("action"), pending.get("name")
        if action not in ACTIONS.values() or not isinstance(name, str):
            raise PreventUpdate
        if name == current_user.username:
            message = f"You cannot {action} your own account: ask another administrator."
            return _alert(message, "warning"), no_update
        try:
            with auth_state().sessions.begin() as session:
                result = _apply(session, action, name)
        except AuthError as error:
            return _alert(f"Nothing changed: {error}.", "danger"), (changed or 0) + 1
        except AuthDatabaseError:
            return _alert(f"Nothing changed. {DATABASE_DOWN}", "danger"), no_update
        return _alert(result), (changed or 0) + 1


def _register_audit(app) -> None:
    filters = (
        Input(Admin.AUDIT_USER, "value"),
        Input(Admin.AUDIT_EVENTS, "value"),
        Input(Admin.AUDIT_FROM, "value"),
        Input(Admin.AUDIT_TO, "value"),
    )

    @app.callback(
        Output(Admin.AUDIT_GRID, "rowData"),
        Output(Admin.AUDIT_MESSAGE, "children"),
        Output(Admin.AUDIT_EXPORT, "disabled"),
        *filters,
        Input(Admin.AUDIT_REFRESH, "n_clicks"),
        Input(Admin.USERS_CHANGED, "data"),
    )
    def update_audit_log(user, events, start, end, _refresh, _changed):
        require_panel(PANEL)
        try:
            rows = _read_audit(audit_filter(user, events, start, end, GRID_LIMIT + 1))
        except BadFilter as error:
            return [], empty_state(str(error), "Change the filters.", color="warning"), True
        except AuthDatabaseError:
            return [], empty_state(DATABASE_DOWN, color="warning"), True
        if not rows:
            filtered = (user not in (None, ALL_USERS["value"])) or events or start or end
            hint = "Clear a filter or widen the dates." if filtered else ""
            return [], empty_state("No audit entries match these filters.", hint), True
        return rows[:GRID_LIMIT], _audit_summary(len(rows)), False

    @app.callback(
        Output(Admin.AUDIT_USER, "options"),
        Input(Admin.AUDIT_REFRESH, "n_clicks"),
        Input(Admin.USERS_CHANGED, "data"),
    )
    def update_audit_user_choices(_refresh, _changed):
        require_panel(PANEL)
        try:
            with auth_state().sessions() as session:
                names = audit_usernames(session)
        except AuthDatabaseError:
            return [ALL_USERS]
        return [ALL_USERS] + [{"label": name, "value": name} for name in names if name]

    @app.callback(
        Output(Admin.AUDIT_DOWNLOAD, "data"),
        Input(Admin.AUDIT_EXPORT, "n_clicks"),
        *(State(item.component_id, item.component_property) for item in filters),
        prevent_initial_call=True,
    )
    def export_audit_log(_clicks, user, events, start, end):
        require_panel(PANEL)
        try:
            rows = _read_audit(audit_filter(user, events, start, end, EXPORT_LIMIT))
        except BadFilter:
            raise PreventUpdate from None
        audit("export", EXPORT_FILE)
        return dcc.send_data_frame(audit_csv_frame(rows).to_csv, EXPORT_FILE, index=False)


def register(app) -> None:
    _register_users(app)
    _register_actions(app)
    _register_audit(app)
