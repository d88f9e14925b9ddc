"""DSMB reviews: each meeting of the data safety monitoring board, the data version it
reviewed and its decision, recorded by a DSMB member; audit event ``dsmb_review``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from dashboard.auth.migrations.audit_events import EVENTS_0003, EVENTS_0004, set_events

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsmb_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_on", sa.Date, nullable=False),
        sa.Column("data_version", sa.Integer, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    set_events(EVENTS_0004)


def downgrade() -> None:
    set_events(EVENTS_0003)
    op.drop_table("dsmb_reviews")
