"""Per-patient figures lead to the patient's profile: a click on a patient's row (or
column) opens ``/patients/<id>``, in the browser (``assets/30-patient-links.js``).

The address (with the current query, so that a view "as of" an earlier version stays
on that version) goes to the shell's navigating location (``Shell.GO``), which moves
the app to the profile without reloading it. Access is checked by the profile page
itself.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output

from dashboard.ids import Safety, Shell, Survival

#: graph id -> the axis that holds the patient ids.
PATIENT_AXES = {
    Safety.HEATMAP.graph: "x",
    Safety.TIMELINE.graph: "y",
    Survival.SWIMMER.graph: "y",
}


def register(app) -> None:
    for graph, axis in PATIENT_AXES.items():
        app.clientside_callback(
            ClientsideFunction(namespace="patients", function_name=f"by{axis.upper()}"),
            Output(Shell.GO, "href", allow_duplicate=True),
            Input(graph, "clickData"),
            prevent_initial_call=True,
        )
