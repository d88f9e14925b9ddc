"""CDISC SDTM import of a small hand-made MTSA-like study (``tests/fixtures/sdtm/mtsa``).

Every expected number is in ``EXPECTED.md`` beside the datasets, worked out by hand from
the datasets and the documented rules (never copied from the program's output). The
error paths copy the fixture to ``tmp_path``, change one thing, and assert the exact
one-line problem (``file: row N: VARIABLE: message``) and that nothing was written.

Rows: DM 1 = MTSA-STE-001, 2 = MTSA-LYS-002, 3 = MTSA-GRE-003, 4 = MTSA-STE-004 (screen
failure), 5 = MTSA-LYS-005, 6 = MTSA-GRE-006. AE row 6 = MTSA-GRE-003 stomatitis; LB
row 7 = MTSA-STE-001 NEUT 100 /uL on 2020-03-16.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.panels import STATS_PANELS
from dashboard.store import at_data_cut
from data_access.cdisc import CdiscError, TrialSettings, read_cdisc
from data_access.engine import make_engine
from data_access.importing import CdiscOptions, detect_format, import_folder
from data_access.queries import latest_version, load_snapshot
from tests.csv_files import rows_of, write_rows

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "sdtm" / "mtsa"
MAPPING = "mapping.toml"
SITES = "sites.csv"
CUT = "2020-12-31"

P1, P2, P3, P4, P5, P6 = (
    "MTSA-STE-001",
    "MTSA-LYS-002",
    "MTSA-GRE-003",
    "MTSA-STE-004",
    "MTSA-LYS-005",
    "MTSA-GRE-006",
)
ARM = "Micro-transplantation"


# ------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    """The fixture read with its mapping and sites files (read once for the module)."""
    return read_cdisc(FIXTURE, FIXTURE / MAPPING, FIXTURE / SITES).tables


@pytest.fixture
def study(tmp_path) -> Path:
    """A copy of the fixture to change."""
    target = tmp_path / "study"
    shutil.copytree(FIXTURE, target)
    return target


def set_cell(folder: Path, file: str, row: int, variable: str, value: str) -> None:
    """Change one value; ``row`` is the dataset row (1 = first record, CSV line 2)."""
    rows = rows_of(folder, file)
    rows[row][rows[0].index(variable)] = value
    write_rows(folder, file, rows)


def plain(value):
    """A cell as plain Python: dates as ISO text, missing values as None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def by_patient(frame: pd.DataFrame, columns: list[str]) -> dict[str, tuple]:
    """``columns`` of a one-row-per-patient table, by patient_id, as plain values."""
    return {
        row[0]: tuple(plain(v) for v in row[1:])
        for row in frame[["patient_id", *columns]].itertuples(index=False)
    }


def rows_as_plain(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in frame[columns].itertuples(index=False)]


def options(folder: Path, settings: TrialSettings | None = None) -> CdiscOptions:
    return CdiscOptions(folder / MAPPING, folder / SITES, settings)


def refused(folder: Path, url: str, settings: TrialSettings | None = None) -> list[str]:
    """The problems of importing ``folder``; asserts the import wrote nothing."""
    engine = make_engine(url)
    try:
        with pytest.raises(CdiscError) as caught:
            import_folder(engine, folder, "cdisc", options(folder, settings))
        assert load_snapshot(engine).version is None, "an invalid study was written"
    finally:
        engine.dispose()
    return [str(problem) for problem in caught.value.problems]


def imported(url: str, settings: TrialSettings | None = None):
    """Import the fixture into ``url``; return the report and the snapshot at the cut."""
    engine = make_engine(url)
    try:
        report = import_folder(engine, FIXTURE, "cdisc", options(FIXTURE, settings))
        snapshot = at_data_cut(load_snapshot(engine))
    finally:
        engine.dispose()
    return report, snapshot


# ------------------------------------------------------------------ mapped tables


