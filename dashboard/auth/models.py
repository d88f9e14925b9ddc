"""Tables of the app database: accounts and the append-only audit log.

They sit on their own ``DeclarativeBase`` so that nothing here can end up in the
trial database's metadata (and the reverse). The schema itself is created by the
Alembic revision in ``migrations/``; these classes only map it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dashboard.auth.migrations.audit_events import EVENTS_0005
from dashboard.auth.roles import ROLES

EVENTS: tuple[str, ...] = EVENTS_0005
"""The audit events of the newest app-database revision (``migrations/audit_events.py``)."""
USERNAME_LENGTH = 64
TARGET_LENGTH = 500
ADDRESS_LENGTH = 64


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so without this a value written aware comes back
    naive and comparing it with ``utc_now()`` raises.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    """An account; ``site_id`` only for an investigator restricted to one site."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="ck_users_role"),
        CheckConstraint("site_id IS NULL OR role = 'investigator'", name="ck_users_site_role"),
        # Ids are never reused, so a session of a removed account never resumes as another.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class AuditEntry(Base):
    """One audited event. Rows are only ever inserted (see ``audit.py``)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("event", EVENTS), name="ck_audit_log_event"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), default="", index=True)
    event: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(TARGET_LENGTH), default="")
    client_address: Mapped[str] = mapped_column(String(ADDRESS_LENGTH), default="")


class DsmbReview(Base):
    """A meeting of the data safety monitoring board: the data version it reviewed and
    its decision. Recorded once, never edited (``reviews.py``)."""

    __tablename__ = "dsmb_reviews"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_on: Mapped[date] = mapped_column(Date)
    data_version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
