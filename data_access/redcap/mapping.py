"""Which REDCap field fills which column of the trial model: defaults, per-project overrides.

The defaults name the fields of the dictionary shipped with the dashboard
(``redcap/mtsa-data-dictionary.csv``), so a project built from it needs no mapping file.
A project built with other field names says so in a small TOML file (``import --mapping
FILE``), in the same design as the CDISC mapping (:mod:`data_access.cdisc.mapping`):
sections named after the model's tables map a column to a field (``""``: not
recorded), ``[trial]`` is the same table as for CDISC, and ``[values.COLUMN]`` tables
translate a choice's label (compared without regard to case) to the model's value.
``docs/redcap.md`` describes every key.
"""

from __future__ import annotations

from pathlib import Path

from data_access.cdisc.mapping import DEFAULTS as CDISC_DEFAULTS
from data_access.cdisc.mapping import Mapping, MappingRules, load_mapping
from data_access.schema import (
    CYTOGENETIC_RISKS,
    DIAGNOSES,
    GVHD_TYPES,
    LAB_UNITS,
    PRODUCTS,
    RELATEDNESS,
    RESPONSES,
    SEXES,
)

SITE_FROM_GROUP = ""
"""``patients.site_id`` mapped to nothing: the site is the record's data access group."""
TESTS = "tests"
"""The key of ``[lab_results]`` mapping each count's field to the model's test."""

FIELDS: dict[str, dict[str, str]] = {
    "patients": {
        "site_id": SITE_FROM_GROUP,
        "sex": "sex",
        "age": "age",
        "diagnosis": "diagnosis",
        "cytogenetic_risk": "cyto_risk",
        "screened_on": "screening_date",
        "enrolled_on": "enrollment_date",
        "screen_failure_reason": "screen_fail_reason",
        "transplant_on": "transplant_date",
        "withdrawn_on": "withdrawal_date",
        "withdrawal_reason": "withdrawal_reason",
        "arm": "arm",
        "treatment_start_on": "treatment_start_date",
        "safety_population": "safety_population",
        "actual_arm": "actual_arm",
    },
    "follow_up": {
        "last_contact_on": "last_contact_date",
        "progressed_on": "progression_date",
        "died_on": "death_date",
        "death_cause": "death_cause",
        "imputed": "fu_imputed",
    },
    "responses": {"assessed_on": "resp_date", "response": "resp"},
    "lab_results": {"sampled_on": "lab_date"},
    "transfusions": {"given_on": "transfusion_date", "product": "transfusion_product"},
    "adverse_events": {
        "term": "ae_term",
        "soc": "ae_soc",
        "grade": "ae_grade",
        "serious": "ae_serious",
        "related": "ae_related",
        "onset_on": "ae_onset_date",
        "resolved_on": "ae_resolved_date",
        "gvhd_type": "ae_gvhd_type",
        "gvhd_grade": "ae_gvhd_grade",
        "treatment_emergent": "ae_emergent",
        "grade_from_severity": "ae_grade_from_sev",
        "imputed": "ae_imputed",
    },
    "chimerism": {
        "sampled_on": "chim_date",
        "donor_percent": "chim_donor_pct",
        "detected": "chim_detected",
    },
    "time_to_event": {
        "parameter": "tte_parameter",
        "label": "tte_label",
        "days": "tte_days",
        "censored": "tte_censored",
    },
}
"""Model table -> column -> field of the shipped dictionary (``patient_id`` is always the
record id, the project's first field)."""

LAB_TESTS = {
    "anc": "ANC",
    "plt": "PLT",
    "pb_blast_pct": "PB_BLAST_PCT",
    "bm_blast_pct": "BM_BLAST_PCT",
}
"""Field -> test: each blood count sample (one instance) holds up to four results."""

BOOLEAN = "boolean"
VALUES: dict[str, dict[str, str]] = {
    "sex": {"FEMALE": "F", "MALE": "M", "F": "F", "M": "M"},
    "diagnosis": {
        "DE NOVO AML": "de_novo_aml",
        "SECONDARY AML": "secondary_aml",
        "MDS WITH EXCESS BLASTS": "mds_eb",
        "MDS-EB": "mds_eb",
    },
    "cytogenetic_risk": {
        "FAVORABLE": "favorable",
        "FAVOURABLE": "favorable",
        "INTERMEDIATE": "intermediate",
        "ADVERSE": "adverse",
    },
    "response": {
        "COMPLETE REMISSION (CR)": "CR",
        "CR WITH INCOMPLETE HEMATOLOGIC RECOVERY (CRI)": "CRi",
        "CR WITH PARTIAL HEMATOLOGIC RECOVERY (CRH)": "CRh",
        "PARTIAL REMISSION (PR)": "PR",
        "STABLE DISEASE (SD)": "SD",
        "PROGRESSIVE DISEASE (PD)": "PD",
        "RELAPSE": "relapse",
        "NOT EVALUABLE (NE)": "NE",
        **{code.upper(): code for code in RESPONSES},
    },
    "product": {"PLATELETS": "platelets", "RED BLOOD CELLS": "red_cells", "RED CELLS": "red_cells"},
    "related": {"RELATED": "yes", "NOT RELATED": "no", "UNKNOWN": "unknown"},
    "gvhd_type": {"ACUTE": "acute", "CHRONIC": "chronic"},
    "imputed": {
        "ONSET DATE": "onset_on",
        "RESOLUTION DATE": "resolved_on",
        "DEATH DATE": "died_on",
        "PROGRESSION DATE": "progressed_on",
    },
    BOOLEAN: {"YES": "yes", "NO": "no", "TRUE": "yes", "FALSE": "no", "Y": "yes", "N": "no"},
}
"""Choice label (upper case) -> model value, per model column; ``boolean`` serves every
yes/no column (REDCap's yesno and truefalse fields, or a radio of the same labels)."""
ALLOWED = {
    "sex": SEXES,
    "diagnosis": DIAGNOSES,
    "cytogenetic_risk": CYTOGENETIC_RISKS,
    "response": RESPONSES,
    "product": PRODUCTS,
    "related": RELATEDNESS,
    "gvhd_type": GVHD_TYPES,
    "imputed": ("onset_on", "resolved_on", "died_on", "progressed_on"),
    BOOLEAN: ("yes", "no"),
}

DEFAULTS: Mapping = {
    "trial": dict(CDISC_DEFAULTS["trial"]),
    **{table: dict(columns) for table, columns in FIELDS.items()},
    "values": {column: dict(table) for column, table in VALUES.items()},
}
DEFAULTS["lab_results"][TESTS] = dict(LAB_TESTS)

RULES = MappingRules(
    defaults=DEFAULTS,
    variables=frozenset((table, column) for table, columns in FIELDS.items() for column in columns),
    choices={
        ("lab_results", TESTS): tuple(LAB_UNITS),
        **{("values", column): allowed for column, allowed in ALLOWED.items()},
    },
    case=str.lower,
)
"""Field names are written in lower case, as REDCap requires."""


def load_redcap_mapping(path: Path | None) -> Mapping:
    """The defaults, overridden by the project's mapping file (raises ``MappingError``)."""
    return load_mapping(path, RULES)


def lab_tests(mapping: Mapping) -> dict[str, str]:
    """Field (lower case) -> test of the blood counts."""
    return {field.lower(): test for field, test in mapping["lab_results"][TESTS].items()}


def table_fields(mapping: Mapping, table: str) -> dict[str, str]:
    """Column -> field of ``table``, without the columns mapped to nothing."""
    return {
        column: field
        for column, field in mapping[table].items()
        if isinstance(field, str) and field and column != TESTS
    }
