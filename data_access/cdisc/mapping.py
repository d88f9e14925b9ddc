"""How a study's CDISC datasets map to the trial model: documented defaults, per-study overrides.

The defaults follow the SDTM and ADaM standards, so a standard study needs no mapping
file. A study that records something its own way says so in a small TOML file
(``import --mapping FILE``); every key is described in ``docs/cdisc-import.md``. A list
given in the file replaces the default list; a table (``[labs.tests]``) is merged into
the default table, key by key, and a key mapped to ``""`` is removed. Codes (test codes,
response codes, terms) are compared without regard to case.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from data_access.bundle_read import NO_COLUMN, WHOLE_FILE, Problem
from data_access.cdisc.datasets import ROW
from data_access.schema import LAB_UNITS, RESPONSES

CHIMERISM = "donor_percent"
LAB_TARGETS = (*LAB_UNITS, CHIMERISM)
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}

DEFAULTS: dict[str, dict[str, object]] = {
    "trial": {
        "nct_id": "",
        "title": "",
        "target_enrollment": 0,
        "start_date": "",
        "planned_accrual_end": "",
        "data_cut": "",
    },
    "patients": {
        "enrollment_variable": "RFSTDTC",
        "enrollment_event": "",
        "screening_variables": ["RFICDTC", "DMDTC"],
        "screen_failure_armcd": ["SCRNFAIL"],
        "screen_failure_arm": ["SCREEN FAILURE"],
        "screen_failure_event": ["SCREEN FAILURE"],
        "diagnosis_qualifier": "",
        "cytogenetic_risk_qualifier": "",
    },
    "disposition": {
        "category": ["DISPOSITION EVENT"],
        "completed": ["COMPLETED"],
        "death": ["DEATH"],
    },
    "treatment": {
        "domains": ["EX"],
        "transplant": [],
    },
    "adverse_events": {
        "severity_grades": {"MILD": 1, "MODERATE": 2, "SEVERE": 3},
        "related": [
            "Y",
            "YES",
            "RELATED",
            "POSSIBLE",
            "POSSIBLY RELATED",
            "PROBABLE",
            "PROBABLY RELATED",
            "DEFINITE",
            "DEFINITELY RELATED",
        ],
        "not_related": [
            "N",
            "NO",
            "NOT RELATED",
            "UNRELATED",
            "NONE",
            "UNLIKELY",
            "UNLIKELY RELATED",
            "REMOTE",
        ],
        "acute_gvhd": [
            "ACUTE GRAFT VERSUS HOST DISEASE",
            "ACUTE GRAFT VERSUS HOST DISEASE IN SKIN",
            "ACUTE GRAFT VERSUS HOST DISEASE IN INTESTINE",
            "ACUTE GRAFT VERSUS HOST DISEASE IN LIVER",
        ],
        "chronic_gvhd": [
            "CHRONIC GRAFT VERSUS HOST DISEASE",
            "CHRONIC GRAFT VERSUS HOST DISEASE IN SKIN",
            "CHRONIC GRAFT VERSUS HOST DISEASE IN INTESTINE",
            "CHRONIC GRAFT VERSUS HOST DISEASE IN LIVER",
            "CHRONIC GRAFT VERSUS HOST DISEASE IN EYE",
            "CHRONIC GRAFT VERSUS HOST DISEASE IN LUNG",
        ],
        "acute_gvhd_grade": "AETOXGR",
        "chronic_gvhd_grade": "AESEV",
    },
    "labs": {
        "tests": {"NEUT": "ANC", "PLAT": "PLT", "BLAST": "PB_BLAST_PCT"},
        "marrow_specimens": ["BONE MARROW"],
        "required": [],
    },
    "responses": {
        "tests": ["OVRLRESP"],
        "codes": {
            "CR": "CR",
            "COMPLETE REMISSION": "CR",
            "COMPLETE RESPONSE": "CR",
            "CRI": "CRi",
            "CRH": "CRh",
            "PR": "PR",
            "PARTIAL REMISSION": "PR",
            "PARTIAL RESPONSE": "PR",
            "SD": "SD",
            "STABLE DISEASE": "SD",
            "PD": "PD",
            "PROGRESSIVE DISEASE": "PD",
            "RELAPSE": "relapse",
            "RELAPSED DISEASE": "relapse",
            "NE": "NE",
            "NOT EVALUABLE": "NE",
        },
    },
    "survival": {
        "time_unit": "days",
    },
}
"""Every key of a mapping file and its default (``docs/cdisc-import.md`` explains each)."""

_DATES = {("trial", "start_date"), ("trial", "planned_accrual_end"), ("trial", "data_cut")}
"""Keys holding a date (``2021-10-29``, quoted or a TOML date)."""
_VARIABLES = {
    ("patients", "enrollment_variable"),
    ("patients", "screening_variables"),
    ("patients", "diagnosis_qualifier"),
    ("patients", "cytogenetic_risk_qualifier"),
    ("adverse_events", "acute_gvhd_grade"),
    ("adverse_events", "chronic_gvhd_grade"),
    ("treatment", "domains"),
}
"""Keys naming variables or domains, which SAS writes in upper case: any case is taken."""

_CHOICES = {
    ("labs", "tests"): LAB_TARGETS,
    ("labs", "required"): LAB_TARGETS,
    ("responses", "codes"): RESPONSES,
    ("survival", "time_unit"): tuple(TIME_UNITS),
    ("treatment", "domains"): ("EX", "PR"),
}
"""Keys whose values must be one of a few names."""

Mapping = dict[str, dict[str, object]]


@dataclass(frozen=True)
class MappingRules:
    """What a source's mapping file may hold: its keys and defaults, the keys naming the
    source's variables (and how the source writes their case), and the keys whose values
    must be one of a few names. CDISC and REDCap files follow the same design."""

    defaults: Mapping
    variables: frozenset = frozenset()
    choices: dict = field(default_factory=dict)
    case: Callable[[str], str] = str.upper


CDISC_RULES = MappingRules(DEFAULTS, frozenset(_VARIABLES), _CHOICES, str.upper)


class MappingError(ValueError):
    """The mapping file cannot be used; ``problems`` says why, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list of text"
    return "a table"


