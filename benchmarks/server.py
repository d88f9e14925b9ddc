"""gunicorn on 127.0.0.1 and a free port, as deployed (Procfile: ``gunicorn wsgi:server``)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from benchmarks.datasets import PASSWORD, SECRET_KEY

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Served:
    """A running gunicorn: its base URL and the master's process id."""

    base: str
    pid: int


def worker_memory_mb(master: int) -> list[float]:
    """Resident memory (``VmRSS``, MB) of each worker of the gunicorn ``master``."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        sizes.append(int(kb) / 1024)
    return sorted(sizes)


@contextmanager
def gunicorn(config: dict, workers: int = 2, log: Path | None = None):
    """Serve the app of ``config`` (benchmarks.datasets.app_config); yields :class:`Served`."""
    port = free_port()
    env = {
        **os.environ,
        "TRIAL_DATABASE_URL": config["trial_database_url"],
        "APP_DATABASE_URL": config["app_database_url"],
        "CACHE_DIR": config["cache_dir"],
        "SECRET_KEY": SECRET_KEY,
    }
    env.pop("CACHE_REDIS_URL", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "wsgi:server",
    ]
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(base, process)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            output.close()


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within two minutes")


def signed_in_session(base: str, username: str, timeout: float = 60) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=timeout).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    response = session.post(f"{base}/login", data=form, allow_redirects=False, timeout=timeout)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {username} answered {response.status_code}")
    return session
