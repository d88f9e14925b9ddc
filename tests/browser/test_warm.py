"""A warmed data version in headless Chromium: a person opening any page after the import
makes the server compute nothing (dashboard.warm), and an open page moves to a new
version once it is warm."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.ids import Shell
from dashboard.store import EXTENSION
from dashboard.warm import warm_version
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.conftest import sign_in_browser
from tests.browser.layout_probe import wait_settled
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

PAGES = ["/", "/sites", "/recovery", "/survival", "/safety", "/quality"]


def _cached(tmp_path) -> int:
    """Entries in the test app's filesystem cache (one file per key)."""
    return sum(1 for _ in (tmp_path / "cache").iterdir())


def test_warm_page001_pages_after_warming_compute_nothing(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    app = make_app(sqlite_url)
    store = app.server.extensions[EXTENSION]
    assert warm_version(app, store.poll().version).failures == []
    before = _cached(tmp_path)
    open_app(app, "dora", "/")
    for user in ("dora", "sam"):  # the board; an investigator bound to STE
        if user != "dora":
            dash_duo.driver.delete_all_cookies()
            sign_in_browser(dash_duo, user, "/")
        for path in PAGES:
            dash_duo.driver.get(f"{dash_duo.server_url}{path}")
            dash_duo.wait_for_element("#_pages_content")
            wait_settled(dash_duo.driver)
            assert _cached(tmp_path) == before, f"{user} {path}: computed on the visit"
    assert dash_duo.get_logs() == []

    # A new version: the open page keeps showing version 1 until version 2 is warm
    # (the poll, every second here, starts the warming), then moves to it.
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    until(lambda: "data version 2" in dash_duo.find_element(f"#{Shell.BANNER}").text, timeout=90)
    assert store.is_warm(store.poll().version)
