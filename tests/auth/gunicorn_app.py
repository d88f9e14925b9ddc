"""A secured app for the gunicorn test: ``gunicorn 'tests.auth.gunicorn_app:create()'``."""

from __future__ import annotations

import os
from pathlib import Path

from tests.auth.conftest import build_app


def create():
    folder = Path(os.environ["AUTH_TEST_DIR"])
    return build_app(folder, f"sqlite:///{folder / 'app.db'}").server
