"""``users add|list|remove|demo``: through ``main(argv)`` and as a real subprocess."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from dashboard.auth import cli
from dashboard.auth.cli import ensure_demo_users, main
from tests.auth.conftest import audit_rows
from tests.conftest import REPO

SECRET = "twelve chars or more"


def run(capsys, monkeypatch, url, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["users", *argv, "--app-database-url", url])
    out, err = capsys.readouterr()
    return code, out, err


def test_auth070_add_list_remove(capsys, monkeypatch, sqlite_app_db):
    add = ("add", "sam", "--role", "investigator", "--site", "STE", "--password-stdin")
    assert run(capsys, monkeypatch, sqlite_app_db, *add, stdin=SECRET + "\n")[0] == 0
    assert run(capsys, monkeypatch, sqlite_app_db, "add", "dora", "--role", "dsmb",
               "--password-stdin", stdin=SECRET)[0] == 0  # fmt: skip
    out = run(capsys, monkeypatch, sqlite_app_db, "list")[1]
    lines = [line.split() for line in out.splitlines()]
    assert lines == [
        ["name", "role", "site", "active", "locked"],
        ["dora", "dsmb", "-", "yes", "no"],
        ["sam", "investigator", "STE", "yes", "no"],
    ]
    assert run(capsys, monkeypatch, sqlite_app_db, "remove", "sam")[0] == 0
    assert "sam" not in run(capsys, monkeypatch, sqlite_app_db, "list")[1]
    events = [(e, t) for e, _, t, _ in audit_rows(sqlite_app_db)]
    assert events == [
        ("user_added", "sam (investigator, site STE)"),
        ("user_added", "dora (dsmb)"),
        ("user_removed", "sam"),
    ]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("add", "x1", "--role", "dsmb", "--password-stdin"), "short\n", "at least 12"),
        (("add", "x1", "--role", "sponsor", "--site", "STE", "--password-stdin"), SECRET, "--site"),
        (("add", "x1", "--role", "dsmb", "--password-stdin"), "", "no password"),
        (("add", "x1", "--role", "dsmb"), "", "--password-stdin"),  # no terminal to prompt
        (("remove", "nobody"), "", "no user 'nobody'"),
    ],
)
def test_auth071_errors_are_one_line(capsys, monkeypatch, sqlite_app_db, argv, stdin, message):
    code, out, err = run(capsys, monkeypatch, sqlite_app_db, *argv, stdin=stdin)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_auth072_prompts_twice_without_echo(capsys, monkeypatch, sqlite_app_db):
    answers = iter([SECRET, SECRET, SECRET, "something else!"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert (
        main(["users", "add", "ada", "--role", "admin", "--app-database-url", sqlite_app_db]) == 0
    )
    assert main(["users", "add", "al", "--role", "admin", "--app-database-url", sqlite_app_db]) == 1
    assert "differ" in capsys.readouterr().err


def test_auth073_demo_accounts_only_when_there_are_none(capsys, monkeypatch, sqlite_app_db):
    created = ensure_demo_users(sqlite_app_db)
    assert [(name, role) for name, role, _ in created] == [
        ("investigator", "investigator"),
        ("dsmb", "dsmb"),
        ("sponsor", "sponsor"),
        ("admin", "admin"),
    ]
    assert all(len(password) >= 12 for _, _, password in created)
    assert len({password for _, _, password in created}) == 4
    assert ensure_demo_users(sqlite_app_db) == []
    code, out, _ = run(capsys, monkeypatch, sqlite_app_db, "demo")
    assert code == 0 and "already exist" in out


def test_auth074_subprocess_with_password_stdin(sqlite_app_db):
    command = [sys.executable, "-m", "dashboard.auth.cli", "users"]
    url = ["--app-database-url", sqlite_app_db]
    added = subprocess.run(
        [*command, "add", "dora", "--role", "dsmb", "--password-stdin", *url],
        input=SECRET + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added user dora (dsmb)\n"
    again = subprocess.run(
        [*command, "add", "dora", "--role", "dsmb", "--password-stdin", *url],
        input=SECRET,
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert again.returncode == 1
    assert again.stderr == "error: user 'dora' already exists\n"
    listed = subprocess.run([*command, "list", *url], capture_output=True, text=True, cwd=REPO)
    assert "dora" in listed.stdout and "dsmb" in listed.stdout
