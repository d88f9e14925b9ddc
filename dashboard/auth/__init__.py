"""Sign-in, roles and the audit log (``docs/roles.md``), in the app database.

The app wires it with two calls once every callback is registered::

    init_security(app.server, config, app)  # CSP (hashes Dash's inline scripts), headers
    init_auth(app.server, config)           # sessions, /login, the request guard

and every callback and API route starts with ``require_panel("<panel>")``.
"""

from dashboard.auth.audit import audit
from dashboard.auth.errors import AuthDatabaseError, AuthError
from dashboard.auth.roles import (
    PANEL_ROLES,
    PATIENT_LEVEL,
    ROLES,
    can_compare_arms,
    can_record_review,
    can_view,
    can_view_patients,
    report_kinds,
    require_arm_comparison,
    require_panel,
    require_patient_level,
    require_report,
    require_review,
    site_scope,
)
from dashboard.auth.security import init_security
from dashboard.auth.web import init_auth

__all__ = [
    "PANEL_ROLES",
    "PATIENT_LEVEL",
    "ROLES",
    "AuthDatabaseError",
    "AuthError",
    "audit",
    "can_compare_arms",
    "can_record_review",
    "can_view",
    "can_view_patients",
    "init_auth",
    "init_security",
    "report_kinds",
    "require_arm_comparison",
    "require_panel",
    "require_patient_level",
    "require_report",
    "require_review",
    "site_scope",
]
