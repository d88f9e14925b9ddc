"""Best response within 2 years: counts per category in clinical order."""

from __future__ import annotations

import plotly.graph_objects as go

from analysis.response import CR_CATEGORIES, CR_CRI_CATEGORIES, RESPONSE_ORDER
from dashboard.figures.theme import figure

RESPONSE_LABELS = {
    "CR": "CR",
    "CRh": "CRh",
    "CRi": "CRi",
    "PR": "PR",
    "SD": "SD",
    "PD": "PD",
    "relapse": "Relapse",
    "NE": "NE",
}
RESPONSE_NAMES = {
    "CR": "Complete remission (CR)",
    "CRh": "CR with partial haematological recovery (CRh)",
    "CRi": "CR with incomplete recovery (CRi)",
    "PR": "Partial remission (PR)",
    "SD": "Stable disease (SD)",
    "PD": "Progressive disease (PD)",
    "relapse": "Relapse",
    "NE": "Not evaluable (NE)",
}
RESPONSE_COLORS = {
    "CR": "#2e7d32",
    "CRh": "#43a047",
    "CRi": "#66bb6a",
    "PR": "#f9a825",
    "SD": "#bdbdbd",
    "PD": "#b02a37",
    "relapse": "#d9822b",
    "NE": "#9e9e9e",
}


def response_figure(response: dict) -> go.Figure:
    """Bars of patients per best response, every category shown even when zero.

    ``response`` is ``stats response`` JSON (``response_json``).
    """
    n = response["n"]
    counts = [int(response["best"].get(c, 0)) for c in RESPONSE_ORDER]
    shares = [100 * k / n if n else 0 for k in counts]
    bars = {
        "type": "bar",
        "x": [RESPONSE_LABELS[c] for c in RESPONSE_ORDER],
        "y": counts,
        "marker": {
            "color": [RESPONSE_COLORS[c] for c in RESPONSE_ORDER],
            "line": {"width": 0},
        },
        "text": [f"{k} ({s:.0f}%)" if k else "0" for k, s in zip(counts, shares, strict=True)],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertext": [
            f"{RESPONSE_NAMES[c]}: {k} of {n} patients ({s:.0f}%)"
            for c, k, s in zip(RESPONSE_ORDER, counts, shares, strict=True)
        ],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "showlegend": False,
        "meta": "response-bars",
    }
    top = max([*counts, 1])
    return figure(
        f"Best response within 2 years (n={n})",
        [bars],
        {
            "xaxis": {
                "title": {"text": "Best response (NE: not evaluable)"},
                "type": "category",
                "tickangle": 0,
            },
            "yaxis": {
                "title": {"text": "Patients"},
                "range": [0, top * 1.2],
                "dtick": 1 if top <= 10 else None,
            },
            "height": 380,
        },
    )


def rate_texts(response: dict) -> dict[str, str]:
    """The CR and CR+CRi rates as 'CR 9/14 = 64% (95% CI 35–87%)' (exact CI)."""
    n, best = response["n"], response["best"]
    return {
        "cr": _rate_text("CR", response["cr_rate"], sum(best.get(c, 0) for c in CR_CATEGORIES), n),
        "cr_cri": _rate_text(
            "CR+CRi",
            response["cr_cri_rate"],
            sum(best.get(c, 0) for c in CR_CRI_CATEGORIES),
            n,
        ),
    }


def _rate_text(label: str, rate: dict, k: int, n: int) -> str:
    if not n or rate["estimate"] is None:
        return f"{label}: no enrolled patients"
    return (
        f"{label} {k}/{n} = {100 * rate['estimate']:.0f}% "
        f"(95% CI {100 * rate['ci_lower']:.0f}–{100 * rate['ci_upper']:.0f}%)"
    )
