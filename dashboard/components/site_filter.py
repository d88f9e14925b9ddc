"""The "Patients from" site filter of the Survival, Recovery and patient profile pages."""

from __future__ import annotations

import dash_bootstrap_components as dbc

#: The filter's value for every site (the callbacks add one option per site).
ALL_SITES = "all"
ALL_SITES_OPTION = {"label": "All sites", "value": ALL_SITES}


def site_select(component_id: str) -> dbc.Select:
    """The filter as drawn before the first data version: "All sites" only.

    Its class, ``site-filter``, lets a patient link carry the filter to the profile
    (``assets/30-patient-links.js``), whose previous / next then stay within it.
    """
    return dbc.Select(
        id=component_id,
        options=[ALL_SITES_OPTION],
        value=ALL_SITES,
        size="sm",
        className="site-filter",
    )
