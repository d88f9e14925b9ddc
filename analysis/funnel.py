"""CONSORT-style screening funnel: screened → eligible → enrolled → transplanted → evaluable.

Definitions (all as of the data cut; a date after the cut counts as not yet happened):

- **screened**: patients with ``screened_on`` on or before the cut (or no screening
  date);
- **screen failure**: screened, not enrolled, with a ``screen_failure_reason``
  (``docs/definitions.md``); screened, not enrolled and without a reason is **in screening**;
- **eligible** = screened − screen failures (= enrolled + in screening);
- **enrolled**: ``enrolled_on`` set; **withdrawn**: enrolled with ``withdrawn_on``;
- **transplanted**: enrolled with ``transplant_on`` (micro-transplant, day 0);
- **evaluable at 3 months**: transplanted at least 90 days before the cut, and either
  alive at day 90 (no ``died_on``, or died on day 90 or later) and not withdrawn before
  day 90, or with at least one laboratory result on days 76–104 (the window of the
  3-month value, :mod:`analysis.day90`) whatever happened afterwards. The others are split into
  *too early* (transplanted fewer than 90 days before the cut), *died before day 90*
  and *withdrawn before day 90*, both without a day 76–104 laboratory value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from analysis._recruitment_common import resolve_cut

DAY_3_MONTHS = 90
WINDOW_3_MONTHS = (76, 104)
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class ScreeningFunnel:
    """Counts at each stage and the reasons for leaving it.

    ``screen_failure_reasons`` and ``withdrawal_reasons`` map a reason (``"not
    recorded"`` when missing) to a number of patients, largest first.
    ``withdrawn_before_transplant`` counts enrolled, untransplanted patients with a
    withdrawal; ``awaiting_transplant`` the other untransplanted ones.
    """

    data_cut: dt.date
    screened: int
    screen_failures: int
    in_screening: int
    eligible: int
    enrolled: int
    withdrawn: int
    withdrawn_before_transplant: int
    awaiting_transplant: int
    transplanted: int
    too_early_for_3_months: int
    died_before_day_90: int
    withdrawn_before_day_90: int
    evaluable_3_months: int
    screen_failure_reasons: dict[str, int] = field(default_factory=dict)
    withdrawal_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def stages(self) -> list[tuple[str, int]]:
        """The main boxes of the diagram, top to bottom."""
        return [
            ("Screened", self.screened),
            ("Eligible", self.eligible),
            ("Enrolled", self.enrolled),
            ("Transplanted", self.transplanted),
            ("Evaluable at 3 months", self.evaluable_3_months),
        ]


def _reasons(values: pd.Series) -> dict[str, int]:
    counts = values.fillna(NOT_RECORDED).astype(str).value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {reason: int(n) for reason, n in ordered}


def _before(series: pd.Series, cut: pd.Timestamp) -> pd.Series:
    """The dates on or before the cut; later ones become ``NaT``."""
    return series.where(series <= cut)


def screening_funnel(tables: dict[str, pd.DataFrame], data_cut: dt.date | None) -> ScreeningFunnel:
    """Count patients through screening, enrollment, transplant and 3-month evaluation.

    Parameters
    ----------
    tables : dict of str to DataFrame
        ``patients`` is required; ``follow_up`` and ``lab_results`` are used when
        present (deaths; day 76–104 laboratory values).
    data_cut : datetime.date or None
        The date the data are complete to (``None``: the trial's, else the latest date).

    Returns
    -------
    ScreeningFunnel
        See the module docstring for each definition.

    Notes
    -----
    The stages follow the CONSORT 2010 flow diagram (Schulz et al., BMJ
    2010;340:c332): assessed for eligibility, excluded (with reasons), enrolled,
    allocated intervention received, lost/discontinued (with reasons), analysed.
    """
    cut = resolve_cut(tables, data_cut)
    patients = tables["patients"]
    patients = patients[patients["screened_on"].isna() | (patients["screened_on"] <= cut)]
    enrolled_on = _before(patients["enrolled_on"], cut)
    transplant_on = _before(patients["transplant_on"], cut)
    withdrawn_on = _before(patients["withdrawn_on"], cut)

    is_enrolled = enrolled_on.notna()
    failed = ~is_enrolled & patients["screen_failure_reason"].notna()
    transplanted = is_enrolled & transplant_on.notna()
    withdrawn = is_enrolled & withdrawn_on.notna()

    follow_up = tables.get("follow_up")
    died = pd.Series(pd.NaT, index=patients.index, dtype="datetime64[ns]")
    if follow_up is not None and not follow_up.empty:
        deaths = follow_up.dropna(subset=["died_on"]).set_index("patient_id")["died_on"]
        died = _before(patients["patient_id"].map(deaths).astype("datetime64[ns]"), cut)

    day = pd.Timedelta(days=1)
    day_90 = transplant_on + DAY_3_MONTHS * day
    followed = transplanted & (day_90 <= cut)
    has_lab = patients["patient_id"].isin(_window_lab_patients(tables, patients, cut))
    died_early = died.notna() & (died < day_90)
    withdrew_early = withdrawn_on.notna() & (withdrawn_on < day_90)
    evaluable = followed & (has_lab | ~(died_early | withdrew_early))

    return ScreeningFunnel(
        data_cut=cut.date(),
        screened=len(patients),
        screen_failures=int(failed.sum()),
        in_screening=int((~is_enrolled & ~failed).sum()),
        eligible=int((~failed).sum()),
        enrolled=int(is_enrolled.sum()),
        withdrawn=int(withdrawn.sum()),
        withdrawn_before_transplant=int((withdrawn & ~transplanted).sum()),
        awaiting_transplant=int((is_enrolled & ~transplanted & ~withdrawn).sum()),
        transplanted=int(transplanted.sum()),
        too_early_for_3_months=int((transplanted & ~followed).sum()),
        died_before_day_90=int((followed & ~has_lab & died_early).sum()),
        withdrawn_before_day_90=int((followed & ~has_lab & ~died_early & withdrew_early).sum()),
        evaluable_3_months=int(evaluable.sum()),
        screen_failure_reasons=_reasons(patients.loc[failed, "screen_failure_reason"]),
        withdrawal_reasons=_reasons(patients.loc[withdrawn, "withdrawal_reason"]),
    )


def _window_lab_patients(
    tables: dict[str, pd.DataFrame], patients: pd.DataFrame, cut: pd.Timestamp
) -> set:
    """Patients with a laboratory value on days 76–104 after transplant (on or before the cut)."""
    labs = tables.get("lab_results")
    if labs is None or labs.empty:
        return set()
    day0 = patients.dropna(subset=["transplant_on"]).set_index("patient_id")["transplant_on"]
    labs = labs[labs["sampled_on"] <= cut]
    days = (labs["sampled_on"] - labs["patient_id"].map(day0).astype("datetime64[ns]")).dt.days
    low, high = WINDOW_3_MONTHS
    return set(labs.loc[(days >= low) & (days <= high), "patient_id"])


def funnel_json(funnel: ScreeningFunnel) -> dict:
    """The funnel as plain JSON values (ISO data cut, ints, reason dictionaries)."""
    out = {
        name: getattr(funnel, name)
        for name in ScreeningFunnel.__dataclass_fields__
        if name != "data_cut"
    }
    out = {key: dict(value) if isinstance(value, dict) else value for key, value in out.items()}
    return {"data_cut": funnel.data_cut.isoformat(), **out}
