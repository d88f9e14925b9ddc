"""Auth fixtures: an app database (SQLite, or PostgreSQL when marked) and the real app.

Account helpers (``add_users``, ``sign_in``...) live in tests/conftest.py, shared with
the page tests."""

from __future__ import annotations

import dash
import pytest
from sqlalchemy import create_engine, text

from dashboard.app import create_app
from dashboard.auth.database import forget_upgrades, make_app_engine
from dashboard.config import load_config
from tests.conftest import PASSWORD, USERS, add_users, csrf_token, sign_in  # noqa: F401


def drop_app_tables(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            text("DROP TABLE IF EXISTS dsmb_reviews, audit_log, users, app_alembic_version CASCADE")
        )
        conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))
    engine.dispose()
    forget_upgrades()


@pytest.fixture
def sqlite_app_db(tmp_path):
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_db_url(request, tmp_path):
    """An empty app database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    drop_app_tables(url)
    yield url
    drop_app_tables(url)


def make_config(tmp_path, app_db: str, **extra):
    """The app's Config for a test, on an app database and with ``extra`` settings."""
    return load_config(
        {
            "trial_database_url": f"sqlite:///{tmp_path / 'trial.db'}",
            "app_database_url": app_db,
            "cache_dir": str(tmp_path / "cache"),
            "secret_key": "s" * 64,
            "testing": True,
            **extra,
        }
    )


def build_app(tmp_path, app_db: str, **extra):
    """The real app, secured by create_app itself."""
    dash.page_registry.clear()
    return create_app(make_config(tmp_path, app_db, **extra))


@pytest.fixture
def make_secured_app(tmp_path):
    apps = []

    def build(app_db: str, **extra):
        app = build_app(tmp_path, app_db, **extra)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.server.extensions["mtsa_auth"].engine.dispose()


@pytest.fixture
def app(make_secured_app, app_db_url):
    app = make_secured_app(app_db_url)
    add_users(app_db_url)
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def sqlite_client(make_secured_app, sqlite_app_db):
    """A client of the secured app on SQLite, for tests the database cannot change."""
    app = make_secured_app(sqlite_app_db)
    add_users(sqlite_app_db)
    return app.server.test_client()


def audit_rows(url: str) -> list[tuple[str, str, str, str]]:
    """(event, username, target, client_address) of every audit row, oldest first."""
    engine = make_app_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT event, username, target, client_address FROM audit_log ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]
