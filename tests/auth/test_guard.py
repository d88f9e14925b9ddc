"""The global request guard and role checks, over HTTP as an attacker would call them."""

from __future__ import annotations

import dash
import pytest
from dash import Dash, Input, Output, html
from flask import jsonify
from werkzeug.exceptions import HTTPException

from dashboard.auth import audit, init_auth, init_security, require_panel
from tests.auth.conftest import add_users, audit_rows, make_config, sign_in
from tests.dash_requests import callback_request

DASH_ENDPOINTS = [
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"),
    ("GET", "/_reload-hash"),
    ("GET", "/_dash-anything-new"),
    ("GET", "/api"),
    ("GET", "/api/stats/safety"),
    ("POST", "/api/stats/survival"),
]
PAGES = ["/", "/sites", "/recovery", "/survival", "/safety", "/admin", "/no-such-page"]
PUBLIC = ["/login", "/assets/00-bootstrap-5.3.6.min.css", "/_favicon.ico"]


@pytest.mark.parametrize(("method", "path"), DASH_ENDPOINTS)
def test_auth050_dash_endpoints_and_api_answer_401_without_a_session(sqlite_client, method, path):
    response = sqlite_client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json() == {"error": "sign-in required", "login": "/login"}


def test_auth051_forged_callback_request_without_a_session_gets_nothing(sqlite_client):
    response = callback_request(
        sqlite_client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", "/safety"), ("_pages_location", "search", "")],
    )
    assert response.status_code == 401
    assert b"P-0" not in response.get_data()


@pytest.mark.parametrize("path", PAGES)
def test_auth052_pages_redirect_to_login_with_next(sqlite_client, path):
    response = sqlite_client.get(path + "?tab=2")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert sign_in(sqlite_client, "dora", next_url=path + "?tab=2").headers["Location"] == (
        "/" if path == "/login" else path + "?tab=2"
    )


@pytest.mark.parametrize("path", PUBLIC)
def test_auth053_sign_in_page_and_static_files_need_no_session(sqlite_client, path):
    assert sqlite_client.get(path).status_code == 200


def test_auth054_static_prefix_cannot_smuggle_a_dash_endpoint(sqlite_client):
    for path in ["/assets/../_dash-layout", "/assets/..%2f_dash-layout", "/_dash-component-suites"]:
        response = sqlite_client.get(path)
        assert response.status_code in (401, 404)
        assert b"react-entry-point" not in response.get_data()


def _probe_app(tmp_path, app_db):
    """A small Dash app with one panel-guarded callback and one guarded API route."""
    auth_config = make_config(tmp_path, app_db)

    def reraise_http(error):  # what dashboard/callbacks/errors.py must do too
        if isinstance(error, HTTPException):
            raise error
        return dash.no_update

    app = Dash(__name__, on_error=reraise_http)
    app.layout = html.Div([html.Button(id="go"), html.Div(id="out")])

    @app.callback(Output("out", "children"), Input("go", "n_clicks"))
    def safety_listing(_n):
        require_panel("safety")
        return "P-001 died on day 40"

    @app.server.get("/api/stats/<panel>")
    def stats(panel):
        require_panel({"enrollment": "overview", "safety": "safety"}[panel])
        audit("api_call", f"/api/stats/{panel}")
        return jsonify(panel=panel, patients=["P-001"])

    init_security(app.server, auth_config, app)
    init_auth(app.server, auth_config)
    add_users(app_db)
    return app.server.test_client()


@pytest.mark.parametrize(("user", "status"), [("spencer", 403), ("ada", 403), ("dora", 200)])
def test_auth055_callback_and_api_check_the_role(tmp_path, sqlite_app_db, user, status):
    client = _probe_app(tmp_path, sqlite_app_db)
    sign_in(client, user)
    response = callback_request(client, [("out", "children")], [("go", "n_clicks", 1)])
    assert response.status_code == status
    assert (b"P-001" in response.get_data()) is (status == 200)
    api = client.get("/api/stats/safety")
    assert api.status_code == status
    assert (b"P-001" in api.get_data()) is (status == 200)
    assert client.get("/api/stats/enrollment").status_code == 200


def test_auth056_audit_records_the_user_and_client_address(tmp_path, sqlite_app_db):
    client = _probe_app(tmp_path, sqlite_app_db)
    sign_in(client, "dora")
    client.get("/api/stats/safety", environ_base={"REMOTE_ADDR": "192.0.2.44"})
    client.get("/api/stats/safety", headers={"X-Forwarded-For": "198.51.100.1"})
    rows = audit_rows(sqlite_app_db)[-2:]
    assert rows == [
        ("api_call", "dora", "/api/stats/safety", "192.0.2.44"),
        ("api_call", "dora", "/api/stats/safety", "127.0.0.1"),
    ]
