"""Alembic environment for the app database (accounts and audit log).

Normally run by ``dashboard.auth.database.upgrade_app_database``, which passes an open
connection in ``config.attributes["connection"]``. For ``alembic`` on the command line
(``alembic -c <ini with script_location = dashboard/auth/migrations>``) the URL comes
from ``sqlalchemy.url`` or ``APP_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from dashboard.auth.database import VERSION_TABLE
from dashboard.auth.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("APP_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or APP_DATABASE_URL to migrate the app database")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()
