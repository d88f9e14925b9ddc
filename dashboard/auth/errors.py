"""The one exception the auth package raises for things a person can fix."""

from __future__ import annotations


class AuthError(Exception):
    """A refused account operation; the message is one line, printed as is.

    The command line maps it to ``error: <message>`` and a non-zero exit code, and the
    admin page shows it to the administrator, so it never carries a traceback or a
    password.
    """
