"""The one way a callback gets data: role check, site scope, cached computation.

Every data callback calls :func:`panel_result` with the panel it serves, so access
rules are enforced on the server for each request rather than by hiding links.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from dashboard.auth import require_panel, site_scope
from dashboard.store import TrialStore, trial_store


def panel_result(panel: str, version: dict, name: str, compute: Callable, **options):
    """``compute(tables, data_cut, **options)`` for the current data version.

    ``panel`` names the page or panel whose access rules apply (``docs/roles.md``): the
    request is refused (401/403) unless the signed-in user may see it, and on
    patient-level panels a site-bound investigator's tables hold only their site's
    patients. ``name`` identifies the computation in the shared cache.
    """
    return _within_access(TrialStore.result, panel, version, name, compute, options)


def panel_view(panel: str, version: dict, name: str, make: Callable, **options):
    """``make()`` (a figure or grid rows drawn from this panel's results, read with
    :func:`panel_result`), cached per data version, site scope and ``options`` like
    the results themselves, under the same access rules."""
    return _within_access(TrialStore.derived, panel, version, name, make, options)


def _within_access(lookup: Callable, panel: str, version: dict, name: str, fn, options: dict):
    """``lookup`` (a :class:`TrialStore` method) once the user may see ``panel``, in
    their site scope."""
    require_panel(panel)
    return lookup(
        trial_store(),
        f"{panel}:{name}",
        version["version"],
        fn,
        site=site_scope(current_user, panel),
        **options,
    )
