"""dcc.Graph draws with the partial plotly.js bundle of assets/, never the full one.

Dash's Graph loads ``plotly.min.js`` only when ``window.Plotly`` is not set yet; the
bundle, an asset, sets it before the renderer starts. Its scattergl must work under
the app's CSP (no 'unsafe-eval'): a script run by WebDriver is exempt from the CSP's
eval rule, so the WebGL figure is drawn by a script that the page loads itself.
"""

from __future__ import annotations

import flask
import pytest
from plotly.offline import get_plotlyjs_version

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE

pytestmark = pytest.mark.browser

FETCHED = "return performance.getEntriesByType('resource').map(e => e.name)"

DRAW_SCATTERGL = """
window.glResult = {violations: []};
document.addEventListener('securitypolicyviolation',
    e => window.glResult.violations.push(e.violatedDirective));
const div = document.createElement('div');
div.id = 'gl-check';
div.style.width = '400px';
div.style.height = '300px';
document.body.appendChild(div);
Plotly.newPlot(div, [{type: 'scattergl', mode: 'markers+lines', x: [1, 2, 3], y: [2, 1, 3]}])
    .then(() => { window.glResult.drawn = true; },
          err => { window.glResult.error = String(err); })
    .then(() => setTimeout(() => { div.dataset.done = 'yes'; }, 300));
"""


@pytest.fixture
def small_db(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def test_plb101_graphs_use_the_partial_bundle(dash_duo, open_app, make_app, small_db):
    open_app(make_app(small_db), username="dora")
    dash_duo.wait_for_element("#overview-by-site-graph .js-plotly-plot .bars")
    dash_duo.wait_for_element("#overview-cumulative-graph .js-plotly-plot .scatterlayer")
    version = get_plotlyjs_version()
    assert dash_duo.driver.execute_script("return Plotly.version") == version
    traces = dash_duo.driver.execute_script(
        "return Object.keys(Plotly.PlotSchema.get().traces).sort()"
    )
    assert traces == sorted(["scatter", "bar", "funnel", "heatmap", "scattergeo", "scattergl"])
    fetched = [url.split("?")[0] for url in dash_duo.driver.execute_script(FETCHED)]
    assert any(url.endswith(f"/assets/00-plotly-{version}-custom.min.js") for url in fetched)
    assert not [url for url in fetched if url.endswith("plotly.min.js")]
    assert dash_duo.get_logs() == []


def test_plb102_scattergl_draws_under_the_csp(dash_duo, open_app, make_app, small_db):
    app = make_app(small_db)
    app.server.add_url_rule(
        "/test-draw-scattergl.js",
        "test_draw_scattergl",
        lambda: flask.Response(DRAW_SCATTERGL, mimetype="text/javascript"),
    )
    open_app(app, username="dora")
    dash_duo.wait_for_element("#overview-by-site-graph .js-plotly-plot .bars")
    dash_duo.driver.execute_script(
        "const s = document.createElement('script');"
        "s.src = '/test-draw-scattergl.js'; document.head.appendChild(s);"
    )
    dash_duo.wait_for_element("#gl-check[data-done=yes]")
    assert dash_duo.driver.execute_script("return window.glResult") == {
        "violations": [],
        "drawn": True,
    }
    assert dash_duo.find_elements("#gl-check .gl-container canvas")
    assert dash_duo.get_logs() == []
