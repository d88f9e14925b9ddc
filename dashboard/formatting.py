"""How dates, times and numbers are written for clinicians, in one place."""

from __future__ import annotations

import datetime as dt

import pandas as pd

DATE_FORMAT = "%d %b %Y"  # 08 Jan 2019: unambiguous in French and English readings


def format_date(value) -> str:
    """A date as '08 Jan 2019'; '—' when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return pd.Timestamp(value).strftime(DATE_FORMAT)


def format_time(moment: dt.datetime) -> str:
    """A moment in UTC as '25 Nov 2026 12:04 UTC'."""
    return moment.astimezone(dt.UTC).strftime(f"{DATE_FORMAT} %H:%M UTC")


def format_percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


def short_number(value: float | None) -> str:
    """0.8, 0.05, 1, 2.5, 35: as few digits as the value needs; '—' when missing."""
    if value is None or pd.isna(value):
        return "—"
    if abs(value) >= 10:
        return f"{value:.0f}"
    text = f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"
    return text.rstrip("0").rstrip(".")


def plural(count: int, word: str) -> str:
    """ "1 patient", "3 patients": a count and a regular noun."""
    return f"{count} {word}{'' if count == 1 else 's'}"
