"""DSMB reviews, kept in the app database: the meeting date, the data version the board
reviewed and its decision in its own words ("continue unchanged").

A review is recorded once and never edited (a correction is a new review), and every
recording is written to the audit log in the same transaction. The last review's version
is what "new since the last review" compares with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.auth.audit import record
from dashboard.auth.models import DsmbReview, utc_now

DECISION_LENGTH = 2000


class ReviewError(ValueError):
    """A review that cannot be recorded, said in words for the person recording it."""


@dataclass(frozen=True)
class Review:
    meeting_on: dt.date
    data_version: int
    decision: str
    recorded_by: str
    recorded_at: dt.datetime


def record_review(
    session: Session,
    *,
    meeting_on: dt.date,
    data_version: int,
    decision: str,
    username: str,
    versions: Collection[int],
    client_address: str = "",
) -> Review:
    """Add a review (the caller commits); :class:`ReviewError` for what cannot be recorded.

    ``versions``: the data versions that exist; the reviewed one must be among them.
    """
    decision = (decision or "").strip()
    if not decision:
        raise ReviewError("Write the board's decision, for example “continue unchanged”.")
    if len(decision) > DECISION_LENGTH:
        raise ReviewError(f"The decision is limited to {DECISION_LENGTH} characters.")
    if meeting_on > dt.date.today():
        raise ReviewError("The meeting date is in the future: record a review once it is held.")
    if data_version not in versions:
        raise ReviewError(f"There is no data version {data_version}.")
    row = DsmbReview(
        meeting_on=meeting_on,
        data_version=data_version,
        decision=decision,
        recorded_by=username,
        recorded_at=utc_now(),
    )
    session.add(row)
    record(
        session,
        "dsmb_review",
        username=username,
        target=f"meeting {meeting_on.isoformat()}, data version {data_version}",
        client_address=client_address,
    )
    return _review(row)


def list_reviews(session: Session) -> list[Review]:
    """Every review, the latest meeting first (then the latest recorded)."""
    rows = session.scalars(
        select(DsmbReview).order_by(DsmbReview.meeting_on.desc(), DsmbReview.id.desc())
    )
    return [_review(row) for row in rows]


def _review(row: DsmbReview) -> Review:
    return Review(row.meeting_on, row.data_version, row.decision, row.recorded_by, row.recorded_at)
