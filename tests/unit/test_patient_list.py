"""The patient list, previous / next and the chooser's search, on hand-made ids."""

from __future__ import annotations

import pandas as pd

from analysis.patient_list import ids_around, neighbours, patient_list, site_counts

IDS = ["A-01", "A-02", "B-01", "B-07", "C-03"]


def test_plist001_the_list_is_in_id_order_with_site_names():
    tables = {
        "patients": pd.DataFrame(
            {"patient_id": ["B-07", "A-02", "A-01", "X-09"], "site_id": ["B", "A", "A", "X"]}
        ),
        "sites": pd.DataFrame({"site_id": ["A", "B"], "name": ["Alpha", "Beta"]}),
    }
    listed = patient_list(tables)
    assert listed["patient_id"].tolist() == ["A-01", "A-02", "B-07", "X-09"]
    assert listed["site_name"].tolist() == ["Alpha", "Alpha", "Beta", None]
    assert site_counts(listed) == [
        {"site_id": "A", "name": "Alpha", "patients": 2},
        {"site_id": "B", "name": "Beta", "patients": 1},
        {"site_id": "X", "name": None, "patients": 1},
    ]


def test_plist002_previous_and_next_within_the_list():
    assert neighbours(IDS, "A-01") == (None, "A-02")
    assert neighbours(IDS, "B-01") == ("A-02", "B-07")
    assert neighbours(IDS, "C-03") == ("B-07", None)
    assert neighbours(["A-01"], "A-01") == (None, None)
    assert neighbours([], "A-01") == (None, None)


def test_plist003_a_patient_outside_the_filtered_site_steps_to_the_nearest_ids():
    # Patient A-05 of another site, list filtered to sites B and C.
    site_b_c = ["B-01", "B-07", "C-03"]
    assert neighbours(site_b_c, "A-05") == (None, "B-01")
    assert neighbours(site_b_c, "B-05") == ("B-01", "B-07")
    assert neighbours(site_b_c, "D-01") == ("C-03", None)


def test_plist004_the_chooser_lists_the_patients_around_the_one_shown():
    assert ids_around(IDS, "B-01", 3) == ["A-02", "B-01", "B-07"]
    assert ids_around(IDS, "A-01", 3) == ["A-01", "A-02", "B-01"]  # clamped at the start
    assert ids_around(IDS, "C-03", 3) == ["B-01", "B-07", "C-03"]  # and at the end
    assert ids_around(IDS, "A-05", 2) == ["A-02", "B-01"]  # an id not in the list
    assert ids_around(IDS, "A-01", 10) == IDS
