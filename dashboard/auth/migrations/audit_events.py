"""Changing the events allowed in ``audit_log.event`` (a CHECK constraint), for migrations.

PostgreSQL swaps the constraint in place. SQLite cannot alter a constraint, so the table
is rebuilt: copied into a new table with the new constraint, the old one dropped (which
drops its indexes and append-only triggers; SQLite's implicit delete on DROP TABLE fires
no trigger), the copy renamed, and the indexes and triggers created again. Rows, ids and
the autoincrement sequence are kept.
"""

import sqlalchemy as sa
from alembic import op

EVENTS_0001 = (
    "sign_in",
    "failed_sign_in",
    "lock_out",
    "sign_out",
    "page_view",
    "export",
    "api_call",
    "user_added",
    "user_removed",
)
EVENTS_0002 = (*EVENTS_0001, "user_updated")
EVENTS_0003 = (*EVENTS_0002, "data_import")
EVENTS_0004 = (*EVENTS_0003, "dsmb_review")
EVENTS_0005 = (*EVENTS_0004, "data_removed")
"""The events each revision allows, frozen: a revision never reads the live model."""

CONSTRAINT = "ck_audit_log_event"
COLUMNS = "id, at, username, event, target, client_address"
INDEXES = {
    "ix_audit_log_at": "at",
    "ix_audit_log_username": "username",
    "ix_audit_log_event": "event",
}
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op_name} refused'); END
    """
    for op_name in ("UPDATE", "DELETE")
]


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _rebuild_sqlite(events) -> None:
    utc = sa.DateTime(timezone=True)
    op.create_table(
        "audit_log_rebuilt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", utc, nullable=False),
        sa.Column("username", sa.String(64), nullable=False, server_default=""),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("target", sa.String(500), nullable=False, server_default=""),
        sa.Column("client_address", sa.String(64), nullable=False, server_default=""),
        sa.CheckConstraint(_in("event", events), name=CONSTRAINT),
        sqlite_autoincrement=True,
    )
    op.execute(f"INSERT INTO audit_log_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM audit_log")
    op.execute("DROP TABLE audit_log")
    op.execute("ALTER TABLE audit_log_rebuilt RENAME TO audit_log")
    for name, column in INDEXES.items():
        op.create_index(name, "audit_log", [column])
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def set_events(events) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(events)
        return
    op.drop_constraint(CONSTRAINT, "audit_log", type_="check")
    op.create_check_constraint(CONSTRAINT, "audit_log", _in("event", events))
