"""The app database's schema: created by the Alembic revision on SQLite and PostgreSQL,
brought up to date idempotently, and an audit log the database itself keeps append-only."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from dashboard.auth import database
from dashboard.auth.accounts import add_user
from dashboard.auth.audit import record
from dashboard.auth.database import (
    current_revision,
    head_revision,
    make_app_engine,
    make_sessionmaker,
    upgrade_app_database,
)


@pytest.fixture
def engine(app_db_url):
    upgrade_app_database(app_db_url)
    engine = make_app_engine(app_db_url)
    yield engine
    engine.dispose()


def test_auth001_upgrade_creates_both_tables_at_head(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"users", "audit_log", "app_alembic_version"} <= tables
    assert current_revision(engine) == head_revision() == "0005"
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    assert columns == {
        "id",
        "username",
        "role",
        "site_id",
        "password_hash",
        "active",
        "failed_attempts",
        "locked_until",
        "created_at",
    }
    columns = {c["name"] for c in inspect(engine).get_columns("audit_log")}
    assert columns == {"id", "at", "username", "event", "target", "client_address"}


def test_auth002_upgrade_again_does_nothing(engine, app_db_url, monkeypatch):
    def must_not_run(_engine):
        raise AssertionError("migrations ran on a current database")

    monkeypatch.setattr(database, "_upgrade", must_not_run)
    upgrade_app_database(app_db_url)  # remembered in this process
    database.forget_upgrades()
    upgrade_app_database(app_db_url)  # one look at the version table
    assert current_revision(engine) == "0005"


def test_auth003_audit_log_refuses_update_and_delete_in_the_database(engine):
    with make_sessionmaker(engine).begin() as session:
        record(session, "sign_in", username="dora", client_address="192.0.2.1")
    for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM audit_log")).scalars().all() == ["dora"]


def test_auth004_database_refuses_a_site_for_other_roles_and_unknown_roles(engine):
    with make_sessionmaker(engine).begin() as session:
        add_user(session, "sam", "investigator", "x" * 12, "STE")
    for values in ("('eve', 'sponsor', 'STE')", "('mal', 'guest', NULL)"):
        insert = (
            "INSERT INTO users (username, role, site_id, password_hash, active, "
            f"failed_attempts, created_at) VALUES {values[:-1]}, 'h', true, 0, "
            "CURRENT_TIMESTAMP)"
        )
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(insert))


def test_auth005_upgrade_from_0001_keeps_rows_and_allows_user_updated(app_db_url):
    engine = make_app_engine(app_db_url)
    config = database._alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    with make_sessionmaker(engine).begin() as session:
        record(session, "sign_in", username="ada")
        record(session, "user_removed", username="ada", target="sam")
    database.forget_upgrades()
    upgrade_app_database(engine)
    assert current_revision(engine) == "0005"
    with make_sessionmaker(engine).begin() as session:
        record(session, "user_updated", username="ada", target="ivy: deactivated")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, event FROM audit_log ORDER BY id")).all()
    assert rows == [(1, "sign_in"), (2, "user_removed"), (3, "user_updated")]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    indexes = {index["name"] for index in inspect(engine).get_indexes("audit_log")}
    assert indexes == {"ix_audit_log_at", "ix_audit_log_username", "ix_audit_log_event"}
    engine.dispose()
