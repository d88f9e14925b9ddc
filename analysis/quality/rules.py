"""The data-quality rules: what each finds, how serious it is, and whom it concerns.

Severities, for the data manager's order of work:

- ``critical``: the safety data or the patient's course contradict themselves (a record
  after death, a fatal event without a death, a life-threatening event not reported
  as serious, a transplant or a death before enrollment, a transplant for a patient
  never enrolled). Such records load (only what cannot be read or linked refuses an
  import); an analysis leaves out what they make meaningless and says so.
- ``major``: protocol deviations at entry, gaps that touch an endpoint (the day-90
  marrow, a patient lost from follow-up, a value in the wrong unit), and a site's
  milestones out of order.
- ``minor``: gaps in the routine schedule (blood counts, 3-monthly visits) and a site
  that no longer recruits.

The descriptions state the thresholds of the settings in force: :func:`rules_for`
writes them for any :class:`~analysis.quality.settings.QualitySettings`, and
:data:`RULES` holds them for the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.quality.settings import QualitySettings

SEVERITIES = ("critical", "major", "minor")
SCOPES = ("patient", "site")

AFTER_DEATH = "AFTER-DEATH"
G5_NO_DEATH = "G5-NO-DEATH"
SAE_NOT_SERIOUS = "SAE-NOT-SERIOUS"
TX_BEFORE_ENROL = "TX-BEFORE-ENROL"
FU_BEFORE_ENROL = "FU-BEFORE-ENROL"
ENROL_STATUS = "ENROL-STATUS"
ENROL_DATES = "ENROL-DATES"
AE_DATES = "AE-DATES"
ELIG_AGE = "ELIG-AGE"
ELIG_CYTO = "ELIG-CYTO"
ELIG_CR = "ELIG-CR"
DEATH_NO_CAUSE = "DEATH-NO-CAUSE"
RESP_BEFORE_ENROL = "RESP-BEFORE-ENROL"
LAB_IMPLAUSIBLE = "LAB-IMPLAUSIBLE"
MISS_MARROW90 = "MISS-MARROW90"
FU_OVERDUE = "FU-OVERDUE"
SITE_DATES = "SITE-DATES"
MISS_COUNTS = "MISS-COUNTS"
MISS_VISIT = "MISS-VISIT"
SITE_DORMANT = "SITE-DORMANT"


@dataclass(frozen=True)
class Rule:
    """One data-quality rule.

    ``id`` is short and stable (scripts and saved comparisons key on it); ``severity``
    is one of :data:`SEVERITIES`; ``title`` a few words; ``description`` one or two
    plain sentences with the thresholds; ``scope`` ``"patient"`` or ``"site"``.
    """

    id: str
    severity: str
    title: str
    description: str
    scope: str

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}: {self.severity}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}: {self.scope}")


def rules_for(s: QualitySettings) -> tuple[Rule, ...]:
    """Every rule, in display order (by severity), described with the thresholds of ``s``."""
    cyto = " or ".join(s.eligible_cytogenetics)
    return (
        Rule(AFTER_DEATH, "critical", "Record after death",
             "An adverse event, lab result, transfusion, response assessment, chimerism "
             "sample, transplant, progression or last contact dated after the patient's "
             "death.", "patient"),
        Rule(G5_NO_DEATH, "critical", "Fatal event without a death",
             "A grade 5 (fatal) adverse event while the patient has no date of death.",
             "patient"),
        Rule(SAE_NOT_SERIOUS, "critical", "Grade 4-5 event not serious",
             f"An adverse event of grade {s.serious_from_grade} or worse not marked serious: "
             "a life-threatening or fatal event is serious (ICH E2A) and must be reported "
             "as such.", "patient"),
        Rule(TX_BEFORE_ENROL, "critical", "Transplant before enrollment",
             "The micro-transplant is dated before the patient's enrollment.", "patient"),
        Rule(FU_BEFORE_ENROL, "critical", "Follow-up before enrollment",
             "A death, progression or last contact dated before the patient's enrollment: "
             "the time from enrollment would be negative, so the survival and relapse "
             "analyses leave the patient out.", "patient"),
        Rule(ENROL_STATUS, "critical", "Enrollment status contradicted",
             "A screen-failure reason for an enrolled patient, or a transplant or a "
             "withdrawal for a patient never enrolled (the recovery analyses leave such a "
             "transplant out).", "patient"),
        Rule(ENROL_DATES, "critical", "Screening or withdrawal out of order",
             "A patient screened after enrollment, or withdrawn before it.", "patient"),
        Rule(AE_DATES, "critical", "Event resolved before onset",
             "An adverse event whose resolution is dated before its onset.", "patient"),
        Rule(ELIG_AGE, "major", "Age not eligible",
             f"An enrolled patient aged under {s.min_age} or over {s.max_age} at entry, or "
             "whose age is not recorded (protocol deviation).", "patient"),
        Rule(ELIG_CYTO, "major", "Cytogenetics not eligible",
             f"An enrolled patient whose cytogenetic risk is not {cyto} (favourable, or not "
             "recorded) (protocol deviation).", "patient"),
        Rule(ELIG_CR, "major", "No remission at entry",
             "An enrolled patient without a complete remission (CR, CRh or CRi) assessed in "
             f"the {s.cr_window_days} days up to enrollment (protocol deviation).", "patient"),
        Rule(DEATH_NO_CAUSE, "major", "Death without a cause",
             "A date of death without a cause of death.", "patient"),
        Rule(RESP_BEFORE_ENROL, "major", "Response before enrollment",
             "A response assessment dated before enrollment, other than the remission at "
             f"entry (CR, CRh or CRi in the {s.cr_window_days} days before).", "patient"),
        Rule(LAB_IMPLAUSIBLE, "major", "Implausible lab value",
             f"ANC above {s.max_anc:g} x10^9/L, platelets above {s.max_platelets:g} x10^9/L, "
             f"blasts above {s.max_blasts_percent:g} %, or any negative value: most likely a "
             "unit or typing error.", "patient"),
        Rule(MISS_MARROW90, "major", "Day-90 marrow missing",
             f"No {s.marrow_test} result within day {s.marrow_day} +/- "
             f"{s.marrow_window_days} after the transplant, for a patient alive and followed "
             "to the end of that window and not relapsed before it.", "patient"),
        Rule(FU_OVERDUE, "major", "Follow-up overdue",
             f"A patient alive and still in follow-up (not withdrawn, {s.follow_up_days}-day "
             f"follow-up not complete) whose last contact is more than {s.overdue_days} days "
             "before the data cut.", "patient"),
        Rule(SITE_DATES, "major", "Site milestones out of order",
             "A site's milestones recorded out of their order (ethics approval and "
             "contract, then initiation visit, activation, closure): the time to "
             "activation and the enrollment rate leave out what they make negative.",
             "site"),
        Rule(MISS_COUNTS, "minor", "Blood counts missing",
             f"Weeks after the transplant with fewer blood counts than scheduled: "
             f"{s.counts_early_per_week} a week to day {s.counts_early_to_day}, then "
             f"{s.counts_late_per_week} a week to day {s.counts_late_to_day}, counted only "
             "while the patient was alive and followed.", "patient"),
        Rule(MISS_VISIT, "minor", "Follow-up visit missed",
             f"No contact of any kind within {s.visit_grace_days} days of a follow-up visit "
             f"due every {s.visit_interval_days} days from enrollment (up to day "
             f"{s.follow_up_days}), while the patient was alive and followed.", "patient"),
        Rule(SITE_DORMANT, "minor", "Dormant site",
             f"A site recruiting with no enrollment in the {s.dormant_days} days before the "
             "data cut (counted from its activation when it never enrolled).", "site"),
    )  # fmt: skip


RULES: tuple[Rule, ...] = rules_for(QualitySettings())
RULE_ORDER = {rule.id: k for k, rule in enumerate(RULES)}
"""Display position of each rule id."""
SEVERITY_OF = {rule.id: rule.severity for rule in RULES}
