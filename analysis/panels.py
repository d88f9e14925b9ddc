"""The ``stats`` panels: one function per panel, shared by the CLI and the JSON API.

Each takes the trial tables and the data cut (plus the panel's options) and returns
JSON-ready data (``docs/command-line.md``), so the command line, ``/api/stats`` and the pages
agree. Options are declared once (:mod:`analysis.options`); the CLI turns them into flags,
the API reads them from the query string and the pages build their controls from them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from analysis.enrollment import enrollment_json
from analysis.options import (
    BY,
    CONF_LEVEL,
    CONF_TYPE,
    COUNT,
    DETECTION_LIMIT,
    ENDPOINT,
    TERMS,
    Option,
)
from analysis.quality.summary import quality_json
from analysis.recovery import recovery_json
from analysis.safety import safety_json
from analysis.sites import sites_json
from analysis.survival_panels import relapse_json, response_json, survival_json

STATS_PANELS: Mapping[str, Callable] = {
    "enrollment": enrollment_json,
    "sites": sites_json,
    "survival": survival_json,
    "relapse": relapse_json,
    "response": response_json,
    "recovery": recovery_json,
    "safety": safety_json,
    "quality": quality_json,
}

PANEL_OPTIONS: Mapping[str, tuple[Option, ...]] = {
    "survival": (ENDPOINT, BY, CONF_TYPE, CONF_LEVEL),
    "relapse": (BY,),
    "recovery": (COUNT, DETECTION_LIMIT),
    "safety": (BY, TERMS),  # by: arm only, safety_json says so for the others
}


def parse_options(panel: str, given: Mapping[str, str]) -> dict:
    """Typed options of ``panel`` from strings (a query string); unknown ones are errors."""
    options = {option.name: option for option in PANEL_OPTIONS.get(panel, ())}
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise ValueError(f"unknown option(s) for {panel}: {', '.join(unknown)}")
    return {name: options[name].parse(raw) for name, raw in given.items()}
