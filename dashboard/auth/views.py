"""``/login`` and ``/logout``: a plain HTML form, no JavaScript.

The form works before any Dash code loads and under the strict CSP (no inline
script). Its CSRF token lives in the signed session cookie and in a hidden field; a
POST whose field does not match is refused with 400 before any password is checked.
Every failure shows the same message, so the page never says whether a user name
exists or an account is locked.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import flask
from flask import Blueprint, redirect, render_template_string, request, session
from flask_login import current_user, login_user, logout_user

from dashboard.auth.accounts import sign_in
from dashboard.auth.audit import client_address, record
from dashboard.auth.state import SignedInUser, auth_state

blueprint = Blueprint("auth", __name__)
CSRF_KEY = "csrf_token"
FAILURE_MESSAGE = (
    "Sign-in failed: the user name or password is wrong, or the account is locked. "
    "Check them and try again later, or ask an administrator."
)
TRIAL_LABEL = "MTSA · NCT03439371"
LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · MTSA</title>
  <link rel="stylesheet" href="/assets/00-bootstrap-5.3.6.min.css">
  <link rel="icon" href="/_favicon.ico">
</head>
<body class="bg-light">
  <main class="container py-5">
    <div class="row justify-content-center">
      <div class="col-sm-9 col-md-6 col-lg-4">
        <h1 class="h4 mb-1">{{ trial }}</h1>
        <p class="text-secondary mb-4">Trial monitoring dashboard: sign in to continue.</p>
        {% if message %}<div class="alert alert-danger" role="alert">{{ message }}</div>{% endif %}
        <form method="post" action="/login" class="card card-body shadow-sm">
          <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
          <input type="hidden" name="next" value="{{ next }}">
          <label for="username" class="form-label">User name</label>
          <input id="username" name="username" class="form-control mb-3" required
                 autocomplete="username" autocapitalize="none" autofocus value="{{ username }}">
          <label for="password" class="form-label">Password</label>
          <input id="password" name="password" type="password" class="form-control mb-4"
                 required autocomplete="current-password">
          <button type="submit" class="btn btn-primary">Sign in</button>
        </form>
      </div>
    </div>
  </main>
</body>
</html>
"""


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``"/"`` (no open redirect).

    Only a relative path starting with a single ``/`` passes: ``//host``, ``/\\host``,
    any scheme or host, and control characters (which browsers strip, turning
    ``/\\t/host`` into ``//host``) are refused.
    """
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return value


def _csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _page(message: str = "", username: str = "", status: int = 200, next_url: str = "/"):
    html = render_template_string(
        LOGIN_PAGE,
        trial=TRIAL_LABEL,
        message=message,
        csrf_token=_csrf_token(),
        next=next_url,
        username=username,
    )
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/login")
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    return _page(next_url=next_url)


@blueprint.post("/login")
def login_post():
    expected = session.get(CSRF_KEY)
    sent = request.form.get(CSRF_KEY, "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        response = flask.make_response(
            "The sign-in form has expired or did not come from this site. "
            "Open /login again and sign in.",
            400,
        )
        response.mimetype = "text/plain"
        return response
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"))
    state = auth_state()
    address = client_address()
    with state.sessions.begin() as db:
        result = sign_in(db, username, password)
        if result.user is None:
            record(
                db,
                "failed_sign_in",
                username=username,
                target=result.reason,
                client_address=address,
            )
            if result.locked_now:
                record(db, "lock_out", username=username, target="15 min", client_address=address)
        else:
            record(db, "sign_in", username=result.user.username, client_address=address)
    if result.user is None:
        return _page(FAILURE_MESSAGE, username=username, status=401, next_url=next_url)
    user = result.user
    session.clear()  # no fixation: nothing from before sign-in survives
    login_user(SignedInUser(user.id, user.username, user.role, user.site_id))
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    return redirect(next_url)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    if current_user.is_authenticated:
        state = auth_state()
        with state.sessions.begin() as db:
            record(db, "sign_out", username=current_user.username, client_address=client_address())
    logout_user()
    session.clear()
    return redirect("/login")
