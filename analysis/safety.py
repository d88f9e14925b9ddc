"""Safety tables for the DSMB: adverse events, deaths, GVHD and the NRM stopping rule.

Population and counting rules (``docs/definitions.md``, Safety):

- The adverse-event tables count the safety population's analysed events
  (:mod:`analysis.safety_population`: the study's flags where it has them, else
  treatment-emergent events of treated patients where the data hold treatment dates,
  else every event of every enrolled patient), with onset on or before the data cut.
  GVHD counts those events too; deaths and the stopping rule count every enrolled
  patient.
- A patient is counted once per row of a table, at the worst CTCAE grade recorded in
  that row's system organ class (SOC) or preferred term: ``grade_1``..``grade_5``
  count patients by worst grade and add up to ``patients``; ``patients_grade3plus``
  are those whose worst grade is 3 or more. ``events`` counts every event.
- Serious events: ``serious`` is yes. Related events: ``related`` is yes (``unknown``
  is not counted as related).
- Deaths: ``died_on`` on or before the data cut; days count from enrollment (day 0)
  and from the transplant (day 0 = ``transplant_on``). "Within 30 days" means on day
  30 or before. A death is non-relapse mortality (NRM) when no relapse came first
  (:func:`analysis.endpoints.relapse_nrm`), whose cumulative incidence from
  enrollment is computed by Aalen-Johansen.

References
----------
.. [1] National Cancer Institute, *Common Terminology Criteria for Adverse Events
   (CTCAE)*, version 5.0, 2017.
.. [2] ICH E3, *Structure and Content of Clinical Study Reports*, 1995, section 12.2
   (adverse events tabulated by body system and severity).
.. [3] Aalen, O. O. and Johansen, S. (1978). An empirical transition matrix for
   non-homogeneous Markov chains based on censored observations. *Scandinavian Journal
   of Statistics* 5, 141-150 (the cumulative incidence of non-relapse mortality).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analysis.ae_counts import COUNT_COLUMNS, GRADES, ae_counts
from analysis.competing_risks import CumulativeIncidence, cumulative_incidence
from analysis.endpoints import NRM, RELAPSE, last_contact_dates, relapse_nrm
from analysis.gvhd import GvhdSummary, gvhd_summary
from analysis.left_out import LeftOut, left_out, left_out_json
from analysis.options import TERMS, UnknownOption
from analysis.safety_population import (
    SafetyBasis,
    analysed_events,
    arms_of,
    counts_by_arm,
    grades_from_severity,
    safety_population,
)
from analysis.stopping import (
    StoppingBoundary,
    StoppingRule,
    early_nrm_outcomes,
    stopping_boundary,
)
from analysis.study_content import not_recorded
from analysis.trial_settings import trial_settings

EARLY_DAYS = (30, 100)
AE_COLUMNS = (
    "patient_id",
    "term",
    "soc",
    "grade",
    "serious",
    "related",
    "onset_on",
    "resolved_on",
    "gvhd_type",
    "gvhd_grade",
    "treatment_emergent",
    "grade_from_severity",
    "imputed",
)
"""Columns of the adverse-event table (``docs/data-bundle.md``)."""


@dataclass(frozen=True)
class DeathSummary:
    """Deaths among enrolled patients up to the data cut.

    ``listing``: ``patient_id, site_id, enrolled_on, transplant_on, died_on, day``
    (from enrollment), ``day_from_transplant`` (missing if not transplanted),
    ``cause``, ``nrm`` (bool), ``date_imputed`` (the death date was partial), by date
    of death. ``early`` maps
    ``("enrollment" | "transplant", 30 | 100)`` to the number of deaths on or before
    that day. ``nrm_cif`` is the relapse/NRM cumulative incidence from enrollment.
    """

    listing: pd.DataFrame
    early: dict[tuple[str, int], int]
    nrm_deaths: int
    nrm_cif: CumulativeIncidence


@dataclass(frozen=True)
class SafetyReport:
    """Everything the Safety page and the DSMB report show, for one data cut.

    ``safety_n`` patients form the safety population; ``basis`` says which rules
    chose them and their events; ``not_recorded`` what the study does not record
    (:mod:`analysis.study_content`). ``arms`` lists the treatment arms when there are two
    or more, and ``by_arm`` then holds :func:`analysis.safety_population.counts_by_arm`
    (empty otherwise).

    Tables (treat as read-only): ``by_soc`` (``soc`` and :data:`COUNT_COLUMNS`),
    ``by_term`` (``soc, term`` and the same counts), ``overall`` (one row, any AE),
    ``worst_grade`` (``patient_id, soc, worst_grade``: one row per patient and SOC
    with an event), ``serious_listing`` and ``events`` (the analysed AE rows with
    ``day`` from the transplant, or from enrollment when not transplanted, and
    ``end_day``), ``follow_up`` (per enrolled patient: ``day0_on``,
    ``day0_is_transplant``, ``end_day``, ``died``). ``nrm_left_out``: patients left out
    of the NRM incidence and the stopping rule (:mod:`analysis.left_out`).
    """

    data_cut: dt.date | None
    target: int | None
    enrolled: int
    safety_n: int
    basis: SafetyBasis
    not_recorded: frozenset[str]
    arms: tuple[str, ...]
    by_arm: pd.DataFrame
    by_soc: pd.DataFrame
    by_term: pd.DataFrame
    overall: pd.DataFrame
    serious: dict[str, int]
    related: dict[str, int]
    worst_grade: pd.DataFrame
    serious_listing: pd.DataFrame
    events: pd.DataFrame
    follow_up: pd.DataFrame
    deaths: DeathSummary
    gvhd: GvhdSummary
    stopping: StoppingBoundary
    nrm_left_out: list[LeftOut]

    @property
    def patients_grade3plus(self) -> int:
        return int(self.overall["patients_grade3plus"].iloc[0])


def _enrolled(tables: dict[str, pd.DataFrame], cut: pd.Timestamp) -> pd.DataFrame:
    patients = tables["patients"]
    enrolled_on = pd.to_datetime(patients["enrolled_on"])
    frame = patients.loc[enrolled_on.notna() & (enrolled_on <= cut)].set_index("patient_id")
    transplant = pd.to_datetime(frame["transplant_on"])
    return frame.assign(
        enrolled_on=pd.to_datetime(frame["enrolled_on"]),
        transplant_on=transplant.where(transplant <= cut),
    )


def _events(
    tables: dict[str, pd.DataFrame], population: pd.DataFrame, cut
) -> tuple[pd.DataFrame, str]:
    """The analysed events (typed) and the rule that chose them."""
    ae = tables.get("adverse_events")
    if ae is None or ae.empty:
        ae = pd.DataFrame(columns=AE_COLUMNS)
    ae, rule = analysed_events(ae, population)
    ae = ae[pd.to_datetime(ae["onset_on"]) <= cut].reset_index(drop=True)
    missing = ae["grade"].isna()
    if missing.any():
        who = ", ".join(sorted(set(ae.loc[missing, "patient_id"])))
        raise ValueError(
            f"adverse events of {who} have no grade: every event needs a CTCAE grade 1-5; "
            "correct the bundle and import it again"
        )
    grade = ae["grade"].astype(int)
    bad = ~grade.isin(GRADES)
    if bad.any():
        raise ValueError(f"adverse event grades must be 1-5, found {sorted(set(grade[bad]))}")
    typed = ae.assign(
        grade=grade,
        onset_on=pd.to_datetime(ae["onset_on"]),
        resolved_on=pd.to_datetime(ae["resolved_on"]),
    )
    return typed, rule


def _deaths(tables, enrolled: pd.DataFrame, cut, nrm: pd.DataFrame) -> DeathSummary:
    follow_up = tables.get("follow_up")
    died = pd.Series(pd.NaT, index=enrolled.index, dtype="datetime64[ns]")
    cause = pd.Series(None, index=enrolled.index, dtype=object)
    if follow_up is not None and not follow_up.empty:
        rows = follow_up.drop_duplicates("patient_id", keep="last").set_index("patient_id")
        died = pd.to_datetime(rows["died_on"]).reindex(enrolled.index)
        died = died.where(died <= cut)
        cause = rows["death_cause"].reindex(enrolled.index)
    dead = died.notna()
    imputed = pd.Series(None, index=enrolled.index, dtype=object)
    if follow_up is not None and not follow_up.empty and "imputed" in rows:
        imputed = rows["imputed"].reindex(enrolled.index)
    listing = pd.DataFrame(
        {
            "site_id": enrolled["site_id"],
            "enrolled_on": enrolled["enrolled_on"],
            "transplant_on": enrolled["transplant_on"],
            "died_on": died,
            "day": (died - enrolled["enrolled_on"]).dt.days.astype("Int64"),
            "day_from_transplant": (died - enrolled["transplant_on"]).dt.days.astype("Int64"),
            "cause": cause,
            "nrm": nrm["event"].reindex(enrolled.index).eq(NRM),
            "date_imputed": imputed.fillna("").str.contains("died_on"),
        }
    )[dead]
    listing = listing.sort_values(["died_on"]).rename_axis("patient_id").reset_index()
    early = {}
    for days in EARLY_DAYS:
        early[("enrollment", days)] = int((listing["day"] <= days).sum())
        tx = listing["day_from_transplant"]
        early[("transplant", days)] = int(((tx >= 0) & (tx <= days)).sum())
    cif = cumulative_incidence(
        nrm["time"].to_numpy(), nrm["event"].to_numpy(), {RELAPSE: "relapse", NRM: "nrm"}
    )
    return DeathSummary(listing, early, int(listing["nrm"].sum()), cif)


def _timeline(
    enrolled: pd.DataFrame, events: pd.DataFrame, died: pd.Series, end: pd.Series, cut
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Days from the transplant (else from enrollment) of follow-up and of each AE."""
    day0 = enrolled["transplant_on"].where(
        enrolled["transplant_on"].notna(), enrolled["enrolled_on"]
    )
    follow = pd.DataFrame(
        {
            "day0_on": day0,
            "day0_is_transplant": enrolled["transplant_on"].notna(),
            "start_day": (enrolled["enrolled_on"] - day0).dt.days,
            "end_day": (end.reindex(enrolled.index) - day0).dt.days,
            "died": died.reindex(enrolled.index).notna(),
        }
    ).rename_axis("patient_id")
    start = events["patient_id"].map(day0)
    stop = events["resolved_on"].where(events["resolved_on"] <= cut)
    stop = stop.where(stop.notna(), events["patient_id"].map(end))
    timed = events.assign(
        day=(events["onset_on"] - start).dt.days,
        end_day=(stop - start).dt.days.clip(lower=(events["onset_on"] - start).dt.days),
        ongoing=events["resolved_on"].isna() | (events["resolved_on"] > cut),
        gvhd=events["gvhd_type"].isin(("acute", "chronic")),
    )
    return follow.reset_index(), timed


