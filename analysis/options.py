"""The error of an option value that these data do not offer."""

from __future__ import annotations


class UnknownOption(ValueError):
    """An option value the data do not offer (an endpoint the study has not, a grouping a
    panel does not take): the user chose wrongly, the data are not at fault."""
