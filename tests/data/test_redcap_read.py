"""Reading REDCap exports: raw and labelled, repeating instruments, events, data access
groups, checkboxes, Incomplete forms, partial dates, and what refuses an import.

Expected values are read off the fixtures by hand (``tests/fixtures/redcap/``): the
``mtsa`` export holds STE-001 (enrolled, transplanted), STE-002 (a screen failure with a
screening blood count) and LYS-001 (relapsed and died)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data_access.engine import make_engine
from data_access.importing import CdiscOptions, detect_format, import_folder
from data_access.queries import has_schema, latest_version_number
from data_access.redcap import RedcapError, read_redcap, read_redcap_frames
from data_access.redcap.dictionary import parse_dictionary, read_dictionary_file
from data_access.redcap.records import checked, make_export

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "redcap"
RAW, LABELS = FIXTURES / "mtsa", FIXTURES / "mtsa-labels"
MAPPING, SITES = FIXTURES / "mtsa-mapping.toml", FIXTURES / "mtsa-sites.csv"


def read(folder: Path, mapping: Path | None = MAPPING, sites: Path | None = SITES):
    return read_redcap(folder, mapping, sites)


def edited(tmp_path: Path, source: Path = RAW, **replacements: tuple[str, str]) -> Path:
    """A copy of ``source`` with text of ``records`` / ``dictionary`` replaced
    (``(old, new)``)."""
    target = tmp_path / source.name
    shutil.copytree(source, target)
    for name, (old, new) in replacements.items():
        path = target / ("records.csv" if name.startswith("records") else "data_dictionary.csv")
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def nothing_loaded(engine) -> bool:
    with engine.connect() as conn:
        return not has_schema(conn) or latest_version_number(conn) is None


def messages(error: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_rc001_raw_export_reads_every_table():
    tables = read(RAW).tables
    patients = tables["patients"].set_index("patient_id")
    assert list(patients.index) == ["STE-001", "STE-002", "LYS-001"]
    columns = ["site_id", "sex", "diagnosis", "cytogenetic_risk"]
    assert patients.loc["STE-001", columns].tolist() == [
        "STE",
        "F",
        "de_novo_aml",
        "intermediate",
    ]
    assert patients.loc["LYS-001", ["site_id", "sex", "age", "cytogenetic_risk"]].tolist() == [
        "LYS",
        "M",
        71,
        "adverse",
    ]
    assert patients.loc["STE-002", "screen_failure_reason"] == "favorable-risk cytogenetics"
    assert pd.isna(patients.loc["STE-002", "enrolled_on"])
    assert patients.loc["STE-001", "transplant_on"] == pd.Timestamp("2019-04-01")

    follow_up = tables["follow_up"].set_index("patient_id")
    assert list(follow_up.index) == ["STE-001", "LYS-001"]  # STE-002 has no follow-up data
    assert follow_up.loc["LYS-001", "died_on"] == pd.Timestamp("2019-10-14")
    assert follow_up.loc["LYS-001", "death_cause"] == "relapse"
    assert follow_up["imputed"].isna().all()

    labs = tables["lab_results"]
    ste1 = labs[labs["patient_id"] == "STE-001"]
    assert ste1[ste1["test"] == "ANC"]["value"].tolist() == [0.8, 0.1, 0.62]
    assert ste1[ste1["test"] == "PLT"]["value"].tolist() == [12.0, 25.0]
    assert set(labs["unit"]) == {"10^9/L"}
    assert len(labs) == 7  # 5 of STE-001 and the screening ANC and PLT of STE-002

    events = tables["adverse_events"].set_index("term")
    gvhd = events.loc["Acute graft versus host disease"]
    assert [gvhd["gvhd_type"], gvhd["gvhd_grade"], gvhd["related"], gvhd["grade"]] == [
        "acute",
        "II",
        "unknown",
        2,
    ]
    assert gvhd["imputed"] == "onset_on"  # ae_imputed___1 ticked
    assert bool(events.loc["Sepsis", "serious"]) and events.loc["Sepsis", "grade"] == 4
    assert tables["responses"]["response"].tolist() == ["CR", "CR", "relapse"]
    assert tables["transfusions"]["product"].tolist() == ["platelets"]
    chimerism = tables["chimerism"].set_index("patient_id")
    assert not chimerism.loc["LYS-001", "detected"] and np.isnan(
        chimerism.loc["LYS-001", "donor_percent"]
    )
    trial = tables["trial"].iloc[0]
    assert (trial["nct_id"], trial["target_enrollment"]) == ("NCT03439371", 21)
    assert trial["data_cut"] == pd.Timestamp("2020-06-30")
    assert pd.isna(trial["not_recorded"])  # the shipped dictionary records everything
    assert tables["sites"]["site_id"].tolist() == ["CLF", "LYS", "STE"]


def test_rc002_label_export_gives_the_same_tables():
    raw, labelled = read(RAW), read(LABELS)
    for name, frame in raw.tables.items():
        assert_frame_equal(labelled.tables[name], frame, check_exact=True, obj=name)


def test_rc003_incomplete_forms_load_and_are_counted(sqlite_url):
    engine = make_engine(sqlite_url)
    report = import_folder(engine, RAW, "redcap", CdiscOptions(MAPPING, SITES))
    lines = report.lines()
    assert lines[0] == (
        f"imported {RAW} (REDCap) as data version 1: 3 patients, 3 adverse events, "
        "data cut 2020-06-30"
    )
    # STE-001's follow-up form and its third blood count are Incomplete, and loaded.
    assert "forms marked Incomplete, loaded as entered: follow_up 1, blood_counts 1" in lines
    assert "records dated after the data cut (kept, not shown): follow_up 1" in lines
    assert lines[2].endswith("lab_results 2")  # STE-002's screening counts
    engine.dispose()


def test_rc004_longitudinal_export_reads_each_event(tmp_path):
    """Enrollment on the screening event, a blood count form on two visit events, the
    follow-up on the last one: each event's blood count is one sample."""
    folder = tmp_path / "longitudinal"
    folder.mkdir()
    shutil.copy(RAW / "data_dictionary.csv", folder)
    (folder / "records.csv").write_text(
        "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
        "redcap_data_access_group,screening_date,sex,enrollment_date,transplant_date,"
        "lab_date,anc,plt,last_contact_date,ae_term,ae_soc,ae_grade,ae_serious,ae_onset_date\n"
        "STE-001,screening_arm_1,,,ste,2019-02-11,1,2019-02-25,,,,,,,,,,\n"
        "STE-001,day_0_arm_1,,,ste,,,,2019-04-01,2019-04-01,0.8,12,,,,,,\n"
        "STE-001,day_28_arm_1,,,ste,,,,,2019-04-29,1.2,60,,,,,,\n"
        "STE-001,day_28_arm_1,adverse_events,1,ste,,,,,,,,,Nausea,Gastrointestinal disorders,"
        "1,0,2019-04-20\n"
        "STE-001,end_arm_1,,,ste,,,,,,,,2020-01-10,,,,,\n",
        encoding="utf-8",
    )
    tables = read(folder).tables
    patient = tables["patients"].iloc[0]
    assert (patient["enrolled_on"], patient["transplant_on"]) == (
        pd.Timestamp("2019-02-25"),
        pd.Timestamp("2019-04-01"),
    )
    labs = tables["lab_results"]
    assert labs["sampled_on"].dt.strftime("%m-%d").tolist() == ["04-01", "04-01", "04-29", "04-29"]
    assert labs["value"].tolist() == [0.8, 12.0, 1.2, 60.0]
    assert tables["follow_up"]["last_contact_on"].tolist() == [pd.Timestamp("2020-01-10")]
    assert tables["adverse_events"]["term"].tolist() == ["Nausea"]

    text = (folder / "records.csv").read_text(encoding="utf-8")
    (folder / "records.csv").write_text(
        text.replace("STE-001,end_arm_1,,,ste,,,", "STE-001,end_arm_1,,,ste,,2,"), encoding="utf-8"
    )
    with pytest.raises(RedcapError) as error:
        read(folder)
    assert messages(error) == [
        "records.csv:6: record STE-001, event end_arm_1, instrument enrollment: sex: "
        "a second value for this record: '2' (line 2 has '1')"
    ]


