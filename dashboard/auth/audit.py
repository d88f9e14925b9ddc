"""The audit log: who did what, when, from where. Append-only.

This module only ever inserts rows; there is deliberately no function that updates or
deletes one, and the migration adds a database trigger refusing UPDATE and DELETE, so
the log holds even against code that goes around this module.

``audit(event, target)`` is the one call the rest of the app needs: inside a request
it records the signed-in user and the client address. The address is
``request.remote_addr``; behind a reverse proxy set ``trust_proxy`` in the config so
that ``init_auth`` installs Werkzeug's ProxyFix and the address is the client's, not
the proxy's. X-Forwarded-For is never read otherwise, because any client can send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.models import (
    ADDRESS_LENGTH,
    EVENTS,
    TARGET_LENGTH,
    USERNAME_LENGTH,
    AuditEntry,
    utc_now,
)
from dashboard.auth.state import auth_state


def record(
    session: Session,
    event: str,
    *,
    username: str = "",
    target: str = "",
    client_address: str = "",
) -> AuditEntry:
    """Add one audit row in ``session`` (the caller commits, with the change it audits)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; known: {', '.join(EVENTS)}")
    entry = AuditEntry(
        at=utc_now(),
        username=(username or "")[:USERNAME_LENGTH],
        event=event,
        target=(target or "")[:TARGET_LENGTH],
        client_address=(client_address or "")[:ADDRESS_LENGTH],
    )
    session.add(entry)
    return entry


def client_address() -> str:
    """The client's address for this request ('' outside a request)."""
    return (request.remote_addr or "") if has_request_context() else ""


def audit(event: str, target: str = "", *, username: str | None = None) -> None:
    """Record ``event`` for the current request's user, in its own transaction.

    Call it from views and callbacks: ``audit("export", "safety listing CSV")``.
    An audit row that cannot be written raises: access that cannot be audited is
    refused rather than served silently.
    """
    if username is None:
        username = current_user.username if current_user.is_authenticated else ""
    with auth_state().sessions.begin() as session:
        record(session, event, username=username, target=target, client_address=client_address())


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the admin page's audit listing; None (or no events) means no filter.

    ``event`` keeps one event; ``events`` keeps any of several (the admin page's
    multi-select). Given both, a row must match both.
    """

    username: str | None = None
    event: str | None = None
    events: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 1000


def read_audit_log(session: Session, filters: AuditFilter | None = None) -> list[AuditEntry]:
    """Audit rows, newest first, matching ``filters`` (for the admin page and CSV export)."""
    filters = filters or AuditFilter()
    query = select(AuditEntry)
    if filters.username:
        query = query.where(AuditEntry.username == filters.username)
    if filters.event:
        query = query.where(AuditEntry.event == filters.event)
    if filters.events:
        query = query.where(AuditEntry.event.in_(filters.events))
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(filters.limit)
    return list(session.scalars(query))


def audit_usernames(session: Session) -> list[str]:
    """Every user name found in the audit log, sorted (removed accounts included)."""
    query = select(AuditEntry.username).distinct().order_by(AuditEntry.username)
    return list(session.scalars(query))
