"""Audit event ``user_updated``: an admin deactivated or reactivated an account.

The allowed events are a CHECK constraint on ``audit_log.event``, widened by
:func:`dashboard.auth.migrations.audit_events.set_events`.

The downgrade puts the narrower constraint back; it fails once a ``user_updated`` row
exists, since the log is append-only and such a row cannot be removed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from dashboard.auth.migrations.audit_events import EVENTS_0001, EVENTS_0002, set_events

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    set_events(EVENTS_0002)


def downgrade() -> None:
    set_events(EVENTS_0001)
