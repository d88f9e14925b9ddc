"""Comparing the shown data version with an earlier kept one, for every page that does.

The Safety page lists what is new since an earlier version (it defaults to the version of
the last DSMB review, :func:`default_since`); the Survival and Overview figures can
overlay the earlier version's curve ("Compare with", none by default). The earlier
version is read through the store like the shown one, in the same site scope and under
the same access rules (:func:`earlier_result`).
"""

from __future__ import annotations

from collections.abc import Callable

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard.auth import require_panel
from dashboard.auth.reviews import list_reviews
from dashboard.auth.state import auth_state
from dashboard.callbacks.access import panel_result
from dashboard.formatting import format_date
from dashboard.ids import Shell
from dashboard.store import DataUnavailable, trial_store

NO_COMPARISON = "none"
"""The "Compare with" value drawing no earlier curve (the default)."""
NONE_CHOICE = {"label": "none", "value": NO_COMPARISON}
NOTHING_EARLIER = "No earlier data version is kept: nothing to compare with yet."
COMPARE_HINT = "Compare with an earlier data version: its curve is drawn dashed and lighter."


def since_choices(versions: list[dict], shown: int) -> list[dict]:
    """The kept versions before the shown one, newest first, with their data cut."""
    return [
        {
            "label": f"version {v['version']}, data cut "
            + (format_date(v["data_cut"]) if v["data_cut"] else "not given"),
            "value": str(v["version"]),
        }
        for v in reversed(versions)
        if v["rows_kept"] and v["version"] < shown
    ]


def default_since(choices: list[dict], reviewed: int | None) -> str | None:
    """The last reviewed version if it can be compared with, else the newest earlier one."""
    values = [c["value"] for c in choices]
    if reviewed is not None and str(reviewed) in values:
        return str(reviewed)
    return values[0] if values else None


def last_reviewed() -> int | None:
    """The data version of the last recorded DSMB review, None before the first."""
    with auth_state().sessions() as session:
        reviews = list_reviews(session)
    return reviews[0].data_version if reviews else None


def compare_choices(versions: list[dict], shown: int, chosen) -> tuple[list, str, bool, str]:
    """The "Compare with" select for the ``shown`` version: ``(options, value, disabled,
    hint)``. "none" first, then :func:`since_choices`; ``chosen`` is kept while it is
    still offered. Disabled, saying why, when no earlier version is kept."""
    choices = since_choices(versions, shown)
    if not choices:
        return [NONE_CHOICE], NO_COMPARISON, True, NOTHING_EARLIER
    options = [NONE_CHOICE, *choices]
    value = chosen if chosen in [o["value"] for o in options] else NO_COMPARISON
    return options, value, False, COMPARE_HINT


def compared_version(since, shown: dict | None) -> int | None:
    """The earlier version number of a "Compare with" value, None for none.

    A value the page never offers (not a number, or not before the shown version) is a
    ValueError: the request was forged or is stale.
    """
    if since in (None, "", NO_COMPARISON) or not shown or shown.get("version") is None:
        return None
    try:
        number = int(since)
    except (TypeError, ValueError):
        raise ValueError(f"Cannot compare with {since!r}: choose a version offered.") from None
    if not 0 < number < shown["version"]:
        raise ValueError(f"Cannot compare with version {number}: choose a version offered.")
    return number


def earlier_result(
    panel: str,
    since: int,
    name: str,
    compute: Callable,
    site_filter: str | None = None,
    **options,
):
    """:func:`~dashboard.callbacks.access.panel_result` for data version ``since``: the
    same computation, access rules and site scope as the shown version's, cached per
    version (a version's results never change)."""
    return panel_result(panel, {"version": since}, name, compute, site_filter, **options)


def version_name(number: int, data_cut) -> str:
    """How an earlier version's curve is named in a legend: 'Version 3 (data cut 31 Mar
    2020)'."""
    cut = format_date(data_cut) if data_cut else "not given"
    return f"Version {number} (data cut {cut})"


def register_compare_choices(app, panel: str, select: str, hint: str) -> None:
    """The "Compare with" select ``select`` of ``panel``'s page and its ``hint`` line,
    kept to the earlier kept versions of the version shown (:func:`compare_choices`)."""

    @app.callback(
        Output(select, "options"),
        Output(select, "value"),
        Output(select, "disabled"),
        Output(hint, "children"),
        Input(Shell.VERSION, "data"),
        State(select, "value"),
    )
    def update_compare_choices(version, chosen):
        require_panel(panel)
        if not version or version.get("version") is None:
            raise PreventUpdate
        try:
            return compare_choices(trial_store().versions(), version["version"], chosen)
        except DataUnavailable:
            raise PreventUpdate from None
