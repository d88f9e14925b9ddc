"""Later exports of the small bundle, each with a change counted by hand, for the tests of
data versions (command line, API, pages)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from tests.conftest import SMALL_BUNDLE


def rewrite(directory: Path, file: str, change) -> None:
    """Apply ``change`` (rows -> rows, each a dict of strings) to a bundle file."""
    path = directory / file
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(change(rows))


def version_2(rows):
    """P-002's sepsis (grade 4, onset 2019-05-02) worsens to grade 5; a new serious
    pneumonia, grade 3, onset 2020-03-20, for P-008."""
    for row in rows:
        if row["patient_id"] == "P-002":
            row["grade"] = "5"
    new = dict(rows[0], patient_id="P-008", term="Pneumonia", onset_on="2020-03-20")
    new.update(soc="Infections and infestations", resolved_on="", grade="3")
    return [*rows, new]


def with_safety_changes(target: Path, source: Path = SMALL_BUNDLE) -> Path:
    """``source`` with the adverse events of :func:`version_2`."""
    shutil.copytree(source, target)
    rewrite(target, "adverse_events.csv", version_2)
    return target


def one_more_patient(target: Path, patient_id: str, source: Path = SMALL_BUNDLE) -> Path:
    """``source`` with one more patient enrolled at GRE on 2020-05-18."""
    shutil.copytree(source, target)
    with open(target / "patients.csv", "a", encoding="utf-8") as f:
        f.write(f"{patient_id},GRE,F,68,de_novo_aml,adverse,2020-05-04,2020-05-18,,,,,,,,\n")
    with open(target / "follow_up.csv", "a", encoding="utf-8") as f:
        f.write(f"{patient_id},2020-06-22,,,,\n")
    return target
