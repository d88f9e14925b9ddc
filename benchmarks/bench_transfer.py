"""Benchmark 4: bytes transferred, compressed, for a first visit and for each page change.

Measured in headless Chromium against gunicorn (Resource Timing ``transferSize``:
compressed bodies plus headers, everything the browser fetched, including the script
chunks Dash loads on demand such as plotly.js). The first visit is ``/`` with an empty
cache, signed in; a page change is a click on the navigation bar. Without Chromium the
same requests are made over HTTP (index, its scripts and stylesheets, ``_dash-layout``,
``_dash-dependencies``, then the callbacks), which misses the on-demand chunks.

At 10,000 patients Chromium measures the first visit only (when the pages shipped every
patient's lines it took minutes to draw Recovery and Safety); a page change is then the
routing and callback responses as sent (the in-process visits of benchmark 2, same
compression) plus the on-demand files Chromium fetched for that page at demo scale
(code and map data, the same at any scale).

Which callback and output carry the bytes comes from those in-process visits: each
output compressed on its own.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

from benchmarks import pages
from benchmarks.report import Result

TARGET_FIRST_VISIT = 1.5 * 2**20
TARGET_PAGE_CHANGE = 500 * 2**10
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
IDLE_SECONDS = 2.0
PAGE_TIMEOUT_SECONDS = 300


def _compressed_size(data: bytes, encoding: str) -> int:
    if encoding == "br":
        import brotli

        return len(brotli.compress(data, quality=4))
    if encoding == "zstd":
        try:
            from compression import zstd
        except ImportError:
            from backports import zstd
        return len(zstd.compress(data, level=3))
    return len(gzip.compress(data, compresslevel=6))


def heaviest_outputs(visit, limit: int = 3) -> list[tuple[str, str, int, int]]:
    """(callback, output, raw bytes, compressed bytes) of a page's largest outputs."""
    sizes = []
    for call, reply, response in zip(visit.calls, visit.replies, visit.responses(), strict=True):
        for component, props in response.items():
            for prop, value in props.items():
                raw = json.dumps(value).encode()
                encoding = reply.encoding or "gzip"
                sizes.append(
                    (call.name, f"{component}.{prop}", len(raw), _compressed_size(raw, encoding))
                )
    return sorted(sizes, key=lambda s: -s[3])[:limit]


def _kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB"


def _name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?")[0]


def on_demand_files(measured: dict | None) -> dict[str, list[tuple[str, int]]]:
    """Per page, the files other than callbacks that Chromium fetched on the change."""
    if not measured:
        return {}
    return {
        page: [
            (n, b)
            for n, b in measured.get(f"{page} entries", [])
            if "_dash-update-component" not in n
        ]
        for page in pages.PAGES
    }


def page_change_results(
    scale_name: str, visits: dict, browser_bytes: dict | None, files_at_demo: dict | None = None
) -> list[Result]:
    """Per page change: bytes (Chromium's if it changed pages, else routing + callbacks
    plus the page's on-demand files as fetched at demo scale), and the heaviest outputs."""
    out = []
    files_by_page = on_demand_files(browser_bytes) or files_at_demo or {}
    for page, visit in visits.items():
        in_process = visit.routing.wire + sum(r.wire for r in visit.replies)
        measured = browser_bytes.get(page) if browser_bytes else None
        heavy = heaviest_outputs(visit)
        where = "; ".join(
            f"{name} → {output} {_kb(packed)} ({_kb(raw)} raw)"
            for name, output, raw, packed in heavy
        )
        files = files_by_page.get(page, [])
        if measured is not None:
            value, source = measured, "Chromium"
        else:
            value = in_process + sum(b for _, b in files)
            source = "callbacks over HTTP + on-demand files at demo scale"
        big = [(n, b) for n, b in files if b > 10_240]
        if big:
            source += "; files " + ", ".join(f"{_name(n)} {_kb(b)}" for n, b in big)
        encodings = sorted({r.encoding or "none" for r in visit.replies})
        out.append(
            Result(
                "4 bytes",
                f"page change → {page}",
                scale_name,
                value / 1024,
                "KB",
                TARGET_PAGE_CHANGE / 1024,
                note=f"{source}; largest: {where}",
                details={
                    "bytes": value,
                    "routing_and_callbacks_bytes": in_process,
                    "encodings": encodings,
                    "on_demand_files": files,
                    "heaviest": heavy,
                    "callbacks": [
                        {"callback": c.name, "wire": r.wire, "raw": len(r.body)}
                        for c, r in zip(visit.calls, visit.replies, strict=True)
                    ],
                },
            )
        )
    return out


