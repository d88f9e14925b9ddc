"""Restrict the trial tables to some sites: page filters and site-bound investigators."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

PATIENT_TABLES = (
    "follow_up",
    "responses",
    "lab_results",
    "transfusions",
    "adverse_events",
    "chimerism",
)


def restrict_to_sites(
    tables: dict[str, pd.DataFrame], site_ids: Iterable[str] | None
) -> dict[str, pd.DataFrame]:
    """The tables with only the patients (and their records) of ``site_ids``.

    ``None`` means no restriction. Sites and the trial row are kept whole: a
    site-bound user still sees the trial's sites, only not other sites' patients.
    """
    if site_ids is None:
        return tables
    sites = set(site_ids)
    patients = tables["patients"]
    kept = patients[patients["site_id"].isin(sites)].reset_index(drop=True)
    ids = set(kept["patient_id"])
    out = dict(tables)
    out["patients"] = kept
    for name in PATIENT_TABLES:
        if name in tables:  # a part of the trial (the patient list) may lack some
            frame = tables[name]
            out[name] = frame[frame["patient_id"].isin(ids)].reset_index(drop=True)
    return out


def restrict_to_site(tables: dict[str, pd.DataFrame], site_id: str | None):
    """The tables with only ``site_id``'s patients (all when None).

    Raises ValueError, in words for users, for a site the trial does not have (a
    stale or forged page filter).
    """
    if site_id is None:
        return tables
    sites = tables.get("sites")
    if sites is None or site_id not in set(sites["site_id"]):
        raise ValueError(f"unknown site {site_id!r}: choose one of the trial's sites or all sites")
    return restrict_to_sites(tables, [site_id])
