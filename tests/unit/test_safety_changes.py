"""New and changed safety rows between two data versions, on hand-made versions."""

from __future__ import annotations

import datetime as dt

from analysis.safety_changes import GONE, safety_changes
from tests.unit.tables import all_tables, table

CUT1, CUT2 = dt.date(2020, 3, 1), dt.date(2020, 6, 1)


def patients():
    rows = [
        {
            "patient_id": p,
            "site_id": "STE",
            "screened_on": "2019-12-01",
            "enrolled_on": "2020-01-01",
        }
        for p in ("P1", "P2", "P3")
    ]
    return table("patients", rows)


def ae(pid, term, grade, onset, serious=False, resolved=None, **extra):
    return {
        "patient_id": pid,
        "term": term,
        "soc": "Infections and infestations",
        "grade": grade,
        "serious": serious,
        "related": "no",
        "onset_on": onset,
        "resolved_on": resolved,
        **extra,
    }


def version(events, follow_up):
    return all_tables(
        patients=patients(),
        adverse_events=table("adverse_events", events),
        follow_up=table("follow_up", follow_up),
    )


BEFORE = version(
    [
        ae("P1", "Sepsis", 2, "2020-02-01"),
        ae("P2", "Nausea", 1, "2020-02-10"),
        ae("P2", "Nausea", 1, "2020-02-10"),  # twice, identical: both kept apart
        ae("P3", "Rash", 1, "2020-02-15"),
    ],
    [
        {"patient_id": "P1", "last_contact_on": "2020-02-20"},
        {"patient_id": "P2", "last_contact_on": "2020-02-20"},
        {"patient_id": "P3", "last_contact_on": "2020-02-20"},
    ],
)
AFTER = version(
    [
        # P1's sepsis: grade 2 -> 4, now serious, resolved.
        ae("P1", "Sepsis", 4, "2020-02-01", serious=True, resolved="2020-03-10"),
        ae("P2", "Nausea", 1, "2020-02-10"),
        ae("P2", "Nausea", 1, "2020-02-10"),
        ae("P2", "Pneumonia", 3, "2020-04-01", serious=True),  # new
        # P3's rash is gone (withdrawn by the site)
        ae("P3", "Fever", 1, "2020-07-01"),  # after the second cut: not yet known
    ],
    [
        {"patient_id": "P1", "last_contact_on": "2020-05-20"},
        {"patient_id": "P2", "last_contact_on": "2020-05-01"},
        {
            "patient_id": "P3",
            "last_contact_on": "2020-04-20",
            "died_on": "2020-04-20",
            "death_cause": "infection",
        },
    ],
)


def test_chg001_new_events_and_deaths():
    new = safety_changes(BEFORE, CUT1, AFTER, CUT2)["new"]
    assert new == [
        {
            "patient_id": "P2",
            "what": "serious adverse event: Pneumonia, onset 2020-04-01",
            "before": None,
            "after": "grade 3",
        },
        {
            "patient_id": "P3",
            "what": "death",
            "before": None,
            "after": "died 2020-04-20 (infection)",
        },
    ]


def test_chg002_changed_fields_each_a_row_and_removed_events():
    changed = safety_changes(BEFORE, CUT1, AFTER, CUT2)["changed"]
    sepsis = "serious adverse event: Sepsis, onset 2020-02-01"
    assert changed == [
        {"patient_id": "P1", "what": f"{sepsis}: grade", "before": "2", "after": "4"},
        {"patient_id": "P1", "what": f"{sepsis}: resolved", "before": None, "after": "2020-03-10"},
        {"patient_id": "P1", "what": f"{sepsis}: serious", "before": "no", "after": "yes"},
        {
            "patient_id": "P3",
            "what": "adverse event: Rash, onset 2020-02-15",
            "before": "grade 1",
            "after": GONE,
        },
    ]


def test_chg003_same_version_has_no_differences():
    assert safety_changes(AFTER, CUT2, AFTER, CUT2) == {"new": [], "changed": []}


def test_chg004_a_later_cut_of_the_same_data_shows_what_came_in():
    # The same rows at a later cut: P3's fever (onset 2020-07-01) becomes known.
    new = safety_changes(AFTER, CUT2, AFTER, dt.date(2020, 8, 1))["new"]
    assert [row["what"] for row in new] == ["adverse event: Fever, onset 2020-07-01"]
