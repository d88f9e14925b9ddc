"""The deployed shape: gunicorn with two workers, one SECRET_KEY, probed over HTTP.

An anonymous visitor and a sponsor must get no patient-level data from any route,
whatever they send; a DSMB member signed in on one worker is signed in on both.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import PASSWORD, REPO, SECRET_KEY, SMALL_BUNDLE, add_users

PATIENT_ID = re.compile(rb"P-00\d")
PAGES = ["/", "/sites", "/recovery", "/survival", "/safety", "/admin"]
PATIENT_API = ["survival", "relapse", "response", "recovery", "safety"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    trial, app_db = f"sqlite:///{tmp / 'trial.db'}", f"sqlite:///{tmp / 'app.db'}"
    import_bundle(make_engine(trial), SMALL_BUNDLE)
    env = {
        **os.environ,
        "TRIAL_DATABASE_URL": trial,
        "APP_DATABASE_URL": app_db,
        "SECRET_KEY": SECRET_KEY,
        "CACHE_DIR": str(tmp / "cache"),
    }
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:server",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/login", timeout=10)
            break
        except requests.RequestException:  # not listening, or a worker still booting
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
    add_users(app_db)
    yield url
    process.terminate()
    process.wait(timeout=20)


def signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert session.post(f"{url}/login", data=form, allow_redirects=False).status_code == 302
    return session


def forge_all(session: requests.Session, url: str):
    """Every server-side callback, with the pathname of each page, as a forger would."""
    dependencies = session.get(f"{url}/_dash-dependencies").json()
    for dependency in dependencies:
        if dependency.get("clientside_function"):
            continue
        names = dependency["output"].strip(".").split("...")
        outputs = [dict(zip(("id", "property"), n.split(".", 1), strict=True)) for n in names]
        for path in PAGES:
            payload = {
                "output": dependency["output"],
                "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": [
                    {**i, "value": path if i["property"] == "pathname" else None}
                    for i in dependency["inputs"]
                ],
                "state": [{**s, "value": None} for s in dependency["state"]],
                "changedPropIds": [f"{i['id']}.{i['property']}" for i in dependency["inputs"]],
            }
            yield session.post(f"{url}/_dash-update-component", json=payload)


def test_gun001_anonymous_gets_nothing_from_any_route(server):
    anonymous = requests.Session()
    for path in PAGES:
        response = anonymous.get(f"{server}{path}", allow_redirects=False)
        assert response.status_code == 302
    for endpoint in [
        "/_dash-layout",
        "/_dash-dependencies",
        *[f"/api/stats/{p}" for p in PATIENT_API],
    ]:
        response = anonymous.get(f"{server}{endpoint}")
        assert response.status_code == 401
        assert not PATIENT_ID.search(response.content)
    forged = anonymous.post(f"{server}/_dash-update-component", json={"output": "x.y"})
    assert forged.status_code == 401


def test_gun002_sponsor_gets_no_patient_level_data_on_either_worker(server):
    sponsor = signed_in(server, "spencer")
    for _ in range(4):  # several requests: both workers answer some of them
        for panel in PATIENT_API:
            response = sponsor.get(f"{server}/api/stats/{panel}")
            assert response.status_code == 403
            assert not PATIENT_ID.search(response.content)
    for response in forge_all(sponsor, server):
        assert not PATIENT_ID.search(response.content)


def test_gun003_dsmb_session_holds_across_workers_and_sees_deaths(server):
    dsmb = signed_in(server, "dora")
    statuses = {dsmb.get(f"{server}/api/stats/safety").status_code for _ in range(6)}
    assert statuses == {200}
    deaths = dsmb.get(f"{server}/api/stats/safety").json()["deaths"]
    assert [death["patient_id"] for death in deaths] == ["P-002"]  # EXPECTED.md
