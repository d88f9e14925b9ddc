"""Security headers with Flask-Talisman, and a Content-Security-Policy that fits Dash.

The policy, and why each source is there (Dash 4.4, Plotly.js 4.1 via plotly 7.1):

``default-src 'self'``
    Everything (scripts, CSS, fonts, the map topology) is served from this app; no CDN.
``script-src 'self' 'sha256-...'``
    Dash's bundles come from ``/_dash-component-suites``. Its index page also carries
    inline scripts: ``var renderer = new DashRenderer();`` and one block defining the
    inline clientside callbacks (Dash pages adds one that sets the document title).
    They are allowed by hash, computed from the index as this app renders it (see
    :func:`inline_script_hashes`). The ``_dash-config`` block is JSON
    (``type="application/json"``), which browsers never execute, so it needs no hash.
    No ``'unsafe-inline'`` and no ``'unsafe-eval'``: Plotly needs eval only for its
    WebGL (regl) traces, and the plotly.js this app serves
    (``assets/00-plotly-*-custom.min.js``) has just one, the "strict" ``scattergl``
    with precompiled WebGL code, which needs none. ``splom``, ``parcoords`` and
    ``scatterpolargl`` are not in it (see ``tools/plotly-bundle/entry.js``).
``style-src 'self' 'unsafe-inline'``
    React sets ``style`` attributes and Plotly injects ``<style>`` elements at run time.
``img-src 'self' data: blob:``
    Bootstrap's icons are ``data:`` SVGs; Plotly's "download plot" renders through
    ``data:``/``blob:`` images.
``font-src 'self' data:``
    Vendored fonts, and fonts inlined in the vendored CSS.
``connect-src 'self'``
    Dash's callbacks, the live poll and ``/api`` all go to this app.
``frame-ancestors 'none'`` (and X-Frame-Options DENY for old browsers)
    No framing, so no click-jacking.
``base-uri 'self'; form-action 'self'; object-src 'none'``
    Closing the usual gaps: no foreign ``<base>``, forms post only here, no plugins.

The Server header names no software: the app sets ``Server: MTSA``, gunicorn's banner
is replaced by the same word, and :class:`NeutralRequestHandler` keeps Werkzeug's
development server from adding its own.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sys

import flask
from flask_talisman import Talisman
from werkzeug.serving import WSGIRequestHandler

from dashboard.auth.state import secure_cookies_forced

log = logging.getLogger(__name__)
SERVER_NAME = "MTSA"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
_JS_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript"}
_NO_STORE_PREFIXES = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/api")


def inline_scripts(html: str) -> list[str]:
    """Bodies of the executable inline ``<script>`` blocks of an HTML page.

    Comments are dropped first (Dash's ``<!--[if IE]><script>`` block is a comment to
    every current browser), and so are blocks with ``src`` or a non-JavaScript type.
    """
    bodies = []
    for attrs, body in _SCRIPT.findall(_COMMENT.sub("", html)):
        kind = _TYPE.search(attrs)
        if _SRC.search(attrs) or (kind and kind.group(1).lower() not in _JS_TYPES):
            continue
        if body:
            bodies.append(body)
    return bodies


def script_hash(body: str) -> str:
    """The CSP source for one inline script: ``'sha256-<base64 digest>'``."""
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def render_index(dash_app) -> str:
    """The Dash index page exactly as a first visitor would get it.

    Dash defers part of its setup to the first request: with ``use_pages`` the
    clientside callback that sets the page title (an inline script) is registered only
    then, so ``Dash.csp_hashes()`` called at start-up misses it. Running the server's
    ``before_request`` hooks in a test request context performs that setup now (it runs
    once per process either way); their response, such as the sign-in redirect, is
    ignored, and no request is served.
    """
    server = dash_app.server
    with server.test_request_context("/"):
        server.preprocess_request()
        return dash_app.index()


def inline_script_hashes(dash_app) -> list[str]:
    """CSP hashes of every inline script of ``dash_app``'s index, in page order.

    Call it after every callback (in particular every inline ``clientside_callback``)
    is registered: a script added later is refused by the browser (and logged by the
    check that ``init_security`` installs).
    """
    return list(dict.fromkeys(script_hash(body) for body in inline_scripts(render_index(dash_app))))


def content_security_policy(script_hashes: list[str]) -> dict[str, str | list[str]]:
    """The policy of the module docstring, with ``script_hashes`` allowed."""
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "object-src": "'none'",
    }


class NeutralRequestHandler(WSGIRequestHandler):
    """Werkzeug's development request handler without its ``Server: Werkzeug/x Python/y``.

    Use it with ``app.run(..., request_handler=NeutralRequestHandler)``; the app's own
    ``Server: MTSA`` header is then the only one.
    """

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


def _neutral_gunicorn_banner() -> None:
    """Make gunicorn send ``Server: MTSA`` instead of ``Server: gunicorn``.

    Gunicorn always writes its own Server header (a second one from the app would be
    added, not replace it) and has no setting for it; its value is a module constant
    read for each response, set here in the worker that loads this app.
    """
    if "gunicorn" not in sys.modules:
        return
    try:
        import gunicorn.http.wsgi as gunicorn_wsgi
    except ImportError:  # pragma: no cover - gunicorn without its HTTP module
        return
    gunicorn_wsgi.SERVER = SERVER_NAME


def _after_request(allowed: set[str], reported: set[str]):
    def finish(response: flask.Response) -> flask.Response:
        software = flask.request.environ.get("SERVER_SOFTWARE", "")
        if not software.startswith("gunicorn"):
            response.headers["Server"] = SERVER_NAME
        if flask.request.path.startswith(_NO_STORE_PREFIXES):
            response.headers.setdefault("Cache-Control", "no-store")
        if (
            response.mimetype == "text/html"
            and not response.direct_passthrough
            and b'id="_dash-renderer"' in response.get_data()
        ):
            for body in inline_scripts(response.get_data(as_text=True)):
                source = script_hash(body)
                if source not in allowed and source not in reported:
                    reported.add(source)
                    log.error(
                        "inline script %s is not allowed by the CSP: call init_security "
                        "after every clientside callback is registered",
                        source,
                    )
        return response

    return finish


def init_security(server: flask.Flask, config, dash_app=None) -> Talisman:
    """Add the CSP and other security headers to every response of ``server``.

    Parameters
    ----------
    server
        The Flask server (``dash_app.server``).
    config
        Optional fields: ``force_https`` (redirect HTTP to HTTPS, default False: a
        TLS-terminating proxy usually does it) and ``session_cookie_secure``.
    dash_app
        The Dash app, whose inline scripts are hashed into ``script-src``; without it
        no inline script may run (fine for a plain Flask app).
    """
    hashes = inline_script_hashes(dash_app) if dash_app is not None else []
    force_https = bool(getattr(config, "force_https", False))
    talisman = Talisman(
        server,
        force_https=force_https,
        frame_options="DENY",
        content_security_policy=content_security_policy(hashes),
        referrer_policy="same-origin",
        permissions_policy={
            "browsing-topics": "()",
            "camera": "()",
            "geolocation": "()",
            "microphone": "()",
        },
        session_cookie_secure=False,  # Secure per request, see dashboard.auth.web
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
    )
    if secure_cookies_forced(config):
        server.config["SESSION_COOKIE_SECURE"] = True
    server.after_request(_after_request(set(hashes), set()))
    _neutral_gunicorn_banner()
    return talisman
