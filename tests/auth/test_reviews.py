"""DSMB reviews in the app database (SQLite and PostgreSQL): recorded with an audit row,
listed latest meeting first, refused in words when incomplete."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from dashboard.auth.audit import AuditFilter, read_audit_log
from dashboard.auth.database import make_app_engine, make_sessionmaker, upgrade_app_database
from dashboard.auth.reviews import DECISION_LENGTH, ReviewError, list_reviews, record_review


@pytest.fixture
def sessions(app_db_url):
    upgrade_app_database(app_db_url)
    engine = make_app_engine(app_db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def add(sessions, meeting: str, version: int, decision: str = "continue unchanged"):
    with sessions.begin() as session:
        return record_review(
            session,
            meeting_on=dt.date.fromisoformat(meeting),
            data_version=version,
            decision=decision,
            username="dora",
            versions={1, 2, 3},
        )


def test_rev001_reviews_are_kept_listed_and_audited(sessions):
    assert {"dsmb_reviews"} <= set(inspect(sessions.kw["bind"]).get_table_names())
    add(sessions, "2026-03-02", 1)
    add(sessions, "2026-09-14", 3, "  continue; re-review GVHD in 3 months ")
    with sessions() as session:
        reviews = list_reviews(session)
        audit = read_audit_log(session, AuditFilter(event="dsmb_review"))
    assert [(r.meeting_on.isoformat(), r.data_version) for r in reviews] == [
        ("2026-09-14", 3),
        ("2026-03-02", 1),
    ]
    assert reviews[0].decision == "continue; re-review GVHD in 3 months"
    assert reviews[0].recorded_by == "dora" and reviews[0].recorded_at.tzinfo is not None
    assert sorted(e.target for e in audit) == [
        "meeting 2026-03-02, data version 1",
        "meeting 2026-09-14, data version 3",
    ]


@pytest.mark.parametrize(
    ("meeting", "version", "decision", "message"),
    [
        ("2026-03-02", 1, "   ", "Write the board's decision"),
        ("2026-03-02", 1, "x" * (DECISION_LENGTH + 1), "limited to 2000 characters"),
        ("2999-01-01", 1, "continue", "in the future"),
        ("2026-03-02", 7, "continue", "There is no data version 7"),
    ],
)
def test_rev002_incomplete_reviews_are_refused_and_nothing_is_written(
    sessions, meeting, version, decision, message
):
    with pytest.raises(ReviewError, match=message):
        add(sessions, meeting, version, decision)
    with sessions() as session:
        assert list_reviews(session) == []
        assert read_audit_log(session, AuditFilter(event="dsmb_review")) == []
