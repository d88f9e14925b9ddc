"""Audit event ``data_import``: trial data loaded from the command line, with its report.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from dashboard.auth.migrations.audit_events import EVENTS_0002, EVENTS_0003, set_events

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    set_events(EVENTS_0003)


def downgrade() -> None:
    set_events(EVENTS_0002)
