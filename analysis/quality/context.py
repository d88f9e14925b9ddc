"""What every rule needs to know about the patients, worked out once per run.

The tables are those known at the data cut (:func:`analysis.data_cut.as_of_data_cut`).
A patient is *followed* from enrollment to the first of death, last contact
(:func:`analysis.endpoints.last_contact_dates`), withdrawal and the data cut: an
assessment the protocol schedules is expected only while the patient is followed, so
that a death, a withdrawal or simply the cut never makes a visit "missing".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.endpoints import last_contact_dates
from analysis.quality.findings import empty, make
from analysis.quality.settings import QualitySettings


@dataclass(frozen=True)
class Context:
    """The trial as known at ``cut`` and per-patient facts shared by the rules.

    ``patients`` holds every patient known at the cut and ``enrolled`` those enrolled,
    both indexed by ``patient_id``. ``died``, ``last_contact`` and ``followed_until`` are
    Series over ``enrolled.index`` (NaT where unknown).
    """

    tables: dict[str, pd.DataFrame]
    cut: pd.Timestamp
    settings: QualitySettings
    patients: pd.DataFrame
    enrolled: pd.DataFrame
    died: pd.Series
    last_contact: pd.Series
    followed_until: pd.Series

    def rows(self, name: str) -> pd.DataFrame:
        """Table ``name``, empty (no columns) when the bundle has no such table."""
        frame = self.tables.get(name)
        return pd.DataFrame() if frame is None else frame

    def site_of(self, patient_ids) -> pd.Series:
        """The site of each patient id, in the order given."""
        return pd.Series(patient_ids).map(self.patients["site_id"])

    def found(self, rule: str, rows: list[tuple]) -> pd.DataFrame:
        """The findings of ``rule``, one per ``(patient_id, date, detail)`` of ``rows``."""
        if not rows:
            return empty()
        patient, date, detail = zip(*rows, strict=True)
        return make(rule, patient, self.site_of(patient), date, detail)


def _follow_up_column(tables: dict[str, pd.DataFrame], column: str, ids: pd.Index) -> pd.Series:
    follow_up = tables.get("follow_up")
    if follow_up is None or follow_up.empty or column not in follow_up:
        return pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    values = follow_up.set_index("patient_id")[column]
    return values[~values.index.duplicated(keep="last")].reindex(ids)


def build_context(
    tables: dict[str, pd.DataFrame],
    cut: pd.Timestamp,
    settings: QualitySettings,
    follow: bool = True,
) -> Context:
    """The :class:`Context` of ``tables`` (already as known at ``cut``).

    ``follow=False`` leaves ``died``, ``last_contact`` and ``followed_until`` unknown
    (NaT): the rules about the entry (eligibility) do not need them, and the last
    contact is most of the cost.
    """
    patients = tables["patients"]
    patients = patients[~patients["patient_id"].duplicated(keep="last")].set_index("patient_id")
    enrolled = patients[patients["enrolled_on"].notna()]
    if not follow:
        unknown = pd.Series(pd.NaT, index=enrolled.index, dtype="datetime64[ns]")
        return Context(tables, cut, settings, patients, enrolled, unknown, unknown, unknown)
    died = _follow_up_column(tables, "died_on", enrolled.index)
    last = last_contact_dates(tables).reindex(enrolled.index)
    last = last.where(last.notna(), enrolled["enrolled_on"])
    ends = pd.concat(
        [died, last, enrolled["withdrawn_on"], pd.Series(cut, index=enrolled.index)], axis=1
    )
    return Context(
        tables=tables,
        cut=cut,
        settings=settings,
        patients=patients,
        enrolled=enrolled,
        died=died,
        last_contact=last,
        followed_until=ends.min(axis=1).astype("datetime64[ns]"),
    )
