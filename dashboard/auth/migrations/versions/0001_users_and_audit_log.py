"""Accounts and the append-only audit log.

The audit log refuses UPDATE and DELETE in the database itself (a trigger on both
PostgreSQL and SQLite, and on PostgreSQL TRUNCATE too), so that not even code that
bypasses ``dashboard.auth.audit`` can rewrite history.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from dashboard.auth.migrations.audit_events import EVENTS_0001

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("investigator", "dsmb", "sponsor", "admin")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


POSTGRES_TRIGGERS = [
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
]
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op_name} refused'); END
    """
    for op_name in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    utc = sa.DateTime(timezone=True)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("site_id", sa.String(32), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", utc, nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint(_in("role", ROLES), name="ck_users_role"),
        sa.CheckConstraint("site_id IS NULL OR role = 'investigator'", name="ck_users_site_role"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", utc, nullable=False),
        sa.Column("username", sa.String(64), nullable=False, server_default=""),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("target", sa.String(500), nullable=False, server_default=""),
        sa.Column("client_address", sa.String(64), nullable=False, server_default=""),
        sa.CheckConstraint(_in("event", EVENTS_0001), name="ck_audit_log_event"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_username", "audit_log", ["username"])
    op.create_index("ix_audit_log_event", "audit_log", ["event"])
    dialect = op.get_bind().dialect.name
    triggers = {"postgresql": POSTGRES_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, [])
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("audit_log")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("users")
