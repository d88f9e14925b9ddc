"""In headless Chromium: sign in through the form, then the overview runs under the CSP.

A script refused by the policy (an inline script without its hash, an ``eval``) shows
up as a SEVERE console entry, so ``get_logs() == []`` is the check that the policy
and Dash agree.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.auth.conftest import PASSWORD, add_users, build_app
from tests.conftest import SMALL_BUNDLE, TEST_PORT

pytestmark = pytest.mark.browser


def test_auth080_signed_in_overview_runs_clean_under_the_csp(dash_duo, tmp_path):
    import_bundle(make_engine(f"sqlite:///{tmp_path / 'trial.db'}"), SMALL_BUNDLE)
    app_db = f"sqlite:///{tmp_path / 'app.db'}"
    app = build_app(tmp_path, app_db)
    add_users(app_db)
    dash_duo.start_server(app, navigate=False, port=TEST_PORT)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element("#username")
    assert "/login?next=/" in driver.current_url
    driver.find_element(By.ID, "username").send_keys("dora")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    dash_duo.wait_for_element("#overview-by-site-graph .js-plotly-plot .bars")
    dash_duo.wait_for_element("#overview-cumulative-graph .js-plotly-plot .scatterlayer")
    assert driver.title == "Overview · MTSA"  # set by the hashed clientside callback
    assert dash_duo.get_logs() == []
    driver.get(dash_duo.server.url + "/logout")
    dash_duo.wait_for_element("#username")
    assert dash_duo.get_logs() == []
