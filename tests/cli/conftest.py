"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def app_database(tmp_path, monkeypatch):
    """Commands that audit (import) write to a test's own app database."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("APP_DATABASE_URL", url)
    return url
