"""Shared fixtures: trial databases on SQLite and on the machine's PostgreSQL.

PostgreSQL tests use ``TEST_POSTGRES_URL`` (set by ``.ci/run``). Each test session
creates its own database there and drops it afterwards, because the server is shared.
Under CI a missing ``TEST_POSTGRES_URL`` is an error, not a skip.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.engine import make_engine
from data_access.schema import Base

REPO = Path(__file__).resolve().parent.parent
SHARED_TRIAL = REPO.parent / "shared" / "trial"
SMALL_BUNDLE = REPO / "tests" / "fixtures" / "bundles" / "small"


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
