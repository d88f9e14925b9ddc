"""The ``stats`` panels: one function per panel, shared by the CLI and the JSON API.

Each takes the trial tables and the data cut and returns JSON-ready data
(ARCHITECTURE §5), so the command line, ``/api/stats`` and the pages agree.
"""

from __future__ import annotations

from analysis.enrollment import enrollment_json
from analysis.sites import sites_json

STATS_PANELS = {
    "enrollment": enrollment_json,
    "sites": sites_json,
}
