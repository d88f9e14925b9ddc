"""Sign-in over HTTP without a browser: success, failure, lock-out, CSRF, sessions."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from dashboard.auth.views import FAILURE_MESSAGE
from dashboard.config import ConfigError
from tests.auth.conftest import PASSWORD, add_users, audit_rows, csrf_token, sign_in

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


def test_auth030_sign_in_redirects_to_next_and_opens_the_pages(client, app_db_url):
    assert client.get("/").status_code == 302
    response = sign_in(client, "dora", next_url="/safety?tab=listing")
    assert response.status_code == 302
    assert response.headers["Location"] == "/safety?tab=listing"
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert ("sign_in", "dora", "", "127.0.0.1") in audit_rows(app_db_url)


def test_auth031_wrong_password_and_unknown_user_get_the_same_answer(client, app_db_url):
    wrong = sign_in(client, "dora", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert FAILURE_MESSAGE in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).replace("dora", "nobody") == unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302
    events = [(e, u, t) for e, u, t, _ in audit_rows(app_db_url)]
    assert events == [
        ("failed_sign_in", "dora", "wrong password"),
        ("failed_sign_in", "nobody", "unknown user"),
    ]


def test_auth032_five_failures_lock_the_account_even_for_the_right_password(client, app_db_url):
    answers = [sign_in(client, "dora", f"guess number {i}") for i in range(5)]
    locked = sign_in(client, "dora", PASSWORD)
    assert locked.status_code == 401
    bodies = {r.get_data(as_text=True) for r in [*answers, locked]}
    assert len(bodies) == 1 and FAILURE_MESSAGE in bodies.pop()
    assert client.get("/").status_code == 302
    events = [(e, t) for e, _, t, _ in audit_rows(app_db_url)]
    assert events == [("failed_sign_in", "wrong password")] * 5 + [
        ("lock_out", "15 min"),
        ("failed_sign_in", "account locked"),
    ]
    assert sign_in(client, "ivy").status_code == 302  # other accounts unaffected


def test_auth033_missing_or_wrong_csrf_token_is_400_and_signs_nobody_in(sqlite_client):
    csrf_token(sqlite_client)
    form = {"username": "dora", "password": PASSWORD}
    assert sqlite_client.post("/login", data=form).status_code == 400
    assert sqlite_client.post("/login", data={**form, "csrf_token": "x" * 43}).status_code == 400
    assert sqlite_client.get("/").status_code == 302
    assert sqlite_client.get("/_dash-layout").status_code == 401


def test_auth034_csrf_token_of_another_session_is_refused(sqlite_client, make_secured_app):
    stolen = csrf_token(sqlite_client)
    other = sqlite_client.application.test_client()
    csrf_token(other)
    form = {"username": "dora", "password": PASSWORD, "csrf_token": stolen}
    assert other.post("/login", data=form).status_code == 400


def _forged_cookie(secret_key: str, user_id: str) -> str:
    signer = Flask("forger")
    signer.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    return serializer.dumps({"_user_id": user_id, "_fresh": True})


def test_auth035_session_signed_with_another_secret_key_is_not_accepted(sqlite_client):
    server = sqlite_client.application
    sqlite_client.set_cookie("mtsa_session", _forged_cookie("another key " * 4, "1"))
    assert sqlite_client.get("/").status_code == 302
    assert sqlite_client.get("/_dash-layout").status_code == 401
    # The same content signed with the app's key is accepted: the signature is the check.
    sqlite_client.set_cookie("mtsa_session", _forged_cookie(server.secret_key, "1"))
    assert sqlite_client.get("/_dash-layout").status_code == 200


def test_auth036_removed_or_deactivated_user_loses_access_at_once(sqlite_client, sqlite_app_db):
    from dashboard.auth.accounts import remove_user, set_active
    from dashboard.auth.state import auth_state

    sign_in(sqlite_client, "dora")
    assert sqlite_client.get("/_dash-layout").status_code == 200
    with sqlite_client.application.app_context(), auth_state().sessions.begin() as db:
        set_active(db, "dora", False)
    assert sqlite_client.get("/_dash-layout").status_code == 401
    sign_in(sqlite_client, "ivy")
    with sqlite_client.application.app_context(), auth_state().sessions.begin() as db:
        remove_user(db, "ivy")
    assert sqlite_client.get("/").status_code == 302
    add_users(sqlite_app_db, {"ivy": ("investigator", None)})  # same name, new account
    assert sqlite_client.get("/").status_code == 302


def test_auth037_logout_ends_the_session_and_is_audited(sqlite_client, sqlite_app_db):
    sign_in(sqlite_client, "ada")
    response = sqlite_client.get("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sqlite_client.get("/_dash-layout").status_code == 401
    assert audit_rows(sqlite_app_db)[-1][:2] == ("sign_out", "ada")


def test_auth038_session_cookie_flags(sqlite_client):
    cookie = sqlite_client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = sqlite_client.get("/login", base_url="https://dashboard.example")
    assert "Secure" in https.headers["Set-Cookie"]


def test_auth039_client_address_ignores_x_forwarded_for_unless_trusted(
    make_secured_app, sqlite_app_db, tmp_path
):
    spoof = {"X-Forwarded-For": "198.51.100.9"}
    client = make_secured_app(sqlite_app_db).server.test_client()
    add_users(sqlite_app_db)
    token = csrf_token(client)
    form = {"username": "dora", "password": "wrong!", "csrf_token": token}
    client.post("/login", data=form, headers=spoof, environ_base=ADDRESS)
    trusted = make_secured_app(sqlite_app_db, trust_proxy=True).server.test_client()
    form["csrf_token"] = csrf_token(trusted)
    trusted.post("/login", data=form, headers=spoof, environ_base=ADDRESS)
    assert [row[3] for row in audit_rows(sqlite_app_db)] == ["203.0.113.7", "198.51.100.9"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/login",
    ],
)
def test_auth040_next_never_leaves_the_site(sqlite_client, target):
    response = sign_in(sqlite_client, "dora", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_auth041_login_form_has_the_contract_fields_and_no_inline_script(sqlite_client):
    page = sqlite_client.get("/login?next=/sites").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"', 'value="/sites"'):
        assert field in page
    assert "MTSA · NCT03439371" in page
    assert "/assets/00-bootstrap-5.3.6.min.css" in page
    assert "<script" not in page


@pytest.mark.parametrize(("key", "message"), [(None, "SECRET_KEY is not set"), ("k" * 8, "short")])
def test_auth042_no_usable_secret_key_outside_testing_refuses_to_start(sqlite_app_db, key, message):
    from types import SimpleNamespace

    from dashboard.auth import init_auth

    config = SimpleNamespace(app_database_url=sqlite_app_db, secret_key=key, testing=False)
    with pytest.raises(ConfigError, match=message):
        init_auth(Flask("bare"), config)
