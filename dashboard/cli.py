"""``python -m dashboard COMMAND``: load data, serve the app, print the numbers of a panel.

Errors are one line on stderr and a non-zero exit code, never a traceback: users run
these commands from scripts and read their messages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from dashboard.auth.errors import AuthError
from dashboard.config import ConfigError, load_config

EXIT_ERROR = 1
EXIT_USAGE = 2
log = logging.getLogger("dashboard.cli")


class CommandError(Exception):
    """A failure the user can act on; its message is printed as is."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {value}")
    return value


def _engine(args, *, read_only: bool = False, must_exist: bool = False):
    """Engine for ``--database-url``; readers (and ``must_exist``) refuse a SQLite file that
    is not there."""
    from data_access.engine import database_exists, make_engine

    if (read_only or must_exist) and not database_exists(args.database_url):
        raise CommandError(
            f"no trial database at {args.database_url}: "
            "run `python -m dashboard import DIR` or `python -m dashboard demo-db` first"
        )
    return make_engine(args.database_url, read_only=read_only)


def _has_data(engine) -> bool:
    from data_access.queries import has_schema, latest_version_number

    with engine.connect() as conn:
        return has_schema(conn) and latest_version_number(conn) is not None


# --- commands ------------------------------------------------------------------------


def _cdisc_options(args):
    from data_access.cdisc import TrialSettings
    from data_access.importing import CdiscOptions

    given = [
        flag
        for flag, value in (
            ("--mapping", args.mapping),
            ("--sites", args.sites),
            ("--target", args.target),
            ("--data-cut", args.data_cut),
        )
        if value is not None
    ]
    settings = TrialSettings(target=args.target, data_cut=args.data_cut)
    return CdiscOptions(args.mapping, args.sites, settings), given


def cmd_import(args) -> int:
    from dashboard.auth.cli import audit_command, check_audit_log
    from data_access.bundle_read import BundleError
    from data_access.importing import detect_format, import_folder

    if not args.directory.is_dir():
        raise CommandError(
            f"{args.directory}: not a folder (expected a CSV bundle, CDISC datasets or a "
            "REDCap export)"
        )
    options, given = _cdisc_options(args)
    check_audit_log(args)  # an import that cannot be audited is not made
    try:
        fmt = args.format or detect_format(args.directory)
        if given and fmt == "bundle":
            raise CommandError(
                f"{', '.join(given)}: for CDISC datasets and REDCap exports, not a CSV bundle"
            )
        if sys.stderr.isatty():  # a person waits; a script reads only errors there
            print(f"reading {args.directory} as {_FORMAT_NAMES[fmt]}...", file=sys.stderr)
        report = import_folder(_engine(args), args.directory, fmt, options)
    except BundleError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            f"import refused: {len(error.problems)} problem(s) found, nothing was written",
            file=sys.stderr,
        )
        return EXIT_ERROR
    for line in report.lines():
        print(line)
    print(_findings_line(_engine(args, read_only=True), report.version))
    audit_command(args, "data_import", report.audit_text())
    _warm_pages(args)
    return 0


def _warm_pages(args) -> None:
    """Warm the version just written (:mod:`dashboard.warm`) with the server's settings
    from the environment, so that its first visitor waits no longer than the next. A
    failure loses nothing: the data are in, and the server warms them itself."""
    import logging
    import secrets
    from dataclasses import replace

    from dashboard.app import create_app
    from dashboard.config import load_config
    from dashboard.warm import warm_version

    if sys.stderr.isatty():
        print("warming the pages...", file=sys.stderr)
    try:
        config = load_config({"trial_database_url": args.database_url})
        if not config.secret_key:  # this app serves no one: a key of its own will do
            config = replace(config, secret_key=secrets.token_hex(32))
        app = create_app(config)
        logging.getLogger().setLevel(logging.WARNING)  # the app's start-up chatter
        store = app.server.extensions["mtsa_store"]
        version = store.poll().version
        if not store.claim_warming(version):  # a server sharing the cache saw it first
            print(f"pages of data version {version.version} being warmed by the server")
            return
        print(warm_version(app, version).line())
    except Exception as error:  # any failure: the data are in, the server warms them
        print(
            f"pages not warmed ({error.__class__.__name__}: {error}); the server warms them "
            "before showing the new data",
            file=sys.stderr,
        )


