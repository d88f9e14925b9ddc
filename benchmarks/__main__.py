"""``python -m benchmarks`` (``make bench``): every benchmark of issue 9, side by side.

Runs at demo scale and at 10,000 patients (``--quick``: demo scale only, shorter load
test), prints one table of results against their targets and saves it as JSON in
``benchmarks/results/<timestamp>.json``. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import datasets
from benchmarks.report import Result, save, table

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PARTS = ("import", "callbacks", "poll", "transfer", "load", "cdisc", "versions", "patient")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="demo scale only, 30 s load test")
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=list(PARTS), help="benchmarks to run"
    )
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--load-seconds", type=float, help="load test length (default 120)")
    parser.add_argument("--repeats", type=int, help="warm visits per page (default 5, 10k: 2)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL")
        or os.environ.get("TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES_URL,
        help="PostgreSQL server for the import benchmark (a database is created and "
        "dropped there); 'none' to skip",
    )
    parser.add_argument("--workdir", type=Path, help="keep databases and logs here")
    args = parser.parse_args(argv)
    if args.load_seconds is None:
        args.load_seconds = 30.0 if args.quick else 120.0
    if args.postgres_url == "none":
        args.postgres_url = None
    return args


def run_scale(scale, folder: Path, args) -> list[Result]:
    from benchmarks import bench_callbacks, bench_import, bench_patient, bench_poll, bench_versions

    folder.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    say(f"{scale.name}: {scale.describe()}")
    start = time.perf_counter()
    trial_url = datasets.sqlite_database(scale, folder)
    results.append(
        Result(
            "0 data",
            "load into SQLite (replace_trial_data)",
            scale.name,
            time.perf_counter() - start,
            "s",
            note=scale.describe(),
        )
    )
    if "import" in args.only:
        say(f"{scale.name}: 1 import (export once, then SQLite and PostgreSQL)")
        results += bench_import.bench_import(scale, trial_url, folder, args.postgres_url)
    if "versions" in args.only:
        say(f"{scale.name}: 7 versions kept ({bench_versions.IMPORTS} re-imports, 1% changed)")
        results += bench_versions.bench_versions(scale, folder)
    app = datasets.make_app(folder, trial_url, scale.name)
    client = datasets.signed_in_client(app)
    visits = None
    if {"callbacks", "transfer", "load"} & set(args.only):
        repeats = args.repeats or (2 if scale.name == "10k" else 5)
        say(f"{scale.name}: 2 server time (cold, warm ×{repeats}, bare app, SQL floor)")
        timed, visits = bench_callbacks.bench_callbacks(scale, app, client, repeats)
        if "callbacks" in args.only:
            results += timed
    if "patient" in args.only:
        say(f"{scale.name}: 8 patient profile (cold, warm, bare app)")
        repeats = args.repeats or (2 if scale.name == "10k" else 5)
        results += bench_patient.bench_patient(scale, app, client, repeats)
    if "poll" in args.only:
        say(f"{scale.name}: 3 live poll (work)")
        results += bench_poll.poll_work(scale.name, app, client)
    if {"poll", "transfer", "load"} & set(args.only):
        results += served(scale, folder, trial_url, visits, args)
    return results


def served(scale, folder: Path, trial_url: str, visits, args) -> list[Result]:
    """The benchmarks against gunicorn, sharing the result cache warmed in-process."""
    from benchmarks import bench_load, bench_poll, bench_transfer, server

    results: list[Result] = []
    config = datasets.app_config(folder, trial_url, scale.name)
    users = datasets.load_users(args.users)
    if "load" in args.only:
        say(f"{scale.name}: adding {len(users)} accounts (argon2id, production settings)")
        datasets.add_accounts(config["app_database_url"], users)
    log = folder / "gunicorn.log"
    with server.gunicorn(config, workers=2, log=log) as served_by:
        base = served_by.base
        say(f"{scale.name}: gunicorn (2 workers) at {base}")
        if "poll" in args.only:
            results += bench_poll.poll_wire(
                scale.name, base, server.signed_in_session(base, "dora")
            )
        if "transfer" in args.only:
            measured, http_bytes = None, None
            changes = scale.name != "10k"  # see bench_transfer
            say(f"{scale.name}: 4 bytes (Chromium: first visit{', page changes' * changes})")
            try:
                measured = bench_transfer.chromium_transfer(
                    base, "dora", datasets.PASSWORD, page_changes=changes
                )
            except Exception as error:  # no Chromium here: fall back to plain HTTP
                say(f"Chromium unavailable ({error.__class__.__name__}: {error}); HTTP instead")
                http_bytes = bench_transfer.http_first_visit(
                    base, server.signed_in_session(base, "dora")
                )
            results.append(bench_transfer.first_visit_result(scale.name, measured, http_bytes))
            files = bench_transfer.on_demand_files(measured if changes else None)
            args.on_demand_files = files or getattr(args, "on_demand_files", None)
            results += bench_transfer.page_change_results(
                scale.name, visits, measured if changes else None, args.on_demand_files
            )
        if "load" in args.only:
            settings = bench_load.LoadSettings(users=args.users, seconds=args.load_seconds)
            say(f"{scale.name}: 5 load ({settings.users} users, {settings.seconds:.0f} s)")
            tally = bench_load.run_load(base, list(users), settings)
            results += bench_load.load_results(scale.name, settings, tally)
            results.append(
                bench_load.memory_result(scale.name, server.worker_memory_mb(served_by.pid))
            )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)  # before create_app's INFO (a no-op then)
    started = time.perf_counter()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="mtsa-bench-") as scratch:
        work = args.workdir or Path(scratch)
        if "cdisc" in args.only:
            from benchmarks.bench_import import bench_cdisc_pilot

            say("pilot: 1 import of the CDISC pilot (SQLite and PostgreSQL)")
            results += bench_cdisc_pilot(work, args.postgres_url)
        scales = [] if args.only == ["cdisc"] else datasets.scales(args.quick)
        for scale in scales:
            results += run_scale(scale, work / scale.name, args)
    settings = {
        "quick": args.quick,
        "only": args.only,
        "users": args.users,
        "load_seconds": args.load_seconds,
        "postgres": bool(args.postgres_url),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(table(results))
    path = save(results, settings)
    misses = sum(r.verdict == "MISS" for r in results)
    print(f"\n{len(results)} figures, {misses} missed; {settings['seconds']:.0f} s; saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
