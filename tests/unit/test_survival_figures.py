"""Survival figures, without a browser: each curve's marks in its own colour."""

from __future__ import annotations

from analysis.survival_panels import survival_json
from dashboard.figures.survival import km_figure
from data_access.bundle import read_bundle
from data_access.frames import data_cut_of
from tests.conftest import SMALL_BUNDLE


def test_survfig001_censor_marks_take_their_curve_colour():
    tables = read_bundle(SMALL_BUNDLE)
    curves = survival_json(tables, data_cut_of(tables), by="sex")
    figure = km_figure(curves, 0.95, by="sex")
    curves_by_group = [t for t in figure.data if t.meta == "km-curve"]
    marks = [t for t in figure.data if t.meta == "km-censored"]
    assert len(marks) == len(curves_by_group) == 2  # both sexes have censored patients
    for curve, mark in zip(curves_by_group, marks, strict=True):
        assert mark.marker.color == mark.marker.line.color == curve.line.color