def _normalise(section: str, key: str, value, rules: MappingRules = CDISC_RULES):
    """A TOML date as ISO text; variable and domain names in the source's case."""
    if (section, key) in _DATES and isinstance(value, dt.date):
        return value.isoformat()
    if (section, key) in rules.variables and isinstance(value, (str, list)):
        case = rules.case
        if isinstance(value, list):
            return [case(v) if isinstance(v, str) else v for v in value]
        return case(value)
    return value


def _check_value(
    section: str, key: str, value, default, rules: MappingRules = CDISC_RULES
) -> str | None:
    """Why ``value`` cannot stand for ``default``, or None."""
    if (section, key) in _DATES and value != "":
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return f"expected a date YYYY-MM-DD, got {value!r}"
    if isinstance(default, dict):
        if not isinstance(value, dict):
            return f"expected a table, got {_kind(value)}"
        sample = next(iter(default.values()))
        wrong = [k for k, v in value.items() if not isinstance(v, type(sample)) or v is True]
        if wrong:
            return f"{wrong[0]}: expected {_kind(sample)}, got {_kind(value[wrong[0]])}"
        values = [v for v in value.values() if v != ""]
    elif isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"expected a list of text, got {_kind(value)}"
        values = value
    else:
        if not isinstance(value, type(default)) or isinstance(value, bool):
            return f"expected {_kind(default)}, got {_kind(value)}"
        values = [value]
    choices = rules.choices.get((section, key))
    if choices is not None:
        wrong = [v for v in values if v not in choices]
        if wrong:
            return f"{wrong[0]!r} is not one of {', '.join(choices)}"
    if (section, key) == ("adverse_events", "severity_grades") and any(
        not 1 <= v <= 5 for v in values
    ):
        return "grades must lie between 1 and 5"
    return None


def _merge(default, value):
    if isinstance(default, dict):
        merged = {k.upper(): v for k, v in default.items()}
        for k, v in value.items():
            merged[k.upper()] = v
        return {k: v for k, v in merged.items() if v != ""}
    return value


def load_mapping(path: Path | None, rules: MappingRules = CDISC_RULES) -> Mapping:
    """The defaults of ``rules`` (CDISC's unless told), overridden by the TOML file at
    ``path`` when given.

    Raises
    ------
    MappingError
        The file cannot be read or parsed, or holds an unknown key or a value of the
        wrong kind (each reported, as ``FILE: section.key: what is wrong``).
    """
    defaults = rules.defaults
    mapping = copy.deepcopy(defaults)
    if path is None:
        return mapping
    name = Path(path).name
    try:
        given = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        message = f"cannot read the mapping file: {error.strerror}"
        raise MappingError([_problem(name, message)]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError([_problem(name, f"not a valid TOML file: {error}")]) from None
    problems = []
    for section, keys in given.items():
        if section not in defaults:
            known = ", ".join(defaults)
            problems.append(_problem(name, f"[{section}]: unknown section (sections: {known})"))
            continue
        if not isinstance(keys, dict):
            problems.append(_problem(name, f"{section}: expected a [{section}] table"))
            continue
        for key, value in keys.items():
            if key not in defaults[section]:
                known = ", ".join(defaults[section])
                message = f"{section}.{key}: unknown key (keys of [{section}]: {known})"
                problems.append(_problem(name, message))
                continue
            value = _normalise(section, key, value, rules)
            why = _check_value(section, key, value, defaults[section][key], rules)
            if why:
                problems.append(_problem(name, f"{section}.{key}: {why}"))
            else:
                mapping[section][key] = _merge(defaults[section][key], value)
    if problems:
        raise MappingError(problems)
    return mapping


def _problem(file: str, message: str) -> Problem:
    return Problem(file, WHOLE_FILE, NO_COLUMN, message, unit=ROW)


def upper_set(values) -> set[str]:
    """``values`` as a set of upper-case, stripped text, for comparing codes."""
    return {str(v).strip().upper() for v in values}
