"""What a person would see as broken on a page, measured in the browser.

One script, run in the page, returns every defect as a sentence: a graph taller than
its container (the panel below is drawn over it), two cards on top of each other, a
graph title under the mode bar, a legend over the plot or an axis title, a grid cell
whose text is cut, a page wider than the window. Used by the layout tests of every
page and role (``test_layout.py``) and by hand when taking screenshots.
"""

from __future__ import annotations

import time
from pathlib import Path

AXE_SCRIPT = Path(__file__).with_name("vendor") / "axe-core-4.10.3.min.js"
WIDTHS = (1440, 1024, 390)

PROBE = Path(__file__).with_name("layout_probe.js").read_text(encoding="utf-8")

SETTLED = """
return document.readyState === 'complete'
  && !document.querySelector('[data-dash-is-loading="true"]')
  && !document.querySelector('.dash-spinner, ._dash-loading-callback, .dash-loading')
"""


def wait_settled(driver, timeout: float = 30.0, quiet: float = 0.6) -> None:
    """Until no callback has been running for ``quiet`` seconds (Plotly and the grids
    redraw after a resize or a navigation)."""
    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        if driver.execute_script(SETTLED):
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= quiet:
                return
        else:
            calm_since = None
        time.sleep(0.1)
    raise TimeoutError(f"the page was still loading after {timeout:.0f} s")


def set_width(driver, width: int, height: int = 1000) -> None:
    """The window whose inner width (what CSS sees) is ``width``."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return window.innerWidth")
    if inner != width:
        driver.set_window_size(2 * width - inner, height)


def layout_defects(driver) -> list[str]:
    return driver.execute_script(PROBE)


def axe_violations(driver, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts``, one line each with a few of their nodes."""
    from axe_selenium_python import Axe

    axe = Axe(driver, script_url=str(AXE_SCRIPT))
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
        for v in results["violations"]
        if v["impact"] in impacts
    ]