def test_cdisc001_fixture_reads_as_sdtm_with_rows_and_notes():
    data = read_cdisc(FIXTURE, FIXTURE / MAPPING, FIXTURE / SITES)
    assert data.source_kind == "sdtm"
    assert {name: len(frame) for name, frame in data.tables.items()} == {
        "trial": 1,
        "sites": 4,
        "patients": 6,
        "follow_up": 5,
        "responses": 7,
        "lab_results": 39,
        "transfusions": 0,
        "adverse_events": 8,
        "chimerism": 3,
        "time_to_event": 0,
    }
    assert data.notes == (  # sites.csv is read, as the sites file: not listed
        "SUPPDM CYTORISK: values not recognised, left empty: unknown",
        "GVHD grades read from AETOXGR (acute: MAGIC grade I-IV expected) and AESEV "
        "(chronic: NIH mild, moderate, severe expected); name other variables in "
        "[adverse_events] if they hold them",
        "LB tests not read (add them to [labs.tests] to use them): HGB",
    )


def test_cdisc002_patients_screening_enrollment_and_screen_failure(tables):
    patients = tables["patients"]
    assert list(patients["patient_id"]) == [P1, P2, P3, P4, P5, P6]  # DM order
    columns = ["site_id", "sex", "age", "screened_on", "enrolled_on", "screen_failure_reason"]
    assert by_patient(patients, columns) == {
        P1: ("STE", "M", 68, "2020-02-10", "2020-03-02", None),
        P2: ("LYS", "F", 71, "2020-03-16", "2020-04-01", None),
        P3: ("GRE", "M", 63, "2020-04-20", "2020-05-04", None),
        P4: ("STE", "F", 72, "2020-07-06", None, "NO HLA-MISMATCHED DONOR AVAILABLE"),
        P5: ("LYS", "M", 66, "2020-05-18", "2020-06-01", None),  # screened: first SV visit
        P6: ("GRE", "F", 70, "2020-10-19", "2020-11-02", None),
    }


def test_cdisc003_patients_treatment_transplant_withdrawal_and_arm(tables):
    columns = [
        "treatment_start_on",
        "transplant_on",
        "withdrawn_on",
        "withdrawal_reason",
        "arm",
    ]
    assert by_patient(tables["patients"], columns) == {
        P1: ("2020-03-04", "2020-03-12", None, None, ARM),
        P2: ("2020-04-06", "2020-04-14", None, None, ARM),
        P3: ("2020-05-06", "2020-05-14", "2020-08-03", "Withdrawal by subject", ARM),
        P4: (None, None, None, None, None),
        P5: ("2020-06-03", "2020-06-11", None, None, ARM),
        P6: ("2020-11-04", "2020-11-12", None, None, ARM),
    }


def test_cdisc004_patients_suppdm_qualifiers(tables):
    assert by_patient(tables["patients"], ["diagnosis", "cytogenetic_risk"]) == {
        P1: ("de_novo_aml", "intermediate"),
        P2: ("secondary_aml", "adverse"),
        P3: ("mds_eb", "favorable"),  # "MDS-EB", "favourable"
        P4: (None, "intermediate"),
        P5: ("de_novo_aml", None),  # "UNKNOWN" is left empty (and noted)
        P6: ("secondary_aml", "adverse"),
    }


def test_cdisc005_follow_up_death_cause_and_last_contact_capped_at_death(tables):
    follow_up = tables["follow_up"]
    columns = ["last_contact_on", "progressed_on", "died_on", "death_cause", "imputed"]
    assert by_patient(follow_up, columns) == {
        P1: ("2020-09-10", None, None, None, None),
        # DS death record collected on 2020-09-20: last contact capped at the death
        P2: ("2020-09-15", None, "2020-09-15", "SEPSIS", None),
        P3: ("2020-08-03", None, None, None, None),
        P5: ("2020-10-25", None, None, None, None),
        P6: ("2021-01-10", None, None, None, None),
    }


