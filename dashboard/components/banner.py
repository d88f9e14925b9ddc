"""The data banner shown on every page: cut-off date, data version, load time, source,
outages, and a failed REDCap sync."""

from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
from dash import html

from dashboard.formatting import format_date, format_time
from data_access.import_report import SOURCE_LABELS


def data_banner(version: dict | None, status: dict | None, refused: str | None = None) -> list:
    """Banner children from the shell's version and status stores (no database access);
    ``refused``: why the version asked for in the address cannot be shown. The status
    store's ``sync`` (:func:`dashboard.callbacks.live.sync_data`) names the REDCap project
    of synced data and, for the roles that see it, the last sync's failure."""
    children = []
    sync = (status or {}).get("sync") or {}
    if refused:
        children.append(
            dbc.Alert(
                [refused, " The current data are shown."],
                color="warning",
                className="mb-2 py-2",
                id="banner-version-refused",
            )
        )
    if status and not status.get("reachable", True):
        since = format_time(dt.datetime.fromisoformat(status["since"]))
        children.append(
            dbc.Alert(
                [
                    html.Strong(f"Database unreachable since {since}. "),
                    "The figures below show the last data loaded; "
                    "this page will refresh by itself when the database is back.",
                ],
                color="danger",
                className="mb-2 py-2",
                id="banner-outage",
            )
        )
    if sync.get("failed_at"):
        children.append(
            dbc.Alert(
                [
                    html.Strong(
                        "Last REDCap sync failed at "
                        f"{format_time(dt.datetime.fromisoformat(sync['failed_at']))}: "
                    ),
                    (sync.get("reason") or "no reason recorded").rstrip(".") + ".",
                    " The data shown may not be REDCap’s latest.",
                ],
                color="warning",
                className="mb-2 py-2",
                id="banner-sync-failed",
            )
        )
    if version is None:
        return children
    if version.get("version") is None:
        children.append(html.Div("No trial data loaded yet.", className="data-line"))
        return children
    line = [
        html.Span("Data cut-off ", className="text-muted"),
        html.Strong(format_date(version["data_cut"]), id="banner-data-cut"),
        html.Span(" · data version ", className="text-muted"),
        html.Span(str(version["version"]), id="banner-version"),
        html.Span(" · loaded ", className="text-muted"),
        html.Span(format_time(dt.datetime.fromisoformat(version["loaded_at"]))),
    ]
    kind = version.get("source_kind")
    if kind:
        line += [
            html.Span(" · from ", className="text-muted"),
            html.Span(source_text(kind, version["version"], sync), id="banner-source"),
        ]
    if version.get("previous") is not None:
        line.append(
            dbc.Badge(
                f"Data updated at {format_time(dt.datetime.fromisoformat(version['changed_at']))}",
                color="success",
                className="ms-2",
                id="banner-updated",
            )
        )
    children.append(html.Div(line, className="data-line"))
    if version.get("as_of"):
        children.append(
            dbc.Alert(
                [
                    html.Strong(f"Earlier data: version {version['version']}. "),
                    f"These are not the current data (version {version['latest']}): every "
                    "page shows the trial as it was in this version, and new data do not "
                    "replace it. Choose “Current data” to return.",
                ],
                color="warning",
                className="mb-2 py-2",
                id="banner-as-of",
            )
        )
    return children


def source_text(kind: str, version: int, sync: dict) -> str:
    """``REDCap project 1234, synced 03 Dec 2026 10:15 UTC`` for a version a sync loaded
    (the time of the last successful sync), else the kind of source (``CSV bundle``)."""
    if sync.get("loaded_version") == version and sync.get("project_id"):
        text = f"REDCap project {sync['project_id']}"
        if sync.get("synced_at"):
            text += f", synced {format_time(dt.datetime.fromisoformat(sync['synced_at']))}"
        return text
    return SOURCE_LABELS.get(kind, kind)
