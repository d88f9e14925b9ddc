"""Accounts: password hashing, adding and removing users, signing in with lock-out.

Functions take a SQLAlchemy session and never commit: the caller (a request, a
command) owns the transaction, so an account change and its audit row are written
together or not at all.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second
recommended setting: 64 MiB, 3 passes, 4 lanes). Sign-in runs one hash whatever
happens, including for an unknown or locked account, so neither the answer nor its
timing says whether a user name exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.auth.errors import AuthError
from dashboard.auth.models import USERNAME_LENGTH, User, utc_now
from dashboard.auth.roles import INVESTIGATOR, ROLES

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=15)
USERNAME_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._@-]{{0,{USERNAME_LENGTH - 1}}}")
SITE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,32}")

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    """An argon2id hash (``$argon2id$...``) of ``password``, after the length rule."""
    check_password_rules(password)
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"password refused: it must be at least {MIN_PASSWORD_LENGTH} characters")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn_time(password: str) -> None:
    """Spend the time of one verification, for accounts that cannot sign in."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password, only for timing")
    _verify(_dummy_hash, password)


def _find(session: Session, username: str, *, for_update: bool = False) -> User | None:
    query = select(User).where(User.username == username)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def add_user(
    session: Session, username: str, role: str, password: str, site_id: str | None = None
) -> User:
    """Create an account; raises AuthError with the reason when it cannot.

    ``site_id`` restricts an investigator to one site's patients; other roles see
    either all patients (DSMB) or none (sponsor, admin), so a site makes no sense for
    them and is refused rather than ignored.
    """
    if not USERNAME_PATTERN.fullmatch(username):
        raise AuthError(
            f"user name {username!r} refused: use 1-{USERNAME_LENGTH} letters, digits, "
            "'.', '_', '@' or '-', starting with a letter or digit"
        )
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if site_id is not None:
        if role != INVESTIGATOR:
            raise AuthError(f"--site is only for investigators, not for role {role!r}")
        if not SITE_PATTERN.fullmatch(site_id):
            raise AuthError(f"site id {site_id!r} refused: use up to 32 letters or digits")
    if _find(session, username) is not None:
        raise AuthError(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role,
        site_id=site_id,
        password_hash=hash_password(password),
        active=True,
        failed_attempts=0,
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, username: str) -> None:
    """Delete an account; its sessions end at their next request (see ``web.py``)."""
    user = _find(session, username)
    if user is None:
        raise AuthError(f"no user {username!r}")
    session.delete(user)
    session.flush()


def set_active(session: Session, username: str, active: bool) -> User:
    """Activate or deactivate an account (for the admin page); takes effect at once."""
    user = _find(session, username)
    if user is None:
        raise AuthError(f"no user {username!r}")
    user.active = active
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    """The account named ``username``, or None (for the admin page's checks)."""
    return _find(session, username)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


@dataclass(frozen=True)
class SignInResult:
    """What happened at one sign-in attempt.

    ``user`` is set only on success. ``reason`` is for the audit log, never for the
    person signing in: every failure shows the same message.
    """

    user: User | None
    reason: str
    locked_now: bool = False


def sign_in(
    session: Session, username: str, password: str, now: datetime | None = None
) -> SignInResult:
    """Check a user name and password, counting failures and locking the account.

    After ``MAX_FAILED_ATTEMPTS`` consecutive failures the account is locked for
    ``LOCK_DURATION``; while locked even the right password is refused. The lock does
    not grow with further attempts, so an attacker cannot keep a user out for longer
    than that by hammering the form.
    """
    now = now or utc_now()
    user = _find(session, username, for_update=True) if username else None
    if user is None:
        _burn_time(password)
        return SignInResult(None, "unknown user")
    if not user.active:
        _burn_time(password)
        return SignInResult(None, "inactive account")
    if user.is_locked(now):
        _burn_time(password)
        return SignInResult(None, "account locked")
    if not _verify(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.failed_attempts = 0
            user.locked_until = now + LOCK_DURATION
            session.flush()
            return SignInResult(None, "wrong password", locked_now=True)
        session.flush()
        return SignInResult(None, "wrong password")
    user.failed_attempts = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return SignInResult(user, "ok")
