"""Units shared by every analysis: one month is the same length everywhere."""

DAYS_PER_MONTH = 30.4375
"""365.25 / 12: the month of enrollment rates, follow-up and survival times
(``docs/definitions.md``)."""
