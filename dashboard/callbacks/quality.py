"""Data quality page: headline counts, findings per site and rule, the listing, the
trend across data versions and the rules.

The findings are computed on the whole trial once per data version
(:func:`dashboard.callbacks.access.site_rows`: a dormant site is a finding about a
site, which a table restricted to one site's patients would get wrong), then kept to
the user's site when they are bound to one. The listing names patients: the sponsor
gets the counts and the trend only, and a forged request for the listing or its CSV
gets 403.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html
from flask_login import current_user

from analysis.quality import RULES, SEVERITIES, quality_findings
from analysis.quality.summary import (
    alerts,
    patient_marks,
    quality_trend,
    rules_json,
    site_rule_counts,
    with_rule,
    with_severity,
)
from dashboard.auth import (
    audit,
    can_view,
    can_view_patients,
    require_panel,
    require_patient_level,
)
from dashboard.callbacks.access import panel_result, site_rows
from dashboard.callbacks.figure_csv import register_figure_csv
from dashboard.callbacks.panel_state import DATABASE_DOWN, panel_unavailable
from dashboard.components.cards import kpi_card
from dashboard.components.grid import number_column, register_csv_export
from dashboard.components.panel import (
    HIDDEN,
    NO_FIGURE,
    SHOWN,
    empty_state,
    figure_outputs,
    figure_shown,
    panel_card,
    quality_href,
)
from dashboard.components.quality import ALL_RULES, ALL_SEVERITIES, SITE_FIRST_COLUMNS
from dashboard.figures.quality import trend_figure
from dashboard.formatting import format_date, plural
from dashboard.ids import Overview, Quality, Shell
from dashboard.store import DataUnavailable, trial_store

PANEL = "quality"
TREND_VERSIONS = 8  # the latest kept data versions drawn in the trend
SPONSOR_NOTE = (
    "The listing names patients: the sponsor sees the counts per site and rule above, "
    "and the trend below."
)
_TITLES = {rule.id: rule.title for rule in RULES}


def findings_of(version: dict):
    """The findings of ``version`` the user may see (:func:`site_rows`)."""
    return site_rows(PANEL, version, "findings", quality_findings)


def quality_marks(version: dict, rules: tuple[str, ...]) -> dict[str, str]:
    """Patient id -> the data quality findings of ``rules`` in words, for the listings of
    other pages (:func:`analysis.quality.summary.patient_marks`); none while the findings
    cannot be read (the listing still shows)."""
    try:
        return patient_marks(findings_of(version), rules)
    except DataUnavailable:
        return {}


def marked(rows: list[dict], marks: dict[str, str]) -> list[dict]:
    """Listing rows with their ``quality`` column (None: nothing found)."""
    return [{**row, "quality": marks.get(str(row.get("patient_id")))} for row in rows]


def _severity(value) -> str | None:
    return None if value in (None, ALL_SEVERITIES) else value


def _rule(value) -> str | None:
    return None if value in (None, ALL_RULES) else value


def kpi_cards(findings) -> list:
    counts = findings["severity"].value_counts()
    patients = findings["patient_id"].dropna().nunique()
    cards = [
        kpi_card(
            "Open findings",
            str(len(findings)),
            f"{plural(patients, 'patient')}, {plural(findings['site_id'].nunique(), 'site')}",
            card_id="quality-kpi-open",
        )
    ]
    cards += [
        kpi_card(s.capitalize(), str(int(counts.get(s, 0))), "", card_id=f"quality-kpi-{s}")
        for s in SEVERITIES
    ]
    return cards


def site_columns(rule_ids: list[str]) -> list[dict]:
    """The per-site table's columns: the site, the total, one per rule with findings."""
    return [
        *SITE_FIRST_COLUMNS,
        number_column("total", "Total", width=80),
        *(
            number_column(
                r, r, width=150, minWidth=140, filter=False, headerTooltip=_TITLES[r]
            )  # a rule id never broken letter by letter: a phone scrolls the table
            for r in rule_ids
        ),
    ]


def finding_rows(findings) -> list[dict]:
    out = findings.assign(date=findings["date"].dt.strftime("%Y-%m-%d"))
    return out.astype(object).where(out.notna(), None).to_dict("records")


def alerts_card(found: list[dict]):
    """The Overview's card of the findings that need action now, each linking to its
    listing on the Data quality page; None when there are none."""
    if not found:
        return None
    items = [
        html.Li(
            [
                dcc.Link(
                    f"{a['title']}: {a['count']}",
                    href=quality_href(a["rule"]),
                    className="fw-semibold",
                ),
                html.Span(f" ({', '.join(a['sites'])})", className="text-muted"),
            ]
        )
        for a in found
    ]
    return panel_card(
        "Needs action",
        [html.Ul(items, className="mb-0 small", id=f"{Overview.ALERTS}-list")],
        subtitle="data quality findings to act on now",
    )


