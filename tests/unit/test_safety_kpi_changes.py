"""The Safety page's headline numbers and listings against an earlier data version, on
the hand-made versions of test_safety_changes (counted by hand below)."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.data_cut import as_of_data_cut
from analysis.safety import safety_report
from analysis.safety_changes import (
    change_words,
    death_listing_changes,
    kpi_changes,
    kpi_numbers,
    serious_listing_changes,
)
from tests.unit.test_safety_changes import AFTER, BEFORE, CUT1, CUT2, ae, version

CONTACTS = [{"patient_id": p, "last_contact_on": "2020-05-20"} for p in ("P1", "P2", "P3")]


def report(tables, cut):
    """The report the page shows for a version: its tables as known at its cut."""
    return safety_report(as_of_data_cut(tables, cut), cut)


@pytest.fixture(scope="module")
def before():
    return report(BEFORE, CUT1)


@pytest.fixture(scope="module")
def after():
    return report(AFTER, CUT2)


def test_kpi001_headline_numbers_of_each_version(before, after):
    # Before (cut 2020-03-01): 3 enrolled; P1's sepsis grade 2, P2's nausea twice and
    # P3's rash grade 1, none serious; no death, no GVHD.
    assert kpi_numbers(before) == {
        "enrolled": 3,
        "grade3plus": 0,
        "serious": 0,
        "deaths": 0,
        "gvhd": 0,
    }
    # After (cut 2020-06-01): P1's sepsis grade 4 and P2's pneumonia grade 3, both
    # serious; P3 died 2020-04-20; P3's fever (onset 2020-07-01) is after the cut.
    assert kpi_numbers(after) == {
        "enrolled": 3,
        "grade3plus": 2,
        "serious": 2,
        "deaths": 1,
        "gvhd": 0,
    }


def test_kpi002_changes_are_later_minus_earlier_either_way(before, after):
    assert kpi_changes(before, after) == {
        "enrolled": 0,
        "grade3plus": 2,
        "serious": 2,
        "deaths": 1,
        "gvhd": 0,
    }
    assert kpi_changes(after, before) == {
        "enrolled": 0,
        "grade3plus": -2,
        "serious": -2,
        "deaths": -1,
        "gvhd": 0,
    }


def test_kpi003_a_number_one_version_does_not_record_has_no_change(before, after):
    unrecorded = dataclasses.replace(after, not_recorded=frozenset({"gvhd"}))
    assert kpi_numbers(unrecorded)["gvhd"] is None
    assert kpi_changes(before, unrecorded)["gvhd"] is None
    assert kpi_changes(before, unrecorded)["serious"] == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (2, "+2 since version 3"),
        (1, "+1 since version 3"),
        (0, "no change since version 3"),
        (-1, "\u22121 since version 3"),
        (None, None),
    ],
)
def test_kpi004_change_in_words(change, words):
    assert change_words(change, 3) == words


def test_kpi005_serious_listing_marks_new_and_changed_rows(before, after):
    # The listing, by onset: P1's sepsis (known before, not serious, grade 2, not
    # resolved), then P2's pneumonia (not there before).
    assert list(after.serious_listing["patient_id"]) == ["P1", "P2"]
    assert serious_listing_changes(before, after) == [
        "grade 2 → 4; serious no → yes; resolved — → 2020-03-10",
        "new",
    ]


def test_kpi006_nothing_marked_against_the_same_version(after):
    assert serious_listing_changes(after, after) == [None, None]
    assert death_listing_changes(after, after) == [None]


def test_kpi007_identical_events_pair_in_their_order_among_every_event():
    # P2's two nausea events (same onset): the second becomes serious. It pairs with the
    # second one before (grade 2), not with the first (grade 1).
    def nausea(second_serious):
        events = [
            ae("P2", "Nausea", 1, "2020-02-10"),
            ae("P2", "Nausea", 2, "2020-02-10", serious=second_serious),
        ]
        return report(version(events, CONTACTS), CUT2)

    assert serious_listing_changes(nausea(False), nausea(True)) == ["serious no → yes"]


def test_kpi008_deaths_new_and_changed(before, after):
    assert death_listing_changes(before, after) == ["new"]
    corrected = AFTER | {
        "follow_up": version(
            [],
            [
                *CONTACTS[:2],
                {
                    "patient_id": "P3",
                    "last_contact_on": "2020-04-22",
                    "died_on": "2020-04-22",
                    "death_cause": "sepsis",
                },
            ],
        )["follow_up"]
    }
    assert death_listing_changes(after, report(corrected, CUT2)) == [
        "date of death 2020-04-20 → 2020-04-22; cause infection → sepsis"
    ]


def test_kpi009_an_earlier_version_without_events_marks_every_row_new(after):
    empty = report(version([], CONTACTS), CUT1)
    assert serious_listing_changes(empty, after) == ["new", "new"]
    assert death_listing_changes(empty, after) == ["new"]
    assert serious_listing_changes(after, empty) == []
