"""Benchmark 8: one patient's profile (``/patients/<id>``), server time against a bare Dash
page drawing the same figures and rows (target: at most 2x, cold and warm).

The patient is the one with the most lab results (the densest profile). Cold: nothing
cached and no snapshot held in the process, as for a profile opened right after a load,
which must read that patient's rows only (``load_patient``), not the whole trial.
Warm: the same page again. Times are the CPU time of the serving thread, as in
benchmark 2 (:mod:`benchmarks.bench_callbacks`).
"""

from __future__ import annotations

import statistics

from benchmarks import pages
from benchmarks.bench_callbacks import BarePage, cold_visit, figure_count, visit
from benchmarks.report import Result

TARGET_RATIO = 2.0


def densest_patient(tables) -> str:
    """The patient with the most lab results."""
    return str(tables["lab_results"]["patient_id"].value_counts().idxmax())


def bench_patient(scale, app, client, repeats: int) -> list[Result]:
    patient_id = densest_patient(scale.tables)
    path = f"/patients/{patient_id}"
    browser = pages.Browser(pages.flask_post(client), client.get("/_dash-dependencies").get_json())
    browser.poll()
    cold = cold_visit(app, browser, "Patient", path)
    warm_runs = [visit(browser, "Patient", path) for _ in range(repeats)]
    bare = BarePage(warm_runs[0])
    bare.visit()  # the bare app's first request sets Dash up
    bare_runs = [bare.visit() for _ in range(repeats)]
    warm = statistics.median(r.seconds for r in warm_runs)
    bare_s = statistics.median(r.seconds for r in bare_runs)
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
            cold.seconds / bare_s,
            "x",
            TARGET_RATIO,
            note=f"cold {cold.seconds:.3f} s (one patient's rows read), bare {bare_s:.3f} s",
        ),
    ]
