"""Realistic synthetic MTSA data (NCT03439371) for demonstrations, tests and benchmarks.

The generator simulates the whole trial once for a seed, from the first site opening
to each patient's 2-year visit (:func:`full_trial`), and shows it truncated at a data
cut (:func:`truncate_at`): the default demo (:func:`generate`) is the truncation at the
mid-trial cut, when about two thirds of the target are enrolled, and the demo feed
reveals the same trial further, so the two are continuous.

Where each order of magnitude comes from
----------------------------------------
- Design, from the registry record NCT03439371 (last update February 2022): target 21
  patients, start 2019-01-08, primary completion 2022-05-31, 7 French sites of which
  4 recruiting (including the sponsor, CHU de Saint-Etienne) and 3 not yet recruiting;
  age 60 to 74, intermediate or adverse cytogenetics (or MDS with excess blasts), in
  complete remission (< 5% marrow blasts) and unfit for a conventional allograft.
- Site start-up: French ethics committee review median 73 days, ethics approval to
  first inclusion median 134 days (IQR 61-237) (Rev Med Interne 2024). Accrual about
  0.1 patient per site-month, the slow pace of academic trials in rare haematology
  settings (registry dates: 0.075 as planned; Brøgger-Mikkelsen et al., PLoS One
  2022, for industry trials 0.4-0.8).
- Haematopoietic recovery after chemotherapy plus micro-transplant: neutrophils median
  11-12 days, platelets median 14-14.5 days (Guo et al., Blood 2011;117:936; Liu et
  al., Discover Oncology, age >= 60, n = 26).
- GVHD: none observed (Guo et al., Blood 2011); the demo has at most about one mild
  acute case per hundred patients. Donor microchimerism: detectable in some patients
  at well under 1% donor DNA (same source).
- Outcomes with micro-transplant as post-remission therapy: 2-year overall survival
  about 46%, relapse 40-60% within 2 years, non-relapse mortality 0-30% (Blood
  2016;128(22):5842, n = 41; Liu et al.: relapse 38.5%). Early mortality of elderly
  AML after intensive chemotherapy 30-day about 10%, 60-day 15-20% (Lancet et al., JCO
  2018; Löwenberg et al., NEJM 2009): lower here, as patients enter in remission.
- Infections during aplasia in about 75% of patients, febrile neutropenia in 60-70%
  (Blood 2016 abstract; HOVON-SAKK, Haematologica).

All randomness comes from one numpy ``Generator`` tree seeded by ``seed``, so a seed
always gives the same frames. Modules: ``demo_accrual`` (sites, screening),
``demo_course`` (course, responses, transfusions, chimerism), ``demo_labs``,
``demo_events``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access import demo_accrual as acc
from data_access.demo_accrual import NEVER, START
from data_access.demo_course import chimerism, responses, simulate_course, transfusions
from data_access.demo_events import adverse_events
from data_access.demo_labs import lab_results
from data_access.frames import typed_frame
from data_access.schema import BUNDLE_TABLES, LAB_UNITS

DEFAULT_SEED = 20190108
NCT_ID = "NCT03439371"
TITLE = "Micro-transplantation in Elderly Patients With Acute Myeloid Leukemia (MTSA)"
SITE_DATES = (
    "ethics_approved_on",
    "contract_signed_on",
    "initiation_visit_on",
    "activated_on",
    "closed_on",
)
# The date column that places each row of a patient-level table in time.
RECORD_DATES = {
    "responses": "assessed_on",
    "lab_results": "sampled_on",
    "transfusions": "given_on",
    "adverse_events": "onset_on",
    "chimerism": "sampled_on",
}


@dataclass(frozen=True)
class DemoTrial:
    """The whole synthetic trial, follow-up complete; treat ``tables`` as read-only."""

    tables: dict[str, pd.DataFrame]
    mid_cut: dt.date  # the default demo's data cut: about two thirds enrolled
    end: dt.date  # the last date of the trial (last site closed): nothing comes after


def _dates(days) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    out = START + np.minimum(days, 10**6).astype("timedelta64[D]")
    out[days >= NEVER] = np.datetime64("NaT")
    return out


def _typed(name: str, columns: dict) -> pd.DataFrame:
    return typed_frame(BUNDLE_TABLES[f"{name}.csv"], pd.DataFrame(columns))


def _patient_ids(site_ids: np.ndarray, site_index: np.ndarray) -> np.ndarray:
    number = pd.Series(site_index).groupby(site_index).cumcount().to_numpy() + 1
    width = max(3, len(str(number.max(initial=0))))
    return np.array(
        [f"{s}-{k:0{width}d}" for s, k in zip(site_ids[site_index], number, strict=True)],
        dtype=object,
    )


def _child(name: str, ids: np.ndarray, table: dict, mapping: dict) -> pd.DataFrame:
    """A patient-level table from day-number columns (``day``-like keys become dates)."""
    columns = {"patient_id": ids[table["patient"]]}
    for column, key in mapping.items():
        values = table[key]
        is_day = key in ("day", "onset", "resolved")
        columns[column] = _dates(values) if is_day else values
    return _typed(name, columns)


def _build(patients: int, sites: int, seed: int) -> DemoTrial:
    seeds = np.random.SeedSequence(seed).spawn(6)
    rng_sites, rng_accrual, rng_course, rng_records, rng_labs, rng_events = (
        np.random.default_rng(s) for s in seeds
    )
    plan = acc.plan_sites(sites, patients, rng_sites)
    accrual = acc.simulate_accrual(plan, patients, rng_accrual)
    milestones = acc.site_milestones(plan, accrual, rng_sites)
    people = acc.demographics(accrual.enrolled, rng_course)
    ids = _patient_ids(plan.site_id, accrual.site_index)
    enrolled_rows = np.flatnonzero(accrual.enrolled < NEVER)
    enrolled_ids = ids[enrolled_rows]

    course = simulate_course(accrual.enrolled[enrolled_rows], rng_course)
    answers = responses(course, rng_records)
    given = transfusions(course, rng_records)
    samples = chimerism(course, rng_records)
    labs = lab_results(course, answers, given, rng_labs)
    events = adverse_events(course, rng_events)

    n_screened = len(ids)
    transplant = np.full(n_screened, NEVER, dtype=np.int64)
    transplant[enrolled_rows] = course.transplant
    withdrawn = np.full(n_screened, NEVER, dtype=np.int64)
    withdrawn[enrolled_rows] = course.withdrawn
    reason = np.full(n_screened, None, dtype=object)
    reason[enrolled_rows] = course.withdrawal_reason

    # Each opened site closes 2-13 weeks after its last patient's last visit, once the
    # accrual is over; a site without patients closes with the trial.
    site_of_enrolled = accrual.site_index[enrolled_rows]
    last_visit = np.full(len(plan.site_id), -NEVER, dtype=np.int64)
    np.maximum.at(last_visit, site_of_enrolled, course.end)
    last_visit[last_visit == -NEVER] = course.end.max()
    last_visit = np.maximum(last_visit, accrual.accrual_end)
    closed = last_visit + rng_sites.integers(14, 91, len(last_visit))
    closed = np.where(accrual.activated < NEVER, closed, NEVER)
    end_day = int(closed[closed < NEVER].max())

    tables = {
        "trial": _typed(
            "trial",
            {
                "nct_id": [NCT_ID],
                "title": [TITLE],
                "target_enrollment": [patients],
                "start_date": [START],
                "planned_accrual_end": [acc.PLANNED_ACCRUAL_END],
                "data_cut": _dates([end_day]),
            },
        ),
        "sites": _typed(
            "sites",
            {
                "site_id": plan.site_id,
                "name": plan.name,
                "city": plan.city,
                "latitude": plan.latitude,
                "longitude": plan.longitude,
                "status": np.full(len(plan.site_id), "completed", dtype=object),
                **{k: _dates(v) for k, v in milestones.items()},
                "closed_on": _dates(closed),
            },
        ),
        "patients": _typed(
            "patients",
            {
                "patient_id": ids,
                "site_id": plan.site_id[accrual.site_index],
                **{k: v for k, v in people.items() if k != "screen_failure_reason"},
                "screened_on": _dates(accrual.screened),
                "enrolled_on": _dates(accrual.enrolled),
                "screen_failure_reason": people["screen_failure_reason"],
                "transplant_on": _dates(transplant),
                "withdrawn_on": _dates(withdrawn),
                "withdrawal_reason": reason,
            },
        ),
        "follow_up": _typed(
            "follow_up",
            {
                "patient_id": enrolled_ids,
                "last_contact_on": _dates(course.end),
                "progressed_on": _dates(course.relapse),
                "died_on": _dates(course.died),
                "death_cause": course.death_cause,
            },
        ),
        "responses": _child(
            "responses", enrolled_ids, answers, {"assessed_on": "day", "response": "response"}
        ),
        "lab_results": _child(
            "lab_results",
            enrolled_ids,
            {**labs, "unit": pd.Series(labs["test"]).map(LAB_UNITS).to_numpy()},
            {"sampled_on": "day", "test": "test", "value": "value", "unit": "unit"},
        ),
        "transfusions": _child(
            "transfusions", enrolled_ids, given, {"given_on": "day", "product": "product"}
        ),
        "adverse_events": _child(
            "adverse_events",
            enrolled_ids,
            events,
            {
                "term": "term",
                "soc": "soc",
                "grade": "grade",
                "serious": "serious",
                "related": "related",
                "onset_on": "onset",
                "resolved_on": "resolved",
                "gvhd_type": "gvhd_type",
                "gvhd_grade": "gvhd_grade",
            },
        ),
        "chimerism": _child(
            "chimerism",
            enrolled_ids,
            samples,
            {"sampled_on": "day", "donor_percent": "donor_percent", "detected": "detected"},
        ),
        "time_to_event": _typed("time_to_event", {}),  # no sponsor-derived endpoints
    }
    tables["sites"]["status"] = _site_status(tables["sites"], accrual_closed=True)
    return DemoTrial(
        tables=tables,
        mid_cut=_dates([accrual.mid_cut])[0].astype(dt.date),
        end=_dates([end_day])[0].astype(dt.date),
    )


def _arguments(patients, sites, seed) -> tuple[int, int, int]:
    patients = acc.DEFAULT_PATIENTS if patients is None else int(patients)
    sites = acc.DEFAULT_SITES if sites is None else int(sites)
    if patients < 1 or sites < 1:
        raise ValueError(f"patients and sites must be at least 1 (got {patients}, {sites})")
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed})")
    return patients, sites, int(seed)


@functools.lru_cache(maxsize=2)
def _cached(patients: int, sites: int, seed: int) -> DemoTrial:
    return _build(patients, sites, seed)


def full_trial(
    patients: int | None = None, sites: int | None = None, seed: int = DEFAULT_SEED
) -> DemoTrial:
    """The whole synthetic trial for these settings, from first site to last visit.

    Parameters
    ----------
    patients : target enrollment (default 21, as registered); any size from 1.
    sites : number of sites (default the 7 registry sites; more invents French ones).
    seed : seed of the numpy random generator; the same seed gives the same trial.

    Returns
    -------
    DemoTrial
        Typed frames keyed by table name, the mid-trial cut and the trial's last date.
        The result is cached: do not modify its frames.
    """
    return _cached(*_arguments(patients, sites, seed))


def generate(
    patients: int | None = None, sites: int | None = None, seed: int = DEFAULT_SEED
) -> dict[str, pd.DataFrame]:
    """Synthetic MTSA data at the mid-trial cut (about two thirds of the target enrolled).

    Returns typed frames keyed by table name (trial, sites, patients, follow_up,
    responses, lab_results, transfusions, adverse_events, chimerism), ready for
    ``replace_trial_data``. See :func:`full_trial` for the parameters.
    """
    trial = full_trial(patients, sites, seed)
    return truncate_at(trial.tables, trial.mid_cut)


def _latest_record(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Each patient's latest dated record of any kind (last contact, ``docs/definitions.md``)."""
    patients = tables["patients"]
    parts = [
        patients[["patient_id", column]].set_axis(["patient_id", "date"], axis=1)
        for column in ("enrolled_on", "transplant_on", "withdrawn_on")
    ]
    for name, column in (*RECORD_DATES.items(), ("adverse_events", "resolved_on")):
        parts.append(tables[name][["patient_id", column]].set_axis(["patient_id", "date"], axis=1))
    follow_up = tables["follow_up"]
    parts.append(
        follow_up[["patient_id", "progressed_on"]].set_axis(["patient_id", "date"], axis=1)
    )
    return pd.concat(parts, ignore_index=True).groupby("patient_id")["date"].max()


