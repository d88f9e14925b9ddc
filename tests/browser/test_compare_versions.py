""" "Compare with": an earlier data version's curve drawn dashed beside the shown one.

Version 1 is the small bundle (tests/fixtures/bundles/small/EXPECTED.md: 6 of 21
enrolled, the last on 2020-01-27); version 2 adds P-009, enrolled 2020-05-18
(tests/later_bundles.py ``one_more_patient``): 7 enrolled.
"""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select

from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.browser.layout_probe import (
    WIDTHS,
    axe_violations,
    layout_defects,
    set_width,
    wait_settled,
)
from tests.conftest import SMALL_BUNDLE
from tests.later_bundles import one_more_patient

pytestmark = pytest.mark.browser

TRACES = (
    "var graph = document.querySelector('#{graph} .js-plotly-plot');"
    "return graph && graph.data ? graph.data.map(t => ({{name: t.name, meta: t.meta || null,"
    " dash: (t.line || {{}}).dash || null, y: Array.from(t.y || [])}})) : [];"
)


def traces(duo, graph: str) -> list[dict]:
    return duo.driver.execute_script(TRACES.format(graph=graph))


def two_versions(sqlite_url, tmp_path) -> None:
    engine = make_engine(sqlite_url)
    import_bundle(engine, SMALL_BUNDLE)  # version 1: 6 enrolled
    import_bundle(engine, one_more_patient(tmp_path / "two", "P-009"))  # version 2: 7


def earlier_of(duo, graph: str, meta: str) -> dict:
    until(lambda: any(t["meta"] == meta for t in traces(duo, graph)), timeout=10)
    return next(t for t in traces(duo, graph) if t["meta"] == meta)


def test_cmp_page001_overview_overlays_the_earlier_enrollment_curve(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    two_versions(sqlite_url, tmp_path)
    open_app(make_app(sqlite_url), username="spencer")  # the sponsor: aggregate pages
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "7 / 21")
    graph = "overview-cumulative-graph"
    assert [t["name"] for t in traces(dash_duo, graph)] == ["Enrolled", "Planned accrual"]

    dash_duo.wait_for_element("#overview-compare option[value='1']")
    assert dash_duo.find_element("#overview-compare").is_enabled()
    Select(dash_duo.find_element("#overview-compare")).select_by_visible_text(
        "version 1, data cut 30 Jun 2020"
    )
    earlier = earlier_of(dash_duo, graph, "enrolled-earlier")
    assert earlier["name"] == "Version 1 (data cut 30 Jun 2020)"
    assert earlier["dash"] == "dash"
    assert earlier["y"][-1] == 6
    shown = next(t for t in traces(dash_duo, graph) if t["name"] == "Enrolled")
    assert shown["dash"] is None and shown["y"][-1] == 7
    dash_duo.wait_for_contains_text(f"#{graph} .legend", "Version 1 (data cut 30 Jun 2020)")
    assert "drawn dashed" in dash_duo.find_element("#overview-compare-hint").text

    Select(dash_duo.find_element("#overview-compare")).select_by_value("none")
    until(lambda: len(traces(dash_duo, graph)) == 2, timeout=10)
    assert dash_duo.get_logs() == []


def test_cmp_page002_survival_overlays_the_earlier_km_curve(
    dash_duo, open_app, make_app, sqlite_url, tmp_path
):
    two_versions(sqlite_url, tmp_path)
    open_app(make_app(sqlite_url), username="dora", path="/survival")
    dash_duo.wait_for_contains_text("#survival-summary", "7 patients")
    dash_duo.wait_for_element("#survival-compare option[value='1']")
    Select(dash_duo.find_element("#survival-compare")).select_by_value("1")
    graph = "survival-km-graph"
    earlier = earlier_of(dash_duo, graph, "km-earlier")
    assert earlier["name"] == "Version 1 (data cut 30 Jun 2020)"
    assert earlier["dash"] == "dash"
    assert [round(y) for y in earlier["y"]] == [100, 100, 100, 75, 75, 75, 75]
    # The number-at-risk table stays version 2's: 7 at risk at month 0.
    dash_duo.wait_for_contains_text("#survival-summary", "7 patients")

    Select(dash_duo.find_element("#survival-endpoint")).select_by_value("pfs")
    until(
        lambda: (
            [round(y) for y in earlier_of(dash_duo, graph, "km-earlier")["y"]]
            == [100, 100, 80, 80, 80, 80, 80]
        ),
        timeout=10,
    )
    assert dash_duo.get_logs() == []


def test_cmp_page003_with_one_version_there_is_nothing_to_compare_with(
    dash_duo, open_app, make_app, sqlite_url
):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    open_app(make_app(sqlite_url), username="ivy")
    dash_duo.wait_for_text_to_equal("#kpi-enrolled-value", "6 / 21")
    dash_duo.wait_for_contains_text("#overview-compare-hint", "No earlier data version is kept")
    assert not dash_duo.find_element("#overview-compare").is_enabled()
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize(
    ("path", "select", "graph", "meta"),
    [
        ("/", "#overview-compare", "overview-cumulative-graph", "enrolled-earlier"),
        ("/survival", "#survival-compare", "survival-km-graph", "km-earlier"),
    ],
)
def test_cmp_page004_the_comparison_is_whole_at_every_width(
    dash_duo, open_app, make_app, sqlite_url, tmp_path, path, select, graph, meta
):
    two_versions(sqlite_url, tmp_path)
    open_app(make_app(sqlite_url), username="dora", path=path)
    dash_duo.wait_for_element(f"#{graph} .js-plotly-plot .scatterlayer")
    dash_duo.wait_for_element(f"{select} option[value='1']")
    Select(dash_duo.find_element(select)).select_by_value("1")
    earlier_of(dash_duo, graph, meta)
    found = []
    for width in WIDTHS:
        set_width(dash_duo.driver, width)
        wait_settled(dash_duo.driver)
        found += [f"{width} px: {defect}" for defect in layout_defects(dash_duo.driver)]
    set_width(dash_duo.driver, WIDTHS[0])
    wait_settled(dash_duo.driver)
    found += axe_violations(dash_duo.driver)
    found += [f"console: {entry['message']}" for entry in dash_duo.get_logs()]
    assert found == [], "\n".join(found)
