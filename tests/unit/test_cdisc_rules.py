"""Rules of the CDISC reader that need no dataset: partial dates and the mapping file.

Expected values are worked out by hand from the rules stated in
``docs/cdisc-import.md`` (missing day: the 1st; missing month: January; never before
the first treatment when the known part allows it; an end never before its start).
"""

from __future__ import annotations

import pandas as pd
import pytest

from data_access.cdisc.dates import not_before, parse_dates
from data_access.cdisc.mapping import DEFAULTS, MappingError, load_mapping

T = pd.Timestamp


def test_cdiscrule001_whole_partial_and_timed_dates():
    parsed = parse_dates(
        pd.Series(["2013-05-14", "2013-05", "2013", "2013-05-14T10:30", "2013---14", ""])
    )
    assert list(parsed.dates) == [
        T("2013-05-14"),
        T("2013-05-01"),
        T("2013-01-01"),
        T("2013-05-14"),
        T("2013-01-01"),
        pd.NaT,
    ]
    assert list(parsed.imputed) == [False, True, True, False, True, False]
    assert not parsed.invalid.any()


@pytest.mark.parametrize("text", ["2020-02-30", "2013-13", "13/05/2013", "May 2013", "2013-5-1"])
def test_cdiscrule002_impossible_or_foreign_dates_are_invalid(text):
    parsed = parse_dates(pd.Series([text]))
    assert parsed.invalid.iloc[0] and pd.isna(parsed.dates.iloc[0])


@pytest.mark.parametrize(
    ("onset", "first_treatment", "expected"),
    [
        ("2013-05", "2013-05-14", "2013-05-14"),  # the treatment's month: not before it
        ("2013-04", "2013-05-14", "2013-04-01"),  # a month before: the 1st
        ("2013", "2013-05-14", "2013-05-14"),  # the treatment's year: not before it
        ("2012", "2013-05-14", "2012-01-01"),  # a year before: 1 January
        ("2013-06", "2013-05-14", "2013-06-01"),  # after the treatment: the 1st
        ("2013-05-02", "2013-05-14", "2013-05-02"),  # a whole date is never moved
    ],
)
def test_cdiscrule003_onset_never_imputed_before_first_treatment(onset, first_treatment, expected):
    parsed = parse_dates(pd.Series([onset]))
    assert not_before(parsed, pd.Series([T(first_treatment)])).iloc[0] == T(expected)


def test_cdiscrule004_untreated_patient_keeps_the_plain_rule():
    parsed = parse_dates(pd.Series(["2013-05"]))
    assert not_before(parsed, pd.Series([pd.NaT])).iloc[0] == T("2013-05-01")


def test_cdiscrule005_end_never_imputed_before_its_start():
    end = parse_dates(pd.Series(["2013-05", "2013-05", "2013-05-03", "2013-03"]))
    start = pd.Series([T("2013-05-20"), T("2013-04-20"), T("2013-05-20"), T("2013-04-20")])
    # An imputed end is raised to its start when its known part allows that day; a
    # whole end date, or a month before the start, is left as given (and refused later
    # as an end before its start).
    assert list(not_before(end, start)) == [
        T("2013-05-20"),
        T("2013-05-01"),
        T("2013-05-03"),
        T("2013-03-01"),
    ]


def test_cdiscrule010_defaults_without_a_file():
    mapping = load_mapping(None)
    assert mapping == DEFAULTS and mapping is not DEFAULTS
    assert mapping["labs"]["tests"] == {"NEUT": "ANC", "PLAT": "PLT", "BLAST": "PB_BLAST_PCT"}


def test_cdiscrule011_lists_replace_tables_merge_and_empty_removes(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[treatment]\ntransplant = ["Donor cells"]\n'
        '[labs.tests]\nchim = "donor_percent"\nBLAST = ""\n'
        '[responses.codes]\n"MLFS" = "PR"\n',
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert mapping["treatment"]["transplant"] == ["Donor cells"]
    assert mapping["labs"]["tests"] == {"NEUT": "ANC", "PLAT": "PLT", "CHIM": "donor_percent"}
    assert mapping["responses"]["codes"]["MLFS"] == "PR"
    assert mapping["responses"]["codes"]["CR"] == "CR"  # the defaults stay


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[labs]\ntest = {}\n", "mapping.toml: labs.test: unknown key (keys of [labs]: tests, "
         "marrow_specimens, required)"),
        ("[lab]\ntests = {}\n", "mapping.toml: [lab]: unknown section (sections: trial, "
         "patients, disposition, treatment, adverse_events, labs, responses, survival)"),
        ('[treatment]\ntransplant = "cells"\n',
         "mapping.toml: treatment.transplant: expected a list of text, got text"),
        ('[labs.tests]\nNEUT = "neutrophils"\n',
         "mapping.toml: labs.tests: 'neutrophils' is not one of ANC, PLT, PB_BLAST_PCT, "
         "BM_BLAST_PCT, donor_percent"),
        ("[adverse_events.severity_grades]\nLIFE_THREATENING = 6\n",
         "mapping.toml: adverse_events.severity_grades: grades must lie between 1 and 5"),
        ("[trial]\ntarget_enrollment = true\n",
         "mapping.toml: trial.target_enrollment: expected a whole number, got true or false"),
        ("[trial\n", "mapping.toml: not a valid TOML file"),
    ],
)  # fmt: skip
def test_cdiscrule012_mapping_file_errors_are_one_line_each(tmp_path, text, message):
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    [problem] = caught.value.problems
    assert str(problem).startswith(message)


def test_cdiscrule013_dates_and_names_in_any_form_sas_would_write(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[trial]\ndata_cut = 2021-10-29\nstart_date = "2019-01-08"\n'
        '[treatment]\ndomains = ["ex", "Pr"]\n[patients]\nenrollment_variable = "rfstdtc"\n',
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    assert (mapping["trial"]["data_cut"], mapping["trial"]["start_date"]) == (
        "2021-10-29",
        "2019-01-08",
    )
    assert mapping["treatment"]["domains"] == ["EX", "PR"]
    assert mapping["patients"]["enrollment_variable"] == "RFSTDTC"
    path.write_text('[trial]\nstart_date = "2019-13-01"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="expected a date YYYY-MM-DD, got '2019-13-01'"):
        load_mapping(path)
