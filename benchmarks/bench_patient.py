"""Benchmark 8: one patient's profile (``/patients/<id>``), server time against a bare Dash
page drawing the same figures and rows (target: at most 2x, cold and warm).

The patient is the one with the most lab results (the densest profile). Cold: nothing
cached and no snapshot held in the process, as for a profile opened right after a load,
which must read that patient's rows only (``load_patient``), not the whole trial; the
server has shown another profile before (its code paths warm, as in a server that has
been running), and none of the data of the version is in any cache.
Warm: the same page again. Times are the CPU time of the serving thread, as in
benchmark 2 (:mod:`benchmarks.bench_callbacks`).
"""

from __future__ import annotations

import statistics

from benchmarks import pages
from benchmarks.bench_callbacks import (
    BarePage,
    BareVisit,
    clocks,
    figure_count,
    unwarmed_visit,
    visit,
)
from benchmarks.report import Result
from dashboard.store import EXTENSION
from data_access.queries import load_patient, load_patient_list

TARGET_RATIO = 2.0


def densest_patients(tables) -> tuple[str, str]:
    """The two patients with the most lab results, the most first."""
    counts = tables["lab_results"]["patient_id"].value_counts()
    return str(counts.index[0]), str(counts.index[1])


def bench_patient(scale, app, client, repeats: int) -> list[Result]:
    patient_id, other = densest_patients(scale.tables)
    path = f"/patients/{patient_id}"
    browser = pages.Browser(pages.flask_post(client), client.get("/_dash-dependencies").get_json())
    browser.poll()
    visit(browser, "Patient", f"/patients/{other}")  # a server that has run: code paths warm
    colds = [unwarmed_visit(app, browser, "Patient", path) for _ in range(max(repeats, 3))]
    cold_s = statistics.median(c.seconds for c in colds)
    warm_runs = [visit(browser, "Patient", path) for _ in range(repeats)]
    bare = BarePage(warm_runs[0])
    bare.visit()  # the bare app's first request sets Dash up
    bare_runs = [bare.visit() for _ in range(repeats)]
    warm = statistics.median(r.seconds for r in warm_runs)
    bare_s = statistics.median(r.seconds for r in bare_runs)
    floor = rows_floor(app, patient_id)
    figures, points = figure_count(warm_runs[0])
    labs = int((scale.tables["lab_results"]["patient_id"] == patient_id).sum())
    what = (
        f"{patient_id}, {labs} lab results; {len(warm_runs[0].calls)} callbacks, {figures} "
        f"figures, {points:,} points"
    )
    return [
        Result(
            "8 patient profile",
            "warm / bare",
            scale.name,
            warm / bare_s,
            "x",
            TARGET_RATIO,
            note=f"{what}; warm {warm:.3f} s, bare {bare_s:.3f} s (CPU)",
        ),
        Result(
            "8 patient profile",
            "cold / bare",
            scale.name,
            cold_s / bare_s,
            "x",
            TARGET_RATIO,
            note=f"cold {cold_s:.3f} s (one patient's rows read; median of {len(colds)}), "
            f"bare {bare_s:.3f} s",
        ),
        Result(
            "8 patient profile",
            "cold / (bare + rows read)",
            scale.name,
            cold_s / (bare_s + floor),
            "x",
            note=f"the rows the page shows read alone (the patient's, the patient list): "
            f"{floor:.3f} s (CPU)",
        ),
    ]


def rows_floor(app, patient_id: str) -> float:
    """CPU time of reading what the profile shows and nothing else: the patient's rows
    and the list of patients (the least a cold profile reads), median of 3."""
    engine = app.server.extensions[EXTENSION].engine
    runs = []
    for _ in range(3):
        floor = BareVisit()
        with clocks(floor):
            load_patient(engine, patient_id)
            load_patient_list(engine)
        runs.append(floor.seconds)
    return statistics.median(runs)
