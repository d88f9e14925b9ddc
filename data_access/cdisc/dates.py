"""ISO 8601 dates of SDTM (``--DTC``), whole or partial, and their imputation.

SDTM keeps a date as text to the precision collected: ``2013-05-14``, ``2013-05``,
``2013``, possibly with a time (``2013-05-14T10:30``), which is dropped. A partial date
is imputed by one rule, the one ADaM specifications most often use for onset dates:

- a missing day is the first of the month, a missing month is January;
- but never before the first treatment when the known part allows it: an event that
  began "in May 2013" for a patient first treated on 14 May 2013 began on 14 May (it may
  be treatment-emergent), while one that began "in April 2013" began on 1 April;
- an imputed end date is never before the start date of the same record, when its
  known part allows that day; a complete end date is never moved, and an onset is
  never raised beyond it.

Every imputed date is marked, so that listings show it. A date that is not a date
(``2020-02-30``, ``13/05/2013``) is an error naming the file, row and variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

_ISO = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]*)?"
"""Year, then optional month and day, then an optional time (ignored)."""
_DOUBLE_DASH = r"(\d{4})--+\d*(?:T[0-9:.]*)?"
"""A year followed by a missing month (``2013---14``): only the year is known."""


@dataclass(frozen=True)
class ParsedDates:
    """Dates of one variable: imputed where partial, NaT where missing or invalid."""

    dates: pd.Series
    imputed: pd.Series
    invalid: pd.Series
    year: pd.Series
    month: pd.Series


def parse_dates(text: pd.Series) -> ParsedDates:
    """Whole and partial ISO 8601 dates, imputed to the first day they may mean.

    Parameters
    ----------
    text : Series of str
        ``--DTC`` values; ``""`` is missing.

    Returns
    -------
    ParsedDates
        ``dates`` (``datetime64[ns]``), ``imputed`` (the day or month was missing),
        ``invalid`` (present but not a date), and the known ``year``/``month`` (month
        NaN when unknown), all on the index of ``text``.
    """
    codes, uniques = pd.factorize(text.fillna("").astype(str).str.strip())
    u = pd.Series(uniques, dtype=object)
    parts = u.str.fullmatch(_ISO).fillna(False)
    full = u.str.extract(f"^{_ISO}$")
    year_only = u.str.extract(f"^{_DOUBLE_DASH}$")[0]
    year = pd.to_numeric(full[0].where(parts, year_only), errors="coerce")
    month = pd.to_numeric(full[1].where(parts), errors="coerce")
    day = pd.to_numeric(full[2].where(parts), errors="coerce")
    frame = pd.DataFrame({"year": year, "month": month.fillna(1), "day": day.fillna(1)})
    known = year.notna()
    dates = pd.to_datetime(frame[known], errors="coerce").reindex(u.index)
    present = u.ne("")
    invalid = present & dates.isna()
    imputed = dates.notna() & (month.isna() | day.isna())

    def spread(values: pd.Series) -> pd.Series:
        return pd.Series(values.to_numpy()[codes], index=text.index)

    return ParsedDates(
        dates=spread(dates.astype("datetime64[ns]")).where(codes >= 0),
        imputed=spread(imputed).where(codes >= 0, False).astype(bool),
        invalid=spread(invalid).where(codes >= 0, False).astype(bool),
        year=spread(year).where(codes >= 0),
        month=spread(month).where(codes >= 0),
    )


def not_before(parsed: ParsedDates, floor: pd.Series) -> pd.Series:
    """Imputed dates raised to ``floor`` where the known part of the partial date allows
    that day: same year when only the year is known, same year and month when the day
    is missing. ``floor`` is the first treatment for an onset, the start of the same
    record for an end; a date whose known part lies before the floor is left before it."""
    floor = pd.to_datetime(floor).reindex(parsed.dates.index)
    same_year = parsed.year == floor.dt.year
    same_month = parsed.month.isna() | (parsed.month == floor.dt.month)
    raise_it = parsed.imputed & same_year & same_month & (parsed.dates < floor)
    return parsed.dates.where(~raise_it, floor)


SAS_EPOCH = pd.Timestamp("1960-01-01")


def analysis_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ADaM dates (``--DT``) and where a present value is not a date.

    pyreadstat turns a SAS date with a date format into a date, but leaves a variable
    without one (as some tools write them) as a number of days since 1 January 1960,
    which is what SAS stores; a CSV holds ISO text.
    """
    if pd.api.types.is_numeric_dtype(values):
        days = pd.to_numeric(values, errors="coerce")
        dates = SAS_EPOCH + pd.to_timedelta(days, unit="D")
        return dates.astype("datetime64[ns]").dt.normalize(), pd.Series(False, values.index)
    text = values.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    text = text.fillna("").astype(str).str.strip()
    dates = pd.to_datetime(text.where(text.ne("")), format="ISO8601", errors="coerce")
    dates = dates.astype("datetime64[ns]").dt.normalize()
    return dates, text.ne("") & dates.isna()
