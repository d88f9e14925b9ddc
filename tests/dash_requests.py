"""Call Dash callbacks over HTTP the way the browser does, for tests without a browser."""

from __future__ import annotations


def _spec(item):
    component, prop, *value = item
    spec = {"id": component, "property": prop}
    if value:
        spec["value"] = value[0]
    return spec


def callback_request(client, outputs, inputs, state=()):
    """POST /_dash-update-component; ``outputs`` are (id, prop), inputs/state (id, prop, value)."""
    outputs = [_spec(o) for o in outputs]
    if len(outputs) == 1:
        output = f"{outputs[0]['id']}.{outputs[0]['property']}"
        outputs_payload = outputs[0]
    else:
        output = ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + ".."
        outputs_payload = outputs
    payload = {
        "output": output,
        "outputs": outputs_payload,
        "inputs": [_spec(i) for i in inputs],
        "state": [_spec(s) for s in state],
        "changedPropIds": [f"{i[0]}.{i[1]}" for i in inputs],
    }
    return client.post("/_dash-update-component", json=payload)
