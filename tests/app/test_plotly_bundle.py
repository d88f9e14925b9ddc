"""The partial plotly.js bundle in assets/ (built by tools/build_plotly_bundle.sh).

dcc.Graph draws with ``window.Plotly`` when a script has already set it, so this
bundle replaces the full ``plotly.min.js``. It must stay the plotly.js version that
the plotly package ships (the one the Python side validates figures against and that
kaleido uses for the DSMB report), and must need no ``eval`` (the CSP forbids it), so
its scattergl is plotly.js's "strict" one (precompiled WebGL code).
"""

from __future__ import annotations

import re

from plotly.offline import get_plotlyjs_version

from dashboard.app import ASSETS_DIR

REBUILD = "run tools/build_plotly_bundle.sh"


def bundles():
    return sorted(ASSETS_DIR.glob("*plotly*.js"))


def test_plb001_one_bundle_of_the_shipped_plotlyjs_version():
    version = get_plotlyjs_version()
    assert [b.name for b in bundles()] == [f"00-plotly-{version}-custom.min.js"], REBUILD
    head = bundles()[0].read_text(encoding="utf-8")[:1500]
    assert f"plotly.js v{version}\n" in head, REBUILD
    assert f"plotly.js {version}, trace types: " in head


def test_plb002_bundle_has_the_trace_types_of_the_figures():
    head = bundles()[0].read_text(encoding="utf-8")[:1500]
    listed = re.search(r"trace types: ([^.]+)\.", head).group(1)
    types = {t.split(" ")[0] for t in listed.split(", ")}
    assert {"scatter", "bar", "funnel", "heatmap", "scattergeo", "scattergl"} <= types
    assert "scattergl (strict)" in listed  # precompiled WebGL code: no eval under the CSP


def test_plb003_bundle_is_a_classic_script_that_sets_window_plotly():
    text = bundles()[0].read_text(encoding="utf-8")
    assert text.startswith("/**\n* plotly.js v")  # plotly.js's own licence header kept
    # esbuild's IIFE with globalName: a top-level var, i.e. window.Plotly, no module syntax
    assert '"use strict";var Plotly=(()=>{' in text
    assert not re.search(r"^\s*(import|export)\b", text, re.M)