def test_cdisc006_labs_units_converted_and_tests_mapped(tables):
    labs = tables["lab_results"]
    assert labs["test"].value_counts().to_dict() == {
        "ANC": 29,
        "PLT": 7,
        "BM_BLAST_PCT": 2,
        "PB_BLAST_PCT": 1,
    }
    assert set(zip(labs["test"], labs["unit"], strict=True)) == {
        ("ANC", "10^9/L"),
        ("PLT", "10^9/L"),
        ("BM_BLAST_PCT", "%"),
        ("PB_BLAST_PCT", "%"),
    }
    mine = labs[labs["patient_id"] == P1].sort_values("sampled_on", kind="stable")
    anc = mine[mine["test"] == "ANC"]
    assert [plain(d) for d in anc["sampled_on"]] == [
        "2020-02-12",
        "2020-03-12",
        "2020-03-16",
        "2020-03-30",
        "2020-04-02",
        "2020-04-03",
        "2020-04-06",
        "2020-04-08",
        "2020-04-08",
        "2020-04-10",
    ]
    assert list(anc["value"]) == pytest.approx(
        [1.2, 0.8, 0.1, 0.3, 0.6, 0.45, 0.7, 0.9, 0.55, 1.1]
    )  # /uL x 0.001
    plt = mine[mine["test"] == "PLT"]
    assert list(plt["value"]) == pytest.approx([45, 12, 25, 30, 60, 70, 80])  # GI/L x 1
    p6 = labs[labs["patient_id"] == P6]
    assert list(p6["value"]) == pytest.approx([0.7, 0.2, 0.6, 0.65, 0.8])  # 10^9/L x 1
    p4 = labs[labs["patient_id"] == P4]
    assert rows_as_plain(p4, ["sampled_on", "test"]) == [("2020-07-08", "ANC")]
    assert list(p4["value"]) == pytest.approx([2.1])


def test_cdisc007_marrow_blasts_from_the_specimen(tables):
    labs = tables["lab_results"]
    blasts = labs[labs["test"].isin(["BM_BLAST_PCT", "PB_BLAST_PCT"])]
    assert sorted(rows_as_plain(blasts, ["patient_id", "sampled_on", "test", "value"])) == [
        (P1, "2020-02-12", "BM_BLAST_PCT", 35.0),
        (P1, "2020-03-12", "PB_BLAST_PCT", 10.0),
        (P1, "2020-04-20", "BM_BLAST_PCT", 2.0),  # LBSPEC "Bone Marrow"
    ]


def test_cdisc008_chimerism_detected_flags(tables):
    chimerism = tables["chimerism"]
    columns = ["patient_id", "sampled_on", "donor_percent", "detected"]
    assert rows_as_plain(chimerism, columns) == [
        (P1, "2020-04-10", 3.5, True),
        (P1, "2020-06-10", None, False),  # LBSTRESC "NOT DETECTED"
        (P5, "2020-09-09", 0.8, True),
    ]


def test_cdisc009_responses_codes_mapped(tables):
    responses = tables["responses"]
    assert rows_as_plain(responses, ["patient_id", "assessed_on", "response"]) == [
        (P1, "2020-04-20", "CR"),
        (P1, "2020-06-10", "CR"),
        (P2, "2020-05-12", "CR"),
        (P3, "2020-06-15", "CRi"),
        (P5, "2020-07-20", "CR"),
        (P5, "2020-10-25", "relapse"),
        (P6, "2021-01-10", "CR"),
    ]


def test_cdisc010_adverse_events_grades_seriousness_and_relatedness(tables):
    events = tables["adverse_events"]
    columns = ["patient_id", "term", "soc", "grade", "serious", "related"]
    assert rows_as_plain(events, columns) == [
        (P1, "FEBRILE NEUTROPENIA", "BLOOD AND LYMPHATIC SYSTEM DISORDERS", 3, True, "yes"),
        (P1, "ACUTE GRAFT VERSUS HOST DISEASE", "IMMUNE SYSTEM DISORDERS", 2, False, "yes"),
        (P1, "HYPERTENSION", "VASCULAR DISORDERS", 1, False, "no"),
        (P2, "NAUSEA", "GASTROINTESTINAL DISORDERS", 1, False, "yes"),
        (P2, "SEPSIS", "INFECTIONS AND INFESTATIONS", 5, True, "no"),
        (P3, "STOMATITIS", "GASTROINTESTINAL DISORDERS", 2, False, "yes"),
        (P5, "CHRONIC GRAFT VERSUS HOST DISEASE", "IMMUNE SYSTEM DISORDERS", 2, False, "yes"),
        (P6, "PNEUMONIA", "INFECTIONS AND INFESTATIONS", 3, True, "no"),
    ]
    # every row has AETOXGR: no grade comes from AESEV
    assert [plain(v) for v in events["grade_from_severity"]] == [False] * 8
    assert events["treatment_emergent"].isna().all()  # no ADAE


def test_cdisc011_gvhd_type_and_grade(tables):
    events = tables["adverse_events"]
    assert rows_as_plain(events, ["gvhd_type", "gvhd_grade"]) == [
        (None, None),
        ("acute", "2"),  # AETOXGR
        (None, None),
        (None, None),
        (None, None),
        (None, None),
        ("chronic", "moderate"),  # AESEV
        (None, None),
    ]


