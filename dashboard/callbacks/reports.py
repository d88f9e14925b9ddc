"""The DSMB reports menu: build the chosen report of the data version shown, send it.

The report is compared with the version of the DSMB's last review (the board's first
question: what is new since we last looked?), or, without a review of an earlier
version, with the version before the one shown.
"""

from __future__ import annotations

import datetime as dt
import time

from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask_login import current_user

from analysis.patient_profile import patient_profile
from analysis.report_tables import patients_with_new_serious_events
from analysis.safety_changes import safety_changes
from dashboard.auth import audit, require_report
from dashboard.auth.reviews import list_reviews
from dashboard.auth.state import auth_state
from dashboard.callbacks.access import report_changes, report_result
from dashboard.callbacks.compare_versions import default_since, since_choices
from dashboard.callbacks.panel_state import panel_unavailable
from dashboard.components.report_menu import EVERY_PROFILE
from dashboard.ids import Shell
from dashboard.reports.contents import report_contents
from dashboard.reports.dsmb import ReportContext, dsmb_report_pdf, report_filename
from dashboard.reports.render import figure_renderer
from dashboard.store import DataUnavailable, trial_store


def _problem(text: str) -> html.Span:
    return html.Span(text, className="small text-danger")


def report_context(
    kind: str, shown: dict, versions: list[dict], every_profile: bool = False
) -> ReportContext:
    """The cover's facts: the version shown, who asks, and what it is compared with;
    the closed report's patient profiles (those with news, or every enrolled
    patient's when ``every_profile``)."""
    with auth_state().sessions() as session:
        reviews = list_reviews(session)
    last_reviewed = reviews[0].data_version if reviews else None
    since = default_since(since_choices(versions, shown["version"]), last_reviewed)
    earlier = next((v for v in versions if str(v["version"]) == since), None)
    review_on = next(
        (r.meeting_on for r in reviews if earlier and r.data_version == earlier["version"]),
        None,
    )
    changes = (
        report_changes(kind, shown["version"], earlier["version"], safety_changes)
        if earlier
        else None
    )
    profiles = ()
    if kind == "closed" and every_profile:
        profiles = report_result(kind, shown["version"], "profiles:every", every_enrolled_profile)
    elif kind == "closed" and changes:
        ids = patients_with_new_serious_events(changes)
        profiles = report_result(
            kind,
            shown["version"],
            f"profiles:{','.join(ids)}",
            lambda tables, cut: tuple(patient_profile(tables, cut, i) for i in ids),
        )
    return ReportContext(
        kind=kind,
        version=shown,
        generated_by=f"{current_user.username} ({current_user.role})",
        generated_at=dt.datetime.now(dt.UTC),
        since=earlier,
        review_on=review_on,
        changes=changes,
        profiles=profiles,
        every_profile=every_profile,
    )


def every_enrolled_profile(tables, data_cut) -> tuple:
    """The profile of every patient enrolled by the data cut, in id order."""
    patients = tables["patients"]
    enrolled = patients.loc[patients["enrolled_on"].notna(), "patient_id"]
    return tuple(patient_profile(tables, data_cut, i) for i in sorted(enrolled))


def register(app) -> None:
    @app.callback(
        Output(Shell.REPORT_DOWNLOAD, "data"),
        Output(Shell.REPORT_STATUS, "children"),
        Input({"type": Shell.REPORT_KIND, "kind": ALL, "profiles": ALL}, "n_clicks"),
        State(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
        running=[(Output(Shell.REPORT_MENU, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def build_report(clicks, version, status):
        if not any(clicks) or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        kind = ctx.triggered_id["kind"]
        require_report(kind)
        every_profile = ctx.triggered_id.get("profiles") == EVERY_PROFILE
        if panel_unavailable(version, status) is not None:
            return None, _problem("No data for a report.")
        started = time.perf_counter()
        try:
            versions = trial_store().versions()
            shown = next(v for v in versions if v["version"] == version["version"])
            contents = report_result(kind, shown["version"], "contents", report_contents)
            context = report_context(kind, shown, versions, every_profile)
        except DataUnavailable:
            return None, _problem("The trial database cannot be reached: try again.")
        pdf = dsmb_report_pdf(contents, context, renderer=figure_renderer())
        filename = report_filename(context)
        audit("export", f"report {filename}")
        seconds = time.perf_counter() - started
        note = html.Span(f"Report built in {seconds:.1f} s", className="small text-muted")
        return dcc.send_bytes(pdf, filename, type="application/pdf"), note
