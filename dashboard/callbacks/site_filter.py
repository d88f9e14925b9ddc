"""The "Patients from" site filter of the pages: its choices and its value."""

from __future__ import annotations

from collections.abc import Callable

from dash import no_update

from dashboard.callbacks.access import panel_result
from dashboard.components.site_filter import ALL_SITES, ALL_SITES_OPTION
from dashboard.store import DataUnavailable


def site_option(site) -> str | None:
    """The filter's value as the access layer's ``site_filter`` (``None``: all sites).

    Raises ValueError for a value the page never offers.
    """
    if not isinstance(site, str) or not site:
        raise ValueError("Unknown site filter: choose all sites or one site.")
    return None if site == ALL_SITES else site


def site_options(panel: str, version: dict | None, choices: Callable, count: Callable[[dict], str]):
    """The filter's dropdown options: "All sites", then one option per site.

    ``choices`` is the panel's ``site_choices(tables, data_cut)``; each site is labelled
    "id · name (``count(site)``)". ``no_update`` while no data can be read.
    """
    if not version or version.get("version") is None:
        return no_update
    try:
        sites = panel_result(panel, version, "sites", choices)
    except DataUnavailable:
        return no_update
    return labelled_sites(sites, count)


def labelled_sites(sites: list[dict], count: Callable[[dict], str]) -> list[dict]:
    """ "All sites", then each site of ``sites`` (dicts with ``site_id`` and ``name``)
    labelled "id · name (``count(site)``)"."""
    return [ALL_SITES_OPTION] + [
        {"label": f"{s['site_id']} · {s['name']} ({count(s)})", "value": s["site_id"]}
        for s in sites
    ]
