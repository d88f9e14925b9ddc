"""Audit event ``data_removed``: old data versions removed by an administrator.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from dashboard.auth.migrations.audit_events import EVENTS_0004, EVENTS_0005, set_events

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    set_events(EVENTS_0005)


def downgrade() -> None:
    set_events(EVENTS_0004)