def _findings_line(engine, version: int) -> str:
    """The data-quality findings of the version just imported, by severity: records that
    contradict each other load, and this is where the person importing first hears."""
    from analysis.quality import SEVERITIES, quality_findings
    from dashboard.store import at_data_cut
    from data_access.queries import load_snapshot

    snapshot = at_data_cut(load_snapshot(engine, version))
    counts = quality_findings(snapshot.tables, snapshot.data_cut)["severity"].value_counts()
    if counts.empty:
        return "data-quality findings: none"
    found = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if s in counts)
    return (
        f"data-quality findings: {found} (listed by `python -m dashboard stats quality` "
        "and on the Data quality page)"
    )


_FORMAT_NAMES = {"bundle": "a CSV bundle", "cdisc": "CDISC datasets", "redcap": "a REDCap export"}


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def cmd_export(args) -> int:
    from data_access.bundle import export_bundle
    from data_access.queries import UnknownVersion
    from data_access.redcap.write import export_redcap

    engine = _engine(args, read_only=True)
    if not _has_data(engine):
        raise CommandError("nothing to export: no trial data have been loaded")
    write = export_redcap if args.format == "redcap" else export_bundle
    try:
        written = write(engine, args.directory, args.version)
    except UnknownVersion as error:
        raise CommandError(str(error)) from None
    which = "" if args.version is None else f"version {args.version} "
    print(f"exported {which}as {len(written)} files to {args.directory}")
    if args.format == "redcap":
        print(
            "for REDCap: data_dictionary.csv, records.csv; to read it back: "
            f"import {args.directory} --mapping {args.directory / 'mapping.toml'} "
            f"--sites {args.directory / 'sites.csv'}"
        )
    return 0


def cmd_demo_db(args) -> int:
    from data_access.demo import generate
    from data_access.demo_feed import demo_source
    from data_access.loader import replace_trial_data

    engine = _engine(args)
    if args.if_empty and _has_data(engine):
        print("the trial database already holds data: demo data not written")
        return 0
    tables = generate(patients=args.patients, sites=args.sites, seed=args.seed)
    target = int(tables["trial"]["target_enrollment"].iloc[0])
    source = demo_source(target, len(tables["sites"]), args.seed)
    version = replace_trial_data(engine, tables, source=source, source_kind="demo")
    enrolled = int(tables["patients"]["enrolled_on"].notna().sum())
    print(
        f"demo data written as version {version}: {len(tables['sites'])} sites, "
        f"{len(tables['patients'])} screened, {enrolled} enrolled, "
        f"{len(tables['lab_results'])} lab results"
    )
    _warm_pages(args)
    return 0


def cmd_demo_feed(args) -> int:
    from data_access.demo_feed import run_feed

    try:
        run_feed(_engine(args), interval_seconds=args.interval, steps=args.steps, on_step=print)
    except KeyboardInterrupt:
        print("demo feed stopped")
    except ValueError as error:  # the database holds real data, not a demo
        raise CommandError(str(error)) from None
    return 0


