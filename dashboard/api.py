"""``/api/stats/<panel>``: the JSON of ``stats PANEL`` for users whose role may see it.

The same functions as the command line (``analysis.panels``), through the same cache
and site scope as the pages, so the three always agree.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, jsonify, request
from flask_login import current_user

from analysis.options import UnknownOption
from analysis.panels import STATS_PANELS, parse_options
from dashboard.auth import audit, require_arm_comparison, require_panel, site_scope
from dashboard.auth.roles import STATS_PANELS as PANEL_OF_STATS
from dashboard.store import DataUnavailable, trial_store

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/stats/<panel>")
def stats(panel: str):
    if panel not in STATS_PANELS:
        abort(404, description=f"no stats panel {panel!r}; known: {', '.join(STATS_PANELS)}")
    page = PANEL_OF_STATS[panel]
    require_panel(page)
    try:
        options = parse_options(panel, request.args)
    except ValueError as error:
        return jsonify(error=str(error)), 400
    if options.get("by") == "arm":
        require_arm_comparison()
    audit("api_call", request.full_path.rstrip("?"))
    store = trial_store()
    poll = store.poll()
    if not poll.reachable:
        return jsonify(error="the trial database cannot be reached"), 503
    if poll.version is None:
        return jsonify(error="no trial data have been loaded yet"), 404
    try:
        result = store.result(
            f"api:{panel}",
            poll.version.version,
            STATS_PANELS[panel],
            site=site_scope(current_user, page),
            **options,
        )
    except DataUnavailable:
        return jsonify(error="the trial database cannot be reached"), 503
    except UnknownOption as error:  # an option these data do not offer (an endpoint)
        return jsonify(error=str(error)), 400
    data_cut = poll.version.data_cut
    return jsonify(
        {"version": poll.version.version, "data_cut": data_cut and data_cut.isoformat(), **result}
    )


def register(server: Flask) -> None:
    server.register_blueprint(api)
