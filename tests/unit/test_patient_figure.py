"""The patient profile's course figure, on hand-made profiles (no database, no browser)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from plotly.subplots import make_subplots

from analysis.patient_profile import PatientProfile
from dashboard.figures.patient import (
    DATES,
    ENROLLMENT,
    NO_RECORD,
    TRANSPLANT,
    _stacked_axes,
    patient_course_figure,
)
from dashboard.figures.safety import GRADE_COLORS

D = dt.date
ENROLLED = D(2019, 3, 18)
TRANSPLANTED = D(2019, 4, 22)


def _frame(rows: list[dict], columns: list[str], day0=TRANSPLANTED) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    if rows:
        frame["day"] = [(r["date"] - day0).days for r in rows]
        if "end_date" in columns:
            frame["end_day"] = [
                None if r.get("end_date") is None else (r["end_date"] - day0).days for r in rows
            ]
    return frame


EVENT_COLUMNS = [
    "date", "day", "end_date", "end_day", "kind", "label", "soc", "grade", "serious", "related"
]  # fmt: skip


def profile(**changes) -> PatientProfile:
    """P-002 of the small bundle, by hand: transplanted, sepsis grade 4, died of relapse."""
    events = _frame(
        [
            {
                "date": D(2019, 5, 2),
                "end_date": D(2019, 5, 20),
                "kind": "adverse event",
                "label": "Sepsis",
                "soc": "Infections and infestations",
                "grade": 4,
                "serious": True,
                "related": None,
            },
            {
                "date": D(2019, 6, 10),
                "end_date": None,
                "kind": "GVHD",
                "label": "Acute GVHD, skin, grade II",
                "soc": "Immune system disorders",
                "grade": 2,
                "serious": False,
                "related": None,
            },
        ],
        EVENT_COLUMNS,
    )
    labs = _frame(
        [
            {"date": D(2019, 4, 29), "test": "ANC", "value": 0.2, "unit": "10^9/L"},
            {"date": D(2019, 5, 13), "test": "ANC", "value": 0.7, "unit": "10^9/L"},
            {"date": D(2019, 4, 29), "test": "PLT", "value": 12, "unit": "10^9/L"},
            {"date": D(2019, 5, 13), "test": "PLT", "value": 60, "unit": "10^9/L"},
        ],
        ["date", "day", "test", "value", "unit"],
    )
    transfusions = _frame(
        [{"date": D(2019, 4, 29), "product": "platelets"}], ["date", "day", "product"]
    )
    responses = _frame(
        [
            {"date": D(2019, 6, 3), "response": "CR"},
            {"date": D(2019, 9, 16), "response": "relapse"},
        ],
        ["date", "day", "response"],
    )
    chimerism = _frame([], ["date", "day", "donor_percent", "detected"])
    fields = dict(
        patient_id="P-002",
        site_id="LYS",
        site_name="Lyon",
        age=71,
        sex="M",
        diagnosis="secondary_aml",
        cytogenetic_risk="adverse",
        arm=None,
        screened_on=D(2019, 3, 4),
        enrolled_on=ENROLLED,
        transplant_on=TRANSPLANTED,
        last_contact_on=D(2019, 10, 14),
        died_on=D(2019, 10, 14),
        death_cause="relapse",
        day0_on=TRANSPLANTED,
        day0_is_transplant=True,
        status="died",
        best_response="CR",
        recovery={"neutrophil_day": 21, "platelet20_day": 21, "platelet50_day": None},
        flags=(),
        deviations=("no CR, CRh or CRi assessed in the 60 days up to enrollment on 2019-03-18",),
        contradictions=(),
        events=events,
        labs=labs,
        transfusions=transfusions,
        responses=responses,
        chimerism=chimerism,
        data_cut=D(2020, 6, 30),
    )
    return PatientProfile(**{**fields, **changes})


def _traces(figure, name: str) -> list:
    return [t for t in figure.data if t.name == name]


def _lane_titles(figure) -> list[str]:
    names = ["yaxis", *(f"yaxis{i}" for i in range(2, 7))]
    return [figure.layout[name].title.text for name in names]


def test_pp_fig001_one_lane_per_kind_of_record_on_a_shared_x_axis():
    figure = patient_course_figure(profile())
    assert _lane_titles(figure) == [
        "ANC ×10⁹/L",
        "Platelets ×10⁹/L",
        "Blasts %",
        "Events",
        "Response",
        "Donor DNA %",
    ]
    # every lane's x axis matches the bottom one: zooming one lane zooms all
    assert [figure.layout[f"xaxis{i}"].matches for i in ("", 2, 3, 4, 5)] == ["x6"] * 5
    assert list(figure.layout.xaxis6.range) == [-5, 180]  # day 0 to 175 (died), padded


def test_pp_fig002_empty_lanes_say_no_record():
    figure = patient_course_figure(profile())
    notes = [a for a in figure.layout.annotations if a.text == NO_RECORD]
    # no blasts, no chimerism in this profile
    assert sorted(a.yref for a in notes) == ["y3 domain", "y6 domain"]


def test_pp_fig003_threshold_lines_at_recovery_levels():
    figure = patient_course_figure(profile())
    lines = {
        (s.yref, s.y0) for s in figure.layout.shapes if s.xref.endswith("domain") and s.y0 == s.y1
    }
    assert {("y", 0.5), ("y2", 20), ("y2", 50)} <= lines
    assert figure.layout.yaxis.type == "log"
    linear = patient_course_figure(profile(), log=False)
    assert linear.layout.yaxis.type != "log"


def test_pp_fig004_event_bar_from_onset_to_resolution_coloured_by_grade():
    figure = patient_course_figure(profile())
    (grade4,) = _traces(figure, "Grade 4 (life-threatening)")
    assert list(grade4.x[:2]) == [10, 28]  # 2 May and 20 May 2019, days from 22 Apr
    assert list(grade4.y[:2]) == ["Sepsis", "Sepsis"]
    assert grade4.line.color == GRADE_COLORS[4]
    assert grade4.yaxis == "y4"
    (gvhd,) = _traces(figure, "GVHD")  # distinct from the grades; ongoing: to the death
    assert list(gvhd.x[:2]) == [49, 175]
    (serious,) = _traces(figure, "Serious (★ at onset)")
    assert list(serious.x) == [10]


def test_pp_fig005_recovery_days_transfusions_and_death_marked():
    figure = patient_course_figure(profile())
    (anc,) = _traces(figure, "Recovery ANC ≥ 0.5")
    assert list(anc.x) == [21] and anc.yaxis == "y"
    assert not _traces(figure, "Recovery PLT ≥ 50")  # not reached
    (ticks,) = _traces(figure, "Platelet transfusion")
    assert list(ticks.x) == [7] and ticks.yaxis == "y2"
    (death,) = _traces(figure, "Death")
    assert list(death.x) == [175] and "relapse" in death.text[0]
    death_lines = [s for s in figure.layout.shapes if s.x0 == 175 and s.line.dash == "solid"]
    assert len(death_lines) == 6  # through every lane


def test_pp_fig006_x_axis_switch():
    by_transplant = patient_course_figure(profile(), TRANSPLANT)
    by_enrollment = patient_course_figure(profile(), ENROLLMENT)
    by_date = patient_course_figure(profile(), DATES)
    sepsis = [
        _traces(f, "Grade 4 (life-threatening)")[0].x[0]
        for f in (by_transplant, by_enrollment, by_date)
    ]
    assert sepsis == [10, 45, "2019-05-02"]
    assert by_transplant.layout.xaxis6.title.text == "Days from transplant"
    assert by_enrollment.layout.xaxis6.title.text == "Days from enrollment"
    assert by_date.layout.xaxis6.title.text == "Date"
    assert by_date.layout.xaxis.type == "date"
    with pytest.raises(ValueError):
        patient_course_figure(profile(), "weeks")


def test_pp_fig007_not_transplanted_counts_from_enrollment():
    fields = {"transplant_on": None, "day0_on": ENROLLED, "day0_is_transplant": False}
    fields["recovery"] = {"neutrophil_day": None, "platelet20_day": None, "platelet50_day": None}
    figure = patient_course_figure(profile(**fields))
    assert figure.layout.xaxis6.title.text == "Days from enrollment (not transplanted)"
    assert _traces(figure, "Grade 4 (life-threatening)")[0].x[0] == 45


def test_pp_fig008_a_patient_without_any_record():
    empty = {
        name: getattr(profile(), name).iloc[0:0]
        for name in ("events", "labs", "transfusions", "responses", "chimerism")
    }
    figure = patient_course_figure(profile(died_on=None, death_cause=None, **empty))
    notes = [a for a in figure.layout.annotations if a.text == NO_RECORD]
    assert len(notes) == 6
    figure.to_json()  # serialisable


def test_pp_fig009_the_lanes_axes_are_those_make_subplots_makes():
    heights, gap = [150, 150, 60, 120, 40, 60], 18
    plot_px = sum(heights) + gap * (len(heights) - 1)
    expected = make_subplots(
        rows=len(heights),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=gap / plot_px,
        row_heights=heights,
    ).layout.to_plotly_json()
    expected.pop("template")
    got = _stacked_axes(heights, gap)
    assert set(got) == set(expected)
    for name, axis in expected.items():
        assert {k: v for k, v in got[name].items() if k != "domain"} == {
            k: v for k, v in axis.items() if k != "domain"
        }, name
        assert got[name]["domain"] == pytest.approx(axis["domain"], abs=1e-9), name
