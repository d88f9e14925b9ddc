"""Accounts: argon2id hashes, the rules for names, roles and sites, and lock-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.auth import AuthError
from dashboard.auth.accounts import add_user, remove_user, sign_in
from dashboard.auth.database import make_app_engine, make_sessionmaker, upgrade_app_database
from dashboard.auth.models import User, utc_now

PASSWORD = "a long enough secret"


@pytest.fixture
def sessions(sqlite_app_db):
    upgrade_app_database(sqlite_app_db)
    engine = make_app_engine(sqlite_app_db)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_auth020_password_is_stored_as_an_argon2id_hash(sessions, real_hashing):
    with sessions.begin() as session:
        user = add_user(session, "dora", "dsmb", PASSWORD)
    # RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes.
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in user.password_hash
    with sessions.begin() as session:
        assert sign_in(session, "dora", PASSWORD).user is not None


def test_auth025_weaker_old_hashes_are_upgraded_at_sign_in(sessions, real_hashing):
    from argon2 import PasswordHasher

    with sessions.begin() as session:
        user = add_user(session, "dora", "dsmb", PASSWORD)
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(
            PASSWORD
        )
    with sessions.begin() as session:
        assert sign_in(session, "dora", PASSWORD).user is not None
        stored = session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.parametrize(
    ("name", "role", "password", "site", "message"),
    [
        ("dora", "dsmb", "short", None, "at least 12 characters"),
        ("dora", "guest", PASSWORD, None, "unknown role"),
        ("spencer", "sponsor", PASSWORD, "STE", "only for investigators"),
        ("dora", "dsmb", PASSWORD, "STE", "only for investigators"),
        ("bad name", "dsmb", PASSWORD, None, "user name"),
        ("", "dsmb", PASSWORD, None, "user name"),
    ],
)
def test_auth021_invalid_accounts_are_refused_with_the_reason(
    sessions, name, role, password, site, message
):
    with pytest.raises(AuthError, match=message), sessions.begin() as session:
        add_user(session, name, role, password, site)


def test_auth022_duplicate_and_missing_names(sessions):
    with sessions.begin() as session:
        add_user(session, "dora", "dsmb", PASSWORD)
    with pytest.raises(AuthError, match="already exists"), sessions.begin() as session:
        add_user(session, "dora", "admin", PASSWORD)
    with pytest.raises(AuthError, match="no user"), sessions.begin() as session:
        remove_user(session, "nobody")


def test_auth023_five_failures_lock_for_fifteen_minutes(sessions):
    now = utc_now()
    with sessions.begin() as session:
        add_user(session, "dora", "dsmb", PASSWORD)
    results = []
    for _ in range(5):
        with sessions.begin() as session:
            results.append(sign_in(session, "dora", "wrong password!", now))
    assert [r.locked_now for r in results] == [False] * 4 + [True]
    with sessions.begin() as session:
        assert sign_in(session, "dora", PASSWORD, now + timedelta(minutes=14)).user is None
        later = sign_in(session, "dora", PASSWORD, now + timedelta(minutes=15, seconds=1))
        assert later.user is not None
        assert session.get(User, later.user.id).failed_attempts == 0


def test_auth024_a_success_resets_the_failure_count(sessions):
    with sessions.begin() as session:
        add_user(session, "dora", "dsmb", PASSWORD)
    for password in ["bad 1"] * 4 + [PASSWORD] + ["bad 2"] * 4:
        with sessions.begin() as session:
            result = sign_in(session, "dora", password)
    assert not result.locked_now
    with sessions.begin() as session:
        assert sign_in(session, "dora", PASSWORD).user is not None
