"""Who may see what: the role table (``docs/roles.md``) as data, and its checks.

The table lives here once so that pages, callbacks, the JSON API and the navigation
all ask the same question. Hiding a link is presentation only: every callback and API
route calls :func:`require_panel` on the server, so a forged request (another page's
pathname, a hand-written ``_dash-update-component`` call) still gets a 403.
"""

from __future__ import annotations

from collections.abc import Mapping

import flask
from flask_login import current_user

INVESTIGATOR = "investigator"
DSMB = "dsmb"
SPONSOR = "sponsor"
ADMIN = "admin"
ROLES: tuple[str, ...] = (INVESTIGATOR, DSMB, SPONSOR, ADMIN)

_EVERYONE = frozenset(ROLES)
_UNBLINDED = frozenset({INVESTIGATOR, DSMB})

#: Panel (page) name -> roles that may see it.
PANEL_ROLES: Mapping[str, frozenset[str]] = {
    "overview": _EVERYONE,
    "sites": _EVERYONE,
    "recovery": _UNBLINDED,
    "survival": _UNBLINDED,
    "safety": _UNBLINDED,
    "patients": _UNBLINDED,  # one patient's profile; site-bound: own site's patients only
    # data quality: the sponsor sees counts per site and their trend, never a patient id
    "quality": frozenset({INVESTIGATOR, DSMB, SPONSOR}),
    "admin": frozenset({ADMIN}),
}

#: Panels that show only aggregates (the sponsor's): the trial as a whole, for everyone.
AGGREGATE_PANELS: frozenset[str] = frozenset({"overview", "sites"})

#: Roles that may see patient-level rows (ids, listings) anywhere.
PATIENT_LEVEL: frozenset[str] = _UNBLINDED

#: Roles that may see results split by treatment arm. In a randomised trial that is
#: unblinding, kept to the data safety monitoring board; in a single-arm trial there is
#: nothing to split.
ARM_COMPARISON: frozenset[str] = frozenset({DSMB})

#: Roles that record the DSMB's reviews (meeting, version reviewed, decision).
REVIEWERS: frozenset[str] = frozenset({DSMB, ADMIN})

#: DSMB report kind -> roles that may download it. The closed report (patient listings,
#: everything new since the last review) is the board's; the open report (aggregates of
#: the whole trial, no patient id) is also for the investigators and the sponsor.
REPORT_ROLES: Mapping[str, frozenset[str]] = {
    "closed": frozenset({DSMB}),
    "open": frozenset({INVESTIGATOR, DSMB, SPONSOR}),
}

#: Roles the data banner tells that the last REDCap sync failed, and why: the
#: investigators, whose sites enter the data and who read the pages as current, and the
#: administrators, who keep the sync running. The sponsor and the DSMB see the data cut
#: and load time, as always; the board reviews a data version, not the feed.
SYNC_STATUS_ROLES: frozenset[str] = frozenset({INVESTIGATOR, ADMIN})

#: Page path -> panel, for the navigation and for auditing page views.
PAGE_PANELS: Mapping[str, str] = {
    "/": "overview",
    "/sites": "sites",
    "/recovery": "recovery",
    "/survival": "survival",
    "/safety": "safety",
    "/patients": "patients",  # /patients/<patient_id>, reached from the listings
    "/quality": "quality",
    "/admin": "admin",
}

#: ``stats PANEL`` / ``/api/stats/<panel>`` name -> the page whose rule applies.
STATS_PANELS: Mapping[str, str] = {
    "enrollment": "overview",
    "sites": "sites",
    "survival": "survival",
    "relapse": "survival",
    "response": "survival",
    "recovery": "recovery",
    "safety": "safety",
    "patient": "patients",
    "quality": "quality",
}


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "role", None)


def can_view(user, panel: str) -> bool:
    """Whether ``user`` (signed in, active) may see ``panel``.

    Raises
    ------
    ValueError
        For a panel name not in :data:`PANEL_ROLES`: a typo must fail loudly, not
        silently deny or allow.
    """
    if panel not in PANEL_ROLES:
        raise ValueError(f"unknown panel {panel!r}; known: {', '.join(PANEL_ROLES)}")
    return _role(user) in PANEL_ROLES[panel]


def can_view_patients(user) -> bool:
    """Whether ``user`` may see patient-level rows (ids, listings)."""
    return _role(user) in PATIENT_LEVEL


def can_compare_arms(user) -> bool:
    """Whether ``user`` may see results split by treatment arm."""
    return _role(user) in ARM_COMPARISON


def require_arm_comparison() -> None:
    """Abort the current request with 403 unless its user may compare arms."""
    if not can_compare_arms(current_user):
        flask.abort(403)


def can_record_review(user) -> bool:
    """Whether ``user`` may see and record the DSMB's reviews."""
    return _role(user) in REVIEWERS


def require_review() -> None:
    """Abort the current request with 403 unless its user may record DSMB reviews."""
    if not can_record_review(current_user):
        flask.abort(403)


def can_see_sync_failures(user) -> bool:
    """Whether the data banner tells ``user`` that the last REDCap sync failed."""
    return _role(user) in SYNC_STATUS_ROLES


def report_kinds(user) -> list[str]:
    """The DSMB reports ``user`` may download, closed first."""
    return [kind for kind, roles in REPORT_ROLES.items() if _role(user) in roles]


def require_report(kind: str) -> None:
    """Abort the current request with 403 unless its user may download report ``kind``."""
    if kind not in report_kinds(current_user):
        flask.abort(403)


def require_panel(panel: str) -> None:
    """Abort the current request with 401 or 403 unless the signed-in user may see ``panel``.

    Call it first thing in every callback and API route. The global guard already
    turns away anonymous requests; the 401 here is a second line for code paths that
    run without it.
    """
    if not getattr(current_user, "is_authenticated", False):
        flask.abort(401)
    if not can_view(current_user, panel):
        flask.abort(403)


def require_patient_level() -> None:
    """Abort the current request with 403 unless its user may see patient ids: for a
    page open to the sponsor whose listings are not (data quality)."""
    if not can_view_patients(current_user):
        flask.abort(403)


def site_scope(user, panel: str | None = None) -> str | None:
    """The only site whose patients ``user`` may see, or None for no site restriction.

    None does not mean "may see patients": check :func:`can_view_patients` or
    :func:`require_panel` first. Only investigators created with ``--site`` are
    restricted, and only on patient-level panels: the aggregate panels (enrollment,
    sites) show the whole trial, as they do to the sponsor.
    """
    if panel in AGGREGATE_PANELS:
        return None
    if _role(user) == INVESTIGATOR:
        return getattr(user, "site_id", None)
    return None


def visible_pages(user) -> list[str]:
    """Page paths of :data:`PAGE_PANELS` that ``user`` may open (for the navigation)."""
    return [path for path, panel in PAGE_PANELS.items() if can_view(user, panel)]
