"""``python -m dashboard sync redcap``: pull a REDCap project over its API (``docs/redcap.md``).

The token comes from the environment (``REDCAP_API_TOKEN``) or a file
(``--token-file``), never from the command line, where other users of the machine
could read it in the process list; it is never printed. ``--once`` runs once and exits
non-zero when the run failed (for cron and systemd timers); ``--every MINUTES`` keeps
running and tries again after a failure with a growing delay.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from dashboard.cli import (
    EXIT_ERROR,
    CommandError,
    _cdisc_options,
    _date,
    _engine,
    _positive_float,
    _positive_int,
)

TOKEN_ENV = "REDCAP_API_TOKEN"


def add_sync_parser(subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``sync redcap`` to the command line's subparsers."""
    from dashboard.auth.cli import app_database_option

    sync = subparsers.add_parser("sync", help="pull the trial data from a REDCap project's API")
    sources = sync.add_subparsers(dest="source", required=True, metavar="SOURCE")
    p = sources.add_parser(
        "redcap",
        parents=[common, app_database_option()],
        help="read a REDCap project with PyCap; load a new data version when it changed",
        description=f"The API token is read from {TOKEN_ENV} or --token-file, never from "
        "the command line.",
    )
    p.add_argument(
        "--url", required=True, metavar="URL", help="the API's address (https://.../api/)"
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--once", action="store_true", help="one run; exit code 1 if it failed")
    when.add_argument(
        "--every",
        type=_positive_float,
        metavar="MINUTES",
        help="a run every MINUTES, until stopped",
    )
    p.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help=f"read the API token from FILE (default: the environment variable {TOKEN_ENV})",
    )
    p.add_argument("--mapping", type=Path, metavar="FILE", help="the study's mapping (TOML)")
    p.add_argument(
        "--sites", type=Path, metavar="FILE", help="sites and milestones (sites.csv format)"
    )
    p.add_argument("--target", type=_positive_int, metavar="N", help="target enrollment")
    p.add_argument("--data-cut", type=_date, metavar="DATE", help="data cut (YYYY-MM-DD)")
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="give up when REDCap does not answer for SECONDS (60)",
    )
    p.add_argument(
        "--retry-after",
        type=_positive_float,
        default=60.0,
        metavar="SECONDS",
        help="--every: first retry after a failure (60), then twice as long each time, "
        "at most 30 minutes or MINUTES",
    )
    p.add_argument("--runs", type=_positive_int, metavar="N", help="--every: stop after N runs")
    p.set_defaults(func=cmd_sync_redcap)


def read_token(args) -> str:
    """The API token, from ``--token-file`` or the environment; checked, never shown."""
    from data_access.redcap.client import token_problem

    if args.token_file is not None:
        where = str(args.token_file)
        try:
            token = args.token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise CommandError(f"{where}: cannot read the token file: {reason}") from None
    else:
        where = TOKEN_ENV
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise CommandError(
                f"no API token: set {TOKEN_ENV} or give --token-file FILE "
                "(a token is never taken on the command line)"
            )
    problem = token_problem(token, where)
    if problem:
        raise CommandError(problem)
    return token


def cmd_sync_redcap(args) -> int:
    from dashboard.auth.cli import audit_command, check_audit_log
    from data_access.redcap.client import ApiSource, scrub, url_problem
    from data_access.redcap.sync import Schedule, run_every, sync_once

    if args.runs is not None and args.every is None:
        raise CommandError("--runs is for --every")
    problem = url_problem(args.url)
    if problem:
        raise CommandError(problem)
    for flag, path in (("--mapping", args.mapping), ("--sites", args.sites)):
        if path is not None and not path.is_file():
            raise CommandError(f"{flag} {path}: no such file")
    token = read_token(args)
    options, _given = _cdisc_options(args)
    source = ApiSource(args.url, token, args.timeout)
    engine = _engine(args)
    check_audit_log(args)  # a load that cannot be audited is not made

    def run():
        result = sync_once(engine, source, options)
        if result.outcome == "ok":
            audit_command(args, "data_import", f"sync: {result.report.audit_text()}")
        return result

    if args.once:
        try:
            result = run()
        except SQLAlchemyError:
            raise  # one line naming the database, from the command line's handler
        except Exception as error:  # one line, and never the token
            detail = " ".join(scrub(str(error), token).split())
            raise CommandError(f"unexpected {error.__class__.__name__}: {detail}") from None
        _print(result, None, token)
        return EXIT_ERROR if result.outcome == "failed" else 0

    schedule = Schedule(args.every * 60, first_retry=args.retry_after, runs=args.runs)
    signal.signal(signal.SIGTERM, _stop)  # systemd stops a service with SIGTERM
    print(f"syncing {args.url} every {args.every:g} min (stop with Ctrl-C)", flush=True)
    try:
        result = run_every(run, schedule, lambda r, wait: _print(r, wait, token))
    except KeyboardInterrupt:
        print("sync stopped", flush=True)
        return 0
    return EXIT_ERROR if result.outcome == "failed" else 0


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def _print(result, wait: float | None, token: str) -> None:
    from data_access.redcap.client import scrub

    lines = [scrub(line, token) for line in result.lines()]
    failed = result.outcome == "failed"
    if wait is not None:
        lines[-1] += f"; next run in {_duration(wait)}"
    stream = sys.stderr if failed else sys.stdout
    if failed and wait is None and lines:
        lines[-1] = f"error: {lines[-1]}"
    for line in lines:
        print(line, file=stream, flush=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:g} s"
    return f"{seconds / 60:g} min"
