"""The exception the auth package raises for things a person can fix, and the one
its callers catch when the app database cannot be read or written."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

#: The app database is down, locked or broken: callers show a message and carry on.
AuthDatabaseError = SQLAlchemyError


class AuthError(Exception):
    """A refused account operation; the message is one line, printed as is.

    The command line maps it to ``error: <message>`` and a non-zero exit code, and the
    admin page shows it to the administrator, so it never carries a traceback or a
    password.
    """
