"""Demo data, part 1: the sites, their start-up milestones, screening and enrollment.

Works in integer day numbers counted from the study start (2019-01-08); ``NEVER``
stands for "no such date". Sources of the orders of magnitude: :mod:`data_access.demo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

START = np.datetime64("2019-01-08", "D")
PLANNED_ACCRUAL_END = np.datetime64("2022-05-31", "D")
NEVER = 10**7
MONTH_DAYS = 30.4375
DEFAULT_PATIENTS = 21
DEFAULT_SITES = 7
SPONSOR = "STE"

# Enrollments per site-month at the default size: about 0.1, the slow academic pace
# of the registry dates (21 patients, 7 sites, 41 months planned: 0.075).
BASE_ENROLL_RATE = 0.11
ENROLL_PROBABILITY = 0.65  # about 3 screened for 2 enrolled
SCREEN_FAILURES = (
    ("not in complete remission", 0.30),
    ("fit for conventional allograft", 0.18),
    ("favourable cytogenetics", 0.15),
    ("age over 74", 0.12),
    ("no HLA-mismatched donor available", 0.13),
    ("consent withdrawn", 0.12),
)

# site_id, name, city, latitude, longitude, recruiting at the registry's last update
REGISTRY_SITES = (
    ("CLF", "CHU Estaing", "Clermont-Ferrand", 45.7772, 3.0870, True),
    ("GRE", "Centre Hospitalier Universitaire de Grenoble", "Grenoble", 45.2000, 5.7470, True),
    ("LIL", "CHRU de Lille", "Lille", 50.6100, 3.0340, False),
    ("LYS", "Centre Hospitalier Lyon Sud", "Pierre-Bénite (Lyon)", 45.6990, 4.8240, True),
    (
        "NCY",
        "Centre Hospitalier Universitaire de Nancy",
        "Vandœuvre-lès-Nancy (Nancy)",
        48.6480,
        6.1430,
        False,
    ),
    ("PSL", "Hôpital de la Pitié-Salpêtrière", "Paris", 48.8380, 2.3650, False),
    (
        "STE",
        "CHU de Saint-Etienne (sponsor)",
        "Saint-Priest-en-Jarez (Saint-Étienne)",
        45.4740,
        4.3760,
        True,
    ),
)
# Used (sponsor first, then the recruiting sites) when fewer than 7 sites are asked for.
REGISTRY_PRIORITY = ("STE", "LYS", "CLF", "GRE", "LIL", "NCY", "PSL")
# Real French haematology centres, invented as MTSA sites when more than 7 are asked for.
EXTRA_SITES = (
    ("BDX", "CHU de Bordeaux, Hôpital Haut-Lévêque", "Pessac (Bordeaux)", 44.7930, -0.6070),
    ("TLS", "IUCT Oncopole", "Toulouse", 43.5560, 1.4300),
    ("MRS", "Institut Paoli-Calmettes", "Marseille", 43.2990, 5.4030),
    ("NTE", "CHU de Nantes, Hôtel-Dieu", "Nantes", 47.2110, -1.5530),
    ("RNS", "CHU de Rennes, Hôpital Pontchaillou", "Rennes", 48.1210, -1.6950),
    ("MPL", "CHU de Montpellier, Hôpital Saint-Éloi", "Montpellier", 43.6300, 3.8620),
    ("SXB", "Institut de cancérologie Strasbourg Europe", "Strasbourg", 48.5770, 7.7370),
    ("TRS", "CHRU de Tours, Hôpital Bretonneau", "Tours", 47.3940, 0.6800),
    ("ANG", "CHU d'Angers", "Angers", 47.4800, -0.5540),
    ("DIJ", "CHU Dijon Bourgogne", "Dijon", 47.3230, 5.0700),
    ("BRS", "CHU de Brest, Hôpital Morvan", "Brest", 48.3970, -4.4970),
    ("POI", "CHU de Poitiers", "Poitiers", 46.5600, 0.3800),
    ("LIM", "CHU de Limoges", "Limoges", 45.8180, 1.2290),
    ("ROU", "Centre Henri-Becquerel", "Rouen", 49.4340, 1.0930),
    ("CAE", "CHU de Caen", "Caen", 49.2050, -0.3570),
    ("AMI", "CHU Amiens-Picardie", "Amiens", 49.8720, 2.2600),
    ("REI", "CHU de Reims", "Reims", 49.2420, 4.0460),
    ("BES", "CHU de Besançon", "Besançon", 47.2250, 5.9550),
    ("NCE", "CHU de Nice, Hôpital l'Archet", "Nice", 43.7100, 7.2030),
    ("CRE", "Hôpital Henri-Mondor", "Créteil", 48.7970, 2.4530),
    ("SLS", "Hôpital Saint-Louis", "Paris", 48.8740, 2.3690),
    ("IGR", "Gustave Roussy", "Villejuif", 48.7940, 2.3510),
)


@dataclass(frozen=True)
class SitePlan:
    """The sites in registry order, and which of them recruit before the mid-trial cut."""

    site_id: np.ndarray
    name: np.ndarray
    city: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    early: np.ndarray  # recruiting at the mid-trial cut (the registry's "recruiting")
    enroll_rate: np.ndarray  # enrollments per day once active


@dataclass(frozen=True)
class Accrual:
    """Screened patients (in screening order) and the site activation dates."""

    site_index: np.ndarray  # per screened patient
    screened: np.ndarray  # day numbers
    enrolled: np.ndarray  # day number, NEVER for screen failures
    activated: np.ndarray  # per site, NEVER if the site never opened
    planned_activation: np.ndarray  # per site
    mid_cut: int  # about two thirds of the target enrolled
    accrual_end: int  # the last enrollment


def mid_cut_count(n_patients: int) -> int:
    """Patients enrolled at the default (mid-trial) data cut: about two thirds."""
    return max(1, round(2 * n_patients / 3))


def plan_sites(n_sites: int, n_patients: int, rng: np.random.Generator) -> SitePlan:
    """The registry sites (or the first ``n_sites`` of them), then invented French ones."""
    by_id = {row[0]: row for row in REGISTRY_SITES}
    if n_sites <= len(REGISTRY_SITES):
        chosen = set(REGISTRY_PRIORITY[:n_sites])
        rows = [row for row in REGISTRY_SITES if row[0] in chosen]
    else:
        rows = [by_id[row[0]] for row in REGISTRY_SITES]
        for k in range(n_sites - len(REGISTRY_SITES)):
            if k < len(EXTRA_SITES):
                rows.append((*EXTRA_SITES[k], None))
            else:
                name = f"Centre hospitalier partenaire {k + 1}"
                lat, lon = rng.uniform(43.6, 49.5), rng.uniform(-1.0, 6.5)
                rows.append((f"X{k:03d}", name, None, round(lat, 4), round(lon, 4), None))
    early = np.array([row[5] if row[5] is not None else rng.random() < 0.6 for row in rows])
    site_id = np.array([row[0] for row in rows], dtype=object)
    if not early.any():
        early[site_id == SPONSOR] = True
        early[0] = True
    per_site = BASE_ENROLL_RATE * (n_patients / DEFAULT_PATIENTS) * (DEFAULT_SITES / n_sites)
    # Sites differ: the sponsor recruits most, the others vary around the average.
    spread = rng.gamma(4.0, 0.25, len(rows))
    spread[site_id == SPONSOR] = max(1.3, spread[site_id == SPONSOR].max(initial=0))
    return SitePlan(
        site_id=site_id,
        name=np.array([row[1] for row in rows], dtype=object),
        city=np.array([row[2] for row in rows], dtype=object),
        latitude=np.array([row[3] for row in rows], dtype=float),
        longitude=np.array([row[4] for row in rows], dtype=float),
        early=early,
        enroll_rate=per_site * spread / MONTH_DAYS,
    )


def _arrivals(rng, sites: np.ndarray, start: np.ndarray, rate: np.ndarray, horizon: float):
    """Poisson screening arrivals of ``sites`` from their start to ``horizon`` (days)."""
    span = np.clip(horizon - start[sites], 0, None)
    counts = rng.poisson(rate[sites] / ENROLL_PROBABILITY * span)
    site_index = np.repeat(sites, counts)
    times = start[site_index] + rng.random(counts.sum()) * np.repeat(span, counts)
    enrolls = rng.random(len(times)) < ENROLL_PROBABILITY
    delay = rng.integers(3, 29, len(times))  # screening to enrollment
    return site_index, times, enrolls, delay


def _close(arrivals, n_patients: int) -> np.ndarray | None:
    """Arrival positions kept (in screening order) once the n-th enrollment is screened."""
    order = np.argsort(arrivals[1], kind="stable")
    enrolled_so_far = np.cumsum(arrivals[2][order])
    if len(order) == 0 or enrolled_so_far[-1] < n_patients:
        return None
    return order[: np.searchsorted(enrolled_so_far, n_patients) + 1]


def _concat(a, b):
    return tuple(np.concatenate([x, y]) for x, y in zip(a, b, strict=True))


def simulate_accrual(plan: SitePlan, n_patients: int, rng: np.random.Generator) -> Accrual:
    """Screening arrivals per site until the target is enrolled, and the mid-trial cut.

    The sites recruiting at the registry's last update open first; the mid-trial cut
    falls when about two thirds are enrolled, and the other sites open only after it,
    so that the truncated trial at that cut shows exactly the registry's statuses.
    """
    n_sites = len(plan.site_id)
    n_cut = mid_cut_count(n_patients)
    early = np.flatnonzero(plan.early)
    late = np.flatnonzero(~plan.early)
    expected_days = n_cut / plan.enroll_rate[early].sum()
    activation = np.full(n_sites, NEVER, dtype=np.int64)
    activation[early] = np.round(rng.uniform(0.03, 0.3, len(early)) * expected_days) + 20
    activation[plan.site_id == SPONSOR] = 0
    if not (plan.site_id[early] == SPONSOR).any():
        activation[early[0]] = 0
    horizon = activation[early].max() + 1.5 * n_patients / plan.enroll_rate[early].sum() + 60
    while True:
        first = _arrivals(rng, early, activation.astype(float), plan.enroll_rate, horizon)
        kept = _close(first, n_patients)
        if kept is not None:
            break
        horizon *= 1.5
    enrolled_days = np.sort(
        (np.floor(first[1][kept]) + first[3][kept])[first[2][kept]].astype(np.int64)
    )
    mid_cut = int(enrolled_days[n_cut - 1])
    if n_cut < len(enrolled_days):
        mid_cut += int(min((enrolled_days[n_cut] - mid_cut) // 2, 30))
    else:
        mid_cut += 30
    mid_cut = max(mid_cut, int(activation[early].max()) + 1)

    planned = activation.copy()
    planned[late] = mid_cut + np.maximum(14, np.round(rng.lognormal(np.log(150), 0.5, len(late))))
    second = _arrivals(rng, late, planned.astype(float), plan.enroll_rate, horizon)
    arrivals = _concat(first, second)
    kept = _close(arrivals, n_patients)
    site_index, times, enrolls, delay = (x[kept] for x in arrivals)
    screened = np.floor(times).astype(np.int64)
    enrolled = np.where(enrolls, screened + delay, NEVER)
    accrual_end = int(enrolled[enrolls].max())
    activation = np.where(planned <= accrual_end, planned, NEVER)
    return Accrual(
        site_index=site_index,
        screened=screened,
        enrolled=enrolled,
        activated=activation,
        planned_activation=planned,
        mid_cut=mid_cut,
        accrual_end=accrual_end,
    )


def site_milestones(plan: SitePlan, accrual: Accrual, rng) -> dict[str, np.ndarray]:
    """Ethics approval, contract, initiation visit and activation day numbers per site.

    Ethics approval precedes activation by a lognormal delay (median 110 days), which
    with the wait for a first patient gives about the published 134 days from ethics to
    first inclusion; sites not recruiting at the mid-trial cut had ethics approval
    before it. A site never opened has no initiation visit and perhaps no contract.
    """
    planned = accrual.planned_activation
    n = len(planned)
    ethics = planned - np.clip(np.round(rng.lognormal(np.log(110), 0.7, n)), 30, 600)
    late = ~plan.early
    ethics[late] = np.minimum(ethics[late], accrual.mid_cut - rng.integers(20, 240, late.sum()))
    contract = ethics + np.round(rng.uniform(0.3, 0.8, n) * (planned - ethics))
    initiation = np.clip(planned - rng.integers(3, 22, n), contract, planned)
    opened = accrual.activated < NEVER
    contract = np.where(opened | (contract <= accrual.accrual_end), contract, NEVER)
    initiation = np.where(opened, initiation, NEVER)
    return {
        "ethics_approved_on": ethics.astype(np.int64),
        "contract_signed_on": contract.astype(np.int64),
        "initiation_visit_on": initiation.astype(np.int64),
        "activated_on": accrual.activated,
    }


def demographics(enrolled: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Sex, age, diagnosis, cytogenetic risk and screen-failure reason per screened patient.

    Enrolled patients are 60-74 years old with intermediate or adverse cytogenetics,
    except for rare protocol deviations (aged 75); screen failures carry a reason that
    agrees with their data (age over 74, favourable cytogenetics, ...).
    """
    n = len(enrolled)
    is_enrolled = enrolled < NEVER
    sex = np.where(rng.random(n) < 0.56, "M", "F").astype(object)
    age = 60 + np.minimum(14, np.floor(15 * rng.beta(1.6, 1.2, n))).astype(np.int64)
    deviation = is_enrolled & (rng.random(n) < 0.04)
    age[deviation] = 75
    diagnosis = rng.choice(
        np.array(["de_novo_aml", "secondary_aml", "mds_eb"], dtype=object), n, p=[0.62, 0.26, 0.12]
    )
    risk = np.where(rng.random(n) < 0.62, "intermediate", "adverse").astype(object)
    reasons = np.array([r for r, _ in SCREEN_FAILURES], dtype=object)
    weights = np.array([w for _, w in SCREEN_FAILURES])
    reason = rng.choice(reasons, n, p=weights / weights.sum())
    reason[is_enrolled] = None
    too_old = reason == "age over 74"
    age[too_old] = rng.integers(75, 82, too_old.sum())
    risk[reason == "favourable cytogenetics"] = "favorable"
    return {
        "sex": sex,
        "age": age,
        "diagnosis": diagnosis,
        "cytogenetic_risk": risk,
        "screen_failure_reason": reason,
    }
