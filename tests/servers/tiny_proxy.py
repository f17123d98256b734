"""A small forward proxy for tests: absolute-form forwarding and CONNECT tunnels.

It records every request head it received, so tests can check what the proxy saw
(and, through the forwarded server, what the origin saw). Loopback only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

from tests.servers.scripted import ScriptedServer, read_request_head


class TinyProxy:
    """Handler of a ``ScriptedServer`` that acts as an HTTP proxy."""

    def __init__(self, require_auth: bytes | None = None) -> None:
        self.require_auth = require_auth
        self.heads: list[bytes] = []
        self._lock = threading.Lock()

    def __call__(self, conn: socket.socket) -> None:
        while True:
            head = read_request_head(conn)
            if not head:
                return
            with self._lock:
                self.heads.append(head)
            request_line, *lines = head.split(b"\r\n")
            method, target, _ = request_line.split(b" ")
            headers = {}
            for line in lines:
                if b":" in line:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
            if (
                self.require_auth is not None
                and headers.get(b"proxy-authorization") != self.require_auth
            ):
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="tiny"\r\nContent-Length: 0\r\n\r\n'
                )
                continue
            if method == b"CONNECT":
                host, _, port = target.decode().rpartition(":")
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _relay(conn, upstream)
                return
            self._forward(conn, head, method, target, lines)

    def _forward(
        self, conn: socket.socket, head: bytes, method: bytes, target: bytes, lines: list[bytes]
    ) -> None:
        parts = urlsplit(target.decode())
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [line for line in lines if line and not line.lower().startswith(b"proxy-")]
        kept.append(b"Connection: close")
        forwarded = (
            b"\r\n".join([method + b" " + path.encode() + b" HTTP/1.1", *kept]) + b"\r\n\r\n"
        )
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as upstream:
            upstream.sendall(forwarded)
            response = b""
            while chunk := upstream.recv(65536):
                response += chunk
        # The origin closed after its response: pass it on, then close too.
        conn.sendall(response.replace(b"Connection: close\r\n", b""))
        conn.shutdown(socket.SHUT_WR)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    def pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    other.start()
    pump(client, upstream)
    other.join(timeout=10)
    upstream.close()


@contextlib.contextmanager
def tiny_proxy(require_auth: bytes | None = None) -> Iterator[tuple[ScriptedServer, TinyProxy]]:
    """Run a ``TinyProxy`` on loopback for the duration of the block."""
    handler = TinyProxy(require_auth)
    server = ScriptedServer(handler)
    server.start()
    try:
        yield server, handler
    finally:
        server.stop()
