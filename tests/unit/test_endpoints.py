"""Endpoint derivation (docs/definitions.md) on hand-built patients, and the panel JSON."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analysis.competing_risks import cumulative_incidence
from analysis.endpoints import last_contact_dates, os_times, pfs_times, relapse_nrm
from analysis.response import response_summary
from analysis.survival import kaplan_meier, logrank
from analysis.survival_panels import relapse_json, response_json, survival_json
from tests.unit.tables import table

DAY0 = pd.Timestamp("2024-01-01")
CUT = dt.date(2025, 1, 1)  # day 366


def d(day):
    return pd.NaT if day is None else DAY0 + pd.Timedelta(days=day)


def make_tables():
    """Eight hand-built patients; days are counted from 2024-01-01.

    P1 enrolled day 0, died day 100                       OS event 100
    P2 enrolled day 10, alive, last contact day 200       censored 190
    P3 enrolled day 20, last contact after the cut         censored at cut: 346
    P4 enrolled day 0, no last_contact_on; latest record a lab on day 150 -> 150
    P5 enrolled day 30, relapse response day 130, died day 230
    P6 enrolled day 0, progressed_on day 50 and died day 50 (same day)
    P7 screened only (no enrolled_on)                     excluded
    P8 enrolled after the cut                             excluded
    """
    patients = table(
        "patients",
        [
            ("P1", "S1", "F", "adverse", d(0)),
            ("P2", "S1", "M", "intermediate", d(10)),
            ("P3", "S2", "F", None, d(20)),
            ("P4", "S2", "M", "adverse", d(0)),
            ("P5", "S1", "F", "intermediate", d(30)),
            ("P6", "S3", "M", "adverse", d(0)),
            ("P7", "S3", "F", "adverse", d(None)),
            ("P8", "S3", "F", "adverse", d(400)),
        ],
        ["patient_id", "site_id", "sex", "cytogenetic_risk", "enrolled_on"],
    )
    patients["screened_on"] = patients["enrolled_on"].fillna(d(5))
    follow_up = table(
        "follow_up",
        [
            ("P1", d(90), None, d(100)),
            ("P2", d(200), None, None),
            ("P3", d(500), None, None),
            ("P5", d(220), None, d(230)),
            ("P6", d(50), d(50), d(50)),
            ("P8", d(420), None, None),
        ],
        ["patient_id", "last_contact_on", "progressed_on", "died_on"],
    )
    responses = table(
        "responses",
        [
            ("P1", d(30), "CR"),
            ("P2", d(40), "CRi"),
            ("P4", d(60), "PR"),
            ("P5", d(-10), "PD"),  # before enrollment: ignored
            ("P5", d(130), "relapse"),
            ("P5", d(60), "CR"),
        ],
    )
    labs = table(
        "lab_results",
        [("P4", d(150), "ANC", 1.2, "10^9/L"), ("P4", d(80), "PLT", 90.0, "10^9/L")],
    )
    return {
        "patients": patients,
        "follow_up": follow_up,
        "responses": responses,
        "lab_results": labs,
    }


def test_endp001_last_contact_dates():
    tables = make_tables()
    last = last_contact_dates(tables)
    assert last["P2"] == d(200)  # explicit last_contact_on
    assert last["P3"] == d(500)  # explicit, even after the cut
    assert last["P4"] == d(150)  # missing: latest record of any kind (a lab)
    assert last["P7"] == d(5)  # screened only: screening date
    assert len(last) == 8 and last.index.name == "patient_id"


def test_endp002_os_times():
    tables = make_tables()
    os_ = os_times(tables["patients"], tables["follow_up"], CUT, last_contact_dates(tables))
    assert os_.index.tolist() == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert os_["time"].tolist() == [100, 190, 346, 150, 200, 50]
    assert os_["event"].tolist() == [1, 0, 0, 0, 1, 1]
    assert os_.loc["P3", "cytogenetic_risk"] is None
    assert os_.loc["P2", ["sex", "site_id"]].tolist() == ["M", "S1"]
    # a death after the data cut is not yet known: censored at min(last contact, cut)
    early = os_times(
        tables["patients"], tables["follow_up"], dt.date(2024, 3, 1), last_contact_dates(tables)
    )
    assert early.loc["P1", ["time", "event"]].tolist() == [60, 0]  # 2024 is a leap year
    assert early.loc["P5", ["time", "event"]].tolist() == [30, 0]


def test_endp003_pfs_times():
    tables = make_tables()
    last = last_contact_dates(tables)
    pfs = pfs_times(tables["patients"], tables["follow_up"], tables["responses"], CUT, last)
    assert pfs["time"].tolist() == [100, 190, 346, 150, 100, 50]
    assert pfs["event"].tolist() == [1, 0, 0, 0, 1, 1]


def test_endp004_relapse_nrm():
    tables = make_tables()
    last = last_contact_dates(tables)
    rn = relapse_nrm(tables["patients"], tables["follow_up"], tables["responses"], CUT, last)
    # P1 death without relapse -> NRM; P5 relapse day 130;
    # P6 relapse and death on the same day -> relapse
    assert rn["event"].tolist() == [2, 0, 0, 0, 1, 1]
    assert rn["time"].tolist() == [100, 190, 346, 150, 100, 50]


def test_endp005_date_before_enrollment_leaves_the_patient_out():
    """A last contact or a death dated before enrollment would give a negative time:
    the patient is left out of every endpoint and counted, the others are analysed."""
    tables = make_tables()
    follow_up = tables["follow_up"].copy()
    follow_up.loc[follow_up["patient_id"] == "P2", "last_contact_on"] = d(5)  # enrolled 10
    follow_up.loc[follow_up["patient_id"] == "P1", "died_on"] = d(-5)  # enrolled 0
    tables["follow_up"] = follow_up
    last = last_contact_dates(tables)
    os_ = os_times(tables["patients"], follow_up, CUT, last)
    assert os_.index.tolist() == ["P3", "P4", "P5", "P6"]
    pfs = pfs_times(tables["patients"], follow_up, tables["responses"], CUT, last)
    rn = relapse_nrm(tables["patients"], follow_up, tables["responses"], CUT, last)
    assert pfs.index.tolist() == rn.index.tolist() == ["P3", "P4", "P5", "P6"]
    # By hand, OS of P3 (346, censored), P4 (150, censored), P5 (200, death), P6 (50,
    # death): S(50) = 3/4, S(200) = 3/4 x 1/2 = 0.375, median 200.
    curves = survival_json(tables, CUT)
    assert curves["left_out"] == [
        {
            "rule": "FU-BEFORE-ENROL",
            "patients": 2,
            "reason": "death, progression or last contact dated before enrollment",
        }
    ]
    (group,) = curves["groups"]
    assert (group["n"], group["events"], group["median"]) == (4, 2, 200)
    events = [(s["time"], s["survival"]) for s in group["steps"] if s["n_events"]]
    assert [t for t, _ in events] == [50, 200]
    assert [s for _, s in events] == pytest.approx([0.75, 0.375])
    assert relapse_json(tables, CUT)["left_out"][0]["patients"] == 2
    assert survival_json(make_tables(), CUT)["left_out"] == []
    with pytest.raises(ValueError, match="data_cut"):
        os_times(tables["patients"], follow_up, None, last)


def _assert_plain(value):
    if isinstance(value, dict):
        for v in value.values():
            _assert_plain(v)
    elif isinstance(value, list):
        for v in value:
            _assert_plain(v)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


def test_endp006_survival_json_shape_and_values():
    tables = make_tables()
    out = survival_json(tables, CUT, endpoint="os", by="cytogenetic_risk", conf_type="log-log")
    _assert_plain(out)
    json.dumps(out)
    assert (
        out["data_cut"] == "2025-01-01"
        and out["endpoint"] == "os"
        and out["conf_type"] == "log-log"
    )
    assert [g["group"] for g in out["groups"]] == ["intermediate", "adverse", "unknown"]
    adverse = out["groups"][1]
    km = kaplan_meier([100, 150, 50], [1, 0, 1], conf_type="log-log")
    assert adverse["n"] == 3 and adverse["events"] == 2
    assert [s["time"] for s in adverse["steps"]] == [50, 100, 150]
    first = km.steps[0]
    assert adverse["steps"][0] == {
        "time": 50,
        "n_at_risk": 3,
        "n_events": 1,
        "n_censored": 0,
        "survival": first.survival,
        "std_err": first.std_err,
        "ci_lower": first.ci_lower,
        "ci_upper": first.ci_upper,
    }
    assert adverse["median"] == 100 and adverse["median_ci"] == [km.median_ci[0], km.median_ci[1]]
    assert [lm["time"] for lm in adverse["landmarks"]] == [365.25, 730.5]
    assert adverse["landmarks"][0]["survival"] is None  # past the last observed time (R: not shown)
    expected = logrank([100, 150, 50, 190, 200], [1, 0, 1, 0, 1], ["a", "a", "a", "i", "i"])
    assert out["logrank"] == {"chi2": expected.chi2, "df": 1, "p": expected.p}


def test_endp007_survival_json_single_group_and_pfs():
    tables = make_tables()
    out = survival_json(tables, CUT, endpoint="pfs")
    assert out["logrank"] is None
    (group,) = out["groups"]
    assert group["group"] == "all" and group["n"] == 6 and group["events"] == 3
    assert group["landmarks"][0]["survival"] is None  # last observed time is day 346
    with pytest.raises(ValueError, match="endpoint"):
        survival_json(tables, CUT, endpoint="dfs")
    with pytest.raises(ValueError, match="by must be"):
        survival_json(tables, CUT, by="age")


def test_endp008_relapse_json():
    tables = make_tables()
    out = relapse_json(tables, CUT, by=None)
    _assert_plain(out)
    (group,) = out["groups"]
    cif = cumulative_incidence(
        [100, 190, 346, 150, 100, 50], [2, 0, 0, 0, 1, 1], {1: "relapse", 2: "nrm"}
    )
    assert group["n"] == 6
    assert [s["time"] for s in group["steps"]] == [50, 100, 150, 190, 346]
    assert group["steps"][1] == {
        "time": 100, "n_at_risk": 5, "n_relapse": 1, "n_nrm": 1, "n_censored": 0,
        "cif_relapse": cif.steps["cif_relapse"].iloc[1], "cif_nrm": cif.steps["cif_nrm"].iloc[1],
    }  # fmt: skip
    assert set(out) == {"data_cut", "groups", "left_out"}
    assert out["left_out"] == []
    by_sex = relapse_json(tables, CUT, by="sex")
    assert [g["group"] for g in by_sex["groups"]] == ["F", "M"]


def test_endp009_response_json():
    tables = make_tables()
    out = response_json(tables, CUT)
    _assert_plain(out)
    assert out["n"] == 6
    assert out["best"] == {
        "CR": 2,
        "CRh": 0,
        "CRi": 1,
        "PR": 1,
        "SD": 0,
        "PD": 0,
        "relapse": 0,
        "NE": 2,
    }
    summary = response_summary(
        tables["responses"], tables["patients"][tables["patients"]["patient_id"] != "P8"]
    )
    assert out["cr_rate"] == {
        "estimate": summary.cr_rate.estimate,
        "ci_lower": summary.cr_rate.ci_lower,
        "ci_upper": summary.cr_rate.ci_upper,
    }
    assert out["cr_cri_rate"]["estimate"] == pytest.approx(3 / 6)


def test_endp010_rows_order_does_not_matter():
    tables = make_tables()
    shuffled = {name: f.iloc[::-1].reset_index(drop=True) for name, f in tables.items()}
    for by in (None, "sex", "site_id"):
        assert survival_json(tables, CUT, by=by) == survival_json(shuffled, CUT, by=by)
        assert relapse_json(tables, CUT, by=by) == relapse_json(shuffled, CUT, by=by)
    assert response_json(tables, CUT) == response_json(shuffled, CUT)


def test_endp011_no_enrolled_patients():
    tables = make_tables()
    tables["patients"] = tables["patients"].iloc[0:0]
    assert survival_json(tables, CUT)["groups"] == []
    assert relapse_json(tables, CUT)["groups"] == []
    out = response_json(tables, CUT)
    assert out["n"] == 0 and out["cr_rate"] == {
        "estimate": None,
        "ci_lower": None,
        "ci_upper": None,
    }
