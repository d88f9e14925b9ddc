"""Server-side CSV downloads neutralise spreadsheet formulas and leave numbers alone."""

from __future__ import annotations

import pandas as pd

from dashboard.components.downloads import spreadsheet_safe


def test_dl001_formulas_are_quoted_numbers_and_missing_kept():
    frame = pd.DataFrame(
        {
            "text": ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2", "plain", None],
            "value": [-2.5, 1.0, 0.0, 3.0, 4.0, 5.0],
        }
    )
    safe = spreadsheet_safe(frame)
    assert list(safe["text"][:5]) == ["'=cmd|' /C calc'!A0", "'+1+1", "'@SUM(A1)", "'-2", "plain"]
    assert safe["text"].iloc[5] is None
    assert list(safe["value"]) == [-2.5, 1.0, 0.0, 3.0, 4.0, 5.0]
    assert frame["text"].iloc[0] == "=cmd|' /C calc'!A0"  # the caller's frame is untouched
