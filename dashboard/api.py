"""``/api/stats/<panel>``: the JSON of ``stats PANEL`` for users whose role may see it.

The same functions as the command line (``analysis.panels``), through the same cache
and site scope as the pages, so the three always agree.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, request
from flask_login import current_user

from analysis.options import UnknownOption
from analysis.panels import STATS_PANELS, parse_options
from analysis.patient_profile import UnknownPatient, patient_json
from analysis.quality.summary import scoped_json
from analysis.safety_changes import safety_changes
from dashboard.auth import (
    audit,
    can_view_patients,
    require_arm_comparison,
    require_panel,
    site_scope,
)
from dashboard.auth.roles import STATS_PANELS as PANEL_OF_STATS
from dashboard.store import DataUnavailable, trial_store
from data_access.queries import UnknownVersion, why_not_shown

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/stats/patient")
def patient_stats():
    """``stats patient --id ID --json`` for users of the ``patients`` panel; 404 for an id
    the data do not have, and for a site-bound investigator's patient of another site
    (the same answer, so that other sites' ids do not show)."""
    require_panel(PANEL_OF_STATS["patient"])
    unknown = set(request.args) - {"id", "version"}
    if unknown:
        return jsonify(error=f"unknown option(s) for patient: {', '.join(sorted(unknown))}"), 400
    patient_id = request.args.get("id", "").strip()
    if not patient_id:
        return jsonify(error="id is required: /api/stats/patient?id=P-001"), 400
    try:
        version = _version_arg("version")
    except ValueError as error:
        return jsonify(error=str(error)), 400
    store, poll, refused = _audited_poll()
    if refused:
        return refused
    site = site_scope(current_user, PANEL_OF_STATS["patient"])
    try:
        shown = _kept(store, version) if version is not None else vars(poll.version)
        result = store.patient_result(
            "api:patient", shown["version"], patient_id, patient_json, site=site
        )
    except DataUnavailable:
        return jsonify(error="the trial database cannot be reached"), 503
    except UnknownVersion as error:
        return jsonify(error=str(error)), 400
    except UnknownPatient as error:
        return jsonify(error=str(error)), 404
    data_cut = shown["data_cut"]
    return jsonify(
        {"version": shown["version"], "data_cut": data_cut and data_cut.isoformat(), **result}
    )


@api.get("/stats/<panel>")
def stats(panel: str):
    if panel not in STATS_PANELS:
        abort(404, description=f"no stats panel {panel!r}; known: {', '.join(STATS_PANELS)}")
    page = PANEL_OF_STATS[panel]
    require_panel(page)
    given = {k: v for k, v in request.args.items() if k not in ("version", "since")}
    try:
        options = parse_options(panel, given)
        version = _version_arg("version")
        since = _version_arg("since")
    except ValueError as error:
        return jsonify(error=str(error)), 400
    if since is not None and panel != "safety":
        return jsonify(error="since is for the safety panel"), 400
    if options.get("by") == "arm":
        require_arm_comparison()
    store, poll, refused = _audited_poll()
    if refused:
        return refused
    site = site_scope(current_user, page)
    try:
        shown = _kept(store, version) if version is not None else vars(poll.version)
        earlier = _kept(store, since) if since is not None else None
        if panel == "quality":  # about sites too: the whole trial, then the user's part
            result = scoped_json(
                store.result("api:quality", shown["version"], STATS_PANELS[panel]),
                site,
                can_view_patients(current_user),
            )
        else:
            result = store.result(
                f"api:{panel}", shown["version"], STATS_PANELS[panel], site=site, **options
            )
        if earlier is not None:
            result = {**result, **_changes(store, earlier, shown["version"], site)}
    except DataUnavailable:
        return jsonify(error="the trial database cannot be reached"), 503
    except (UnknownOption, UnknownVersion) as error:  # what these data do not offer
        return jsonify(error=str(error)), 400
    data_cut = shown["data_cut"]
    return jsonify(
        {"version": shown["version"], "data_cut": data_cut and data_cut.isoformat(), **result}
    )


def _audited_poll():
    """An accepted call: audit it, then ``(store, poll, None)``, or the error answer
    (database unreachable, nothing loaded yet) as the third item."""
    audit("api_call", request.full_path.rstrip("?"))
    store = trial_store()
    poll = store.poll()
    if not poll.reachable:
        return store, poll, (jsonify(error="the trial database cannot be reached"), 503)
    if poll.version is None:
        return store, poll, (jsonify(error="no trial data have been loaded yet"), 404)
    return store, poll, None


def _version_arg(name: str) -> int | None:
    text = request.args.get(name)
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a data version number, not {text!r}")
    return int(text)


def _kept(store, number: int) -> dict:
    """The ``versions()`` row of a version whose rows are kept; UnknownVersion otherwise."""
    versions = store.versions()
    why = why_not_shown(versions, number)
    if why:
        raise UnknownVersion(f"data version {number} cannot be shown: {why}")
    return next(v for v in versions if v["version"] == number)


def _changes(store, earlier: dict, version: int, site: str | None) -> dict:
    """``since``, ``new`` and ``changed`` of ``stats safety --since`` for the user's scope."""
    changes = store.compared("api:safety", version, earlier["version"], safety_changes, site)
    cut = earlier["data_cut"]
    since = {"version": earlier["version"], "data_cut": cut and cut.isoformat()}
    return {"since": since, **changes}


def register(server: Flask) -> None:
    server.register_blueprint(api)
