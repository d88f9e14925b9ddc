"""A TCP proxy on 127.0.0.1 that a test can cut, black-hole and restore.

It stands between the app and a database server to simulate network outages:

- ``cut()``: existing connections are reset and new ones are refused (the listening
  socket is closed), as when the database server goes down;
- ``black_hole()``: connections stay open and new ones are accepted, but no byte is
  forwarded either way, as when a network path silently drops packets;
- ``restore()``: forwarding resumes for new connections, on the same port.

Threads, not asyncio, so that it runs beside a synchronous test without an event
loop. Use it as a context manager, or call ``close()``.

Usage::

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/test"
        ...
        proxy.cut()
        ...
        proxy.restore()
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

UP, CUT, BLACK_HOLE = "up", "cut", "black hole"
CHUNK = 65536
TICK_SECONDS = 0.05


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed server's kernel would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class TcpProxy:
    """Forward ``127.0.0.1:port`` to ``(target_host, target_port)`` until told otherwise."""

    def __init__(self, target_host: str, target_port: int, port: int = 0):
        self.target = (target_host, target_port)
        self.mode = UP
        self.accepted = 0  # connections accepted since start, for tests
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()
        self.port = self._listen(port)

    # ------------------------------------------------------------------ control

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until ``restore()``."""
        with self._lock:
            self.mode = CUT
            listener, self._listener = self._listener, None
            pairs, self._pairs = self._pairs, set()
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() blocked on it
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def black_hole(self) -> None:
        """Keep connections open (and accept new ones) but forward nothing."""
        with self._lock:
            self.mode = BLACK_HOLE
        if self._listener is None:
            self._listen(self.port)

    def restore(self) -> None:
        """Forward again. Black-holed connections are reset: their streams lost bytes."""
        with self._lock:
            stale = self._pairs if self.mode == BLACK_HOLE else set()
            self._pairs = self._pairs - stale
            self.mode = UP
        for client, upstream in stale:
            _reset(client)
            _reset(upstream)
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        self._stopped.set()
        self.cut()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    # ---------------------------------------------------------------- internals

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener.getsockname()[1]

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            with self._lock:
                mode = self.mode
                self.accepted += 1
            if mode == CUT:
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        other = {client: upstream, upstream: client}
        try:
            while True:
                with self._lock:
                    alive, mode = pair in self._pairs, self.mode
                if not alive:
                    return
                if mode == BLACK_HOLE:  # hold the bytes: the kernel buffers fill up
                    self._stopped.wait(TICK_SECONDS)
                    continue
                readable, _, _ = select.select([client, upstream], [], [], TICK_SECONDS)
                for sock in readable:
                    data = sock.recv(CHUNK)
                    if not data:
                        return
                    other[sock].sendall(data)
        except (OSError, ValueError):  # reset or closed by cut()
            return
        finally:
            with self._lock:
                owned = pair in self._pairs
                self._pairs.discard(pair)
            if owned:
                client.close()
                upstream.close()
