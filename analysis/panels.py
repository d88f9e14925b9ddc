"""The ``stats`` panels: one function per panel, shared by the CLI and the JSON API.

Each takes the trial tables and the data cut (plus the panel's options) and returns
JSON-ready data (``docs/command-line.md``), so the command line, ``/api/stats`` and the pages
agree. Options are declared once here; the CLI turns them into flags and the API
reads them from the query string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analysis.enrollment import enrollment_json
from analysis.recovery import recovery_json
from analysis.safety import safety_json
from analysis.sites import sites_json
from analysis.survival_panels import relapse_json, response_json, survival_json

GROUPING_FIELDS = ("cytogenetic_risk", "sex", "site_id", "arm")


@dataclass(frozen=True)
class Option:
    """One option of a panel: ``--conf-type`` on the command line, ``conf_type`` in a URL."""

    name: str
    help: str
    choices: tuple[str, ...] | None = None
    default: object = None
    kind: Callable = str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _level(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise ValueError(f"conf_level must lie between 0 and 1, got {text}")
    return value


BY = Option("by", "group by this patient column (safety: arm only)", GROUPING_FIELDS)

STATS_PANELS: Mapping[str, Callable] = {
    "enrollment": enrollment_json,
    "sites": sites_json,
    "survival": survival_json,
    "relapse": relapse_json,
    "response": response_json,
    "recovery": recovery_json,
    "safety": safety_json,
}

PANEL_OPTIONS: Mapping[str, tuple[Option, ...]] = {
    "survival": (
        Option(
            "endpoint",
            "os (overall), pfs (progression-free) or a PARAMCD of the study's ADTTE",
            None,
            "os",
        ),
        BY,
        Option("conf_type", "confidence interval transform", ("log", "log-log", "plain"), "log"),
        Option("conf_level", "confidence level", None, 0.95, _level),
    ),
    "relapse": (BY,),
    "safety": (BY,),  # arm only: safety_json says so for the others
}


def parse_options(panel: str, given: Mapping[str, str]) -> dict:
    """Typed options of ``panel`` from strings (a query string); unknown ones are errors."""
    options = {option.name: option for option in PANEL_OPTIONS.get(panel, ())}
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise ValueError(f"unknown option(s) for {panel}: {', '.join(unknown)}")
    parsed = {}
    for name, raw in given.items():
        option = options[name]
        if option.choices is not None and raw not in option.choices:
            raise ValueError(f"{name} must be one of {', '.join(option.choices)}, not {raw!r}")
        try:
            parsed[name] = option.kind(raw)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    return parsed
