"""Plotly figures to PNG with kaleido 1.x, on one headless Chromium kept open.

kaleido 1.x drives a Chromium through the DevTools protocol (choreographer). Starting
the browser costs about 2 s; a render on an open browser about 0.15 s. So each
process keeps one renderer: :func:`figure_renderer` returns it, started on first use
(or early, in the background, when a user opens the Safety page:
:meth:`FigureRenderer.start_in_background`), and closed at exit. Each gunicorn
worker starts its own after the fork, never at import.

The browser is the system Chromium: the ``BROWSER_PATH`` environment variable if
set, else ``/usr/bin/chromium`` (Debian's ``chromium`` package), else whatever
choreographer finds. MathJax is disabled (it would be fetched from a CDN).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")


class RendererUnavailable(RuntimeError):
    """Figures cannot be drawn (no browser, or it failed); the message says why."""


def browser_path() -> str | None:
    """The Chromium binary kaleido should use, or None to let choreographer search."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured
    return str(SYSTEM_CHROMIUM) if SYSTEM_CHROMIUM.exists() else None


class FigureRenderer:
    """A kaleido browser on its own event-loop thread, shared by all requests.

    Thread-safe: requests from several Flask threads queue for the browser's tab.
    """

    def __init__(self, path: str | None = None, timeout: float = 60.0):
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None and self._thread is not None and self._thread.is_alive()

    def _discard_if_dead(self) -> None:
        """Forget a browser whose event-loop thread has died (call with the lock held)."""
        if self._kaleido is None or self.running:
            return
        log.warning("figure renderer thread died; a new browser will be started")
        _kill_process(self._kaleido)
        self._kaleido = self._loop = self._thread = None

    async def _open(self):
        import kaleido  # imported here: a page without reports never pays for it

        browser = kaleido.Kaleido(n=1, path=self.path, mathjax=False, timeout=self.timeout)
        await browser.open()
        return browser

    def start(self) -> None:
        """Open the browser unless it is open; raise RendererUnavailable on failure."""
        with self._lock:
            self._discard_if_dead()
            if self._kaleido is not None:
                return
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="kaleido", daemon=True)
            thread.start()
            try:
                future = asyncio.run_coroutine_threadsafe(self._open(), loop)
                browser = future.result(timeout=self.timeout)
            except Exception as error:
                _stop_loop(loop, thread)
                raise RendererUnavailable(
                    f"kaleido could not start Chromium ({error.__class__.__name__}: {error}); "
                    "install Debian's chromium package or set BROWSER_PATH"
                ) from error
            self._loop, self._thread, self._kaleido = loop, thread, browser
            atexit.register(self.close)

    def start_in_background(self) -> None:
        """Start the browser on a side thread so that the first report is quick."""
        if self.running:
            return

        def warm():
            try:
                self.start()
            except RendererUnavailable as error:
                log.warning("figure renderer not started: %s", error)

        threading.Thread(target=warm, name="kaleido-warm", daemon=True).start()

    def png(self, figure, width: int, height: int, scale: float = 2) -> bytes:
        """The figure as PNG bytes of ``width`` x ``height`` CSS pixels times ``scale``.

        If the browser's thread dies meanwhile, a new browser is started once.
        """
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        for attempt in (1, 2):
            self.start()
            browser, loop, thread = self._kaleido, self._loop, self._thread
            future = asyncio.run_coroutine_threadsafe(browser.calc_fig(figure, opts=opts), loop)
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    return future.result(timeout=0.25)
                except concurrent.futures.TimeoutError:
                    if thread.is_alive() and time.monotonic() < deadline:
                        continue
                    error = TimeoutError(f"no image after {self.timeout:g} s")
                except Exception as failure:
                    error = failure
                break
            future.cancel()
            if thread.is_alive() or attempt == 2:
                self.close()  # a broken browser is replaced on the next call
                raise RendererUnavailable(f"kaleido failed to draw a figure: {error!r}")
            with self._lock:
                self._discard_if_dead()
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the browser and its thread (idempotent)."""
        with self._lock:
            browser, loop, thread = self._kaleido, self._loop, self._thread
            self._kaleido = self._loop = self._thread = None
        if browser is None:
            return
        if thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=15)
            except Exception as error:  # closing must never raise
                log.warning("closing the figure renderer: %r", error)
            _stop_loop(loop, thread)
        _kill_process(browser)


def _kill_process(browser) -> None:
    """End the browser's process group if it still runs (its event loop is gone).

    choreographer starts Chromium through a small wrapper in its own process group;
    killing the wrapper alone would leave Chromium orphaned.
    """
    process = getattr(browser, "subprocess", None)
    if process is None or process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if os.getpgid(process.pid) == process.pid:  # never our own group
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    if not loop.is_running():
        loop.close()


_renderer: FigureRenderer | None = None
_renderer_lock = threading.Lock()


def figure_renderer() -> FigureRenderer:
    """This process's renderer (created on first call, not started)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            _renderer = FigureRenderer(browser_path())
        return _renderer
