"""``python -m dashboard users ...``: accounts in the app database, from the terminal.

``add_users_parser`` plugs the ``users`` command into the dashboard's argparse tree;
``main`` runs it on its own (``python -m dashboard.auth.cli users list``). Failures
raise :class:`AuthError` with a one-line message. Every command first brings the app
database's schema up to date, so a fresh installation needs no separate step.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError as AlembicError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard.auth.accounts import add_user, count_users, list_users, remove_user
from dashboard.auth.audit import record
from dashboard.auth.database import make_app_engine, make_sessionmaker, upgrade_app_database
from dashboard.auth.errors import AuthError
from dashboard.auth.models import utc_now
from dashboard.auth.reviews import list_reviews
from dashboard.auth.roles import ROLES

#: (user name, role) of the demo accounts: named after their role, to be easy to try.
DEMO_ACCOUNTS = tuple((role, role) for role in ROLES)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _app_db(url: str):
    """A transaction on the app database (schema upgraded first); errors become one line."""
    engine = make_app_engine(url)
    try:
        upgrade_app_database(engine)
        with make_sessionmaker(engine).begin() as session:
            yield session
    except (SQLAlchemyError, AlembicError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        shown = make_url(url).render_as_string(hide_password=True)
        raise AuthError(f"app database {shown}: {reason}") from error
    finally:
        engine.dispose()


def _app_url(args) -> str:
    if args.app_database_url:
        return args.app_database_url
    from dashboard.config import load_config

    return load_config().app_database_url


def audit_command(args, event: str, target: str) -> None:
    """Record in the audit log what a command-line user did to the data (an import)."""
    with _app_db(_app_url(args)) as session:
        record(session, event, username=_actor(), target=target)


def reviewed_versions(args) -> set[int]:
    """The data versions a DSMB review recorded (so that removing old versions keeps them)."""
    with _app_db(_app_url(args)) as session:
        return {review.data_version for review in list_reviews(session)}


def check_audit_log(args) -> None:
    """Make sure the audit log can be written (database reachable, schema current)
    before a command changes data that it must audit."""
    with _app_db(_app_url(args)):
        pass


def app_database_option() -> argparse.ArgumentParser:
    """``--app-database-url``, for the commands that write accounts or the audit log."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--app-database-url",
        help="accounts and audit log (default: APP_DATABASE_URL or sqlite:///instance/app.db)",
    )
    return parser


def read_password(from_stdin: bool) -> str:
    """The new password: first line of stdin, or typed twice without echo."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise AuthError("no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise AuthError("no terminal to ask for the password: pipe it with --password-stdin")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise AuthError("the two passwords differ: nothing was changed")
    return first


def cmd_add(args) -> int:
    password = read_password(args.password_stdin)
    with _app_db(_app_url(args)) as session:
        user = add_user(session, args.name, args.role, password, args.site)
        scope = f", site {user.site_id}" if user.site_id else ""
        target = f"{user.username} ({user.role}{scope})"
        record(session, "user_added", username=_actor(), target=target)
    print(f"added user {args.name} ({args.role}{scope})")
    return 0


def cmd_remove(args) -> int:
    with _app_db(_app_url(args)) as session:
        remove_user(session, args.name)
        record(session, "user_removed", username=_actor(), target=args.name)
    print(f"removed user {args.name}")
    return 0


def cmd_list(args) -> int:
    now = utc_now()
    with _app_db(_app_url(args)) as session:
        rows = [
            (
                u.username,
                u.role,
                u.site_id or "-",
                "yes" if u.active else "no",
                f"until {u.locked_until:%Y-%m-%d %H:%M} UTC" if u.is_locked(now) else "no",
            )
            for u in list_users(session)
        ]
    if not rows:
        print("no users: add one with `python -m dashboard users add NAME --role ROLE`")
        return 0
    header = ("name", "role", "site", "active", "locked")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def ensure_demo_users(url: str) -> list[tuple[str, str, str]]:
    """One account per role with a random password, only if there are no accounts.

    Returns
    -------
    list of (name, role, password)
        What was created (empty when accounts already existed), so that ``make run``
        can print the passwords once; they are stored only as hashes.
    """
    created = []
    with _app_db(url) as session:
        if count_users(session):
            return []
        for name, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            add_user(session, name, role, password)
            record(session, "user_added", username=_actor(), target=f"{name} ({role}, demo)")
            created.append((name, role, password))
    return created


def cmd_demo(args) -> int:
    """Create the demo accounts; with ``--save FILE`` keep them (mode 600) to show again."""
    created = ensure_demo_users(_app_url(args))
    saved = Path(args.save) if args.save else None
    if created:
        text = "".join(f"  {name:<13} {role:<13} {password}\n" for name, role, password in created)
        if saved is not None:
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.touch(mode=0o600)
            saved.write_text(text, encoding="utf-8")
    elif saved is not None and saved.exists():
        text = saved.read_text(encoding="utf-8")
    else:
        print("accounts already exist: no demo accounts created")
        return 0
    print("demo accounts (sign in at /login):")
    print(text, end="")
    return 0


def add_users_parser(subparsers, common_parent: argparse.ArgumentParser | None = None):
    """Add ``users add|list|remove|demo`` to an argparse subparsers object.

    Each action gets ``--app-database-url`` (default ``APP_DATABASE_URL``), the
    options of ``common_parent`` (the dashboard's ``--database-url``) and a ``func``
    default taking the parsed arguments and returning the exit code.
    """
    parents = [common_parent] if common_parent is not None else []
    app_db = app_database_option()
    users = subparsers.add_parser("users", help="accounts: add, list, remove")
    actions = users.add_subparsers(dest="users_action", required=True, metavar="ACTION")

    def action(name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, parents=[*parents, app_db], help=help_text)
        parser.set_defaults(func=func)
        return parser

    p = action("add", cmd_add, "add an account (asks for the password twice)")
    p.add_argument("name", metavar="NAME", help="user name")
    p.add_argument("--role", required=True, choices=ROLES, help="what the account may see")
    p.add_argument("--site", metavar="SITE_ID", help="restrict an investigator to one site")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    action("list", cmd_list, "list accounts")
    p = action("remove", cmd_remove, "remove an account (its sessions end at once)")
    p.add_argument("name", metavar="NAME", help="user name")
    p = action("demo", cmd_demo, "create one demo account per role if there are none")
    p.add_argument("--save", metavar="FILE", help="keep the demo passwords in FILE to show again")
    return users


def main(argv: list[str] | None = None) -> int:
    """Run ``users ...`` alone: one-line errors on stderr, exit code 1."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="MTSA accounts.")
    add_users_parser(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except AuthError as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("error: interrupted: nothing was changed", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