def test_cdisc012_partial_dates_imputed_and_marked(tables):
    events = tables["adverse_events"]
    assert rows_as_plain(events, ["onset_on", "resolved_on", "imputed"]) == [
        ("2020-03-04", "2020-03-20", "onset_on"),  # "2020-03": first treatment, not the 1st
        ("2020-04-14", "2020-05-05", None),
        ("2019-01-01", None, "onset_on"),  # "2019": a year before the first treatment
        ("2020-04-20", "2020-04-20", "resolved_on"),  # end "2020-04" raised to the start
        ("2020-09-10", "2020-09-15", None),
        ("2020-05-12", "2020-05-25", None),
        ("2020-10-20", None, None),
        ("2021-01-08", None, None),
    ]


def test_cdisc013_trial_from_ts(tables):
    trial = tables["trial"]
    assert len(trial) == 1
    row = {name: plain(value) for name, value in trial.iloc[0].items()}
    assert row == {
        "nct_id": "NCT03439371",
        "title": "Micro-transplantation in older patients with acute myeloid leukaemia (MTSA)",
        "target_enrollment": 21,
        "start_date": "2019-06-01",
        "planned_accrual_end": None,
        "data_cut": CUT,
        "not_recorded": "transfusions",
    }


def test_cdisc014_sites_from_the_sites_file(tables):
    sites = tables["sites"]
    assert rows_as_plain(sites, ["site_id", "name", "status", "activated_on"]) == [
        ("CLF", "CHU Estaing", "not_yet_recruiting", None),
        ("GRE", "Centre Hospitalier Universitaire de Grenoble", "recruiting", "2019-11-18"),
        ("LYS", "Centre Hospitalier Lyon Sud", "recruiting", "2019-09-16"),
        ("STE", "CHU de Saint-Etienne (sponsor)", "recruiting", "2019-07-22"),
    ]


def test_cdisc015_command_line_target_and_data_cut_win_over_ts():
    settings = TrialSettings(target=30, data_cut=dt.date(2020, 10, 31))
    data = read_cdisc(FIXTURE, FIXTURE / MAPPING, FIXTURE / SITES, settings)
    trial = data.tables["trial"].iloc[0]
    assert (int(trial["target_enrollment"]), plain(trial["data_cut"])) == (30, "2020-10-31")


# ------------------------------------------------------------------------- import


def test_cdisc016_import_report_counts(trial_db_url):
    report, _snapshot = imported(trial_db_url)
    assert (report.source_kind, report.version, report.data_cut) == (
        "sdtm",
        1,
        dt.date(2020, 12, 31),
    )
    assert report.rows == {
        "trial": 1,
        "sites": 4,
        "patients": 6,
        "follow_up": 5,
        "responses": 7,
        "lab_results": 39,
        "transfusions": 0,
        "adverse_events": 8,
        "chimerism": 3,
        "time_to_event": 0,
    }
    assert report.after_cut == {
        "follow_up": 1,
        "responses": 1,
        "lab_results": 1,
        "adverse_events": 1,
    }
    assert report.before_enrollment == {"lab_results": 3, "adverse_events": 1}
    assert report.lines()[0] == (
        f"imported {FIXTURE} (CDISC SDTM) as data version 1: 6 patients, "
        "8 adverse events, data cut 2020-12-31"
    )
    engine = make_engine(trial_db_url)
    with engine.connect() as conn:
        version = latest_version(conn)
    engine.dispose()
    assert (version.source_kind, version.data_cut) == ("sdtm", dt.date(2020, 12, 31))


def test_cdisc017_data_cut_from_the_command_line_changes_what_is_after_it(trial_db_url):
    report, _snapshot = imported(trial_db_url, TrialSettings(data_cut=dt.date(2020, 10, 31)))
    assert report.data_cut == dt.date(2020, 10, 31)
    # MTSA-GRE-006 enrolled 2020-11-02: its patient row, last contact, 5 ANC, response, AE
    assert report.after_cut == {
        "patients": 1,
        "follow_up": 1,
        "responses": 1,
        "lab_results": 5,
        "adverse_events": 1,
    }


