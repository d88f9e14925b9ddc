"""Live refresh: poll the data version, keep the banner current, report outages.

Each poll runs one cheap query. Nothing is sent back unless the version or the
database's reachability changed (``PreventUpdate`` answers with an empty 204), so the
pages recompute only when new data have been loaded.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.auth.roles import can_see_sync_failures
from dashboard.components.banner import data_banner
from dashboard.components.shell import CURRENT_CHOICE
from dashboard.formatting import format_date
from dashboard.ids import Shell
from dashboard.store import DataUnavailable, trial_store
from dashboard.version_state import now_iso, version_data
from data_access.queries import why_not_shown


def sync_data(state, show_failure: bool) -> dict | None:
    """What the status store holds of the REDCap sync log (a :class:`SyncState`): the
    project and time of the last sync, and the last failure only for ``show_failure``
    (the roles of :data:`~dashboard.auth.roles.SYNC_STATUS_ROLES`; the reason never
    reaches the others' browsers)."""
    if state is None:
        return None
    data = {
        "project_id": state.project_id,
        "loaded_version": state.loaded_version,
        "synced_at": state.synced_at and state.synced_at.isoformat(),
    }
    if show_failure and state.failed_at is not None:
        data |= {"failed_at": state.failed_at.isoformat(), "reason": state.reason}
    return data


def as_of_data(chosen: dict, latest: int | None) -> dict:
    """The version store for an earlier version (a ``versions()`` row): shown as it was,
    never replaced by the live poll."""
    return {
        "version": chosen["version"],
        "loaded_at": chosen["loaded_at"].isoformat(),
        "data_cut": chosen["data_cut"] and chosen["data_cut"].isoformat(),
        "source_kind": chosen["source_kind"],
        "previous": None,
        "changed_at": None,
        "as_of": True,
        "latest": latest,
    }


def requested_version(search: str | None) -> str | None:
    """``?version=N`` of the address (as written), None without one."""
    values = parse_qs((search or "").lstrip("?")).get("version")
    return values[-1] if values else None


def with_version(search: str | None, version: int | None) -> str:
    """The address's query with ``version`` set (or removed), other parameters kept."""
    query = {k: v for k, v in parse_qs((search or "").lstrip("?")).items() if k != "version"}
    if version is not None:
        query["version"] = [str(version)]
    text = urlencode(query, doseq=True)
    return f"?{text}" if text else ""


def check_as_of(requested: str | None, versions: list[dict]) -> dict | None:
    """The ``AS_OF`` store for a requested version: None (current data), ``{version}``,
    or ``{refused}`` saying in words why it cannot be shown."""
    if requested in (None, "", CURRENT_CHOICE["value"]):
        return None
    try:
        number = int(requested)
    except ValueError:
        return {"refused": f"“{requested}” is not a data version number."}
    if versions and number == versions[-1]["version"]:
        return None  # the current version is the current data
    why = why_not_shown(versions, number)
    if why:
        return {"refused": f"Data version {number} cannot be shown: {why}."}
    return {"version": number}


def version_options(versions: list[dict]) -> list[dict]:
    """The chooser's choices: the current data, then each earlier kept version, newest first."""
    options = [CURRENT_CHOICE]
    if versions:
        latest = versions[-1]
        options = [{**CURRENT_CHOICE, "label": f"Current data (version {latest['version']})"}]
    for v in reversed(versions[:-1]):
        if v["rows_kept"]:
            cut = format_date(v["data_cut"]) if v["data_cut"] else "no data cut"
            label = f"Version {v['version']}: data cut {cut}, loaded {format_date(v['loaded_at'])}"
            options.append({"label": label, "value": str(v["version"])})
    return options


def register(app) -> None:
    @app.callback(
        Output(Shell.MENU, "is_open"),
        Input(Shell.MENU_TOGGLE, "n_clicks"),
        State(Shell.MENU, "is_open"),
        prevent_initial_call=True,
    )
    def toggle_menu(_clicks, is_open):
        """The navigation folds behind a button on narrow screens (phones)."""
        return not is_open

    @app.callback(
        Output(Shell.URL, "search"),
        Output(Shell.VERSION_CHOICE, "value"),
        Output(Shell.AS_OF, "data"),
        Input(Shell.URL, "search"),
        Input(Shell.VERSION_CHOICE, "value"),
    )
    def choose_version(search, choice):
        """The address and the chooser kept in step; the version they ask for checked."""
        from_chooser = ctx.triggered_id == Shell.VERSION_CHOICE
        requested = choice if from_chooser else requested_version(search)
        try:
            as_of = check_as_of(requested, trial_store().versions())
        except DataUnavailable:
            as_of = None  # the banner already says the database is unreachable
        number = as_of.get("version") if as_of else None
        chosen = CURRENT_CHOICE["value"] if number is None else str(number)
        new_search = with_version(search, number) if from_chooser else no_update
        return new_search, chosen, as_of

    @app.callback(
        Output(Shell.VERSION_CHOICE, "options"),
        Input(Shell.VERSION, "data"),
        State(Shell.VERSION_CHOICE, "options"),
    )
    def update_version_choices(_version, options):
        try:
            fresh = version_options(trial_store().versions())
        except DataUnavailable:
            raise PreventUpdate from None
        if fresh == options:
            raise PreventUpdate
        return fresh

    @app.callback(
        Output(Shell.VERSION, "data"),
        Output(Shell.STATUS, "data"),
        Input(Shell.INTERVAL, "n_intervals"),
        Input(Shell.AS_OF, "data"),
        State(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def poll_data_version(_n, as_of: dict | None, current: dict | None, status: dict | None):
        poll = trial_store().poll()
        was_reachable = status is None or status.get("reachable", True)
        new_status = no_update
        sync = (status or {}).get("sync")  # unreachable: the last known
        if poll.reachable:
            sync = sync_data(poll.sync, can_see_sync_failures(current_user))
        if poll.reachable != was_reachable or status is None:
            new_status = {"reachable": poll.reachable, "since": now_iso(), "sync": sync}
        elif sync != status.get("sync"):
            new_status = {**status, "sync": sync}
        new_version = no_update
        latest = poll.version.version if poll.version else None
        chosen = (as_of or {}).get("version")
        if chosen is not None:  # an earlier version: the poll never moves it forward
            shown = current or {}
            if poll.reachable and (shown.get("version") != chosen or not shown.get("as_of")):
                rows = {v["version"]: v for v in trial_store().versions()}
                new_version = as_of_data(rows[chosen], latest)
            elif poll.reachable and shown.get("latest") != latest:
                new_version = {**shown, "latest": latest}  # the banner names the newest
        elif poll.reachable and (
            current is None or current.get("version") != latest or current.get("as_of")
        ):
            # A page showing data keeps them until the new version is warm: its first
            # visitor then waits no longer than any other (dashboard.warm). A page with
            # nothing to show yet shows the latest at once.
            showing = current is not None and current.get("version") is not None
            if not showing or current.get("as_of") or trial_store().ready(poll.version):
                new_version = version_data(poll.version, current)
        if new_version is no_update and new_status is no_update:
            raise PreventUpdate
        return new_version, new_status

    @app.callback(
        Output(Shell.BANNER, "children"),
        Input(Shell.VERSION, "data"),
        Input(Shell.STATUS, "data"),
        Input(Shell.AS_OF, "data"),
    )
    def update_banner(version: dict | None, status: dict | None, as_of: dict | None):
        return data_banner(version, status, (as_of or {}).get("refused"))
