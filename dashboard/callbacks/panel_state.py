"""What a page shows before it can show data: waiting, no data loaded, database down."""

from __future__ import annotations

from dashboard.components.panel import NO_DATA_HINT, empty_state

DATABASE_DOWN = empty_state(
    "The trial database cannot be reached.",
    "This page will fill in by itself as soon as it is back.",
    color="danger",
)


def panel_unavailable(version: dict | None, status: dict | None):
    """An empty-state message when there are no data to draw, else None."""
    if version is None:
        if status and not status.get("reachable", True):
            return DATABASE_DOWN
        return empty_state("Connecting to the trial database…")
    if version.get("version") is None:
        return empty_state("No trial data have been loaded yet.", NO_DATA_HINT, color="info")
    return None