# --------------------------------------------------------------------------- Chromium

IDLE_SCRIPT = """
const busy = document.querySelector('[data-dash-is-loading="true"]');
return [document.readyState, busy === null,
        performance.getEntriesByType('resource').length];
"""
ENTRIES_SCRIPT = """
const nav = performance.getEntriesByType('navigation').map(e => [e.name, e.transferSize]);
const res = performance.getEntriesByType('resource').map(e => [e.name, e.transferSize]);
return nav.concat(res);
"""


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT_SECONDS)
    driver.set_script_timeout(PAGE_TIMEOUT_SECONDS)  # Plotly may keep the page busy
    return driver


def _wait_idle(driver) -> None:
    deadline = time.monotonic() + PAGE_TIMEOUT_SECONDS
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state, idle, count = driver.execute_script(IDLE_SCRIPT)
        now = time.monotonic()
        if state != "complete" or not idle or count != last:
            last, since = count, now
        elif now - since >= IDLE_SECONDS:
            return
        time.sleep(0.2)
    raise TimeoutError("the page kept loading for five minutes")


def _entries(driver) -> list[tuple[str, int]]:
    return [(name, int(size)) for name, size in driver.execute_script(ENTRIES_SCRIPT)]


def chromium_transfer(base: str, username: str, password: str, page_changes: bool = True) -> dict:
    """{'first visit': bytes, page: bytes, ..., 'first visit entries': [...]}."""
    from selenium.webdriver.common.by import By

    driver = _driver()
    try:
        driver.get(f"{base}/login")
        driver.find_element(By.NAME, "username").send_keys(username)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        _wait_idle(driver)
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        driver.get(f"{base}/")
        driver.execute_script("performance.setResourceTimingBufferSize(10000)")
        _wait_idle(driver)
        entries = _entries(driver)
        out = {"first visit": sum(size for _, size in entries), "first visit entries": entries}
        changes = [*list(pages.PAGES.items())[1:], ("Overview", "/")] if page_changes else []
        for page, path in changes:
            seen = len(entries)
            link = driver.find_element(By.CSS_SELECTOR, f'#shell-nav a[href="{path}"]')
            link.click()
            _wait_idle(driver)
            entries = _entries(driver)
            out[page] = sum(size for _, size in entries[seen:])
            out[f"{page} entries"] = entries[seen:]
        out["console"] = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry.get("level") in ("SEVERE", "ERROR")
        ]
        return out
    finally:
        driver.quit()


# --------------------------------------------------------------------------- HTTP


def http_first_visit(base: str, session) -> int:
    """The first visit over HTTP (no on-demand chunks): bytes of bodies as sent."""
    from benchmarks.bench_load import Tally, requests_post

    headers = {"Accept-Encoding": pages.ACCEPT_ENCODING}

    def get(path: str) -> tuple[int, str]:
        response = session.get(base + path, headers=headers, stream=True, timeout=120)
        data = response.raw.read(decode_content=False)
        text = pages.decode(data, response.headers.get("Content-Encoding", ""))
        return len(data), text.decode("utf-8", "replace")

    total, index = get("/")
    for asset in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css)[^"]*)"', index):
        total += get(asset.replace("&amp;", "&"))[0]
    total += get("/_dash-layout")[0] + get("/_dash-dependencies")[0]
    tally = Tally()
    browser = pages.Browser(
        requests_post(session, base, tally), json.loads(get("/_dash-dependencies")[1])
    )
    total += browser.poll().wire
    routing, calls = browser.page_calls("/")
    total += routing.wire + sum(reply.wire for _, reply in browser.run(calls))
    return total


def first_visit_result(scale_name: str, measured: dict | None, http_bytes: int | None) -> Result:
    if measured is not None:
        entries = measured["first visit entries"]
        biggest = sorted(entries, key=lambda e: -e[1])[:3]
        names = ", ".join(f"{_name(name)} {_kb(size)}" for name, size in biggest)
        return Result(
            "4 bytes",
            "first visit (/)",
            scale_name,
            measured["first visit"] / 1024,
            "KB",
            TARGET_FIRST_VISIT / 1024,
            note=f"Chromium, {len(entries)} requests; largest: {names}",
            details={"entries": entries, "console_errors": measured.get("console", [])},
        )
    return Result(
        "4 bytes",
        "first visit (/)",
        scale_name,
        (http_bytes or 0) / 1024,
        "KB",
        TARGET_FIRST_VISIT / 1024,
        note="HTTP emulation (no Chromium): on-demand script chunks not counted",
    )
