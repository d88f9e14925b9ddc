"""Wiring sign-in into the Flask server under Dash: ``init_auth(server, config)``.

Everything is enforced on the server, for every request, before Dash or any view
sees it (``docs/roles.md``):

- a global ``before_request`` guard lets through without a session only the sign-in
  page and static files; Dash's JSON endpoints and ``/api`` answer 401, any other
  path redirects to ``/login?next=<path>``;
- the user is reloaded from the app database on every request, so removing or
  deactivating an account ends its sessions at once (the cookie alone is not enough);
- sessions are Flask's signed cookies (``SECRET_KEY``, the same for all workers),
  HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

import logging
import secrets

import flask
from flask import jsonify, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.auth.database import make_app_engine, make_sessionmaker, upgrade_app_database
from dashboard.auth.models import User
from dashboard.auth.state import EXTENSION, AuthState, SignedInUser, secure_cookies_forced
from dashboard.auth.views import blueprint
from dashboard.config import ConfigError

log = logging.getLogger(__name__)
MIN_SECRET_KEY_LENGTH = 32
PUBLIC_PATHS = frozenset({"/login", "/logout", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with Secure set per request when it is HTTPS.

    ``SESSION_COOKIE_SECURE`` forces Secure always (set it when the app is only ever
    served over HTTPS); otherwise plain-HTTP development keeps working.
    """

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        forced = bool(app.config["SESSION_COOKIE_SECURE"])
        return forced or (flask.has_request_context() and request.is_secure)


def _secret_key(config) -> str:
    key = getattr(config, "secret_key", None)
    if key:
        if len(key) < MIN_SECRET_KEY_LENGTH and not getattr(config, "testing", False):
            raise ConfigError(
                f"SECRET_KEY is too short ({len(key)} characters, need "
                f"{MIN_SECRET_KEY_LENGTH}+): generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        return key
    if getattr(config, "testing", False):
        return secrets.token_hex(32)
    raise ConfigError(
        "SECRET_KEY is not set: sessions cannot be signed. Set SECRET_KEY (the same value "
        "for every gunicorn worker); `make run` writes one to instance/secret_key."
    )


def _load_user(user_id: str) -> SignedInUser | None:
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    state: AuthState = flask.current_app.extensions[EXTENSION]
    with state.sessions() as session:
        user = session.get(User, key)
        if user is None or not user.active:
            return None
        return SignedInUser(user.id, user.username, user.role, user.site_id)


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _wants_json(path: str) -> bool:
    return path.startswith("/_") or path == "/api" or path.startswith("/api/")


def _guard():
    """Turn away requests without a session (see the module docstring)."""
    path = request.path
    if _is_public(path) or current_user.is_authenticated:
        return None
    if _wants_json(path):
        response = jsonify(error="sign-in required", login="/login")
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else path
    return redirect(url_for("auth.login", next=target))


def init_auth(server: flask.Flask, config) -> None:
    """Add sign-in, the session guard and the app database to ``server``.

    Parameters
    ----------
    server
        The Flask server of the Dash app (``app.server``).
    config
        ``dashboard.config.Config``: ``app_database_url``, ``secret_key`` and
        ``testing`` are used; optional ``trust_proxy`` (bool) installs ProxyFix so
        that client addresses and HTTPS come from the proxy's X-Forwarded-* headers,
        and ``session_cookie_secure`` (bool) forces Secure cookies.

    Raises
    ------
    ConfigError
        Without ``secret_key`` outside testing: unsigned or per-worker random keys
        would make every sign-in fail on the next worker or after a restart.
    """
    server.config.update(
        SECRET_KEY=_secret_key(config),
        SESSION_COOKIE_NAME="mtsa_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies_forced(config),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    server.session_interface = _SessionInterface()
    if getattr(config, "trust_proxy", False):
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)

    engine = make_app_engine(config.app_database_url)
    upgrade_app_database(engine)
    server.extensions[EXTENSION] = AuthState(engine, make_sessionmaker(engine))

    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    manager.init_app(server)
    server.register_blueprint(blueprint)
    server.before_request(_guard)
