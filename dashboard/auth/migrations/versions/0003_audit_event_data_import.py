"""Audit event ``data_import``: trial data loaded from the command line, with its report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from dashboard.auth.migrations.audit_events import set_events

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENTS_0002 = (
    "sign_in",
    "failed_sign_in",
    "lock_out",
    "sign_out",
    "page_view",
    "export",
    "api_call",
    "user_added",
    "user_removed",
    "user_updated",
)
EVENTS_0003 = (*EVENTS_0002, "data_import")


def upgrade() -> None:
    set_events(EVENTS_0003)


def downgrade() -> None:
    set_events(EVENTS_0002)
