"""What the Sites page shows, as data and text: computed once per data version, no Dash
callbacks here (see :mod:`dashboard.callbacks.sites`).

Only aggregates: site counts and dates, funnel counts, the forecast. No patient id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from dash import html

from analysis.enrollment import cumulative_enrollment
from analysis.forecast import Forecast, WhatIf, forecast_accrual
from analysis.funnel import ScreeningFunnel, screening_funnel
from analysis.sites import cumulative_by_site, site_metrics
from dashboard.components.cards import kpi_card
from dashboard.figures.forecast import target_reached_on
from dashboard.figures.sites import site_labels
from dashboard.figures.theme import SITE_STATUS_LABELS
from dashboard.formatting import format_date, format_percent

DATE_COLUMNS = (
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "closed_on",
    "first_enrolled_on",
    "last_enrolled_on",
)
NUMBER_COLUMNS = (
    "days_to_activation",
    "screened",
    "enrolled",
    "screen_failures",
    "enrolled_per_month",
    "days_since_last_enrollment",
)
RATE_MIN, RATE_MAX, RATE_STEP = 0.5, 3.0, 0.25
RATE_OPTIONS = [
    {"label": f"×{r:g}" + (" (as observed)" if r == 1 else ""), "value": f"{r:g}"}
    for r in (RATE_MIN + k * RATE_STEP for k in range(int((RATE_MAX - RATE_MIN) / RATE_STEP) + 1))
]
"""The what-if rate multipliers offered, the only ones :func:`parse_what_if` accepts."""
NO_EXTRA_SITE = {"label": "No extra site (sites open as predicted)", "value": "none"}
BASELINE = {"open_site": None, "open_on": None, "rate": 1.0}


@dataclass(frozen=True)
class SitesData:
    """Everything the page draws except the forecast, computed once per data version."""

    data_cut: dt.date
    target: int | None
    start_date: dt.date | None
    planned_end: dt.date | None
    metrics: pd.DataFrame
    by_site: pd.DataFrame
    cumulative: pd.DataFrame
    funnel: ScreeningFunnel


def _trial_date(tables: dict[str, pd.DataFrame], column: str) -> dt.date | None:
    trial = tables["trial"]
    if trial.empty or pd.isna(trial[column].iloc[0]):
        return None
    return pd.Timestamp(trial[column].iloc[0]).date()


def sites_data(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> SitesData:
    """Site metrics, per-site and overall cumulative enrollment, and the screening funnel."""
    funnel = screening_funnel(tables, data_cut)
    cut = funnel.data_cut
    trial = tables["trial"]
    target = None
    if not trial.empty and pd.notna(trial["target_enrollment"].iloc[0]):
        target = int(trial["target_enrollment"].iloc[0])
    patients = tables["patients"]
    enrolled = patients[patients["enrolled_on"] <= pd.Timestamp(cut)]
    return SitesData(
        data_cut=cut,
        target=target,
        start_date=_trial_date(tables, "start_date"),
        planned_end=_trial_date(tables, "planned_accrual_end"),
        metrics=site_metrics(tables, cut),
        by_site=cumulative_by_site({**tables, "patients": enrolled}),
        cumulative=cumulative_enrollment(enrolled),
        funnel=funnel,
    )


def site_forecast(
    tables: dict[str, pd.DataFrame],
    data_cut: dt.date | None,
    *,
    open_site: str | None = None,
    open_on: str | None = None,
    rate: float = 1.0,
) -> Forecast | None:
    """The accrual forecast under a what-if (plain options, so they key the cache)."""
    opens = {open_site: dt.date.fromisoformat(open_on)} if open_site and open_on else {}
    return forecast_accrual(
        tables, data_cut, what_if=WhatIf(site_opens=opens, rate_multiplier=rate)
    )


class BadOption(ValueError):
    """A what-if value the page never offers (a forged or stale request)."""


def parse_what_if(site, day, rate, cut: dt.date) -> dict:
    """The what-if controls as ``site_forecast`` options; :class:`BadOption` if invalid."""
    try:
        rate = float(rate)
    except (TypeError, ValueError):
        raise BadOption("The rate multiplier must be a number from 0.5 to 3.") from None
    steps = (rate - RATE_MIN) / RATE_STEP
    if not RATE_MIN <= rate <= RATE_MAX or abs(steps - round(steps)) > 1e-9:
        raise BadOption("The rate multiplier must be 0.5 to 3 in steps of 0.25.")
    if site is not None and not isinstance(site, str):
        raise BadOption("Unknown site: choose one of the sites not yet open.")
    site = None if site in (None, "", NO_EXTRA_SITE["value"]) else site
    open_on = None
    if site and day:
        try:
            open_on = dt.date.fromisoformat(str(day)[:10])
        except ValueError:
            raise BadOption(f"{day!r} is not a date: pick the opening date.") from None
        if open_on <= cut:
            raise BadOption(
                f"The opening date must be after the data cut-off ({format_date(cut)})."
            )
        open_on = open_on.isoformat()
    return {"open_site": site if open_on else None, "open_on": open_on, "rate": rate}


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _number(value):
    """A plain Python number (rates to 4 decimals, enough for the CSV); None if missing."""
    if value is None or pd.isna(value):
        return None
    value = value.item() if hasattr(value, "item") else value
    return round(value, 4) if isinstance(value, float) else value


def site_rows(metrics: pd.DataFrame) -> list[dict]:
    """The grid's rows: one per site, plain JSON values (ISO dates, numbers, None)."""
    rows = []
    for site in metrics.to_dict(orient="records"):
        row = {column: _number(site[column]) for column in NUMBER_COLUMNS}
        row.update({column: _iso(site[column]) for column in DATE_COLUMNS})
        row.update(
            site_id=site["site_id"],
            name=site["name"],
            city=site["city"],
            status=SITE_STATUS_LABELS.get(site["status"], site["status"]),
        )
        rows.append(row)
    return rows


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _probability(p: float) -> str:
    if 0 < p < 0.01:
        return "under 1%"
    if 0.99 < p < 1:
        return "over 99%"
    return format_percent(100 * p)


