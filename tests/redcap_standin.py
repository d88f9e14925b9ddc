"""A stand-in for a REDCap server's API, over real HTTP on 127.0.0.1, for the sync tests.

It answers the POST calls PyCap makes (``content`` = ``version``, ``project``,
``metadata``, ``record``, ``formEventMapping``; ``format`` csv or json) from a REDCap
export folder (``records.csv`` and ``data_dictionary.csv``, as in
``tests/fixtures/redcap/mtsa``), the way a REDCap server does: the data dictionary with
the API's column names, the data access groups only when asked for, 403 for a token it
does not know. ``fault`` makes it fail as a real server can: an HTTP status, an answer
that comes too late, a body cut short, a records export that is not CSV.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
PROJECT_ID = 1234

# The data dictionary's columns as the file has them and as the API names them.
API_COLUMNS = [
    "field_name", "form_name", "section_header", "field_type", "field_label",
    "select_choices_or_calculations", "field_note",
    "text_validation_type_or_show_slider_number", "text_validation_min",
    "text_validation_max", "identifier", "branching_logic", "required_field",
    "custom_alignment", "question_number", "matrix_group_name", "matrix_ranking",
    "field_annotation",
]  # fmt: skip
GROUP = "redcap_data_access_group"


@dataclass
class Fault:
    """How the next answers fail: ``status`` (an HTTP error), ``delay`` (seconds before
    answering), ``truncate`` (send half the body of a declared length), ``body`` (this
    text instead of the records export). ``content``: only for that kind of call
    (``record``...); ``times``: for this many of them, then none."""

    status: int | None = None
    delay: float = 0.0
    truncate: bool = False
    body: str | None = None
    content: str | None = None
    times: int | None = None


@dataclass
class StandIn:
    """The server's state: what it serves, how it fails, what it was asked."""

    folder: Path
    fault: Fault | None = None
    requests: list[dict] = field(default_factory=list)
    records: str = ""
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.records = (self.folder / "records.csv").read_text(encoding="utf-8")

    def fail(self, fault: Fault | None) -> None:
        with self._lock:
            self.fault = fault

    def take_fault(self, content: str | None) -> Fault | None:
        with self._lock:
            fault = self.fault
            if fault is not None and fault.content not in (None, content):
                return None
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.fault = None
            return fault

    def add_row(self, **values: str) -> None:
        """Append a records row holding ``values`` (field -> text), the others empty."""
        header = next(csv.reader(io.StringIO(self.records)))
        unknown = set(values) - set(header)
        assert not unknown, unknown
        self.records += _csv([[values.get(name, "") for name in header]])

    # ------------------------------------------------------------------ answers

    def metadata_rows(self) -> list[dict]:
        with (self.folder / "data_dictionary.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        return [dict(zip(API_COLUMNS, row, strict=True)) for row in rows[1:]]

    def records_csv(self, groups: bool) -> str:
        rows = list(csv.reader(io.StringIO(self.records)))
        if not groups and GROUP in rows[0]:
            at = rows[0].index(GROUP)
            rows = [row[:at] + row[at + 1 :] for row in rows]
        return _csv(rows)

    def answer(self, form: dict[str, str]) -> tuple[int, str, str]:
        """Status, content type and body for one API call."""
        if form.get("token") != TOKEN:
            return 403, "application/json", '{"error":"You do not have permissions to use the API"}'
        content, fmt = form.get("content"), form.get("format", "xml")
        if content == "version":
            return 200, "text/plain", "14.5.10"
        if content == "project":
            info = {"project_id": PROJECT_ID, "project_title": "MTSA", "is_longitudinal": 0}
            return 200, "application/json", json.dumps(info)
        if content == "formEventMapping":  # a classic project has no events
            return 400, "application/json", '{"error":"You cannot export form/event mappings"}'
        if content == "metadata":
            rows = self.metadata_rows()
            if fmt == "json":
                return 200, "application/json", json.dumps(rows)
            return 200, "text/csv", _csv([API_COLUMNS] + [list(r.values()) for r in rows])
        if content == "record" and fmt == "csv":
            groups = form.get("exportDataAccessGroups", "").lower() == "true"
            return 200, "text/csv", self.records_csv(groups)
        return 400, "application/json", '{"error":"not answered by the stand-in"}'


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _handler(standin: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # the name http.server calls
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            standin.requests.append({k: v for k, v in form.items() if k != "token"})
            status, kind, body = standin.answer(form)
            fault = standin.take_fault(form.get("content"))
            if fault is not None:
                time.sleep(fault.delay)
                if fault.status is not None:
                    status, kind, body = fault.status, "text/html", "<h1>Server error</h1>"
                elif fault.body is not None:
                    body = fault.body
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault is not None and fault.truncate:
                data = data[: len(data) // 2]
            with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    return Handler


class RunningStandIn:
    """``with RunningStandIn(folder) as api:`` serves on ``api.url`` until the block ends."""

    def __init__(self, folder: Path):
        self.state = StandIn(folder)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self.state

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