def test_rc005_public_export_checkboxes_and_events():
    """Two public REDCapR exports: checkboxes coded with numbers and letters; a
    longitudinal project with repeating instruments, whose rows are named by event,
    instrument and instance."""
    folder = FIXTURES / "redcapr-checkboxes"
    frame, _ = read_dictionary_file(folder / "dictionary.csv", "dictionary.csv")
    dictionary, problems = parse_dictionary(frame, "dictionary.csv")
    assert problems == []
    cells = pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False)
    export = make_export(cells, np.arange(2, 6), "data.csv", dictionary)
    assert export.problems == [] and not export.labels
    one = checked(export, dictionary.get("check_one"))
    two = checked(export, dictionary.get("check_two"))
    assert one.to_numpy().tolist()[0] == [True, False, False, False]
    assert one.to_numpy().tolist()[2] == [True, True, True, True]
    assert [list(two.columns[row]) for row in two.to_numpy()] == [["a", "c"], ["b", "d"], [], []]

    folder = FIXTURES / "redcapr-longitudinal"
    frame, _ = read_dictionary_file(folder / "dictionary.csv", "dictionary.csv")
    dictionary, _ = parse_dictionary(frame, "dictionary.csv")
    cells = pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False)
    export = make_export(cells, np.arange(2, 10), "data.csv", dictionary)
    assert export.problems == [] and dictionary.forms[2:] == ["laboratory", "medication"]
    assert export.place(4, "conc") == (
        "record 1, event visit_1_arm_1, instrument laboratory, instance 2"
    )
    assert export.place(6, "visit_date") == "record 1, event visit_2_arm_1, instrument visit"