def forecast_sentence(forecast: Forecast, scenario: bool) -> str:
    """'At the current pace the 21st patient is expected on d (95% interval a–b); ...'"""
    nth = ordinal(forecast.target)
    if scenario:
        lead = "In this scenario"
    elif forecast.sites_pending:
        lead = "At the current pace, with the sites not yet open opening as predicted,"
    else:
        lead = "At the current pace"
    if forecast.target_date_median is None:
        text = (
            f"{lead} the {nth} patient is unlikely to be enrolled: "
            f"{forecast.fraction_not_reached:.0%} of simulations do not reach "
            f"{forecast.target} patients within 20 years"
        )
    else:
        upper = (
            format_date(forecast.target_date_upper)
            if forecast.target_date_upper
            else "beyond 20 years"
        )
        text = (
            f"{lead} the {nth} patient is expected on "
            f"{format_date(forecast.target_date_median)} (95% interval "
            f"{format_date(forecast.target_date_lower)}–{upper})"
        )
    if forecast.probability_by_planned_end is not None:
        text += (
            f"; probability of reaching {forecast.target} by the planned end of accrual "
            f"({format_date(forecast.planned_accrual_end)}): "
            f"{_probability(forecast.probability_by_planned_end)}"
        )
    return text + "."


def assumption_items(forecast: Forecast) -> list:
    notes = [*forecast.assumptions]
    notes.append(
        f"{forecast.n_sims} Monte Carlo simulations with seed {forecast.seed}: the same data "
        "give the same forecast."
    )
    return [html.Li(note) for note in notes]


def _not_open(metrics: pd.DataFrame, cut: dt.date) -> pd.DataFrame:
    activated = metrics["activated_on"]
    return metrics[
        (metrics["status"] == "not_yet_recruiting")
        & (activated.isna() | (activated > pd.Timestamp(cut)))
    ]


def what_if_options(metrics: pd.DataFrame, cut: dt.date) -> list[dict]:
    pending = _not_open(metrics, cut)
    labels = site_labels(metrics)
    return [NO_EXTRA_SITE] + [
        {"label": f"{row['name']} ({labels[index]})", "value": row["site_id"]}
        for index, row in pending.iterrows()
    ]