def _site_status(sites: pd.DataFrame, accrual_closed: bool) -> np.ndarray:
    opened = sites["activated_on"].notna().to_numpy()
    closed = sites["closed_on"].notna().to_numpy()
    return np.select(
        [closed, opened & accrual_closed, opened, np.full(len(sites), accrual_closed)],
        ["completed", "active_not_recruiting", "recruiting", "withdrawn"],
        "not_yet_recruiting",
    ).astype(object)


def truncate_at(tables: dict[str, pd.DataFrame], cut: dt.date | str) -> dict[str, pd.DataFrame]:
    """The trial as known at data cut ``cut``: nothing dated after it, follow-up censored.

    Rows dated after the cut are dropped and dates after it cleared (an enrollment after
    the cut leaves a patient screened only; an unresolved event has no ``resolved_on``,
    and a fatal one is still grade 4 while the death lies after the cut; a later death or
    relapse is unknown). ``last_contact_on`` becomes the latest record
    on or before the cut where the full one lies after it, site statuses follow the
    milestones then known, and ``trial.data_cut`` is ``cut``. The input is not modified;
    truncating twice equals truncating once at the earlier cut.
    """
    cut = pd.Timestamp(cut).normalize()
    trial = tables["trial"].copy()
    trial["data_cut"] = cut
    patients = tables["patients"]
    patients = patients[patients["screened_on"] <= cut].copy()
    for column in ("enrolled_on", "transplant_on", "withdrawn_on"):
        patients[column] = patients[column].where(patients[column] <= cut)
    patients["withdrawal_reason"] = patients["withdrawal_reason"].where(
        patients["withdrawn_on"].notna(), None
    )
    enrolled = pd.Index(patients.loc[patients["enrolled_on"].notna(), "patient_id"])
    out = {"trial": trial, "patients": patients}
    for name, column in RECORD_DATES.items():
        frame = tables[name]
        out[name] = frame[(frame[column] <= cut) & frame["patient_id"].isin(enrolled)].copy()
    events = out["adverse_events"]
    events["resolved_on"] = events["resolved_on"].where(events["resolved_on"] <= cut)
    # A fatal event is reported at grade 4 (life-threatening, ongoing) until the death.
    died = events["patient_id"].map(tables["follow_up"].set_index("patient_id")["died_on"])
    events.loc[(events["grade"] == 5) & ~(died <= cut), "grade"] = 4

    follow_up = tables["follow_up"]
    follow_up = follow_up[follow_up["patient_id"].isin(enrolled)].copy()
    follow_up["died_on"] = follow_up["died_on"].where(follow_up["died_on"] <= cut)
    follow_up["death_cause"] = follow_up["death_cause"].where(follow_up["died_on"].notna(), None)
    follow_up["progressed_on"] = follow_up["progressed_on"].where(follow_up["progressed_on"] <= cut)
    out["follow_up"] = follow_up
    latest = follow_up["patient_id"].map(_latest_record(out))
    contact = follow_up["last_contact_on"]
    follow_up["last_contact_on"] = contact.where(contact <= cut, latest)

    sites = tables["sites"].copy()
    for column in SITE_DATES:
        sites[column] = sites[column].where(sites[column] <= cut)
    target = int(trial["target_enrollment"].iloc[0])
    sites["status"] = _site_status(sites, accrual_closed=len(enrolled) >= target)
    out["sites"] = sites
    out["time_to_event"] = tables["time_to_event"]
    # typed_frame lays values on a fresh 0..n-1 index: hand it frames indexed so.
    return {
        t.name: typed_frame(t, out[t.name].reset_index(drop=True)) for t in BUNDLE_TABLES.values()
    }
