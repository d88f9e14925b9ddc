"""Browser-test fixtures: headless Debian Chromium, and a fresh app per test."""

from __future__ import annotations

import dash
import pytest

from dashboard.app import create_app


def pytest_setup_options():
    """Chrome options for dash[testing]: Debian's Chromium, no network chatter."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture
def make_app(tmp_path):
    """Build the app on a given trial database, with a fresh page registry."""

    def build(trial_database_url: str, **overrides):
        dash.page_registry.clear()
        config = {
            "trial_database_url": trial_database_url,
            "cache_dir": str(tmp_path / "cache"),
            "data_poll_seconds": 1.0,
            "testing": True,
            **overrides,
        }
        return create_app(config)

    return build
