"""The shipped REDCap data dictionary (``redcap/mtsa-data-dictionary.csv``) follows
REDCap's rules, checked offline with the csv module alone (not the dashboard's reader),
and covers every per-patient column of the CSV bundle."""

from __future__ import annotations

import csv
import re

import pytest

from data_access.frames import bundle_columns
from data_access.schema import BUNDLE_TABLES
from tests.conftest import REPO

DICTIONARY = REPO / "redcap" / "mtsa-data-dictionary.csv"
HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
TYPES = {
    "text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse", "calc", "file",
    "slider", "descriptive", "sql",
}  # fmt: skip
VALIDATIONS = {
    "date_ymd", "date_mdy", "date_dmy", "datetime_ymd", "datetime_seconds_ymd", "integer",
    "number", "number_1dp", "number_2dp", "email", "phone", "time", "alpha_only", "zipcode",
}  # fmt: skip
CHOICE = re.compile(r"\s*[0-9A-Za-z_]+,\s*\S.*")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(DICTIONARY, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == HEADER  # the 18 columns, in REDCap's order
        return [dict(zip(HEADER, row, strict=True)) for row in reader]


def test_rcdict001_names_types_and_validations(rows):
    names = [row["Variable / Field Name"] for row in rows]
    assert names[0] == "record_id" and rows[0]["Field Type"] == "text"
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) and len(n) <= 26 for n in names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", row["Form Name"]) for row in rows)
    assert {row["Field Type"] for row in rows} <= TYPES
    validations = {row["Text Validation Type OR Show Slider Number"] for row in rows} - {""}
    assert validations <= VALIDATIONS
    assert all(row["Required Field?"] in ("", "y") for row in rows)


def test_rcdict002_choices_and_ranges(rows):
    for row in rows:
        choices = row["Choices, Calculations, OR Slider Labels"]
        if row["Field Type"] in ("radio", "dropdown", "checkbox"):
            parts = choices.split("|")
            assert all(CHOICE.fullmatch(part) for part in parts), row["Variable / Field Name"]
            codes = [part.split(",")[0].strip() for part in parts]
            assert len(codes) == len(set(codes))
        else:
            assert choices == "", row["Variable / Field Name"]
        limits = row["Text Validation Min"], row["Text Validation Max"]
        if any(limits):  # a range only on a validated field
            assert row["Text Validation Type OR Show Slider Number"] in ("integer", "number")
    by_name = {row["Variable / Field Name"]: row for row in rows}

    def limits(name):
        return by_name[name]["Text Validation Min"], by_name[name]["Text Validation Max"]

    assert (limits("anc"), limits("plt")) == (("0", "100"), ("0", "2000"))
    assert by_name["sex"]["Choices, Calculations, OR Slider Labels"] == "1, Female | 2, Male"
    dates = [r for r in rows if r["Variable / Field Name"].endswith("_date")]
    assert len(dates) == 14  # the 14 date columns of the per-patient tables
    assert all(r["Text Validation Type OR Show Slider Number"] == "date_ymd" for r in dates)
    assert by_name["screening_date"]["Required Field?"] == "y"


FIELDS = {
    "patients": {
        "sex": "sex", "age": "age", "diagnosis": "diagnosis", "cytogenetic_risk": "cyto_risk",
        "screened_on": "screening_date", "enrolled_on": "enrollment_date",
        "screen_failure_reason": "screen_fail_reason", "transplant_on": "transplant_date",
        "withdrawn_on": "withdrawal_date", "withdrawal_reason": "withdrawal_reason",
        "arm": "arm", "treatment_start_on": "treatment_start_date",
        "safety_population": "safety_population", "actual_arm": "actual_arm",
    },
    "follow_up": {
        "last_contact_on": "last_contact_date", "progressed_on": "progression_date",
        "died_on": "death_date", "death_cause": "death_cause", "imputed": "fu_imputed",
    },
    "responses": {"assessed_on": "resp_date", "response": "resp"},
    "lab_results": {"sampled_on": "lab_date", "test": "anc", "value": "anc", "unit": "anc"},
    "transfusions": {"given_on": "transfusion_date", "product": "transfusion_product"},
    "adverse_events": {
        "term": "ae_term", "soc": "ae_soc", "grade": "ae_grade", "serious": "ae_serious",
        "related": "ae_related", "onset_on": "ae_onset_date", "resolved_on": "ae_resolved_date",
        "gvhd_type": "ae_gvhd_type", "gvhd_grade": "ae_gvhd_grade",
        "treatment_emergent": "ae_emergent", "grade_from_severity": "ae_grade_from_sev",
        "imputed": "ae_imputed",
    },
    "chimerism": {
        "sampled_on": "chim_date", "donor_percent": "chim_donor_pct",
        "detected": "chim_detected",
    },
    "time_to_event": {
        "parameter": "tte_parameter", "label": "tte_label", "days": "tte_days",
        "censored": "tte_censored",
    },
}  # fmt: skip
"""Each per-patient column and the field holding it (a blood count: one field per test,
the unit implied; the patient is the record, the site its data access group)."""


def test_rcdict003_every_per_patient_column_has_a_field(rows):
    by_name = {row["Variable / Field Name"]: row for row in rows}
    for table in BUNDLE_TABLES.values():
        if table.name in ("trial", "sites"):
            continue
        columns = set(bundle_columns(table)) - {"patient_id", "site_id"}
        assert set(FIELDS[table.name]) == columns, table.name
        assert set(FIELDS[table.name].values()) <= set(by_name), table.name
    assert {"anc", "plt", "pb_blast_pct", "bm_blast_pct"} <= set(by_name)
    assert by_name["ae_imputed"]["Field Type"] == "checkbox"
    repeating = {"blood_counts", "transfusions", "adverse_events", "response_assessments",
                 "chimerism", "endpoints"}  # fmt: skip
    assert repeating <= {row["Form Name"] for row in rows}
