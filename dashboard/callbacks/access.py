"""The one way a callback gets data: role check, site scope, cached computation.

Every data callback calls :func:`panel_result` with the panel it serves, so access
rules are enforced on the server for each request rather than by hiding links.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.store import trial_store


def panel_result(panel: str, version: dict, name: str, compute: Callable, **options):
    """``compute(tables, data_cut, **options)`` for the current data version.

    ``panel`` names the page or panel whose access rules apply (ARCHITECTURE §6);
    ``name`` identifies the computation in the shared cache.
    """
    return trial_store().result(f"{panel}:{name}", version["version"], compute, **options)
