"""``python -m dashboard stats quality``: the data quality findings, run as a user runs
it, on the small bundle (tests/fixtures/bundles/small).

P-004 (CLF) by hand: enrolled 2019-05-20 with no response assessment before it (no
remission at entry), transplanted 2019-06-24 with no lab result at all (every week of
counts missing, no day-90 marrow), and no contact between its visits 2 and 3."""

from __future__ import annotations

import json

from tests.cli.commands import run
from tests.conftest import SMALL_BUNDLE


def test_cliqual001_quality_json(sqlite_url):
    assert run("import", str(SMALL_BUNDLE), database_url=sqlite_url).returncode == 0
    result = run("stats", "quality", "--json", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["version", "data_cut", "rules", "findings", "by_site"]
    assert (data["version"], data["data_cut"]) == (1, "2020-06-30")
    p004 = sorted(f["rule"] for f in data["findings"] if f["patient_id"] == "P-004")
    assert p004 == ["ELIG-CR", "MISS-COUNTS", "MISS-MARROW90", "MISS-VISIT", "MISS-VISIT"]
    first = data["findings"][0]
    assert list(first) == ["rule", "severity", "patient_id", "site_id", "date", "detail"]
    assert data["findings"][0]["severity"] == "major"  # nothing critical in this bundle
    clf = {r["rule"]: r["count"] for r in data["by_site"] if r["site_id"] == "CLF"}
    assert clf["MISS-VISIT"] == 2 and clf["SITE-DORMANT"] == 1
