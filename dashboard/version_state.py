"""What the shell's version store (``Shell.VERSION``) holds for the data version shown:
made by the live poll for open pages, and by the warmer for its visits
(:mod:`dashboard.warm`), which must send what a page would."""

from __future__ import annotations

import datetime as dt


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def version_data(poll_version, previous: dict | None) -> dict:
    """What the version store holds: the loaded version and whether it replaced another."""
    if poll_version is None:
        return {"version": None, "previous": None}
    known = previous.get("version") if previous and not previous.get("as_of") else None
    return {
        "version": poll_version.version,
        "loaded_at": poll_version.loaded_at.isoformat(),
        "data_cut": poll_version.data_cut and poll_version.data_cut.isoformat(),
        "source_kind": poll_version.source_kind,
        "previous": known,
        "changed_at": now_iso() if known is not None else None,
    }
