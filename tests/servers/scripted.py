"""A raw-socket server that plays a script per connection: for exact bytes and misbehaviour.

Each accepted connection is handed to ``handler(conn)`` in a thread of its own; the
handler reads and writes raw bytes. Everything is bounded: sockets have timeouts,
threads are joined when the server stops.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[socket.socket], None]

#: Seconds any scripted socket operation may block.
SOCKET_TIMEOUT = 10.0


def read_request_head(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """Read up to and including the blank line ending a request head (b"" at EOF)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > limit:
            raise ValueError("request head too large")
    return data


def read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """Read one request with a Content-Length body (or none): returns (head, body)."""
    data = read_request_head(conn)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n", body


class ScriptedServer:
    """The running server: its URL, and what it received."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._stopping = False
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.settimeout(SOCKET_TIMEOUT)
            self.connections += 1
            self._sockets.append(conn)
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self._handler(conn)
        except (OSError, ValueError) as exc:
            if not self._stopping:
                self.errors.append(exc)
        finally:
            conn.close()

    def start(self) -> None:
        self._acceptor.start()

    def stop(self) -> None:
        self._stopping = True
        # shutdown() wakes a thread blocked in accept(); close() alone may not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for conn in self._sockets:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)


@contextmanager
def scripted_server(handler: Handler) -> Iterator[ScriptedServer]:
    """Run a ``ScriptedServer`` for the duration of the block."""
    server = ScriptedServer(handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()