def _recent_rate(cumulative: pd.DataFrame, cut: dt.date) -> float:
    """Patients enrolled per month over the 12 months up to the cut."""
    dates = cumulative["date"]
    year_before = pd.Timestamp(cut) - pd.DateOffset(years=1)
    if cumulative.empty:
        return 0.0
    before = cumulative.loc[dates <= year_before, "enrolled"]
    start = int(before.iloc[-1]) if len(before) else 0
    return (int(cumulative["enrolled"].iloc[-1]) - start) / 12


def sites_unknown(metrics: pd.DataFrame) -> bool:
    """Whether the data hold no site management data at all (every status unknown: CDISC
    datasets loaded without a sites file)."""
    return bool(metrics["status"].eq("unknown").all())


def kpi_cards(data: SitesData, forecast: Forecast | None) -> list:
    metrics, cut = data.metrics, data.data_cut
    recruiting = int((metrics["status"] == "recruiting").sum())
    waiting = _not_open(metrics, cut)
    if waiting.empty:
        waiting_detail = "every site has opened"
    else:
        ethics = waiting.dropna(subset=["ethics_approved_on"])
        if ethics.empty:
            waiting_detail = "none has ethics approval yet"
        else:
            oldest = ethics.sort_values("ethics_approved_on").iloc[0]
            days = (pd.Timestamp(cut) - oldest["ethics_approved_on"]).days
            label = site_labels(metrics)[oldest.name]
            waiting_detail = f"longest: {label}, {days} days since ethics approval"
    enrolled = int(metrics["enrolled"].sum())
    target = data.target
    reached = target_reached_on(data.cumulative, target)
    if reached is not None:
        expected, detail = format_date(reached), "target reached"
    elif forecast is not None and forecast.target_date_median is not None:
        expected = format_date(forecast.target_date_median)
        upper = format_date(forecast.target_date_upper) if forecast.target_date_upper else "later"
        detail = f"95% interval {format_date(forecast.target_date_lower)} – {upper}"
    else:
        expected, detail = "—", "no forecast"
    if sites_unknown(metrics):
        status_cards = [
            kpi_card("Sites", str(len(metrics)), "status not recorded", "sites-kpi-recruiting"),
            kpi_card("Sites not yet open", "—", "activation not recorded", "sites-kpi-waiting"),
        ]
    else:
        status_cards = [
            kpi_card(
                "Sites recruiting",
                f"{recruiting} / {len(metrics)}",
                "at the data cut",
                card_id="sites-kpi-recruiting",
            ),
            kpi_card(
                "Sites not yet open",
                str(len(waiting)),
                waiting_detail,
                card_id="sites-kpi-waiting",
            ),
        ]
    return [
        *status_cards,
        kpi_card(
            "Enrolled",
            f"{enrolled} / {target}" if target else str(enrolled),
            f"{_recent_rate(data.cumulative, cut):.1f} patients per month over the last year",
            card_id="sites-kpi-enrolled",
        ),
        kpi_card(
            f"{ordinal(target)} patient expected" if target else "Target",
            expected,
            detail,
            card_id="sites-kpi-expected",
        ),
    ]


def funnel_reasons(funnel: ScreeningFunnel) -> list:
    """The reasons patients left the funnel, with counts, as short lists."""

    def block(title: str, counts: dict[str, int]):
        items = [html.Li(f"{reason}: {n}") for reason, n in counts.items() if n]
        return html.Div(
            [html.Div(title, className="fw-semibold"), html.Ul(items or [html.Li("none")])],
            className="mb-2",
        )

    after_enrollment = {
        "withdrawn before transplant": funnel.withdrawn_before_transplant,
        "awaiting transplant": funnel.awaiting_transplant,
        "transplanted less than 3 months before the cut": funnel.too_early_for_3_months,
        "died before day 90": funnel.died_before_day_90,
        "withdrawn before day 90": funnel.withdrawn_before_day_90,
    }
    blocks = [
        block(f"Screen failures ({funnel.screen_failures})", funnel.screen_failure_reasons),
        block(f"Withdrawals ({funnel.withdrawn})", funnel.withdrawal_reasons),
        block("Enrolled, not evaluable at 3 months", after_enrollment),
    ]
    if funnel.in_screening:
        blocks.insert(1, html.Div(f"Still in screening: {funnel.in_screening}", className="mb-2"))
    return blocks
