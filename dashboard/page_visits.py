"""Visit the dashboard's pages as the browser does: layouts, then the callbacks they fire.

The Dash renderer, on a page change, asks the routing callback for the page's layout,
then fires every server callback whose outputs are in that layout (unless
``prevent_initial_call``) with the inputs' values from the layout and the shell's stores.
This module does the same from the app's callback dependencies (``/_dash-dependencies``),
so whoever uses it (the warmer of a new data version, :mod:`dashboard.warm`; the
benchmarks) calls exactly the callbacks a browser would, with the values it would send,
and follows no page-specific list.

``post`` is any function ``post(path, json_body) -> Reply``: the server in-process, the
Flask test client, ``requests`` against gunicorn.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dashboard.ids import Shell

ROUTING_OUTPUTS = [("_pages_content", "children"), ("_pages_store", "data")]
POLL_OUTPUTS = [(Shell.VERSION, "data"), (Shell.STATUS, "data")]
UPDATE_PATH = "/_dash-update-component"


@dataclass(frozen=True)
class Reply:
    """A response: status, body as sent (``wire``: its length) and decoded (``body``)."""

    status: int
    body: bytes
    wire: int
    encoding: str


Post = Callable[[str, dict], Reply]


def _spec(component: str, prop: str, *value) -> dict:
    spec = {"id": component, "property": prop}
    if value:
        spec["value"] = value[0]
    return spec


def callback_body(outputs: list[tuple[str, str]], inputs: list, state: list = ()) -> dict:
    """The JSON the renderer posts to ``/_dash-update-component``."""
    specs = [_spec(*o) for o in outputs]
    if len(specs) == 1:
        output, outputs_payload = f"{specs[0]['id']}.{specs[0]['property']}", specs[0]
    else:
        output = ".." + "...".join(f"{s['id']}.{s['property']}" for s in specs) + ".."
        outputs_payload = specs
    return {
        "output": output,
        "outputs": outputs_payload,
        "inputs": [_spec(*i) for i in inputs],
        "state": [_spec(*s) for s in state],
        "changedPropIds": [f"{i[0]}.{i[1]}" for i in inputs],
    }


def parse_outputs(output: str) -> list[tuple[str, str]]:
    """``"..a.b...c.d.."`` or ``"a.b"`` as [(id, property)] (``@hash`` suffixes dropped)."""
    names = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(name.split("@", 1)[0].rsplit(".", 1)) for name in names]


def component_props(tree) -> dict[str, dict]:
    """Props of every component with an id in a serialised layout, keyed by id."""
    found: dict[str, dict] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict):
                if isinstance(props.get("id"), str):
                    found[props["id"]] = props
                stack.extend(v for v in props.values() if isinstance(v, (list, dict)))
    return found


@dataclass(frozen=True)
class Call:
    """One callback request: its name (first output), body, and the outputs it fills."""

    name: str
    body: dict
    outputs: list[tuple[str, str]]


def _call(dep: dict, value, outputs) -> Call:
    inputs = [(s["id"], s["property"], value(s)) for s in dep["inputs"]]
    state = [(s["id"], s["property"], value(s)) for s in dep["state"]]
    return Call(outputs[0][0], callback_body(outputs, inputs, state), outputs)


def initial_calls(dependencies: list[dict], props: dict[str, dict], shell: dict) -> list[Call]:
    """The server callbacks the renderer fires when a page's layout arrives.

    ``props`` are the page's components (:func:`component_props`), ``shell`` the values
    of the shell's stores, ``{(id, property): value}``.
    """
    calls = []
    for dep in dependencies:
        if dep.get("clientside_function") or dep.get("prevent_initial_call"):
            continue
        outputs = parse_outputs(dep["output"])
        if not any(component in props for component, _ in outputs):
            continue

        def value(spec):
            key = (spec["id"], spec["property"])
            if key in shell:
                return shell[key]
            return props.get(spec["id"], {}).get(spec["property"])

        def known(spec):
            return spec["id"] in props or (spec["id"], spec["property"]) in shell

        if all(known(s) for s in dep["inputs"]):
            calls.append(_call(dep, value, outputs))
    return calls


def follow_page(
    post: Post, dependencies: list[dict], props: dict[str, dict], shell: dict
) -> Iterator[tuple[Call, Reply]]:
    """Run the callbacks a page's layout fires, then, as the renderer does, those whose
    inputs the answers set, with the values set, until nothing changes: the whole of
    what a browser asks for when it opens the page."""
    values = {(c, prop): v for c, props_ in props.items() for prop, v in props_.items()}
    values.update(shell)

    def current(spec):
        return values.get((spec["id"], spec["property"]))

    pending = initial_calls(dependencies, props, shell)
    seen = {json.dumps(call.body, sort_keys=True, default=str) for call in pending}
    while pending:
        call = pending.pop(0)
        reply = post(UPDATE_PATH, call.body)
        yield call, reply
        if reply.status != 200:
            continue
        changed = {
            (component, prop): value
            for component, set_props in _json(reply.body).get("response", {}).items()
            for prop, value in set_props.items()
        }
        values.update(changed)
        for dep in dependencies:
            inputs = dep["inputs"]
            if (
                dep.get("clientside_function")
                or not any((s["id"], s["property"]) in changed for s in inputs)
                or not all(s["id"] in props or (s["id"], s["property"]) in values for s in inputs)
            ):
                continue
            then = _call(dep, current, parse_outputs(dep["output"]))
            key = json.dumps(then.body, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                pending.append(then)


def poll_body(version: dict | None, status: dict | None, as_of: dict | None = None) -> dict:
    """The live poll; ``as_of`` (``{"version": N}``) shows an earlier version, as the
    "Show data" chooser does."""
    return callback_body(
        POLL_OUTPUTS,
        [(Shell.INTERVAL, "n_intervals", 1), (Shell.AS_OF, "data", as_of)],
        [(Shell.VERSION, "data", version), (Shell.STATUS, "data", status)],
    )


def routing_body(path: str) -> dict:
    return callback_body(
        ROUTING_OUTPUTS, [("_pages_location", "pathname", path), ("_pages_location", "search", "")]
    )


def _json(body: bytes) -> dict:
    return json.loads(body)


@dataclass
class Browser:
    """A signed-in browser tab: the shell's stores, the dependencies, page visits."""

    post: Post
    dependencies: list[dict]
    version: dict | None = None
    status: dict | None = None
    as_of: dict | None = None

    def poll(self) -> Reply:
        reply = self.post(UPDATE_PATH, poll_body(self.version, self.status, self.as_of))
        if reply.status == 200:
            response = _json(reply.body)["response"]
            self.version = response.get(Shell.VERSION, {}).get("data", self.version)
            self.status = response.get(Shell.STATUS, {}).get("data", self.status)
        return reply

    def shell(self) -> dict:
        return {(Shell.VERSION, "data"): self.version, (Shell.STATUS, "data"): self.status}

    def layout(self, path: str) -> tuple[Reply, dict]:
        reply = self.post(UPDATE_PATH, routing_body(path))
        if reply.status != 200:
            return reply, {}
        tree = _json(reply.body)["response"]["_pages_content"]["children"]
        return reply, component_props(tree)

    def page_calls(self, path: str) -> tuple[Reply, list[Call]]:
        """The routing callback's reply for ``path`` and the callbacks it sets off."""
        reply, props = self.layout(path)
        return reply, initial_calls(self.dependencies, props, self.shell())

    def run(self, calls: list[Call]) -> Iterator[tuple[Call, Reply]]:
        for call in calls:
            yield call, self.post(UPDATE_PATH, call.body)
