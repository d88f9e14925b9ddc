"""The Administration page's callbacks over HTTP, as a forger without a browser would call them.

Each request is built from ``/_dash-dependencies`` (what any signed-in user can read),
so callbacks with duplicate outputs are addressed by their real ``@hash`` names.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import dash
import pytest

from dashboard.app import create_app
from dashboard.auth.accounts import get_user
from dashboard.auth.audit import AuditFilter, read_audit_log, record
from dashboard.auth.database import make_app_engine, make_sessionmaker
from dashboard.auth.models import utc_now
from dashboard.ids import Admin
from tests.conftest import add_users, app_config, sign_in
from tests.dash_requests import callback_request

NEW_USER = {
    f"{Admin.NEW_NAME}.value": "newbie",
    f"{Admin.NEW_ROLE}.value": "dsmb",
    f"{Admin.NEW_SITE}.value": "",
    f"{Admin.NEW_PASSWORD}.value": "a long enough password",
    f"{Admin.NEW_PASSWORD_AGAIN}.value": "a long enough password",
}
DORA_ROW = [{"name": "dora", "role": "dsmb", "active": "yes"}]
#: Callback (named by its first output) -> the values an admin's browser would send.
CALLS = {
    f"{Admin.USERS_GRID}.rowData": {f"{Admin.USERS_CHANGED}.data": 0},
    f"{Admin.NEW_SITE}.disabled": {f"{Admin.NEW_ROLE}.value": "sponsor"},
    f"{Admin.ADD_MESSAGE}.children": {f"{Admin.ADD}.n_clicks": 1, **NEW_USER},
    f"{Admin.CONFIRM}.message": {
        f"{Admin.DEACTIVATE}.n_clicks": 1,
        f"{Admin.USERS_GRID}.selectedRows": DORA_ROW,
    },
    f"{Admin.ACTION_MESSAGE}.children": {
        f"{Admin.CONFIRM}.submit_n_clicks": 1,
        f"{Admin.PENDING}.data": {"action": "deactivate", "name": "dora"},
    },
    f"{Admin.AUDIT_GRID}.rowData": {},
    f"{Admin.AUDIT_USER}.options": {},
    f"{Admin.AUDIT_DOWNLOAD}.data": {f"{Admin.AUDIT_EXPORT}.n_clicks": 1},
}


@pytest.fixture
def app(sqlite_url, tmp_path):
    dash.page_registry.clear()
    config = app_config(tmp_path, sqlite_url)
    app = create_app(config)
    add_users(config["app_database_url"])
    app.app_db = config["app_database_url"]
    return app


def _client(app, username):
    client = app.server.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def _outputs(output: str) -> list[tuple[str, str]]:
    names = output.strip(".").split("...") if output.startswith("..") else [output]
    return [tuple(name.split(".", 1)) for name in names]


def _dependencies(client) -> dict[str, dict]:
    """Admin callbacks of the running app, by their first output without ``@hash``."""
    found = {}
    for dependency in client.get("/_dash-dependencies").get_json():
        first = _outputs(dependency["output"])[0]
        if first[0].startswith("admin-"):
            found[f"{first[0]}.{first[1].split('@')[0]}"] = dependency
    return found


def call(client, name: str, values: dict | None = None):
    """POST one admin callback with ``values`` by "id.property" (None for the rest)."""
    dependency = _dependencies(client)[name]
    values = CALLS[name] if values is None else values

    def items(specs):
        key = "{id}.{property}"
        return [(s["id"], s["property"], values.get(key.format(**s))) for s in specs]

    return callback_request(
        client,
        _outputs(dependency["output"]),
        items(dependency["inputs"]),
        items(dependency["state"]),
    )


def _session(app):
    return make_sessionmaker(make_app_engine(app.app_db))


def _events(app, event: str) -> list:
    with _session(app)() as session:
        return read_audit_log(session, AuditFilter(event=event))


def test_adm001_every_admin_callback_is_covered(app):
    assert set(_dependencies(_client(app, "ada"))) == set(CALLS)


@pytest.mark.parametrize("username", ["ivy", "sam", "dora", "spencer"])
@pytest.mark.parametrize("name", list(CALLS))
def test_adm002_other_roles_get_403_from_every_admin_callback(app, username, name):
    response = call(_client(app, username), name)
    assert response.status_code == 403
    assert b"rowData" not in response.get_data()  # no grid rows, no user names
    with _session(app)() as session:
        assert get_user(session, "newbie") is None
        assert get_user(session, "dora").active
    assert _events(app, "user_added") == _events(app, "user_updated") == []


@pytest.mark.parametrize("name", list(CALLS))
def test_adm003_admin_gets_200_from_every_admin_callback(app, name):
    assert call(_client(app, "ada"), name).status_code == 200


def test_adm004_users_grid_lists_the_accounts(app):
    data = call(_client(app, "ada"), f"{Admin.USERS_GRID}.rowData").get_json()["response"]
    rows = data[Admin.USERS_GRID]["rowData"]
    assert [row["name"] for row in rows] == ["ada", "dora", "ivy", "sam", "spencer"]
    sam = rows[3]
    assert (sam["role"], sam["site"], sam["active"], sam["locked_until"]) == (
        "investigator",
        "STE",
        "yes",
        None,
    )


def test_adm005_adding_a_user_is_audited_with_the_admin_as_actor(app):
    client = _client(app, "ada")
    data = call(client, f"{Admin.ADD_MESSAGE}.children").get_json()["response"]
    assert "Added newbie (dsmb)." in str(data[Admin.ADD_MESSAGE]["children"])
    assert client.get("/logout").status_code == 302
    assert sign_in(client, "newbie", "a long enough password").status_code == 302
    [entry] = _events(app, "user_added")
    assert (entry.username, entry.target) == ("ada", "newbie (dsmb)")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({f"{Admin.NEW_NAME}.value": ""}, "Enter a user name."),
        ({f"{Admin.NEW_NAME}.value": "bad name!"}, "may use only letters"),
        ({f"{Admin.NEW_NAME}.value": "dora"}, "user 'dora' already exists"),
        ({f"{Admin.NEW_ROLE}.value": None}, "Choose a role."),
        ({f"{Admin.NEW_SITE}.value": "STE"}, "applies only to investigators"),
        (
            {f"{Admin.NEW_ROLE}.value": "investigator", f"{Admin.NEW_SITE}.value": "ste"},
            "uppercase letters",
        ),
        ({f"{Admin.NEW_PASSWORD}.value": "short"}, "at least 12 characters (it has 5)"),
        ({f"{Admin.NEW_PASSWORD_AGAIN}.value": "another long password"}, "passwords differ"),
    ],
)
def test_adm006_bad_new_user_is_refused_with_a_reason(app, changes, message):
    values = {**CALLS[f"{Admin.ADD_MESSAGE}.children"], **changes}
    response = call(_client(app, "ada"), f"{Admin.ADD_MESSAGE}.children", values)
    data = response.get_json()["response"]
    assert message in str(data[Admin.ADD_MESSAGE]["children"])
    assert _events(app, "user_added") == []


def test_adm007_deactivation_is_audited_and_own_account_is_refused(app):
    client = _client(app, "ada")
    assert call(client, f"{Admin.ACTION_MESSAGE}.children").status_code == 200
    [entry] = _events(app, "user_updated")
    assert (entry.username, entry.target) == ("ada", "dora: deactivated")
    assert sign_in(app.server.test_client(), "dora").status_code == 401
    own = {
        f"{Admin.CONFIRM}.submit_n_clicks": 1,
        f"{Admin.PENDING}.data": {"action": "remove", "name": "ada"},
    }
    data = call(client, f"{Admin.ACTION_MESSAGE}.children", own).get_json()["response"]
    assert "cannot remove your own account" in str(data)
    with _session(app)() as session:
        assert get_user(session, "ada") is not None


def test_adm008_csv_export_is_filtered_audited_and_formula_safe(app):
    with _session(app).begin() as session:
        record(session, "failed_sign_in", username="=HYPERLINK(1)", target="+cmd")
    client = _client(app, "ada")
    values = {
        f"{Admin.AUDIT_EXPORT}.n_clicks": 1,
        f"{Admin.AUDIT_EVENTS}.value": ["failed_sign_in"],
    }
    data = call(client, f"{Admin.AUDIT_DOWNLOAD}.data", values).get_json()["response"]
    download = data[Admin.AUDIT_DOWNLOAD]["data"]
    assert download["filename"] == "audit_log.csv"
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    assert [(r["user"], r["event"], r["target"]) for r in rows] == [
        ("'=HYPERLINK(1)", "failed_sign_in", "'+cmd")
    ]
    [entry] = _events(app, "export")
    assert (entry.username, entry.target) == ("ada", "audit_log.csv")


def test_adm009_forged_filter_values_get_a_message_not_a_traceback(app):
    values = {f"{Admin.AUDIT_EVENTS}.value": ["drop_table"], f"{Admin.AUDIT_FROM}.value": 5}
    response = call(_client(app, "ada"), f"{Admin.AUDIT_GRID}.rowData", values)
    data = response.get_json()["response"]
    assert data[Admin.AUDIT_GRID]["rowData"] == []
    assert "Unknown event type" in str(data[Admin.AUDIT_MESSAGE]["children"])


def test_adm010_date_range_is_whole_utc_days(app):
    client = _client(app, "ada")
    today = utc_now().date()
    dates = f"{Admin.AUDIT_FROM}.value", f"{Admin.AUDIT_TO}.value"

    def rows(start, end):
        values = {dates[0]: start.isoformat(), dates[1]: end.isoformat()}
        data = call(client, f"{Admin.AUDIT_GRID}.rowData", values).get_json()["response"]
        return data[Admin.AUDIT_GRID]["rowData"], str(data[Admin.AUDIT_MESSAGE]["children"])

    found, _ = rows(today, today)
    assert [row["event"] for row in found] == ["sign_in"]
    found, message = rows(today - timedelta(days=3), today - timedelta(days=1))
    assert found == [] and "No audit entries match these filters." in message
    found, message = rows(today, today - timedelta(days=1))
    assert found == [] and "The start date is after the end date." in message
