"""The one way a callback gets data: role check, site scope, cached computation.

Every data callback calls :func:`panel_result` with the panel it serves, so access
rules are enforced on the server for each request rather than by hiding links. The
page's own site filter ("Patients from") is combined here with the user's site scope,
in one place: analysis functions receive tables already restricted and never scope.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_login import current_user

from dashboard.auth import require_panel, require_report, site_scope
from dashboard.store import TrialStore, trial_store


def panel_result(
    panel: str,
    version: dict,
    name: str,
    compute: Callable,
    site_filter: str | None = None,
    **options,
):
    """``compute(tables, data_cut, **options)`` for the current data version.

    ``panel`` names the page or panel whose access rules apply (``docs/roles.md``): the
    request is refused (401/403) unless the signed-in user may see it. The tables hold
    the patients of :func:`scope` (the page's ``site_filter`` within the user's sites).
    ``name`` identifies the computation in the shared cache.
    """
    return _within_access(TrialStore.result, panel, version, name, compute, site_filter, options)


def panel_view(
    panel: str, version: dict, name: str, make: Callable, site_filter: str | None = None, **options
):
    """``make()`` (a figure or grid rows drawn from this panel's results, read with
    :func:`panel_result`), cached per data version, site scope and ``options`` like
    the results themselves, under the same access rules."""
    return _within_access(TrialStore.derived, panel, version, name, make, site_filter, options)


def panel_changes(
    panel: str, version: dict, since: int, compare: Callable, site_filter: str | None = None
):
    """``compare(before, before_cut, tables, data_cut)`` between data version ``since``
    and the shown one, under ``panel``'s access rules, both in the same site scope."""
    require_panel(panel)
    site = scope(site_scope(current_user, panel), site_filter)
    return trial_store().compared(panel, version["version"], since, compare, site)


def patient_result(version: dict, patient_id: str, compute: Callable):
    """``compute(tables, data_cut, patient_id)`` on one patient's tables, for the current
    data version (the patient profile: ``patient_result(version, patient_id,
    patient_profile)``).

    Refused (401/403) unless the user may see the ``patients`` panel (investigators and
    the DSMB). A site-bound investigator asking for a patient of another site gets
    :class:`~analysis.patient_profile.UnknownPatient`, exactly as for an id the data do
    not have: a refusal would tell them that the id exists elsewhere. Cached per data
    version and patient (:meth:`TrialStore.patient_result`).
    """
    require_panel("patients")
    site = site_scope(current_user, "patients")
    name = f"patients:{compute.__module__}.{compute.__qualname__}"
    return trial_store().patient_result(name, version["version"], patient_id, compute, site)


def patient_view(version: dict, patient_id: str, name: str, make: Callable, **options):
    """``make()`` (a figure or grid rows drawn from the profile that
    :func:`patient_result` just returned for this patient), cached per data version,
    patient and ``options`` like a page's views. Call it only after that
    :func:`patient_result`, which checked the user's role and site."""
    require_panel("patients")
    key = f"patients:{name}:patient={patient_id}"
    site = site_scope(current_user, "patients")
    return trial_store().derived(key, version["version"], make, site=site, **options)


def patient_list(version: dict, site_filter: str | None = None):
    """The patients the user may see (their site's when site-bound; of ``site_filter``
    when given), in id order, with their sites: the profile's chooser and its previous
    and next, without reading any patient's records
    (:func:`analysis.patient_list.patient_list`). ValueError for a site outside the
    user's scope, as on every page."""
    require_panel("patients")
    site = scope(site_scope(current_user, "patients"), site_filter)
    return trial_store().patient_list(version["version"], site)


def site_rows(panel: str, version: dict, name: str, compute: Callable):
    """``compute(tables, data_cut)`` on the whole trial (a frame with a ``site_id``
    column), under ``panel``'s role rule, then only the rows of the user's site when
    they are bound to one.

    For results about sites as well as patients (data quality: a recruiting site
    without enrollment is a finding): computed on tables restricted to one site's
    patients, every other site would look dormant. Cached per data version.
    """
    require_panel(panel)
    rows = trial_store().result(f"{panel}:{name}", version["version"], compute)
    site = site_scope(current_user, panel)
    return rows if site is None else rows[rows["site_id"] == site].reset_index(drop=True)


def report_result(kind: str, version: int, name: str, compute: Callable):
    """``compute(tables, data_cut)`` for data version ``version``, for a DSMB report of
    ``kind``: refused (403) unless the user may download it. Reports cover the whole
    trial (the closed one is the board's; the open one holds aggregates only)."""
    require_report(kind)
    return trial_store().result(f"report:{name}", version, compute)


def report_changes(kind: str, version: int, since: int, compare: Callable):
    """``compare`` between data version ``since`` and ``version``, whole trial, for a
    DSMB report of ``kind`` (see :func:`report_result`)."""
    require_report(kind)
    return trial_store().compared("report", version, since, compare)


def scope(user_site: str | None, site_filter: str | None) -> str | None:
    """The one site whose patients a request sees (None: every site).

    A site-bound user sees their own site whatever the page asks; asking for another
    site is refused (ValueError, in words for the page) rather than answered with
    nobody.
    """
    if user_site is None or site_filter in (None, user_site):
        return user_site or site_filter
    raise ValueError(f"Your account sees the patients of site {user_site} only.")


def _within_access(lookup, panel: str, version: dict, name: str, fn, site_filter, options):
    """``lookup`` (a :class:`TrialStore` method) once the user may see ``panel``, in
    the combined site scope."""
    require_panel(panel)
    return lookup(
        trial_store(),
        f"{panel}:{name}",
        version["version"],
        fn,
        site=scope(site_scope(current_user, panel), site_filter),
        **options,
    )