def stopping_rule_from_tables(tables: dict[str, pd.DataFrame]) -> StoppingRule:
    """The stopping rule of the trial settings (``stopping_*`` columns of the trial
    row, when the bundle has them), else :class:`StoppingRule` defaults."""
    return StoppingRule.from_settings(trial_settings(tables))


def safety_report(
    tables: dict[str, pd.DataFrame], data_cut, rule: StoppingRule | None = None
) -> SafetyReport:
    """All safety tables at ``data_cut`` (module docstring for the counting rules).

    Parameters
    ----------
    tables : dict of str to DataFrame
        The trial tables (``trial``, ``patients``; ``follow_up``, ``responses``,
        ``adverse_events`` and the others may be empty).
    data_cut : date
        The date the data are complete to.
    rule : StoppingRule, optional
        The early-NRM stopping rule; default from the trial settings
        (:func:`stopping_rule_from_tables`).

    Returns
    -------
    SafetyReport
    """
    cut = pd.Timestamp(data_cut)
    if pd.isna(cut):
        raise ValueError("data_cut is missing: pass the date the data are complete to")
    rule = rule or stopping_rule_from_tables(tables)
    trial = tables.get("trial")
    target = None
    if trial is not None and not trial.empty and pd.notna(trial["target_enrollment"].iloc[0]):
        target = int(trial["target_enrollment"].iloc[0])
    enrolled = _enrolled(tables, cut)
    population, population_rule = safety_population(enrolled, cut)
    events, event_rule = _events(tables, population, cut)
    arms = arms_of(population)
    last_dates = last_contact_dates(tables)
    nrm = relapse_nrm(
        tables["patients"], tables.get("follow_up"), tables.get("responses"), cut, last_dates
    )
    deaths = _deaths(tables, enrolled, cut, nrm)
    died = deaths.listing.set_index("patient_id")["died_on"].reindex(enrolled.index)
    last = pd.to_datetime(last_dates.reindex(enrolled.index))
    end = last.where(last.notna() & (last <= cut), cut).where(died.isna(), died)
    follow, timed = _timeline(enrolled, events, died, end, cut)
    start = enrolled["enrolled_on"] if rule.anchor == "enrollment" else enrolled["transplant_on"]
    outcomes = early_nrm_outcomes(nrm, enrolled["enrolled_on"], start, rule)
    serious = events[events["serious"].fillna(False).astype(bool)]
    related = events[events["related"].eq("yes")]
    worst = events.groupby(["patient_id", "soc"])["grade"].max().rename("worst_grade")
    listing_columns = [
        "patient_id",
        "term",
        "soc",
        "grade",
        "related",
        "onset_on",
        "resolved_on",
        "imputed",
    ]
    return SafetyReport(
        data_cut=cut.date(),
        target=target,
        enrolled=len(enrolled),
        safety_n=len(population),
        basis=SafetyBasis(population_rule, event_rule, grades_from_severity(events)),
        not_recorded=not_recorded(tables),
        arms=tuple(arms),
        by_arm=counts_by_arm(events, population, arms),
        by_soc=ae_counts(events, ("soc",)),
        by_term=ae_counts(events, ("soc", "term")),
        overall=ae_counts(events, ()),
        serious={"patients": int(serious["patient_id"].nunique()), "events": len(serious)},
        related={"patients": int(related["patient_id"].nunique()), "events": len(related)},
        worst_grade=worst.reset_index(),
        serious_listing=serious.sort_values(["onset_on", "patient_id"])[listing_columns]
        .assign(day=timed.loc[serious.index, "day"])
        .reset_index(drop=True),
        events=timed,
        follow_up=follow,
        deaths=deaths,
        gvhd=gvhd_summary(enrolled, events, died, end, cut),
        stopping=stopping_boundary(outcomes, target or 0, rule),
        nrm_left_out=left_out(nrm),
    )


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def safety_json(
    tables: dict[str, pd.DataFrame], data_cut, by: str | None = None, terms: str = "no"
) -> dict:
    """The ``stats safety`` JSON (``docs/command-line.md``), plain Python types only.

    ``by="arm"`` adds ``by_arm``: per treatment arm, its patients ``n`` and per organ
    class (``soc`` null for any event) ``patients``, ``percent`` and ``events``.
    ``terms="yes"`` adds ``by_term``: the same counts as ``by_soc`` per preferred term.
    """
    if by not in (None, "arm"):
        raise UnknownOption(f"by must be arm or None, not {by!r}")
    TERMS.check(terms)
    report = safety_report(tables, data_cut)
    extra = {}
    if terms == "yes":
        extra["by_term"] = [
            {
                "soc": str(row.soc),
                "term": str(row.term),
                "patients": int(row.patients),
                "patients_grade3plus": int(row.patients_grade3plus),
                "events": int(row.events),
            }
            for row in report.by_term.itertuples(index=False)
        ]
    if by == "arm":
        extra["by_arm"] = [
            {
                "arm": row.arm,
                "n": int(row.n),
                "soc": row.soc,
                "patients": int(row.patients),
                "percent": None if pd.isna(row.percent) else float(row.percent),
                "events": int(row.events),
            }
            for row in report.by_arm.itertuples(index=False)
        ]
    return {
        "data_cut": _iso(report.data_cut),
        "enrolled": report.enrolled,
        "safety_population": report.safety_n,
        "events_counted": report.basis.events,
        "grades_from_severity": report.basis.grades_from_severity,
        "by_soc": [
            {
                "soc": str(row.soc),
                "patients": int(row.patients),
                "patients_grade3plus": int(row.patients_grade3plus),
                "events": int(row.events),
            }
            for row in report.by_soc.itertuples(index=False)
        ],
        "serious": {k: int(v) for k, v in report.serious.items()},
        "deaths": [
            {
                "patient_id": str(row.patient_id),
                "died_on": _iso(row.died_on),
                "day": int(row.day),
                "cause": None if pd.isna(row.cause) else str(row.cause),
            }
            for row in report.deaths.listing.itertuples(index=False)
        ],
        "gvhd": {
            "acute": {
                "patients": report.gvhd.acute_patients,
                "grade3plus": report.gvhd.acute_grade3plus,
            },
            "chronic": {"patients": report.gvhd.chronic_patients},
        },
        "nrm_left_out": left_out_json(report.nrm_left_out),
        **extra,
    }


