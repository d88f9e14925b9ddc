"""Options of the panels, declared once: the page's controls, the callbacks' checks, the
``stats`` command's flags, ``/api/stats`` and the analysis all read these.

Each :class:`Option` has a name (``conf_type``: ``--conf-type`` on the command line,
``conf_type=`` in a URL), a label and labelled choices for the page, the values it
allows and its default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from analysis.chimerism import DEFAULT_DETECTION_LIMIT
from analysis.endpoints import GROUP_COLUMNS
from analysis.survival import CONF_TYPES


class UnknownOption(ValueError):
    """An option value the data do not offer (an endpoint the study has not, a grouping a
    panel does not take): the user chose wrongly, the data are not at fault."""


@dataclass(frozen=True)
class Option:
    """One option of a panel.

    ``choices``: the only values allowed (None: any that ``kind`` accepts); ``offered``:
    the values a page lists when any are allowed (confidence levels); ``labels``: how
    the page names each value; ``bounds``: the closed range of a number typed in.
    """

    name: str
    help: str
    choices: tuple[str, ...] | None = None
    default: object = None
    kind: Callable = str
    label: str = ""
    offered: tuple = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    bounds: tuple[float, float] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value) -> None:
        """ValueError, in words for users, for a value outside ``choices``."""
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}")

    def parse(self, raw):
        """The typed value of ``raw`` (text from a URL, a flag or a control), checked;
        ValueError, in words for users, otherwise."""
        self.check(raw)
        try:
            value = self.kind(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be a number, not {raw!r}") from None
        if self.bounds is not None and not self.bounds[0] <= value <= self.bounds[1]:
            low, high = self.bounds
            raise ValueError(f"{self.name} must lie between {low:g} and {high:g}, not {raw}")
        return value

    def items(self) -> list[tuple[str, str]]:
        """``(value, label)`` for each value a page offers, in order."""
        values = self.choices if self.choices is not None else self.offered
        return [(str(v), self.labels.get(str(v), str(v))) for v in values]


ENDPOINT = Option(
    "endpoint",
    "os (overall), pfs (progression-free) or a PARAMCD of the study's ADTTE",
    None,
    "os",
    label="Endpoint",
)
BY = Option(
    "by",
    "group by this patient column (safety: arm only)",
    GROUP_COLUMNS,
    label="Compare groups",
    labels={"cytogenetic_risk": "Cytogenetic risk", "sex": "Sex", "site_id": "Site", "arm": "Arm"},
)
CONF_TYPE = Option(
    "conf_type",
    "confidence interval transform",
    CONF_TYPES,
    "log",
    label="Confidence interval",
    labels={
        "log": "log (R default)",
        "log-log": "log-log (SAS default)",
        "plain": "plain (linear)",
    },
)
CONF_LEVEL = Option(
    "conf_level",
    "confidence level",
    None,
    0.95,
    float,
    label="Level",
    offered=(0.80, 0.90, 0.95, 0.99),
    labels={"0.8": "80%", "0.9": "90%", "0.95": "95%", "0.99": "99%"},
    bounds=(0.5, 0.999),
)
COUNT = Option(
    "test",
    "blood count whose trajectory (cohort median and quartiles by day) is given",
    ("ANC", "PLT", "PB_BLAST_PCT", "BM_BLAST_PCT"),
    "ANC",
    label="Count",
    labels={
        "ANC": "Neutrophils (ANC)",
        "PLT": "Platelets",
        "PB_BLAST_PCT": "Blood blasts",
        "BM_BLAST_PCT": "Marrow blasts",
    },
)
DETECTION_LIMIT = Option(
    "detection_limit",
    "microchimerism detection limit, % donor DNA",
    None,
    DEFAULT_DETECTION_LIMIT,
    float,
    label="Detection limit",
    bounds=(0.001, 5.0),
)
TERMS = Option(
    "terms",
    "list each organ class's preferred terms (yes or no)",
    ("no", "yes"),
    "no",
    label="Show preferred terms",
)