def test_rc006_partial_dates_load_imputed_and_flagged(tmp_path, sqlite_url):
    """Dates typed in text fields without validation may be partial: an AE "in April 2019"
    of a patient transplanted on 22 April began on the 22nd (CDISC's rule), a
    progression "in September 2019" on the 1st; both are marked imputed."""
    folder = tmp_path / "partial"
    shutil.copytree(RAW, folder)
    dictionary = (folder / "data_dictionary.csv").read_text(encoding="utf-8")
    dictionary = dictionary.replace("Onset,,,date_ymd", "Onset,,,")
    dictionary = dictionary.replace("relapse,,,date_ymd", "relapse,,,")
    (folder / "data_dictionary.csv").write_text(dictionary, encoding="utf-8")
    records = (folder / "records.csv").read_text(encoding="utf-8")
    records = records.replace("1,9,2019-05-02,2019-05-20", "1,9,2019-04,2019-05-20")
    records = records.replace("2019-10-14,2019-09-16,", "2019-10-14,2019-09,")
    (folder / "records.csv").write_text(records, encoding="utf-8")

    engine = make_engine(sqlite_url)
    report = import_folder(engine, folder, "redcap", CdiscOptions(MAPPING, SITES))
    sepsis = read(folder).tables["adverse_events"].set_index("term").loc["Sepsis"]
    assert (sepsis["onset_on"], sepsis["imputed"]) == (pd.Timestamp("2019-04-22"), "onset_on")
    follow_up = read(folder).tables["follow_up"].set_index("patient_id").loc["LYS-001"]
    assert follow_up["progressed_on"] == pd.Timestamp("2019-09-01")
    assert follow_up["imputed"] == "progressed_on"
    partial = [line for line in report.lines() if line.startswith("partial dates completed")]
    assert partial[0].startswith(
        "partial dates completed (a missing day is the 1st, a missing month January): 2;"
    )
    engine.dispose()


def test_rc007_unreadable_value_names_record_instrument_instance_field(tmp_path, sqlite_url):
    folder = edited(tmp_path, records=("2019-04-08,0.1,", '2019-04-08,"0,1",'))
    engine = make_engine(sqlite_url)
    with pytest.raises(RedcapError) as error:
        import_folder(engine, folder, "redcap", CdiscOptions(MAPPING, SITES))
    assert messages(error) == [
        "records.csv:4: record STE-001, instrument blood_counts, instance 2: anc: "
        "not a number: '0,1'"
    ]
    assert nothing_loaded(engine)
    engine.dispose()


def test_rc008_unlinkable_records_refuse_the_import_with_nothing_loaded(tmp_path, sqlite_url):
    """A record that holds only an adverse event (no screening), and one in a data
    access group that is no site of the sites file."""
    folder = edited(
        tmp_path, records=("LYS-001,adverse_events,1,lys", "STE-009,adverse_events,1,ste")
    )
    text = (folder / "records.csv").read_text(encoding="utf-8")
    text = text.replace("STE-002,,,ste,", "STE-002,,,xyz,")
    text = text.replace("STE-002,blood_counts,1,ste,", "STE-002,blood_counts,1,xyz,")
    (folder / "records.csv").write_text(text, encoding="utf-8")
    engine = make_engine(sqlite_url)
    with pytest.raises(RedcapError) as error:
        import_folder(engine, folder, "redcap", CdiscOptions(MAPPING, SITES))
    assert messages(error) == [
        "records.csv:11: record STE-002: redcap_data_access_group: unknown site_id 'xyz' "
        "(not in mtsa-sites.csv)",
        "records.csv:14: record STE-009, instrument enrollment: screening_date: "
        "required value is missing",
    ]
    assert nothing_loaded(engine)
    engine.dispose()


