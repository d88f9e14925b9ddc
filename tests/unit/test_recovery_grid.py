"""The day-90 grid's rows: plain JSON, words for nullable flags, None for missing values."""

from __future__ import annotations

import json

import pandas as pd

from dashboard.callbacks.recovery import grid_rows


def test_grid_rows_by_hand():
    patients = pd.DataFrame(
        {
            "site_id": ["01", "02"],
            "transplant_on": pd.to_datetime(["2021-03-04", "2021-05-06"]),
            "neutrophil_no_nadir": [False, True],
            "platelet20_no_nadir": [False, True],
            "platelet50_no_nadir": [False, False],
            "cr_criteria": pd.array([True, pd.NA], dtype="boolean"),
            "prolonged_aplasia": pd.array([pd.NA, False], dtype="boolean"),
            "neutrophil_day": pd.array([21, pd.NA], dtype="Int64"),
            "platelet20_day": pd.array([pd.NA, 0], dtype="Int64"),
            "platelet50_day": pd.array([pd.NA, pd.NA], dtype="Int64"),
            "ANC": [1.5, float("nan")],
            "PLT": [120.0, 30.0],
            "PB_BLAST_PCT": [0.0, float("nan")],
            "BM_BLAST_PCT": [2.5, float("nan")],
            "donor_percent": [float("nan"), 0.02],
        },
        index=pd.Index(["P1", "P2"], name="patient_id"),
    )
    rows = grid_rows(patients)
    assert rows == [
        {
            "patient_id": "P1",
            "site_id": "01",
            "transplant_on": "2021-03-04",
            "cr_criteria": "Met",
            "prolonged_aplasia": "Not yet known",
            "neutrophil_day": 21,
            "neutrophil_no_nadir": False,
            "platelet20_day": None,
            "platelet20_no_nadir": False,
            "platelet50_day": None,
            "platelet50_no_nadir": False,
            "ANC": 1.5,
            "PLT": 120.0,
            "PB_BLAST_PCT": 0.0,
            "BM_BLAST_PCT": 2.5,
            "donor_percent": None,
        },
        {
            "patient_id": "P2",
            "site_id": "02",
            "transplant_on": "2021-05-06",
            "cr_criteria": "Not evaluable",
            "prolonged_aplasia": "No",
            "neutrophil_day": None,
            "neutrophil_no_nadir": True,
            "platelet20_day": 0,
            "platelet20_no_nadir": True,
            "platelet50_day": None,
            "platelet50_no_nadir": False,
            "ANC": None,
            "PLT": 30.0,
            "PB_BLAST_PCT": None,
            "BM_BLAST_PCT": None,
            "donor_percent": 0.02,
        },
    ]
    json.dumps(rows, allow_nan=False)  # plain JSON: no NaN, no numpy types
    assert type(rows[0]["neutrophil_day"]) is int
