"""Records that contradict each other: the course of a patient cannot be as recorded.

- A record dated after the patient's death: one finding per patient and kind of record
  (an adverse event by its onset, a lab, a transfusion, a response, a chimerism
  sample), and a transplant, a progression or a last contact after death.
- A grade 5 (fatal) adverse event while no death is recorded, and a death without a
  cause.
- A grade 4-5 adverse event not marked serious: a life-threatening or fatal event is
  serious by the ICH E2A definition, so it is missing from the expedited reports.
- A transplant before enrollment, and a response assessment before enrollment other
  than the remission at entry (:mod:`analysis.quality.eligibility`).
- A death, progression or last contact before enrollment; a screen-failure reason for
  an enrolled patient or a transplant or withdrawal for one never enrolled; screening
  after enrollment or withdrawal before it; an event resolved before its onset. The
  import used to refuse these; they load now, and the analyses leave out what they make
  meaningless (:mod:`analysis.left_out`).

The records are those known at the data cut: a death after the cut is not known yet,
but a record between a death and the cut contradicts it.
"""

from __future__ import annotations

import pandas as pd

from analysis.data_cut import RECORD_DATES
from analysis.quality.context import Context
from analysis.quality.eligibility import entry_remission
from analysis.quality.findings import empty, iso, make
from analysis.quality.rules import (
    AE_DATES,
    AFTER_DEATH,
    DEATH_NO_CAUSE,
    ENROL_DATES,
    ENROL_STATUS,
    FU_BEFORE_ENROL,
    G5_NO_DEATH,
    RESP_BEFORE_ENROL,
    SAE_NOT_SERIOUS,
    TX_BEFORE_ENROL,
)

FOLLOW_UP_NOUNS = {
    "died_on": "death",
    "progressed_on": "progression",
    "last_contact_on": "last contact",
}
"""The dates of the follow-up table, in words."""

RECORD_NOUNS = {
    "adverse_events": ("adverse event", "adverse events"),
    "lab_results": ("lab result", "lab results"),
    "transfusions": ("transfusion", "transfusions"),
    "responses": ("response assessment", "response assessments"),
    "chimerism": ("chimerism sample", "chimerism samples"),
}


def _deaths(ctx: Context) -> pd.Series:
    """Date of death of every patient with one (known at the cut)."""
    return ctx.died.dropna()


def after_death_findings(ctx: Context) -> pd.DataFrame:
    """Records and transplants dated after the patient's death."""
    died = _deaths(ctx)
    parts = []
    for name, (one, many) in RECORD_NOUNS.items():
        frame = ctx.rows(name)
        if frame.empty:
            continue
        column = RECORD_DATES[name]
        late = frame[frame[column] > frame["patient_id"].map(died)]
        for patient, dates in late.groupby("patient_id", sort=True)[column]:
            first, last, n = dates.min(), dates.max(), len(dates)
            what = (
                f"{one} on {iso(first)}"
                if n == 1
                else f"{n} {many} from {iso(first)} to {iso(last)}"
            )
            detail = f"{what}, after death on {iso(died[patient])}"
            parts.append((patient, first, detail))
    dates = {"transplant": ctx.enrolled["transplant_on"]}
    follow_up = _follow_up(ctx)
    for column in ("progressed_on", "last_contact_on"):
        dates[FOLLOW_UP_NOUNS[column]] = follow_up[column]
    for what, when in dates.items():
        for patient in when.index[when > died.reindex(when.index)]:
            day = when[patient]
            detail = f"{what} on {iso(day)}, after death on {iso(died[patient])}"
            parts.append((patient, day, detail))
    return ctx.found(AFTER_DEATH, parts)


def _follow_up(ctx: Context) -> pd.DataFrame:
    """The follow-up dates of the enrolled patients, indexed by ``patient_id`` (NaT where
    none, and for every patient without the table)."""
    follow_up = ctx.rows("follow_up")
    columns = list(FOLLOW_UP_NOUNS)
    if follow_up.empty:
        return pd.DataFrame(pd.NaT, index=ctx.enrolled.index, columns=columns)
    rows = follow_up.drop_duplicates("patient_id", keep="last").set_index("patient_id")
    return rows[columns].reindex(ctx.enrolled.index)


def _events(ctx: Context) -> pd.DataFrame:
    """The adverse events; without the table, none (with the columns the rules read)."""
    events = ctx.rows("adverse_events")
    if "grade" in events:
        return events
    columns = ["patient_id", "term", "grade", "serious", "onset_on"]
    return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "onset_on" else object)
                         for c in columns})  # fmt: skip


def fatal_without_death_findings(ctx: Context) -> pd.DataFrame:
    """Grade 5 adverse events of patients with no date of death."""
    events = _events(ctx)
    bad = events[(events["grade"] == 5) & events["patient_id"].map(_deaths(ctx)).isna()]
    detail = [
        f"grade 5 {term} (onset {iso(onset)}) but no death recorded"
        for term, onset in zip(bad["term"], bad["onset_on"], strict=True)
    ]
    return make(
        G5_NO_DEATH, bad["patient_id"], ctx.site_of(bad["patient_id"]), bad["onset_on"], detail
    )


def not_serious_findings(ctx: Context) -> pd.DataFrame:
    """Adverse events at or above the serious grade not marked serious."""
    events = _events(ctx)
    threshold = ctx.settings.serious_from_grade
    serious = events["serious"].astype("boolean").fillna(False)
    bad = events[(events["grade"] >= threshold) & ~serious]
    detail = [
        f"grade {int(grade)} {term} (onset {iso(onset)}) not marked serious"
        for grade, term, onset in zip(bad["grade"], bad["term"], bad["onset_on"], strict=True)
    ]
    site = ctx.site_of(bad["patient_id"])
    return make(SAE_NOT_SERIOUS, bad["patient_id"], site, bad["onset_on"], detail)