def test_rc009_other_field_names_and_labels_through_a_mapping_file(tmp_path):
    folder = edited(
        tmp_path,
        records=(",sex,", ",gender,"),
        dictionary=(
            'sex,enrollment,,radio,Sex,"1, Female | 2, Male"',
            'gender,enrollment,,radio,Genre,"1, Femme | 2, Homme"',
        ),
    )
    plain = read(folder)
    assert plain.tables["patients"]["sex"].isna().all()
    assert "fields not in the data dictionary, left empty: patients.sex (sex)" in plain.notes
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8")
        + '\n[patients]\nsex = "Gender"\n\n[values.sex]\nFemme = "F"\nHOMME = "M"\n',
        encoding="utf-8",
    )
    tables = read(folder, mapping).tables
    assert tables["patients"]["sex"].tolist() == ["F", "M", "M"]


def test_rc010_a_project_without_transfusions_does_not_record_them(tmp_path):
    folder = tmp_path / "no-transfusions"
    shutil.copytree(RAW, folder)
    dictionary = (folder / "data_dictionary.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in dictionary if not line.startswith("transfusion_")]
    (folder / "data_dictionary.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    records = records[records["redcap_repeat_instrument"] != "transfusions"]
    records = records.drop(columns=["transfusion_date", "transfusion_product"])
    records.to_csv(folder / "records.csv", index=False)
    data = read(folder)
    assert data.tables["trial"]["not_recorded"].tolist() == ["transfusions"]
    assert data.tables["transfusions"].empty
    assert "columns not in the data dictionary, not read: transfusions_complete" in data.notes


def test_rc011_codes_and_labels_mixed_are_refused(tmp_path):
    folder = edited(
        tmp_path, records=("STE-002,,,ste,2019-04-15,2,", "STE-002,,,ste,2019-04-15,Male,")
    )
    with pytest.raises(RedcapError) as error:
        read(folder)
    assert messages(error)[0].startswith(
        "records.csv: choices are written both as codes (sex '1') and as labels (sex 'Male')"
    )


def test_rc012_frames_from_an_api_client_read_as_the_files():
    """What PyCap returns: numbers guessed as floats, the record id as the index, the
    metadata with the API's column names."""
    records = pd.read_csv(RAW / "records.csv", index_col="record_id")
    assert records["sex"].dtype == float  # "1" became 1.0
    metadata, _ = read_dictionary_file(RAW / "data_dictionary.csv", "d")
    metadata = metadata.drop(columns="line")
    metadata.columns = [
        "field_name", "form_name", "section_header", "field_type", "field_label",
        "select_choices_or_calculations", "field_note",
        "text_validation_type_or_show_slider_number", "text_validation_min",
        "text_validation_max", "identifier", "branching_logic", "required_field",
        "custom_alignment", "question_number", "matrix_group_name", "matrix_ranking",
        "field_annotation",
    ]  # fmt: skip
    frames = read_redcap_frames(records, metadata.set_index("field_name"), MAPPING, SITES)
    for name, frame in read(RAW).tables.items():
        assert_frame_equal(frames.tables[name], frame, check_exact=True, obj=name)


def test_rc013_detect_format_and_missing_files(tmp_path):
    assert detect_format(RAW) == "redcap"
    folder = tmp_path / "half"
    folder.mkdir()
    shutil.copy(RAW / "records.csv", folder)
    assert detect_format(folder) == "redcap"
    with pytest.raises(RedcapError) as error:
        read(folder)
    assert messages(error) == [
        "data_dictionary.csv: required file is missing (a REDCap export is records.csv "
        "with data_dictionary.csv)"
    ]


def test_rc014_without_sites_file_or_target(tmp_path):
    with pytest.raises(RedcapError) as error:
        read(RAW, mapping=None, sites=None)
    assert messages(error) == [
        "trial settings: no target enrollment: a REDCap export does not hold one; give "
        "--target N or target_enrollment in the mapping file's [trial] table"
    ]
    from data_access.cdisc.trial import TrialSettings

    data = read_redcap(RAW, None, None, TrialSettings(target=21))
    sites = data.tables["sites"]
    assert sites["site_id"].tolist() == ["lys", "ste"]  # the groups' unique names
    assert set(sites["status"]) == {"unknown"}
    assert any(note.startswith("no sites file (--sites)") for note in data.notes)
