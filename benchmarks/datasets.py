"""The two scales every benchmark runs at, and the trial databases and apps built on them.

- ``demo``: the default demo, ``data_access.demo.generate()`` (the MTSA design, 21
  patients, mid-trial cut), what ``make run`` shows.
- ``10k``: ``demo.full_trial(patients=10_000)`` cut at its last visit: 10,000 enrolled,
  ~1.5 million lab rows (``demo-db --patients 10000`` is the mid-trial cut of the same
  trial, ~0.8 million lab rows). The heavier of the two, so the one measured.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import dash
import pandas as pd

from data_access import demo
from data_access.engine import make_engine
from data_access.loader import replace_trial_data

BIG_PATIENTS = 10_000
PASSWORD = "benchmark password 1"  # accounts live in the benchmark's own app database
USERS = {"dora": ("dsmb", None)}
SECRET_KEY = "b" * 64


@dataclass(frozen=True)
class Scale:
    name: str
    tables: dict[str, pd.DataFrame]

    def describe(self) -> str:
        t = self.tables
        enrolled = int(t["patients"]["enrolled_on"].notna().sum())
        return (
            f"{len(t['patients'])} screened, {enrolled} enrolled, "
            f"{len(t['lab_results']):,} lab rows, {len(t['adverse_events']):,} AEs"
        )

    @property
    def data_cut(self) -> dt.date:
        return pd.Timestamp(self.tables["trial"]["data_cut"].iloc[0]).date()


def scales(quick: bool) -> list[Scale]:
    out = [Scale("demo", demo.generate())]
    if not quick:
        trial = demo.full_trial(BIG_PATIENTS)
        out.append(Scale("10k", demo.truncate_at(trial.tables, trial.end)))
    return out


def sqlite_database(scale: Scale, folder: Path) -> str:
    """A SQLite trial database holding ``scale``; its URL."""
    url = f"sqlite:///{folder / f'trial-{scale.name}.db'}"
    engine = make_engine(url)
    replace_trial_data(engine, scale.tables, source=f"benchmark {scale.name}")
    engine.dispose()
    return url


def add_accounts(app_database_url: str, users: dict = USERS) -> None:
    from dashboard.auth.accounts import add_user
    from dashboard.auth.database import make_app_engine, make_sessionmaker

    engine = make_app_engine(app_database_url)
    with make_sessionmaker(engine).begin() as session:
        for name, (role, site) in users.items():
            add_user(session, name, role, PASSWORD, site)
    engine.dispose()


def app_config(folder: Path, trial_url: str, name: str) -> dict:
    return {
        "trial_database_url": trial_url,
        "app_database_url": f"sqlite:///{folder / f'app-{name}.db'}",
        "cache_dir": str(folder / f"cache-{name}"),
        "secret_key": SECRET_KEY,
    }


def make_app(folder: Path, trial_url: str, name: str):
    """The real app (``create_app``) on ``trial_url`` with a DSMB account ``dora``."""
    from dashboard.app import create_app

    config = app_config(folder, trial_url, name)
    dash.page_registry.clear()
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)  # create_app asks for INFO
    add_accounts(config["app_database_url"])
    return app


def load_users(count: int) -> dict:
    """Accounts for the load test: DSMB members and all-site investigators, alternately."""
    return {
        f"load{i:02d}": ("dsmb" if i % 2 else "investigator", None) for i in range(1, count + 1)
    }


def signed_in_client(app, username: str = "dora"):
    import re

    client = app.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=form)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code}")
    return client