def death_without_cause_findings(ctx: Context) -> pd.DataFrame:
    """Deaths without a recorded cause."""
    follow_up = ctx.rows("follow_up")
    if follow_up.empty:
        return empty()
    cause = follow_up["death_cause"].where(follow_up["death_cause"].astype(str).str.strip() != "")
    bad = follow_up[follow_up["died_on"].notna() & cause.isna()]
    detail = [f"died on {iso(day)}, cause of death not recorded" for day in bad["died_on"]]
    return make(
        DEATH_NO_CAUSE, bad["patient_id"], ctx.site_of(bad["patient_id"]), bad["died_on"], detail
    )


def transplant_before_enrollment_findings(ctx: Context) -> pd.DataFrame:
    """Transplants dated before the patient's enrollment."""
    enrolled = ctx.enrolled
    bad = enrolled[enrolled["transplant_on"] < enrolled["enrolled_on"]]
    detail = [
        f"transplant on {iso(t)}, before enrollment on {iso(e)}"
        for t, e in zip(bad["transplant_on"], bad["enrolled_on"], strict=True)
    ]
    return make(TX_BEFORE_ENROL, bad.index, bad["site_id"], bad["transplant_on"], detail)


def response_before_enrollment_findings(ctx: Context) -> pd.DataFrame:
    """Response assessments before enrollment, other than the remission at entry."""
    responses = ctx.rows("responses")
    if responses.empty:
        return empty()
    enrolled_on = responses["patient_id"].map(ctx.enrolled["enrolled_on"])
    bad = responses[(responses["assessed_on"] < enrolled_on) & ~entry_remission(ctx)]
    enrolled_on = enrolled_on[bad.index]
    detail = [
        f"{r} assessed on {iso(a)}, before enrollment on {iso(e)} (not the remission at entry)"
        for r, a, e in zip(bad["response"], bad["assessed_on"], enrolled_on, strict=True)
    ]
    site = ctx.site_of(bad["patient_id"])
    return make(RESP_BEFORE_ENROL, bad["patient_id"], site, bad["assessed_on"], detail)


def follow_up_before_enrollment_findings(ctx: Context) -> pd.DataFrame:
    """Deaths, progressions and last contacts dated before the patient's enrollment."""
    follow_up = _follow_up(ctx)
    enrolled_on = ctx.enrolled["enrolled_on"]
    parts = []
    for column, what in FOLLOW_UP_NOUNS.items():
        when = follow_up[column]
        for patient in when.index[when < enrolled_on]:
            day = when[patient]
            detail = f"{what} on {iso(day)}, before enrollment on {iso(enrolled_on[patient])}"
            parts.append((patient, day, detail))
    return ctx.found(FU_BEFORE_ENROL, parts)


ENROLLED_ONLY = {
    "transplant_on": "transplant on {}",
    "withdrawn_on": "withdrawal on {}",
    "withdrawal_reason": "withdrawal reason {!r}",
}
"""What only an enrolled patient can have, in words."""


def enrollment_status_findings(ctx: Context) -> pd.DataFrame:
    """A screen-failure reason for an enrolled patient; a transplant or a withdrawal for
    a patient never enrolled."""
    patients = ctx.patients
    enrolled = patients["enrolled_on"].notna()
    parts = []
    for patient in patients.index[enrolled & patients["screen_failure_reason"].notna()]:
        day = patients.at[patient, "enrolled_on"]
        reason = patients.at[patient, "screen_failure_reason"]
        parts.append(
            (patient, day, f"enrolled on {iso(day)}, with a screen-failure reason {reason!r}")
        )
    for column, words in ENROLLED_ONLY.items():
        if column not in patients:
            continue
        for patient in patients.index[~enrolled & patients[column].notna()]:
            value = patients.at[patient, column]
            is_date = column.endswith("_on")
            what = words.format(iso(value) if is_date else value)
            day = value if is_date else pd.NaT
            parts.append((patient, day, f"{what}, but never enrolled"))
    return ctx.found(ENROL_STATUS, parts)


def enrollment_dates_findings(ctx: Context) -> pd.DataFrame:
    """Screening after enrollment, withdrawal before it."""
    enrolled = ctx.enrolled
    parts = []
    for column, what, bad in (
        ("screened_on", "screened", enrolled["screened_on"] > enrolled["enrolled_on"]),
        ("withdrawn_on", "withdrawn", enrolled["withdrawn_on"] < enrolled["enrolled_on"]),
    ):
        for patient in enrolled.index[bad]:
            day = enrolled.at[patient, column]
            when = "after" if column == "screened_on" else "before"
            detail = (
                f"{what} on {iso(day)}, {when} enrollment on "
                f"{iso(enrolled.at[patient, 'enrolled_on'])}"
            )
            parts.append((patient, day, detail))
    return ctx.found(ENROL_DATES, parts)


def event_dates_findings(ctx: Context) -> pd.DataFrame:
    """Adverse events resolved before their onset."""
    events = ctx.rows("adverse_events")
    if events.empty:
        return empty()
    bad = events[events["resolved_on"] < events["onset_on"]]
    detail = [
        f"{term} resolved on {iso(end)}, before its onset on {iso(onset)}"
        for term, end, onset in zip(bad["term"], bad["resolved_on"], bad["onset_on"], strict=True)
    ]
    site = ctx.site_of(bad["patient_id"])
    return make(AE_DATES, bad["patient_id"], site, bad["onset_on"], detail)