ANY_AE = "Any adverse event"


def ae_table(report: SafetyReport, with_terms: bool = False) -> pd.DataFrame:
    """The AE table as shown: a total row, then each SOC (then its terms, if asked).

    Columns ``label, level`` (-1 total, 0 SOC, 1 preferred term), ``soc, term``,
    :data:`COUNT_COLUMNS` and ``percent`` (patients / safety population x 100; missing
    when the population is empty). SOCs keep the order of ``by_soc``; terms within a SOC are
    ordered by patients, then name.
    """
    total = report.overall.assign(label=ANY_AE, level=-1, soc=None, term=None)
    body = report.by_soc.assign(label=report.by_soc["soc"], level=0, term=None)
    if with_terms:
        terms = report.by_term[report.by_term["soc"].isin(report.by_soc["soc"])]
        body = pd.concat([body, terms.assign(label=terms["term"], level=1)], ignore_index=True)
        # Each SOC then its terms; a stable sort keeps the order within each.
        rank = dict(zip(report.by_soc["soc"], range(len(report.by_soc)), strict=True))
        body = body.sort_values("soc", key=lambda soc: soc.map(rank), kind="stable")
    table = pd.concat([total, body], ignore_index=True)
    percent = 100.0 * table["patients"] / report.safety_n if report.safety_n else None
    table["percent"] = percent
    return table[["label", "level", "soc", "term", *COUNT_COLUMNS, "percent"]]
