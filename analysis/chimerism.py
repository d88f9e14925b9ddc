"""Donor microchimerism after the micro-transplant (``docs/definitions.md``).

Each sample has the donor DNA percent and the laboratory's detected yes/no. The
3-month value is the sample closest to day 90 within days 76 to 104, the earlier on a
tie, as for the blood counts (:mod:`analysis.day90`); several samples on one day count
as one: the lowest percent, detected only if every sample of the day was.

A patient has *detectable* microchimerism at 3 months when the 3-month sample was not
reported undetected and its donor percent, if given, is at or above the assay's
detection limit. The limit is an option of the page: the default,
:data:`DEFAULT_DETECTION_LIMIT` = 0.01% donor DNA, is the usual sensitivity of
quantitative PCR chimerism assays (insertion/deletion or SNP markers, 0.01-0.1%),
the only methods able to see the well-under-1% levels reported after
microtransplantation (Guo et al., Blood 2011;117:936); short-tandem-repeat PCR
(about 1-5%) would miss them.

References
----------
Kharfan-Dabaja MA et al. Transplant Cell Ther 2021;27:642-649 (donor chimerism).
Alizadeh M et al. Quantitative assessment of hematopoietic chimerism after bone
marrow transplantation by real-time quantitative PCR. Blood 2002;99:4618-4625.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.day90 import DAY90, WINDOW, Share

DEFAULT_DETECTION_LIMIT = 0.01  # percent donor DNA


def chimerism_days(
    tables: dict[str, pd.DataFrame], transplants: pd.DataFrame, data_cut
) -> pd.DataFrame:
    """Samples on or after day 0 and up to the cut: ``patient_id, day, donor_percent,
    detected`` (one row per patient and day, see the module docstring), sorted."""
    columns = ["patient_id", "day", "donor_percent", "detected"]
    samples = tables.get("chimerism")
    if samples is None or samples.empty or transplants.empty:
        return pd.DataFrame(columns=columns)
    samples = samples[samples["patient_id"].isin(transplants.index)]
    samples = samples[pd.to_datetime(samples["sampled_on"]) <= pd.Timestamp(data_cut)]
    start = samples["patient_id"].map(transplants["transplant_on"])
    frame = pd.DataFrame(
        {
            "patient_id": samples["patient_id"].to_numpy(),
            "day": (pd.to_datetime(samples["sampled_on"]) - start).dt.days.to_numpy("int64"),
            "donor_percent": samples["donor_percent"].to_numpy(dtype=float),
            "detected": samples["detected"].astype("boolean").to_numpy(),
        }
    )
    frame = frame[frame["day"] >= 0]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    out = (
        frame.groupby(["patient_id", "day"], as_index=False)
        .agg(donor_percent=("donor_percent", "min"), detected=("detected", "min"))
        .sort_values(["patient_id", "day"], ignore_index=True)
    )
    out["detected"] = out["detected"].astype("boolean")
    return out[columns]


def chimerism_day90(samples: pd.DataFrame, patient_ids) -> pd.DataFrame:
    """The 3-month sample per patient: ``day, donor_percent, detected`` (missing if none)."""
    index = pd.Index(list(patient_ids), name="patient_id")
    low, high = WINDOW
    inside = samples[(samples["day"] >= low) & (samples["day"] <= high)].copy()
    inside["distance"] = (inside["day"] - DAY90).abs()
    best = (
        inside.sort_values(["patient_id", "distance", "day"])
        .drop_duplicates("patient_id")
        .set_index("patient_id")
    )
    out = best[["day", "donor_percent", "detected"]].reindex(index)
    out["day"] = out["day"].astype("Int64")
    out["donor_percent"] = out["donor_percent"].astype(float)
    out["detected"] = out["detected"].astype("boolean")
    return out


def is_detectable(donor_percent, detected, limit: float = DEFAULT_DETECTION_LIMIT) -> bool:
    """Not reported undetected and, when a percent is given, at or above ``limit``.

    ``detected`` None (not reported) leaves the decision to the percent; with neither,
    the sample does not count as detectable.
    """
    if detected is False:
        return False
    if pd.isna(donor_percent):
        return detected is True
    return bool(donor_percent >= limit)


def detectable_share(day90: pd.DataFrame, limit: float = DEFAULT_DETECTION_LIMIT) -> Share:
    """Patients with detectable microchimerism at 3 months among those with a sample."""
    if not np.isfinite(limit) or limit < 0:
        raise ValueError("the detection limit must be a percent of 0 or more, e.g. 0.01")
    sampled = day90[day90["day"].notna()]
    count = sum(
        is_detectable(
            row.donor_percent, None if pd.isna(row.detected) else bool(row.detected), limit
        )
        for row in sampled.itertuples()
    )
    return Share(int(count), len(sampled), len(day90))
