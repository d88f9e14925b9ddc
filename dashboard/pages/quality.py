"""Data quality (``/quality``): what is missing, late, implausible or off-protocol, per
site, before the DSMB sees it.

The rules (``docs/quality.md``) run on every data version. The page shows the open
findings per site and rule, their listing (patient, site, rule, detail; CSV for sending
to the sites) and the trend across data versions. Investigators see their own site's
findings when bound to a site; the sponsor sees the counts per site and the trend,
never a patient id (``dashboard.callbacks.quality``).
"""

import dash
from dash import dcc, html

from dashboard.components.grid import (
    date_column,
    fitted_grid,
    patient_column,
    text_column,
)
from dashboard.components.panel import HIDDEN, figure_card, panel_card
from dashboard.components.quality import SITE_FIRST_COLUMNS, rule_select, severity_select
from dashboard.ids import Quality

dash.register_page(
    __name__,
    path="/quality",
    name="Data quality",
    title="Data quality · MTSA",
    order=5,
    panel="quality",
)

FINDING_COLUMNS = [
    text_column("severity", "Severity", width=100),
    text_column("rule", "Rule", width=170, minWidth=160),  # RESP-BEFORE-ENROL unbroken
    patient_column(width=110),
    text_column("site_id", "Site", width=80),
    date_column("date", "Date", width=125),
    text_column("detail", "Detail", width=460, wrapText=True, autoHeight=True),
]
RULE_COLUMNS = [
    text_column("id", "Rule", width=170, minWidth=160),
    text_column("severity", "Severity", width=100),
    text_column("title", "What it finds", width=220),
    text_column("description", "How", width=520, wrapText=True, autoHeight=True),
]


def layout(rule: str | None = None, **_query):
    by_site = fitted_grid(
        Quality.BY_SITE_GRID, SITE_FIRST_COLUMNS, "mtsa-quality-by-site.csv", Quality.BY_SITE_CSV
    )
    findings = fitted_grid(
        Quality.FINDINGS_GRID, FINDING_COLUMNS, "mtsa-quality-findings.csv", Quality.FINDINGS_CSV
    )
    rules = fitted_grid(Quality.RULES_GRID, RULE_COLUMNS, "mtsa-quality-rules.csv", None)
    return html.Div(
        [
            html.Div(
                [
                    html.H1("Data quality", className="page-title mb-0"),
                    html.Div(
                        [rule_select(rule), severity_select()],
                        className="d-flex align-items-center gap-3 flex-wrap mw-100",
                    ),
                ],
                className="d-flex justify-content-between align-items-center flex-wrap gap-2 mb-3",
            ),
            dcc.Loading(html.Div(id=Quality.MESSAGE), type="dot"),
            html.Div(
                [
                    html.Div(id=Quality.KPIS, className="row g-3 mb-3"),
                    panel_card(
                        "Open findings per site and rule",
                        [by_site],
                        subtitle="as of the data cut; sites with the most first",
                    ),
                    panel_card(
                        "Findings",
                        [
                            html.Div(id=Quality.FINDINGS_NOTE),
                            html.Div(findings, id=Quality.FINDINGS_WRAP),
                        ],
                        subtitle="one row per finding, for the sites to answer",
                    ),
                    figure_card(
                        Quality.TREND,
                        "Trend across data versions",
                        subtitle="found and resolved since the version before",
                        before=[html.Div(id=Quality.TREND_NOTE, className="small text-muted")],
                    ),
                    panel_card("Rules", [rules], subtitle="run on every data version"),
                ],
                id=Quality.CONTENT,
                style=HIDDEN,
            ),
        ]
    )
