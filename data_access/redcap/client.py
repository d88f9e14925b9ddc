"""A REDCap project read over its API with PyCap: project information, dictionary, records.

PyCap (``redcap.Project``) makes the calls; this module checks every answer before
PyCap reads it, because PyCap itself does not: an HTTP error page (401, 403, 500)
would otherwise be read as a records export, and a body cut short is not noticed by
the HTTP stack (urllib3 1.x does not hold a body to its ``Content-Length``). Anything
that goes wrong is one :class:`SyncFailure` whose message is a line for the user.

The token travels only in the body of the POST requests. It is never part of a
message: PyCap's own checks of the URL and token quote the token when they fail, so
both are checked here first, and every message leaving this module is scrubbed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError

_TOKEN = re.compile(r"[0-9A-Fa-f]{32}")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SyncFailure(Exception):
    """The project could not be read; the message says why in one line (no token).
    ``project_id``: the project's, when its information was read before the failure."""

    def __init__(self, message: str, project_id: str | None = None):
        super().__init__(message)
        self.project_id = project_id


@dataclass(frozen=True)
class ProjectExport:
    """What one sync read: the project's id, its data dictionary (the API's rows, all
    text) and its records (the flat CSV export, raw codes, with data access groups)."""

    project_id: str
    metadata: list[dict]
    records: str


@dataclass(frozen=True)
class ApiSource:
    """Where to read: the API's address, the token (never shown), the timeout (seconds
    for connecting and for each wait on the server)."""

    url: str
    token: str = field(repr=False)
    timeout: float = 60.0


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a REDCap API address, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--url {url}: not a web address (expected https://redcap.example.org/api/)"
    if not parts.path.endswith("/api/"):
        return f"--url {url}: a REDCap API address ends with /api/"
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        return f"--url {url}: the token would travel unencrypted; use https://"
    return None


def token_problem(token: str, where: str) -> str | None:
    """Why ``token`` (read from ``where``) cannot be a REDCap API token, or None. The
    message never quotes the token."""
    if not token:
        return f"no API token in {where}"
    if not _TOKEN.fullmatch(token):
        return (
            f"the API token in {where} is not 32 hexadecimal characters, as REDCap's are "
            f"({len(token)} characters read)"
        )
    return None


def scrub(text: str, token: str) -> str:
    """``text`` with the token, should it be there, replaced."""
    return text.replace(token, "[token]") if token else text


def fetch_project(source: ApiSource) -> ProjectExport:
    """Project information, data dictionary and records of the project ``source`` opens.

    Raises
    ------
    SyncFailure
        Unreachable, refused, an HTTP error, too slow, cut short or not what REDCap
        sends; the message is one line and never holds the token.
    """
    import redcap  # PyCap: imported here, so that other commands never load it

    for problem in (url_problem(source.url), token_problem(source.token, "the token")):
        if problem:
            raise SyncFailure(problem)
    project = redcap.Project(
        source.url, source.token, timeout=source.timeout, hooks={"response": _check_answer}
    )
    project_id = None
    try:
        info = project.export_project_info(format_type="json")
        if not isinstance(info, dict) or info.get("project_id") in (None, ""):
            raise SyncFailure("REDCap's project information has no project_id")
        project_id = str(info["project_id"])
        metadata = project.export_metadata(format_type="json")
        records = project.export_records(
            format_type="csv", export_data_access_groups=True, event_name="unique"
        )
    except SyncFailure as error:
        raise SyncFailure(scrub(str(error), source.token), project_id) from None
    except Exception as error:  # every failure becomes one line
        raise SyncFailure(scrub(_why(error, source), source.token), project_id) from None
    if not isinstance(metadata, list) or not all(isinstance(row, dict) for row in metadata):
        raise SyncFailure("REDCap's data dictionary is not a list of fields", project_id)
    return ProjectExport(project_id, metadata, records.removeprefix("\ufeff"))


def _check_answer(response: requests.Response, *_args, **_kwargs) -> requests.Response:
    """A ``requests`` response hook: refuse what PyCap would misread."""
    code = response.status_code
    if code in (401, 403):
        raise SyncFailure(
            f"REDCap refused the API token (HTTP {code}): check that it is this project's "
            "token and that its user may export data through the API"
        )
    if code >= 500:
        raise SyncFailure(f"REDCap answered HTTP {code} (a server error); nothing was read")
    if code >= 400:
        raise SyncFailure(f"REDCap refused the request (HTTP {code}): {_error_text(response)}")
    if response.encoding is None or "charset" not in response.headers.get("Content-Type", ""):
        response.encoding = "utf-8"  # REDCap writes UTF-8; requests would guess Latin-1
    got = len(response.content)
    declared = response.headers.get("Content-Length", "")
    received = response.raw.tell() if response.raw is not None else got
    if declared.isdigit() and received < int(declared):
        raise SyncFailure(
            f"REDCap's answer was cut short ({received} of {declared} bytes): nothing was read"
        )
    return response


def _error_text(response: requests.Response) -> str:
    """REDCap's own error message (``{"error": ...}``, XML or text), one short line."""
    try:
        body = response.json()
        text = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        text = None
    text = text or re.sub(r"<[^>]+>", " ", response.text)
    return _line(text) or "no reason given"


def _why(error: Exception, source: ApiSource) -> str:
    timeout = f"{source.timeout:g} s"
    if isinstance(error, requests.Timeout) or (
        isinstance(error, requests.ConnectionError)
        and any(isinstance(arg, ReadTimeoutError) for arg in error.args)
    ):
        return f"REDCap at {source.url} did not answer within {timeout}"
    if isinstance(error, requests.ConnectionError):
        return f"cannot reach REDCap at {source.url}: {_connection_reason(error)}"
    if isinstance(error, requests.exceptions.InvalidJSONError):
        return "REDCap's answer is not valid JSON: not a REDCap API, or an answer cut short"
    if isinstance(error, requests.RequestException):  # PyCap: REDCap's error message
        detail = error.args[0] if error.args else ""
        if isinstance(detail, dict):
            detail = detail.get("error", detail)
        return f"REDCap answered with an error: {_line(str(detail)) or 'no reason given'}"
    return f"reading REDCap failed: {error.__class__.__name__}: {_line(str(error))}"


def _connection_reason(error: requests.ConnectionError) -> str:
    text = str(error)
    for known in ("Connection refused", "Name or service not known", "Connection reset"):
        if known in text:
            return known.lower()
    if "certificate" in text.lower():
        return "its TLS certificate could not be verified"
    return "the connection failed"


def _line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