def register(app) -> None:
    @app.callback(
        Output(Overview.ALERTS, "children"),
        Input(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def update_alerts(version, status):
        """For the roles that see data quality (administrators do not); the sponsor
        gets the alerts about sites only."""
        if panel_unavailable(version, status) is not None or not can_view(current_user, PANEL):
            return None
        try:
            findings = findings_of(version)
        except DataUnavailable:
            return None
        return alerts_card(alerts(findings, site_level_only=not can_view_patients(current_user)))

    @app.callback(
        Output(Quality.MESSAGE, "children"),
        Output(Quality.CONTENT, "style"),
        Output(Quality.KPIS, "children"),
        Output(Quality.BY_SITE_GRID, "columnDefs"),
        Output(Quality.BY_SITE_GRID, "rowData"),
        Output(Quality.FINDINGS_NOTE, "children"),
        Output(Quality.FINDINGS_WRAP, "style"),
        Output(Quality.FINDINGS_GRID, "rowData"),
        Output(Quality.RULES_GRID, "rowData"),
        Input(Shell.VERSION, "data"),
        Input(Quality.SEVERITY, "value"),
        Input(Quality.RULE, "value"),
        State(Shell.STATUS, "data"),
    )
    def update_quality(version, severity, rule, status):
        nothing = (HIDDEN, None, SITE_FIRST_COLUMNS, [], None, HIDDEN, [], [])
        unavailable = panel_unavailable(version, status)
        if unavailable is not None:
            return unavailable, *nothing
        try:
            findings = with_rule(
                with_severity(findings_of(version), _severity(severity)), _rule(rule)
            )
        except DataUnavailable:
            return DATABASE_DOWN, *nothing
        except ValueError as error:
            return empty_state(str(error), color="warning"), *nothing
        rule_ids, by_site = site_rule_counts(findings)
        message = None
        if findings.empty:
            message = empty_state(
                "No open finding" + ("" if _severity(severity) is None else f" of {severity}")
                + ("" if _rule(rule) is None else f" of rule {rule}")
                + " in this data version.",
                color="success",
            )  # fmt: skip
        if can_view_patients(current_user):
            listing = (None, SHOWN, finding_rows(findings))
        else:
            listing = (empty_state(SPONSOR_NOTE, color="info"), HIDDEN, [])
        return (
            message,
            SHOWN,
            kpi_cards(findings),
            site_columns(rule_ids),
            by_site,
            *listing,
            panel_result(PANEL, version, "rules", lambda tables, _cut: rules_json(tables)),
        )

    @app.callback(
        *figure_outputs(Quality.TREND),
        Output(Quality.TREND_NOTE, "children"),
        Input(Shell.VERSION, "data"),
        State(Shell.STATUS, "data"),
    )
    def draw_trend(version, status):
        if panel_unavailable(version, status) is not None:
            return *NO_FIGURE, None
        try:
            require_panel(PANEL)
            shown = version["version"]
            kept = [
                v
                for v in trial_store().versions()
                if v["rows_kept"] and v.get("removed_at") is None and v["version"] <= shown
            ][-TREND_VERSIONS:]
            trend = quality_trend([(v["version"], findings_of(v)) for v in kept])
        except DataUnavailable:
            return *NO_FIGURE, "The trial database cannot be reached: try again."
        labels = {v["version"]: f"v{v['version']} · cut {format_date(v['data_cut'])}" for v in kept}
        note = (
            "One data version so far: the trend starts with the next import."
            if len(kept) == 1
            else f"The last {len(kept)} data versions kept, up to the one shown."
        )
        return *figure_shown(trend_figure(trend, labels)), note

    register_figure_csv(app, PANEL, Quality.TREND, kind="quality-findings-by-version")
    register_csv_export(
        app,
        Quality.BY_SITE_CSV,
        Quality.BY_SITE_GRID,
        on_export=lambda: _exported("findings per site CSV"),
    )
    register_csv_export(
        app,
        Quality.FINDINGS_CSV,
        Quality.FINDINGS_GRID,
        on_export=lambda: _exported("findings CSV", patient_level=True),
    )


def _exported(what: str, patient_level: bool = False) -> None:
    """A quality table is about to be downloaded: check the role, record it."""
    require_panel(PANEL)
    if patient_level:
        require_patient_level()
    audit("export", f"/quality {what}")
