"""Engines for the trial database: a writable one for loaders, a read-only one for the app.

The web app must never be able to change trial data, so its engine is read-only at
the driver level (SQLite ``mode=ro``; PostgreSQL ``default_transaction_read_only``)
rather than by convention. Pool settings favour recovery after an outage: connections
are checked before use and connecting gives up quickly.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing, suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from data_access.schema import Base

CONNECT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_SECONDS = 30
# The web app's PostgreSQL connections give up on a network that silently drops packets
# (no reset, no refusal): unacknowledged bytes for 10 s, or an idle connection whose
# keepalive probes go unanswered for about 20 s, end the connection instead of leaving a
# poll waiting for the kernel's retransmission limit (about 15 minutes on Linux). Only
# the read-only engine: a loader's long writes are not cut short.
READ_ONLY_TCP_SETTINGS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "tcp_user_timeout": 10_000,  # milliseconds
}


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_engine(path: Path, read_only: bool) -> Engine:
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro"

        def connect():
            return sqlite3.connect(
                uri, uri=True, timeout=SQLITE_BUSY_SECONDS, check_same_thread=False
            )

        # A file, not memory: a queue of connections, each used by one thread at a time.
        # The default for "sqlite://" (SingletonThreadPool) closes connections beyond five
        # threads while other threads still use them, which crashed the process (a
        # segfault in sqlite3) under a page's concurrent callbacks.
        engine = create_engine(
            "sqlite://", creator=connect, poolclass=QueuePool, pool_pre_ping=True
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # Python's sqlite3 (legacy transaction control) sends no BEGIN before a SELECT,
        # so each SELECT would read whatever was last committed: a snapshot read while a
        # load commits would mix two versions. SQLAlchemy sends BEGIN instead (the
        # recipe of its SQLite dialect documentation), so a transaction holds its read
        # lock from the first statement to the last.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if read_only:
            roll_back_hot_journal(path)
        conn.exec_driver_sql("BEGIN")

    return engine


def roll_back_hot_journal(path: Path) -> None:
    """Undo what a writer that died mid-transaction left in the file, if anything.

    A load killed after some of its pages reached the database file leaves a "hot"
    rollback journal; SQLite must roll it back before anyone reads, and a read-only
    connection cannot ("attempt to write a readonly database"), so the dashboard
    would fail until the next load. A writable connection's first read does it: when
    the journal is a live writer's, the read just waits or passes and nothing changes.
    If the file cannot be opened for writing, the read-only read then says why.
    """
    if not path.with_name(path.name + "-journal").exists():
        return
    with suppress(sqlite3.Error), closing(sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS)) as db:
        db.execute("PRAGMA schema_version").fetchone()


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Engine for ``url``; ``read_only`` for the web app, which must not write."""
    path = sqlite_path(url)
    if path is not None:
        return _sqlite_engine(path, read_only)
    connect_args = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
            connect_args.update(READ_ONLY_TCP_SETTINGS)
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_recycle=1800)


def create_schema(engine: Engine) -> None:
    """Create missing trial tables, columns and indexes; rows are left as they are.

    A database written by an earlier release lacks the columns added since; they are all
    optional, so adding them empty brings the database up to date without a migration.
    """
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable:
                    raise RuntimeError(
                        f"the trial database's table {table.name} lacks the required column "
                        f"{column.name}: load the data into a new database"
                    )
                quote = conn.dialect.identifier_preparer.quote
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(
                    f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"
                )
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def database_exists(url: str) -> bool:
    """Whether a SQLite file is there; other databases are assumed to exist."""
    path = sqlite_path(url)
    return path is None or path.exists()
