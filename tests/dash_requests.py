"""Call Dash callbacks over HTTP the way the browser does, for tests without a browser."""

from __future__ import annotations

from dashboard.page_visits import UPDATE_PATH, callback_body


def callback_request(client, outputs, inputs, state=()):
    """POST /_dash-update-component; ``outputs`` are (id, prop), inputs/state (id, prop, value)."""
    return client.post(UPDATE_PATH, json=callback_body(outputs, inputs, state))
