"""The app database: engines, sessions and ``upgrade_app_database``.

The app database (``APP_DATABASE_URL``) holds accounts and the audit log; it is
separate from the trial database, which the web app opens read-only. Its schema is
managed by the Alembic scripts in ``migrations/`` and brought up to date by the app at
start and by every ``users`` command, so nobody has to run ``alembic`` by hand.
Several gunicorn workers may start at once on a fresh database: the upgrade is
serialised by a PostgreSQL advisory lock, or a lock file beside a SQLite file.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Not Alembic's default name, in case both databases share one PostgreSQL database.
VERSION_TABLE = "app_alembic_version"
_ADVISORY_LOCK_KEY = 0x4D545341  # "MTSA"
SQLITE_BUSY_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5

_current: set[str] = set()  # URLs found up to date in this process
_current_lock = threading.Lock()


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_app_engine(url: str) -> Engine:
    """A pooled engine for the app database; creates a SQLite file's folder if needed.

    SQLite gets WAL journaling and a busy timeout because several workers write audit
    rows at the same time; PostgreSQL connections give up quickly when the server is
    down instead of hanging a request.
    """
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    connect_args = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_recycle=1800)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    """Sessions whose objects stay readable after commit (they are short-lived)."""
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()


@contextlib.contextmanager
def _sqlite_file_lock(path: Path):
    try:
        import fcntl
    except ImportError:  # not POSIX: rely on the database's own locking
        yield
        return
    lock_path = path.with_name(path.name + ".migrate-lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_app_database(url_or_engine: str | Engine) -> None:
    """Bring the app database's schema to the newest revision; idempotent.

    Fast when current: one query of the version table per URL, and nothing at all
    after the first success in this process.
    """
    owned = isinstance(url_or_engine, str)
    engine = make_app_engine(url_or_engine) if owned else url_or_engine
    key = engine.url.render_as_string(hide_password=False)
    try:
        with _current_lock:
            if key in _current:
                return
            head = head_revision()
            if current_revision(engine) != head:
                _upgrade(engine)
            _current.add(key)
    finally:
        if owned:
            engine.dispose()


def _upgrade(engine: Engine) -> None:
    config = _alembic_config()
    path = _sqlite_file(engine.url.render_as_string(hide_password=False))
    lock = _sqlite_file_lock(path) if path is not None else contextlib.nullcontext()
    with lock, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def forget_upgrades() -> None:
    """Forget which databases were found current (for tests that drop tables)."""
    with _current_lock:
        _current.clear()
