"""Speed of the demo generator and of loading its output: ``python -m benchmarks.bench_demo``.

The target (brief of the demo generator): ``generate(patients=10_000)`` plus loading it
into SQLite with ``replace_trial_data`` in under a minute. Also measured: the whole
trial to its last visit (more lab rows), generated and loaded the same way.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from data_access import demo
from data_access.engine import make_engine
from data_access.loader import replace_trial_data


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _load(tables, folder: Path, name: str) -> float:
    engine = make_engine(f"sqlite:///{folder / name}")
    _, seconds = _timed(replace_trial_data, engine, tables, "benchmark")
    engine.dispose()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
    args = parser.parse_args(argv)

    trial, build = _timed(demo.full_trial, args.patients, None, args.seed)
    tables, cut = _timed(demo.truncate_at, trial.tables, trial.mid_cut)
    with tempfile.TemporaryDirectory() as folder:
        load = _load(tables, Path(folder), "mid.db")
        full, full_cut = _timed(demo.truncate_at, trial.tables, trial.end)
        full_load = _load(full, Path(folder), "full.db")

    def rows(t):
        enrolled = t["patients"]["enrolled_on"].notna().sum()
        lab_rows = len(t["lab_results"])
        return f"{len(t['patients'])} screened, {enrolled} enrolled, {lab_rows} lab rows"

    print(f"demo generator, patients={args.patients}, seed={args.seed}")
    print(f"  full trial simulated      {build:6.2f} s")
    print(f"  default demo (mid cut {trial.mid_cut}): {rows(tables)}")
    print(f"    generate = simulate + truncate   {build + cut:6.2f} s")
    print(f"    load into SQLite                 {load:6.2f} s")
    print(f"    total                            {build + cut + load:6.2f} s (target < 60 s)")
    print(f"  whole trial (cut {trial.end}): {rows(full)}")
    print(f"    truncate                         {full_cut:6.2f} s")
    print(f"    load into SQLite                 {full_load:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
