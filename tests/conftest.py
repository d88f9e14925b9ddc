"""Shared fixtures: trial databases on SQLite and on the machine's PostgreSQL.

PostgreSQL tests use ``TEST_POSTGRES_URL`` (set by ``.ci/run``). Each test session
creates its own database there and drops it afterwards, because the server is shared.
Under CI a missing ``TEST_POSTGRES_URL`` is an error, not a skip.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.auth import accounts
from dashboard.auth.accounts import add_user
from dashboard.auth.database import make_app_engine, make_sessionmaker
from data_access.engine import make_engine
from data_access.schema import Base

REPO = Path(__file__).resolve().parent.parent
# The public registry record of the 7 sites (ClinicalTrials.gov NCT03439371).
REGISTRY_SITES = REPO / "tests" / "fixtures" / "registry" / "sites-registry.csv"
SMALL_BUNDLE = REPO / "tests" / "fixtures" / "bundles" / "small"
# The browser tests' app server port: set DASH_TEST_PORT to run two suites side by side.
TEST_PORT = int(os.environ.get("DASH_TEST_PORT", "8050"))


def _postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        raise RuntimeError("TEST_POSTGRES_URL must be set in CI (see .ci/run)")
    return url


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a fresh PostgreSQL database for this test session, dropped afterwards."""
    admin_url = _postgres_admin_url()
    if not admin_url:
        pytest.skip("TEST_POSTGRES_URL not set")
    name = f"mtsa_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def trial_db_url(request, tmp_path):
    """An empty trial database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trial.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'trial.db'}"


# --- accounts ---------------------------------------------------------------------------

PASSWORD = "correct horse battery"
USERS = {
    "ivy": ("investigator", None),
    "sam": ("investigator", "STE"),
    "dora": ("dsmb", None),
    "spencer": ("sponsor", None),
    "ada": ("admin", None),
}
SECRET_KEY = "s" * 64


@pytest.fixture
def real_hashing():
    """Ask for it to keep the production argon2 parameters in a test."""


@pytest.fixture(autouse=True)
def fast_hashing(request, monkeypatch):
    """Cheap argon2id parameters: the production ones cost 0.2 s a hash, 64 MiB each."""
    if "real_hashing" not in request.fixturenames:
        fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        monkeypatch.setattr(accounts, "_hasher", fast)
        monkeypatch.setattr(accounts, "_dummy_hash", None)


def add_users(url: str, users: dict = USERS) -> None:
    engine = make_app_engine(url)
    with make_sessionmaker(engine).begin() as session:
        for name, (role, site) in users.items():
            add_user(session, name, role, PASSWORD, site)
    engine.dispose()


def csrf_token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str = PASSWORD, next_url: str | None = None):
    form = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    if next_url is not None:
        form["next"] = next_url
    return client.post("/login", data=form)


def signed_app(tmp_path, trial_database_url: str):
    """The app on ``trial_database_url`` with the test users, page registry reset."""
    import dash

    from dashboard.app import create_app

    config = app_config(tmp_path, trial_database_url)
    dash.page_registry.clear()
    app = create_app(config)
    add_users(config["app_database_url"])
    return app


def client_for(app, username: str):
    """A test client of ``app`` signed in as ``username``."""
    client = app.server.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def app_config(tmp_path, trial_database_url: str, **overrides) -> dict:
    """Config overrides for a test app: its own app database, cache and key."""
    return {
        "trial_database_url": trial_database_url,
        "app_database_url": f"sqlite:///{tmp_path / 'app.db'}",
        "cache_dir": str(tmp_path / "cache"),
        "secret_key": SECRET_KEY,
        "testing": True,
        **overrides,
    }
