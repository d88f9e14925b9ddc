"""Security headers: the CSP fits the index Dash really serves, no framing, no banner."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from werkzeug.serving import make_server

from dashboard.auth.security import NeutralRequestHandler, inline_scripts, script_hash
from tests.auth.conftest import add_users, make_config, sign_in
from tests.conftest import REPO


def _policy(response) -> dict[str, list[str]]:
    parts = [p.split() for p in response.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1:] for p in parts if p}


@pytest.mark.parametrize("path", ["/", "/login", "/_dash-layout", "/assets/10-dashboard.css"])
def test_auth060_every_response_has_csp_and_frame_denial(sqlite_client, path):
    response = sqlite_client.get(path)
    policy = _policy(response)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_auth061_every_inline_script_of_the_served_index_is_allowed_by_hash(sqlite_client):
    sign_in(sqlite_client, "dora")
    response = sqlite_client.get("/")
    page = response.get_data(as_text=True)
    scripts = inline_scripts(page)
    assert any("new DashRenderer()" in s for s in scripts)
    assert any("document.title" in s for s in scripts)  # Dash pages' clientside callback
    assert not any('"requests_pathname_prefix"' in s for s in scripts)  # JSON, not run
    allowed = _policy(response)["script-src"]
    assert {script_hash(s) for s in scripts} <= set(allowed)
    assert allowed[0] == "'self'" and len(allowed) == 1 + len(set(scripts))


def test_auth062_dash_csp_hashes_at_start_up_would_miss_the_pages_script(sqlite_client, tmp_path):
    """Why the hashes come from a rendered index (see security.render_index)."""
    import dash

    from dashboard.app import create_app

    dash.page_registry.clear()
    config = make_config(tmp_path / "other", "sqlite://")
    served = set(_policy(sqlite_client.get("/login"))["script-src"])
    at_start_up = set(create_app(config).csp_hashes())
    assert at_start_up < served


def test_auth063_html_responses_use_secure_cookies_only_over_https(sqlite_client):
    assert "Secure" not in sqlite_client.get("/login").headers["Set-Cookie"]
    https = sqlite_client.get("/login", base_url="https://dash.example")
    assert "Secure" in https.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in https.headers


def test_auth067_force_https_redirects_and_always_sets_secure(make_secured_app, sqlite_app_db):
    client = make_secured_app(sqlite_app_db, force_https=True).server.test_client()
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/login"
    https = client.get("/login", base_url="https://localhost")
    assert https.status_code == 200 and "Secure" in https.headers["Set-Cookie"]


def test_auth064_dash_json_is_not_cached(sqlite_client):
    assert "no-store" in sqlite_client.get("/login").headers["Cache-Control"]
    sign_in(sqlite_client, "dora")
    assert sqlite_client.get("/_dash-layout").headers["Cache-Control"] == "no-store"


def _server_headers(port: int) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.msg.get_all("Server")


def test_auth065_werkzeug_server_sends_no_banner(sqlite_client):
    server = make_server(
        "127.0.0.1", 0, sqlite_client.application, request_handler=NeutralRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert _server_headers(server.server_port) == ["MTSA"]
    finally:
        server.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_auth066_gunicorn_sends_no_banner(tmp_path):
    port = _free_port()
    env = {**os.environ, "AUTH_TEST_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "1", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*gunicorn, "tests.auth.gunicorn_app:create()"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                headers = _server_headers(port)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        assert headers == ["MTSA"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_auth068_inline_script_added_after_init_security_is_reported(
    make_secured_app, sqlite_app_db, caplog
):
    from dash import Input, Output

    app = make_secured_app(sqlite_app_db)
    app.clientside_callback("function(n) { return n; }", Output("late", "children"),
                            Input("late", "id"))  # fmt: skip
    add_users(sqlite_app_db)
    client = app.server.test_client()
    sign_in(client, "dora")
    with caplog.at_level("ERROR", logger="dashboard.auth.security"):
        client.get("/")
    assert "is not allowed by the CSP" in caplog.text
