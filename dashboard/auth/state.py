"""What ``init_auth`` keeps on the server, and the request's user object."""

from __future__ import annotations

from dataclasses import dataclass

import flask
from flask_login import UserMixin
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

EXTENSION = "mtsa_auth"


@dataclass(frozen=True)
class AuthState:
    """The app database of this server: ``server.extensions["mtsa_auth"]``."""

    engine: Engine
    sessions: sessionmaker


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """The request's user: a plain copy of the account row, never a live ORM object."""

    id: int
    username: str
    role: str
    site_id: str | None

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_system(self) -> bool:
        """A stand-in for the system (the warmer of new data versions), never a person:
        account names cannot hold a colon, system names do."""
        return ":" in self.username


def secure_cookies_forced(config) -> bool:
    """Whether cookies are Secure on every response, not only on HTTPS requests.

    ``session_cookie_secure`` or ``force_https`` in the config (both optional, default
    False) turn it on; ``init_auth`` and ``init_security`` both honour it, whichever
    runs last.
    """
    return bool(getattr(config, "session_cookie_secure", False)) or bool(
        getattr(config, "force_https", False)
    )


def auth_state() -> AuthState:
    """The app database of the running server (inside a request or app context)."""
    return flask.current_app.extensions[EXTENSION]