def cmd_serve(args) -> int:
    from dashboard.app import create_app
    from dashboard.auth.security import NeutralRequestHandler

    app = create_app({"trial_database_url": args.database_url})
    print(f"serving the MTSA dashboard at http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, debug=False, request_handler=NeutralRequestHandler)
    return 0


def cmd_stats(args) -> int:
    from analysis.options import UnknownOption
    from analysis.panels import PANEL_OPTIONS, STATS_PANELS
    from analysis.safety_changes import safety_changes
    from dashboard.store import at_data_cut
    from data_access.queries import UnknownVersion, load_snapshot

    if args.since is not None and args.panel != "safety":
        raise CommandError("--since is for the safety panel: stats safety --since N")
    if (args.id is not None) != (args.panel == "patient"):
        raise CommandError("--id is for the patient panel, which needs it: stats patient --id ID")
    engine = _engine(args, read_only=True)
    if args.panel == "patient":
        return _patient_stats(engine, args)
    try:
        snapshot = at_data_cut(load_snapshot(engine, args.version))
        earlier = None if args.since is None else load_snapshot(engine, args.since)
    except UnknownVersion as error:
        raise CommandError(str(error)) from None
    if snapshot.version is None:
        raise CommandError("no trial data loaded yet: run `python -m dashboard import DIR` first")
    options = {
        option.name: getattr(args, option.name)
        for option in PANEL_OPTIONS.get(args.panel, ())
        if getattr(args, option.name, None) is not None
    }
    try:
        result = STATS_PANELS[args.panel](snapshot.tables, snapshot.data_cut, **options)
    except UnknownOption as error:  # an option the data do not offer (an endpoint)
        raise CommandError(str(error)) from None
    payload = {
        "version": snapshot.version.version,
        "data_cut": snapshot.data_cut and snapshot.data_cut.isoformat(),
        **result,
    }
    if earlier is not None:
        payload["since"] = {
            "version": earlier.version.version,
            "data_cut": earlier.data_cut and earlier.data_cut.isoformat(),
        }
        payload |= safety_changes(
            earlier.tables, earlier.data_cut, snapshot.tables, snapshot.data_cut
        )
    if args.json:
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for key, value in payload.items():
            if not isinstance(value, (list, dict)):
                print(f"{key}: {value}")
    return 0


def _patient_stats(engine, args) -> int:
    """``stats patient --id ID``: read that patient's rows only (``load_patient``)."""
    from analysis.patient_profile import UnknownPatient, patient_json
    from dashboard.store import part_at_data_cut
    from data_access.queries import UnknownVersion, load_patient

    try:
        snapshot, data_cut = part_at_data_cut(load_patient(engine, args.id, args.version))
    except UnknownVersion as error:
        raise CommandError(str(error)) from None
    if snapshot.version is None:
        raise CommandError("no trial data loaded yet: run `python -m dashboard import DIR` first")
    try:
        result = patient_json(snapshot.tables, data_cut, args.id)
    except UnknownPatient as error:
        raise CommandError(f"{error} (version {snapshot.version.version})") from None
    payload = {
        "version": snapshot.version.version,
        "data_cut": data_cut and data_cut.isoformat(),
        **result,
    }
    if args.json:
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return 0
    for key, value in payload.items():
        if isinstance(value, dict):
            for name, day in value.items():
                print(f"{key} {name}: {day}")
        elif isinstance(value, list):
            print(f"{key}: {len(value)}")
        else:
            print(f"{key}: {value}")
    return 0


def cmd_versions(args) -> int:
    from data_access.queries import list_versions

    engine = _engine(args, read_only=True)
    if not _has_data(engine):
        raise CommandError("no trial data loaded yet: run `python -m dashboard import DIR` first")
    with engine.connect() as conn:
        versions = list_versions(conn)
    if args.json:
        json.dump(versions, sys.stdout, indent=2, ensure_ascii=False, default=str)
        print()
        return 0
    print("version  data cut    loaded at (UTC)   kept  rows  source")
    for v in versions:
        cut = v["data_cut"].isoformat() if v["data_cut"] else "-"
        loaded = v["loaded_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        rows = sum(v["row_counts"].values())
        kept = "gone" if v["removed_at"] else "yes" if v["rows_kept"] else "no"
        print(f"{v['version']:>7}  {cut:<10}  {loaded}  {kept:<4}  {rows:>4}  {v['source']}")
    return 0


def cmd_remove_versions(args) -> int:
    from dashboard.auth.cli import audit_command, check_audit_log, reviewed_versions
    from data_access.version_removal import NothingToRemove, plan_removal, remove_versions

    engine = _engine(args, must_exist=True)
    if not _has_data(engine):
        raise CommandError("no trial data loaded yet: there is no version to remove")
    check_audit_log(args)  # a removal that cannot be audited is not made
    keep = set() if args.include_reviewed else reviewed_versions(args)
    try:
        plan = plan_removal(engine, args.before, keep)
    except NothingToRemove as error:
        print(f"nothing removed: {error}")
        return 0
    for line in plan.lines():
        print(line)
    if not args.yes and not _confirmed():
        print("nothing removed", file=sys.stderr)
        return EXIT_ERROR
    plan = remove_versions(engine, args.before, keep)
    audit_command(args, "data_removed", plan.audit_text())
    print(f"removed: {plan.audit_text()}")
    return 0


def _confirmed() -> bool:
    """Asks on the terminal; without one (a script), the command needs ``--yes``."""
    if not sys.stdin.isatty():
        print("confirm with --yes (no terminal to ask on)", file=sys.stderr)
        return False
    return input("Type 'remove' to remove these versions for good: ").strip() == "remove"


# --- parser ----------------------------------------------------------------------------


def build_parser(default_url: str) -> argparse.ArgumentParser:
    from analysis.panels import PANEL_OPTIONS, STATS_PANELS
    from dashboard.auth.cli import add_users_parser, app_database_option
    from dashboard.sync_cli import add_sync_parser

    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="MTSA (NCT03439371) trial monitoring dashboard.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        default=default_url,
        help="trial database (default: TRIAL_DATABASE_URL or sqlite:///instance/trial.db)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "import",
        parents=[common, app_database_option()],
        help="load a CSV bundle, CDISC SDTM/ADaM datasets or a REDCap export "
        "(all checked before writing)",
    )
    p.add_argument(
        "directory",
        type=Path,
        metavar="DIR",
        help="folder of CSV files, of CDISC datasets, or records.csv with data_dictionary.csv",
    )
    p.add_argument(
        "--format",
        choices=("bundle", "cdisc", "redcap"),
        help="read the folder as this kind (default: recognised from its files)",
    )
    p.add_argument(
        "--mapping", type=Path, metavar="FILE", help="CDISC, REDCap: the study's mapping (TOML)"
    )
    p.add_argument(
        "--sites",
        type=Path,
        metavar="FILE",
        help="CDISC, REDCap: sites and milestones (sites.csv format)",
    )
    p.add_argument(
        "--target", type=_positive_int, metavar="N", help="CDISC, REDCap: target enrollment"
    )
    p.add_argument(
        "--data-cut", type=_date, metavar="DATE", help="CDISC, REDCap: data cut (YYYY-MM-DD)"
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "export", parents=[common], help="write the trial data as a CSV bundle or for REDCap"
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="folder to write (created)")
    p.add_argument(
        "--format",
        choices=("bundle", "redcap"),
        default="bundle",
        help="bundle (default), or redcap: records and data dictionary for a REDCap project",
    )
    p.add_argument(
        "--version", type=_positive_int, metavar="N", help="the data as of version N (`versions`)"
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("versions", parents=[common], help="list the data versions loaded")
    p.add_argument("--json", action="store_true", help="print JSON (docs/command-line.md)")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser(
        "remove-versions",
        parents=[common, app_database_option()],
        help="remove the rows of old data versions (asks for confirmation; audited)",
    )
    p.add_argument(
        "--before",
        type=_positive_int,
        required=True,
        metavar="N",
        help="remove the versions older than N (the current version always stays)",
    )
    p.add_argument(
        "--include-reviewed",
        action="store_true",
        help="also remove versions a DSMB review recorded (kept by default)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_remove_versions)

    p = sub.add_parser("demo-db", parents=[common], help="fill the database with demo data")
    p.add_argument("--patients", type=_positive_int, help="patients to enroll (default: MTSA)")
    p.add_argument("--sites", type=_positive_int, help="number of sites (default: the 7)")
    p.add_argument("--seed", type=int, default=20190108, help="random seed (default 20190108)")
    p.add_argument(
        "--if-empty", action="store_true", help="do nothing if the database already holds data"
    )
    p.set_defaults(func=cmd_demo_db)

    p = sub.add_parser(
        "demo-feed", parents=[common], help="move the demo data cut forward step by step"
    )
    p.add_argument(
        "--interval", type=_positive_float, default=10.0, help="seconds between steps (10)"
    )
    p.add_argument("--steps", type=_positive_int, help="stop after this many steps")
    p.set_defaults(func=cmd_demo_feed)

    p = sub.add_parser("serve", parents=[common], help="run the development web server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=8050, help="port (8050)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("stats", parents=[common], help="print the numbers behind a panel")
    p.add_argument("panel", choices=sorted([*STATS_PANELS, "patient"]), help="which panel")
    p.add_argument("--id", metavar="ID", help="patient: the patient's id (P-001)")
    p.add_argument("--json", action="store_true", help="print JSON (docs/command-line.md)")
    p.add_argument(
        "--version",
        type=_positive_int,
        metavar="N",
        help="the numbers as of version N (`versions`)",
    )
    p.add_argument(
        "--since",
        type=_positive_int,
        metavar="N",
        help="safety: add what is new and what changed since version N",
    )
    for option in {o.name: o for opts in PANEL_OPTIONS.values() for o in opts}.values():
        p.add_argument(
            option.flag,
            dest=option.name,
            choices=option.choices,
            type=_option_type(option),
            help=f"{option.help} (panels: {', '.join(_panels_with(option.name))})".replace(
                "%", "%%"
            ),
        )
    p.set_defaults(func=cmd_stats)

    add_users_parser(sub, common)
    add_sync_parser(sub, common)
    return parser


def _panels_with(name: str) -> list[str]:
    from analysis.panels import PANEL_OPTIONS

    return [panel for panel, opts in PANEL_OPTIONS.items() if any(o.name == name for o in opts)]


def _option_type(option):
    def convert(text: str):
        try:
            return option.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        config = load_config()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    args = build_parser(config.trial_database_url).parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stderr.close()
        return 0
    except (CommandError, AuthError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        url = make_url(args.database_url).render_as_string(hide_password=True)
        print(f"error: database {url}: {reason}", file=sys.stderr)
    except OSError as error:
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
    except Exception as error:  # last resort: one line, never a traceback
        log.debug("unexpected error", exc_info=error)
        print(f"error: unexpected {error.__class__.__name__}: {error}", file=sys.stderr)
    return EXIT_ERROR
