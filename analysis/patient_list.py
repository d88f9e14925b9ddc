"""Who the patients are, for going from one patient's profile to another: the list in
id order, the patient before and after, and those around one patient.

Ids are ordered as text, the order of every listing of the dashboard.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import pandas as pd

LIST_COLUMNS = ("patient_id", "site_id", "site_name")


def patient_list(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``patient_id, site_id, site_name`` of every patient of ``tables["patients"]``, in
    id order (``site_name`` None where the sites table does not name the site)."""
    patients = tables["patients"][["patient_id", "site_id"]].astype({"patient_id": str})
    sites = tables.get("sites")
    names = (
        sites.drop_duplicates("site_id").set_index("site_id")["name"]
        if sites is not None and not sites.empty
        else pd.Series(dtype=object)
    )
    out = patients.assign(site_name=patients["site_id"].map(names))
    out = out.sort_values("patient_id", kind="mergesort").drop_duplicates("patient_id")
    return out.astype(object).where(out.notna(), None).reset_index(drop=True)[list(LIST_COLUMNS)]


def neighbours(ids: Sequence[str], patient_id: str) -> tuple[str | None, str | None]:
    """The patients just before and just after ``patient_id`` among ``ids`` (in id
    order); for an id not among them (a patient of another site than the one
    filtered), the nearest on either side. None at either end."""
    before, after = bisect_left(ids, patient_id), bisect_right(ids, patient_id)
    return (
        ids[before - 1] if before > 0 else None,
        ids[after] if after < len(ids) else None,
    )


def ids_around(ids: Sequence[str], patient_id: str, limit: int) -> list[str]:
    """At most ``limit`` of ``ids`` around ``patient_id`` (in id order, clamped at
    either end): what a chooser lists when the patients are too many to list them all."""
    at = bisect_left(ids, patient_id)
    start = max(0, min(at - limit // 2, len(ids) - limit))
    return list(ids[start : start + limit])


def site_counts(listed: pd.DataFrame) -> list[dict]:
    """``site_id, name, patients`` of each site with patients in ``listed`` (a
    :func:`patient_list`), in site order: the choices of a "Patients from" filter."""
    counts = listed.groupby("site_id", sort=True).agg(
        site_name=("site_name", "first"), patients=("patient_id", "size")
    )
    return [
        {"site_id": site, "name": site_name, "patients": int(n)}
        for site, site_name, n in zip(
            counts.index, counts["site_name"], counts["patients"], strict=True
        )
    ]
