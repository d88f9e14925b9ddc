"""The app factory: ``create_app(config)`` wires settings, data store, cache and pages."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from dash import Dash
from flask_caching import Cache

from dashboard import api
from dashboard.auth import init_auth, init_security
from dashboard.callbacks import (
    admin,
    errors,
    live,
    overview,
    patient,
    patient_links,
    quality,
    recovery,
    reports,
    reviews,
    safety,
    safety_changes,
    sites,
    survival,
)
from dashboard.components.shell import shell_layout
from dashboard.config import REPO_ROOT, Config, load_config
from dashboard.page_guard import guard_callbacks, guard_pages
from dashboard.store import EXTENSION, TrialStore
from dashboard.warm import warm_in_background
from data_access.engine import make_engine

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = REPO_ROOT / "assets"
CALLBACK_MODULES = (
    live,
    overview,
    sites,
    survival,
    recovery,
    safety,
    safety_changes,
    patient,
    patient_links,
    quality,
    admin,
    reviews,
    reports,
)


def cache_settings(config: Config) -> dict:
    """Flask-Caching settings: Redis when configured, else a filesystem cache."""
    if config.cache_redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config.cache_redis_url}
    return {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": config.cache_dir, "CACHE_THRESHOLD": 2000}


def create_app(config: Config | dict | None = None) -> Dash:
    """A ready-to-serve Dash app; ``config`` is a Config or a dict of overrides."""
    if not isinstance(config, Config):
        config = load_config(config)
    logging.basicConfig(level=logging.INFO)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        compress=True,
        title="MTSA monitoring",
        update_title=None,
        suppress_callback_exceptions=True,
        on_error=errors.report_callback_error,
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    server = app.server
    server.config.update(SECRET_KEY=config.secret_key, TESTING=config.testing)
    cache = Cache(server, config=cache_settings(config))
    engine = make_engine(config.trial_database_url, read_only=True)
    store = TrialStore(engine, cache, config.trial_database_url)
    store.warmer = functools.partial(warm_in_background, app)
    server.extensions[EXTENSION] = store
    app.layout = lambda: shell_layout(config.data_poll_seconds)
    guard_pages()
    guard_callbacks(server)
    for module in CALLBACK_MODULES:
        module.register(app)
    api.register(server)
    init_security(server, config, app)  # hashes Dash's inline scripts: after every callback
    init_auth(server, config)
    return app