def test_cdisc018_stats_recovery(trial_db_url):
    _report, snapshot = imported(trial_db_url)
    result = STATS_PANELS["recovery"](snapshot.tables, snapshot.data_cut)
    days = {
        row["patient_id"]: (
            row["transplant_on"],
            row["neutrophil_day"],
            row["platelet20_day"],
            row["platelet50_day"],
        )
        for row in result["patients"]
    }
    assert days == {
        P1: ("2020-03-12", 25, 18, 25),
        P2: ("2020-04-14", 20, None, None),
        P3: ("2020-05-14", None, None, None),
        P5: ("2020-06-11", 0, None, None),
        P6: ("2020-11-12", None, None, None),  # the third day >= 0.5 is after the cut
    }


def test_cdisc019_stats_response(trial_db_url):
    _report, snapshot = imported(trial_db_url)
    result = STATS_PANELS["response"](snapshot.tables, snapshot.data_cut)
    assert result["data_cut"] == CUT
    assert result["n"] == 5
    assert {k: v for k, v in result["best"].items() if v} == {"CR": 3, "CRi": 1, "NE": 1}
    assert result["cr_rate"]["estimate"] == pytest.approx(0.6)
    assert result["cr_cri_rate"]["estimate"] == pytest.approx(0.8)


def test_cdisc020_stats_safety(trial_db_url):
    _report, snapshot = imported(trial_db_url)
    result = STATS_PANELS["safety"](snapshot.tables, snapshot.data_cut)
    assert (result["enrolled"], result["safety_population"]) == (5, 5)
    assert result["events_counted"] == "on treatment"
    assert result["grades_from_severity"] is False
    assert result["by_soc"] == [
        {
            "soc": "GASTROINTESTINAL DISORDERS",
            "patients": 2,
            "patients_grade3plus": 0,
            "events": 2,
        },
        {"soc": "IMMUNE SYSTEM DISORDERS", "patients": 2, "patients_grade3plus": 0, "events": 2},
        {
            "soc": "BLOOD AND LYMPHATIC SYSTEM DISORDERS",
            "patients": 1,
            "patients_grade3plus": 1,
            "events": 1,
        },
        {
            "soc": "INFECTIONS AND INFESTATIONS",
            "patients": 1,
            "patients_grade3plus": 1,
            "events": 1,
        },
    ]
    assert result["serious"] == {"patients": 2, "events": 2}
    assert result["deaths"] == [
        {"patient_id": P2, "died_on": "2020-09-15", "day": 167, "cause": "SEPSIS"}
    ]
    assert result["gvhd"] == {
        "acute": {"patients": 1, "grade3plus": 0},
        "chronic": {"patients": 1},
    }


# -------------------------------------------------------------------- error paths


def test_cdisc021_missing_dm(study, sqlite_url):
    (study / "dm.csv").unlink()
    assert refused(study, sqlite_url) == [
        "dm.xpt: required dataset DM is missing (dm.xpt, dm.sas7bdat or dm.csv)"
    ]


def test_cdisc022_dm_without_usubjid(study, sqlite_url):
    rows = rows_of(study, "dm.csv")
    at = rows[0].index("USUBJID")
    write_rows(study, "dm.csv", [row[:at] + row[at + 1 :] for row in rows])
    assert refused(study, sqlite_url) == ["dm.csv: USUBJID: required variable is missing"]


def test_cdisc023_dm_not_a_readable_dataset(study, sqlite_url):
    (study / "dm.csv").unlink()
    (study / "dm.xpt").write_bytes(b"\x00\x01 not a SAS transport file \xff\xfe" * 40)
    assert refused(study, sqlite_url) == [
        "dm.xpt: not a readable SAS transport (XPT) dataset: "
        "Invalid file, or file has unsupported features"
    ]


def test_cdisc024_impossible_date(study, sqlite_url):
    set_cell(study, "ae.csv", 6, "AESTDTC", "2020-02-30")
    assert refused(study, sqlite_url) == [
        "ae.csv: row 6: AESTDTC: not an ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY): '2020-02-30'"
    ]


def test_cdisc025_required_test_without_results(study, sqlite_url):
    rows = rows_of(study, "lb.csv")
    code = rows[0].index("LBTESTCD")
    write_rows(study, "lb.csv", [row for row in rows if row[code] != "NEUT"])
    assert refused(study, sqlite_url) == [
        "lb.csv: LBTESTCD: no results for ANC (LBTESTCD NEUT), which the mapping requires"
    ]


