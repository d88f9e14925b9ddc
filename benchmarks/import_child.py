"""One bundle import in a fresh process: ``python -m benchmarks.import_child URL DIR``.

Prints one JSON line: seconds of ``import_bundle`` (read, check, write), the process's
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
    url, directory = argv
    from data_access.engine import make_engine
    from data_access.importing import import_bundle

    engine = make_engine(url)
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    version = import_bundle(engine, Path(directory))
    seconds = time.perf_counter() - start
    engine.dispose()
    peak = _status_mb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "base_mb": before, "version": version}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
