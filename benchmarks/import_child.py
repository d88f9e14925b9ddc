"""One import in a fresh process: ``python -m benchmarks.import_child URL DIR [TARGET]``.

A CSV bundle, or CDISC datasets when ``TARGET`` (their target enrollment) is given.
Prints one JSON line: seconds of the import (read, map, check, write), the process's
peak resident memory (``VmHWM``, which includes the interpreter and its libraries) and
the resident memory before the import, so the import's own share can be read off.
``VmHWM`` rather than ``ru_maxrss``: Linux carries ``ru_maxrss`` over from the parent
across fork and exec, so a child of a big benchmark process would report the parent's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _status_mb(field: str) -> float:
    """A memory line of /proc/self/status (VmRSS, VmHWM), in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def main(argv: list[str]) -> int:
    url, directory, *target = argv
    from data_access.cdisc import TrialSettings
    from data_access.engine import make_engine
    from data_access.importing import CdiscOptions, import_folder

    engine = make_engine(url)
    fmt = "cdisc" if target else "bundle"
    options = CdiscOptions(settings=TrialSettings(target=int(target[0]))) if target else None
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    version = import_folder(engine, Path(directory), fmt, options).version
    seconds = time.perf_counter() - start
    engine.dispose()
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "base_mb": before, "version": version}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