def test_cdisc026_mapping_unknown_key(study, sqlite_url):
    text = (study / MAPPING).read_text(encoding="utf-8")
    text = text.replace('required = ["ANC"]', 'required = ["ANC"]\nspecimens = ["BONE MARROW"]')
    (study / MAPPING).write_text(text, encoding="utf-8")
    assert refused(study, sqlite_url) == [
        "mapping.toml: labs.specimens: unknown key "
        "(keys of [labs]: tests, marrow_specimens, required)"
    ]


def test_cdisc027_mapping_value_of_the_wrong_type(study, sqlite_url):
    text = (study / MAPPING).read_text(encoding="utf-8")
    (study / MAPPING).write_text(text + '\n[trial]\ntarget_enrollment = "21"\n', encoding="utf-8")
    assert refused(study, sqlite_url) == [
        "mapping.toml: trial.target_enrollment: expected a whole number, got text"
    ]


def test_cdisc028_patient_at_a_site_missing_from_the_sites_file(study, sqlite_url):
    set_cell(study, "dm.csv", 3, "SITEID", "NCY")
    assert refused(study, sqlite_url) == [
        "dm.csv: row 3: SITEID: unknown site_id 'NCY' (not in sites.csv)"
    ]


def test_cdisc029_duplicate_usubjid(study, sqlite_url):
    rows = rows_of(study, "dm.csv")
    write_rows(study, "dm.csv", [*rows, list(rows[1])])  # row 7 repeats MTSA-STE-001
    assert refused(study, sqlite_url) == [
        "dm.csv: row 7: USUBJID: duplicate patient_id: MTSA-STE-001 (first on row 1)"
    ]


def test_cdisc030_lab_unit_that_cannot_be_converted(study, sqlite_url):
    set_cell(study, "lb.csv", 7, "LBSTRESU", "mmol/L")
    assert refused(study, sqlite_url) == [
        "lb.csv: row 7: LBSTRESU: unit 'mmol/L' of NEUT cannot be converted to 10^9/L"
    ]


def test_cdisc031_two_files_for_one_domain(study, sqlite_url):
    import pyreadstat

    dm = pd.read_csv(study / "dm.csv", dtype=str, keep_default_na=False)
    pyreadstat.write_xport(dm, str(study / "DM.xpt"))  # a readable copy of DM
    assert refused(study, sqlite_url) == ["DM.xpt: two files for DM: DM.xpt, dm.csv (keep one)"]


def test_cdisc032_no_target_enrollment_anywhere(study, sqlite_url):
    rows = rows_of(study, "ts.csv")
    code = rows[0].index("TSPARMCD")
    write_rows(study, "ts.csv", [row for row in rows if row[code] != "PLANSUB"])
    assert refused(study, sqlite_url) == [
        "ts.csv: PLANSUB: no target enrollment: the study has no TS PLANSUB; give --target N "
        "or target_enrollment in the mapping file's [trial] table"
    ]


def test_cdisc033_sdtm_folder_with_a_sites_file_is_recognised_as_cdisc():
    assert detect_format(FIXTURE) == "cdisc"


def test_cdisc034_study_without_ds_still_loads(study):
    (study / "ds.csv").unlink()
    tables = read_cdisc(study, study / MAPPING, study / SITES).tables
    patients = tables["patients"].set_index("patient_id")
    # The screen failure is known from ARMCD alone; its reason was only in DS.
    assert patients.loc[P4, "screen_failure_reason"] == "screen failure"
    assert patients["withdrawn_on"].isna().all()  # withdrawals come from DS
    follow_up = tables["follow_up"].set_index("patient_id")
    assert follow_up.loc[P2, "died_on"] == pd.Timestamp("2020-09-15")  # DM DTHDTC


def test_cdisc035_repeated_records_and_an_empty_dm_are_refused(study, sqlite_url):
    rows = rows_of(study, "ae.csv")
    write_rows(study, "ae.csv", [*rows, list(rows[2])])  # row 9 repeats row 2's AESEQ
    problems = refused(study, sqlite_url)
    assert len(problems) == 1 and problems[0].startswith("ae.csv: row 9: AESEQ: duplicate ")
    assert problems[0].endswith("(first on row 2)")
    write_rows(study, "ae.csv", rows)
    write_rows(study, "dm.csv", rows_of(study, "dm.csv")[:1])  # the header alone
    assert refused(study, sqlite_url) == ["dm.csv: USUBJID: DM has no subjects: nothing to load"]
