"""Each role signs in through the real form and sees exactly the pages of its role."""

from __future__ import annotations

import pytest

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

#: docs/roles.md, by user of tests/conftest.py USERS.
PAGES_OF = {
    "ivy": ["Overview", "Sites", "Recovery", "Survival", "Safety", "Data quality"],
    "dora": ["Overview", "Sites", "Recovery", "Survival", "Safety", "Data quality"],
    "spencer": ["Overview", "Sites", "Data quality"],
    "ada": ["Overview", "Sites", "Administration"],
}


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def nav_names(dash_duo) -> list[str]:
    dash_duo.wait_for_element("#shell-nav a")
    return [link.text for link in dash_duo.find_elements("#shell-nav a")]


@pytest.mark.parametrize("username", list(PAGES_OF))
def test_roles001_navigation_shows_exactly_the_pages_of_the_role(
    dash_duo, open_app, make_app, small_db, username
):
    open_app(make_app(small_db), username)
    assert nav_names(dash_duo) == PAGES_OF[username]
    assert dash_duo.find_element("#shell-user").text == username
    assert dash_duo.get_logs() == []


def test_roles002_sponsor_typing_a_dsmb_address_gets_a_notice(
    dash_duo, open_app, make_app, small_db
):
    open_app(make_app(small_db), "spencer", "/safety")
    dash_duo.wait_for_contains_text("#page-not-allowed", "Not available for your role")
    assert "data safety monitoring board" in dash_duo.find_element("#page-not-allowed").text
    assert "P-00" not in dash_duo.driver.page_source
    assert dash_duo.get_logs() == []


def test_roles003_sign_out_ends_the_session(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), "dora")
    dash_duo.wait_for_element("#shell-sign-out").click()
    dash_duo.wait_for_element("input[name=username]")
    dash_duo.driver.get(f"{dash_duo.server_url}/survival")
    dash_duo.wait_for_element("input[name=username]")  # redirected to sign in again
    assert "/login" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
