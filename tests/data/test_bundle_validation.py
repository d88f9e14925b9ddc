"""CSV bundle validation: one rule per test, each on a copy of the small fixture bundle
with one cell changed, asserting the exact ``file:line: column: message`` reported.

Lines in patients.csv: 2 = P-001 ... 9 = P-008; sites.csv: 2 CLF, 3 GRE, 4 LIL, 5 LYS,
6 NCY, 7 PSL, 8 STE (see tests/fixtures/bundles/small/EXPECTED.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.bundle import BundleError, Problem, read_bundle
from data_access.bundle_read import read_records
from data_access.engine import make_engine
from data_access.import_report import records_after_cut, records_before_enrollment
from data_access.importing import import_bundle
from data_access.queries import load_snapshot
from data_access.schema import LabResult, Patient
from tests.csv_files import rows_of, set_cell, write_rows

SMALL = Path(__file__).resolve().parent.parent / "fixtures" / "bundles" / "small"


@pytest.fixture
def bundle(tmp_path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(SMALL, target)
    return target


def add_row(bundle: Path, file: str, **values: str) -> int:
    """Append a row (unnamed columns empty); return its line number."""
    rows = rows_of(bundle, file)
    rows.append([values.get(name, "") for name in rows[0]])
    write_rows(bundle, file, rows)
    return len(rows)


def problems_of(bundle: Path) -> list[str]:
    with pytest.raises(BundleError) as caught:
        read_bundle(bundle)
    return [str(p) for p in caught.value.problems]


def assert_only(bundle: Path, prefix: str) -> str:
    """The bundle has exactly one problem, and it starts with ``prefix``."""
    problems = problems_of(bundle)
    assert len(problems) == 1, problems
    assert problems[0].startswith(prefix), problems
    return problems[0]


def test_imp000_fixture_is_valid_and_problem_format():
    tables = read_bundle(SMALL)
    assert {name: len(frame) for name, frame in tables.items()} == {
        "trial": 1,
        "sites": 7,
        "patients": 8,
        "follow_up": 6,
        "responses": 6,
        "lab_results": 8,
        "transfusions": 3,
        "adverse_events": 3,
        "chimerism": 3,
        "time_to_event": 0,
    }
    assert str(Problem("a.csv", 3, "age", "bad")) == "a.csv:3: age: bad"
    assert BundleError([Problem("a.csv", 3, "age", "bad")]).problems[0].line == 3


def test_imp001_not_utf8(bundle):
    text = (bundle / "patients.csv").read_text(encoding="utf-8")
    (bundle / "patients.csv").write_bytes(
        text.replace("patient decision", "décision").encode("latin-1")
    )
    assert_only(bundle, "patients.csv:7: -: not UTF-8 text (byte 0xe9)")


def test_imp002_utf8_bom_accepted(bundle):
    data = (bundle / "sites.csv").read_bytes()
    (bundle / "sites.csv").write_bytes(b"\xef\xbb\xbf" + data)
    tables = read_bundle(bundle)
    assert tables["sites"].columns[0] == "site_id"
    assert tables["sites"]["city"].iloc[3] == "Pierre-Bénite (Lyon)"


def test_imp003_missing_required_file(bundle):
    (bundle / "sites.csv").unlink()
    assert_only(bundle, "sites.csv:0: -: required file is missing")


def test_imp004_optional_file_absent(bundle):
    (bundle / "chimerism.csv").unlink()
    assert read_bundle(bundle)["chimerism"].empty


def test_imp005_unknown_file(bundle):
    shutil.copy(bundle / "lab_results.csv", bundle / "lab_result.csv")
    (bundle / "notes.txt").write_text("documentation is ignored", encoding="utf-8")
    (bundle / ".hidden").write_text("ignored", encoding="utf-8")
    assert_only(
        bundle, "lab_result.csv:0: -: unknown file in the bundle (did you mean lab_results.csv?"
    )


def test_imp006_missing_required_column(bundle):
    rows = rows_of(bundle, "patients.csv")
    at = rows[0].index("screened_on")
    write_rows(bundle, "patients.csv", [row[:at] + row[at + 1 :] for row in rows])
    assert_only(bundle, "patients.csv:1: screened_on: required column is missing")


def test_imp007_optional_column_may_be_absent(bundle):
    rows = rows_of(bundle, "follow_up.csv")
    death_cause = rows[0].index("death_cause")
    write_rows(
        bundle, "follow_up.csv", [row[:death_cause] + row[death_cause + 1 :] for row in rows]
    )
    assert read_bundle(bundle)["follow_up"]["death_cause"].isna().all()


def test_imp008_unknown_column(bundle):
    rows = rows_of(bundle, "patients.csv")
    write_rows(bundle, "patients.csv", [[*rows[0], "weight"]] + [[*r, "70"] for r in rows[1:]])
    assert_only(bundle, "patients.csv:1: weight: unknown column")


def test_imp009_duplicate_header(bundle):
    rows = rows_of(bundle, "patients.csv")
    write_rows(bundle, "patients.csv", [[*rows[0], "age"]] + [[*r, "70"] for r in rows[1:]])
    assert_only(bundle, "patients.csv:1: age: duplicate column (also column 4)")


def test_imp010_wrong_number_of_fields(bundle):
    original = (bundle / "responses.csv").read_text(encoding="utf-8")
    (bundle / "responses.csv").write_text(original + "P-005,2019-12-01\n", encoding="utf-8")
    assert_only(bundle, "responses.csv:8: -: expected 3 fields, found 2")
    extra = "P-005,2019-12-01\nP-005,2020-01-06,CR,extra\n"
    (bundle / "responses.csv").write_text(original + extra, encoding="utf-8")
    problems = problems_of(bundle)
    assert problems[0] == "responses.csv:8: -: expected 3 fields, found 2"
    assert problems[-1] == "responses.csv:9: -: expected 3 fields, found 4"


def test_imp011_not_an_integer(bundle):
    set_cell(bundle, "patients.csv", 3, "age", "71.0")
    assert_only(bundle, "patients.csv:3: age: not an integer: '71.0'")


def test_imp012_not_a_number(bundle):
    set_cell(bundle, "lab_results.csv", 2, "value", "0,8")
    assert_only(bundle, "lab_results.csv:2: value: not a number: '0,8'")


@pytest.mark.parametrize("value", ["2019-2-11", "11/02/2019", "2019-02-30", "2019-02-11 00:00"])
def test_imp013_not_a_strict_date(bundle, value):
    set_cell(bundle, "patients.csv", 2, "screened_on", value)
    assert_only(bundle, f"patients.csv:2: screened_on: not a date (YYYY-MM-DD): '{value}'")


def test_imp014_not_yes_or_no(bundle):
    set_cell(bundle, "adverse_events.csv", 4, "serious", "N")
    assert_only(bundle, "adverse_events.csv:4: serious: not yes or no: 'N'")


def test_imp015_required_value_missing(bundle):
    set_cell(bundle, "sites.csv", 4, "name", "")
    assert_only(bundle, "sites.csv:4: name: required value is missing")


def test_imp016_value_not_allowed(bundle):
    set_cell(bundle, "patients.csv", 5, "sex", "f")
    assert_only(bundle, "patients.csv:5: sex: not allowed: 'f' (allowed: F, M)")


def test_imp017_grade_must_be_1_to_5(bundle):
    set_cell(bundle, "adverse_events.csv", 2, "grade", "6")
    set_cell(bundle, "adverse_events.csv", 3, "grade", "")
    assert problems_of(bundle) == [
        "adverse_events.csv:2: grade: not allowed: '6' (allowed: 1, 2, 3, 4, 5)",
        "adverse_events.csv:3: grade: required value is missing",
    ]


def test_imp018_lab_unit_must_match_test(bundle):
    set_cell(bundle, "lab_results.csv", 2, "unit", "%")
    assert_only(
        bundle, "lab_results.csv:2: unit: unit '%' does not match test ANC (expected 10^9/L)"
    )


def test_imp019_trial_has_exactly_one_row(bundle):
    rows = rows_of(bundle, "trial.csv")
    write_rows(bundle, "trial.csv", [*rows, ["NCT00000000", *rows[1][1:]]])
    assert_only(bundle, "trial.csv:3: -: must have exactly 1 row, found 2")
    write_rows(bundle, "trial.csv", rows[:1])
    assert_only(bundle, "trial.csv:1: -: must have exactly 1 row, found none")


def test_imp020_duplicate_patient(bundle):
    line = add_row(
        bundle, "patients.csv", patient_id="P-001", site_id="GRE", screened_on="2019-03-01"
    )
    assert_only(
        bundle, f"patients.csv:{line}: patient_id: duplicate patient_id: P-001 (first on line 2)"
    )


def test_imp021_two_follow_up_rows_for_a_patient(bundle):
    line = add_row(bundle, "follow_up.csv", patient_id="P-004", last_contact_on="2020-06-09")
    assert_only(
        bundle, f"follow_up.csv:{line}: patient_id: duplicate patient_id: P-004 (first on line 4)"
    )


def test_imp022_two_responses_same_day(bundle):
    line = add_row(
        bundle, "responses.csv", patient_id="P-002", assessed_on="2019-06-03", response="PR"
    )
    assert_only(
        bundle,
        f"responses.csv:{line}: assessed_on: duplicate patient_id, assessed_on: "
        "P-002, 2019-06-03 (first on line 3)",
    )


def test_imp023_patient_at_unknown_site(bundle):
    set_cell(bundle, "patients.csv", 4, "site_id", "XYZ")
    assert_only(bundle, "patients.csv:4: site_id: unknown site_id 'XYZ' (not in sites.csv)")


def test_imp024_rows_for_unknown_patient(bundle):
    set_cell(bundle, "lab_results.csv", 8, "patient_id", "P-099")
    assert_only(
        bundle, "lab_results.csv:8: patient_id: unknown patient_id 'P-099' (not in patients.csv)"
    )


# Records that contradict each other load: only what cannot be read or linked refuses an
# import. Each becomes a data-quality finding (docs/quality.md), checked here end to end
# from the CSV cell to the finding's words.
CONTRADICTIONS = [
    pytest.param(
        [("patients.csv", 2, "enrolled_on", "2019-02-10")],
        ("ENROL-DATES", "P-001", "screened on 2019-02-11, after enrollment on 2019-02-10"),
        id="imp025-enrolled-before-screened",
    ),
    pytest.param(
        [("patients.csv", 6, "transplant_on", "2019-07-14")],
        ("TX-BEFORE-ENROL", "P-005", "transplant on 2019-07-14, before enrollment on 2019-07-15"),
        id="imp026-transplant-before-enrollment",
    ),
    pytest.param(
        [("patients.csv", 7, "withdrawn_on", "2019-09-01")],
        ("ENROL-DATES", "P-006", "withdrawn on 2019-09-01, before enrollment on 2019-09-23"),
        id="imp027-withdrawn-before-enrollment",
    ),
    pytest.param(
        [
            ("follow_up.csv", 2, "died_on", "2019-02-01"),
            ("follow_up.csv", 2, "last_contact_on", ""),
        ],
        ("FU-BEFORE-ENROL", "P-001", "death on 2019-02-01, before enrollment on 2019-02-25"),
        id="imp028-death-before-enrollment",
    ),
    pytest.param(
        [("follow_up.csv", 2, "progressed_on", "2019-02-01")],
        ("FU-BEFORE-ENROL", "P-001", "progression on 2019-02-01, before enrollment on 2019-02-25"),
        id="imp028-progression-before-enrollment",
    ),
    pytest.param(
        [("follow_up.csv", 2, "last_contact_on", "2019-02-01")],
        ("FU-BEFORE-ENROL", "P-001", "last contact on 2019-02-01, before enrollment on 2019-02-25"),
        id="imp028-last-contact-before-enrollment",
    ),
    pytest.param(
        [("adverse_events.csv", 3, "resolved_on", "2019-05-01")],
        ("AE-DATES", "P-002", "Sepsis resolved on 2019-05-01, before its onset on 2019-05-02"),
        id="imp029-resolved-before-onset",
    ),
    pytest.param(
        [("sites.csv", 2, "activated_on", "2019-01-20")],
        ("SITE-DATES", None, "activated on 2019-01-20, before initiation visit on 2019-01-21"),
        id="imp030-activated-before-initiation",
    ),
    pytest.param(
        [
            ("sites.csv", 3, "initiation_visit_on", ""),
            ("sites.csv", 3, "ethics_approved_on", "2019-03-19"),
        ],
        ("SITE-DATES", None, "activated on 2019-03-18, before ethics approved on 2019-03-19"),
        id="imp030-activated-before-ethics-initiation-missing",
    ),
    pytest.param(
        [("patients.csv", 2, "screen_failure_reason", "none")],
        ("ENROL-STATUS", "P-001", "enrolled on 2019-02-25, with a screen-failure reason 'none'"),
        id="imp034-screen-failure-reason-for-enrolled",
    ),
    pytest.param(
        [("patients.csv", 8, "transplant_on", "2019-12-01")],
        ("ENROL-STATUS", "P-007", "transplant on 2019-12-01, but never enrolled"),
        id="imp035-transplant-for-never-enrolled",
    ),
    pytest.param(
        [("lab_results.csv", 3, "value", "-0.1")],
        ("LAB-IMPLAUSIBLE", "P-001", "ANC -0.1 x10^9/L on 2019-04-08 (day 7): negative"),
        id="imp038-negative-lab-value",
    ),
    pytest.param(
        [("follow_up.csv", 3, "last_contact_on", "2019-10-15")],
        ("AFTER-DEATH", "P-002", "last contact on 2019-10-15, after death on 2019-10-14"),
        id="imp039-last-contact-after-death",
    ),
]


@pytest.mark.parametrize(("cells", "finding"), CONTRADICTIONS)
def test_imp025_contradictions_load_as_critical_or_major_findings(bundle, cells, finding):
    from analysis.quality import quality_findings

    for file, line, column, value in cells:
        set_cell(bundle, file, line, column, value)
    tables = read_bundle(bundle)  # no BundleError: it loads
    found = quality_findings(tables, None)
    rows = found[found["rule"] == finding[0]]
    assert [(r.rule, r.patient_id, r.detail) for r in rows.itertuples()] == [finding]
    assert rows["severity"].iloc[0] == (
        "major" if finding[0] in ("SITE-DATES", "LAB-IMPLAUSIBLE") else "critical"
    )


def test_imp031_contract_before_ethics_and_enrollment_before_activation_accepted(bundle):
    set_cell(bundle, "sites.csv", 2, "contract_signed_on", "2018-10-01")  # before ethics
    set_cell(bundle, "sites.csv", 8, "activated_on", "2019-03-01")  # P-001 enrolled 2019-02-25
    set_cell(bundle, "patients.csv", 5, "age", "80")  # ineligible, still imported
    assert len(read_bundle(bundle)["patients"]) == 8


def test_imp032_date_after_data_cut_is_kept_and_counted(bundle):
    set_cell(bundle, "lab_results.csv", 9, "sampled_on", "2020-07-01")
    set_cell(bundle, "adverse_events.csv", 3, "resolved_on", "2020-08-01")
    set_cell(bundle, "trial.csv", 2, "start_date", "2020-07-01")  # a plan: never counted
    tables = read_bundle(bundle)
    assert len(tables["lab_results"]) == 8
    assert records_after_cut(tables) == {"lab_results": 1, "adverse_events": 1}


def test_imp033_records_for_a_patient_never_enrolled_are_kept(bundle):
    add_row(bundle, "responses.csv", patient_id="P-003", assessed_on="2019-05-01", response="CR")
    add_row(
        bundle,
        "lab_results.csv",
        patient_id="P-003",
        sampled_on="2019-04-01",
        test="ANC",
        value="1.2",
        unit="10^9/L",
    )
    tables = read_bundle(bundle)
    assert "P-003" in set(tables["responses"]["patient_id"])
    assert records_before_enrollment(tables) == {"responses": 1, "lab_results": 1}


@pytest.mark.parametrize(
    ("value", "ok"), [("0", True), ("120", True), ("121", False), ("-1", False)]
)
def test_imp036_age_plausible(bundle, value, ok):
    set_cell(bundle, "patients.csv", 2, "age", value)
    if ok:
        read_bundle(bundle)
    else:
        assert_only(
            bundle, f"patients.csv:2: age: out of range: {value} (must be between 0 and 120)"
        )


def test_imp037_coordinates_in_range(bundle):
    set_cell(bundle, "sites.csv", 2, "latitude", "91")
    set_cell(bundle, "sites.csv", 3, "longitude", "-180.5")
    assert problems_of(bundle) == [
        "sites.csv:2: latitude: out of range: 91.0 (must be between -90 and 90)",
        "sites.csv:3: longitude: out of range: -180.5 (must be between -180 and 180)",
    ]


def test_imp038_donor_percent_in_range(bundle):
    set_cell(bundle, "chimerism.csv", 2, "donor_percent", "100.5")
    assert problems_of(bundle) == [
        "chimerism.csv:2: donor_percent: out of range: 100.5 (must be between 0 and 100)",
    ]


def test_imp040_text_longer_than_column(bundle):
    set_cell(bundle, "sites.csv", 4, "status", "x" * 50)
    problem = assert_only(bundle, "sites.csv:4: status: longer than 30 characters: 'xxx")
    assert problem.endswith("…'")


def test_imp041_empty_file(bundle):
    (bundle / "chimerism.csv").write_text("", encoding="utf-8")
    assert_only(bundle, "chimerism.csv:0: -: empty file: no header row")


def test_imp042_multiline_record_keeps_physical_line_numbers(bundle):
    set_cell(bundle, "follow_up.csv", 3, "death_cause", "relapse\nconfirmed by marrow")
    set_cell(bundle, "follow_up.csv", 4, "last_contact_on", "someday")  # record 4 = line 5
    assert_only(bundle, "follow_up.csv:5: last_contact_on: not a date (YYYY-MM-DD): 'someday'")


def test_imp043_missing_folder(tmp_path):
    with pytest.raises(BundleError) as caught:
        read_bundle(tmp_path / "nowhere")
    assert str(caught.value.problems[0]) == "nowhere:0: -: bundle folder not found"


def test_imp044_all_problems_reported_sorted(bundle):
    set_cell(bundle, "chimerism.csv", 3, "detected", "maybe")
    set_cell(bundle, "patients.csv", 9, "sex", "X")
    set_cell(bundle, "patients.csv", 3, "age", "old")
    (bundle / "trial.csv").unlink()
    assert problems_of(bundle) == [
        "trial.csv:0: -: required file is missing",
        "patients.csv:3: age: not an integer: 'old'",
        "patients.csv:9: sex: not allowed: 'X' (allowed: F, M)",
        "chimerism.csv:3: detected: not yes or no: 'maybe'",
    ]


def test_imp045_invalid_bundle_leaves_database_unchanged(bundle, sqlite_url):
    engine = make_engine(sqlite_url)
    assert import_bundle(engine, SMALL) == 1
    before = load_snapshot(engine)
    set_cell(bundle, "patients.csv", 2, "age", "sixty")
    (bundle / "lab_results.csv").write_text(
        "patient_id,sampled_on,test,value,unit\nP-001,2019-04-01,ANC,1.0,10^9/L\n", encoding="utf-8"
    )
    with pytest.raises(BundleError):
        import_bundle(engine, bundle)
    after = load_snapshot(engine)
    assert after.version == before.version
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LabResult)).scalar() == 8
        assert conn.execute(select(Patient.age).where(Patient.patient_id == "P-001")).scalar() == 66
    for name, frame in before.tables.items():
        assert after.tables[name].equals(frame), name
    engine.dispose()


def test_imp046_formula_quote_stripped_on_import(bundle):
    set_cell(bundle, "adverse_events.csv", 2, "term", "'=HYPERLINK(x)")
    set_cell(bundle, "adverse_events.csv", 3, "term", "'plain quote kept")
    terms = read_bundle(bundle)["adverse_events"]["term"]
    assert terms.tolist()[:2] == ["=HYPERLINK(x)", "'plain quote kept"]


def test_imp047_nul_character_rejected(bundle):
    set_cell(bundle, "follow_up.csv", 3, "death_cause", "rel\x00apse")
    assert_only(bundle, "follow_up.csv:3: death_cause: contains a NUL character")


def test_imp048_unreadable_file(bundle):
    (bundle / "chimerism.csv").unlink()
    (bundle / "chimerism.csv").mkdir()
    assert_only(bundle, "chimerism.csv:0: -: cannot read the file: Is a directory")


def test_imp049_crlf_line_endings_and_blank_lines_accepted(bundle):
    text = (bundle / "patients.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    crlf = "\r\n".join([*lines[:3], "", *lines[3:], "", ""])
    (bundle / "patients.csv").write_bytes(crlf.encode("utf-8"))
    patients = read_bundle(bundle)["patients"]
    assert patients["patient_id"].tolist() == [f"P-00{i}" for i in range(1, 9)]
    assert patients["withdrawal_reason"].iloc[5] == "patient decision"
    assert patients["screen_failure_reason"].iloc[6] == "age over 74, not eligible"
    rows = (bundle / "patients.csv").read_bytes().split(b"\r\n")
    rows[5] = rows[5].replace(b"69", b"sixty-nine")  # P-004, now on line 6
    (bundle / "patients.csv").write_bytes(b"\r\n".join(rows))
    assert_only(bundle, "patients.csv:6: age: not an integer: 'sixty-nine'")


def test_imp050_unclosed_quote_refuses_the_file_cut_short():
    # A file cut inside a quoted field: the csv module would read the rest of the file
    # into that one field (record 2 would vanish into record 1's value).
    text = 'site_id,name\nSTE,"CHU de\nLYS,Lyon\n'
    *_rest, problems = read_records(text, "sites.csv")
    assert [(p.line, p.message) for p in problems] == [
        (2, "a quoted field opened in this record is never closed: the file may have been cut "
         "short")
    ]  # fmt: skip
    # a stray quote inside an unquoted field still reads as itself; closed quotes are fine
    for fine in ('site_id,name\nSTE,5" tall\n', 'site_id,name\nSTE,"a ""b"" c"\n'):
        assert read_records(fine, "sites.csv")[-1] == []
