"""The server ``darter demo`` talks to: asyncio streams in a background thread.

Two listeners on 127.0.0.1, on ports the system picks: plain HTTP/1.1, and (given
a TLS context) HTTPS speaking HTTP/2 when the client picks ``h2`` by ALPN and h2 is
installed, HTTP/1.1 otherwise. The HTTP/1.1 side is a small keep-alive parser
(``Content-Length`` and chunked request bodies); the HTTP/2 side runs h2's state
machine and honours the client's flow control windows. Routes:

- ``GET /``              an HTML page listing the routes
- ``GET /json``          a JSON document (with the protocol and the User-Agent seen)
- ``POST /echo``         JSON: the method, path, query, Content-Type and body received
- ``GET /redirect/N``    N redirects (302), then ``/json``
- ``GET /download``      20 MiB of bytes (``?size=N`` for another size), streamed in
  256 KiB pieces with a Content-Length; paced to take about a second, so that a
  progress bar has something to show, unless the server was made with ``pace=False``
- ``GET /burst``         a tiny JSON answer, for the concurrent burst
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["DOWNLOAD_SIZE", "DemoServer", "Reply", "Routes"]

DOWNLOAD_SIZE = 20 * 1024 * 1024
DOWNLOAD_SECONDS = 1.0
CHUNK_SIZE = 256 * 1024
#: Bounds on what a client may send: this is a demo, not a general-purpose server.
MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024

INDEX = """<!doctype html>
<html>
  <head><title>darter demo server</title></head>
  <body>
    <h1>darter demo server</h1>
    <ul>
      <li><a href="/json">/json</a>: a JSON document</li>
      <li>POST /echo: the request, as JSON</li>
      <li><a href="/redirect/2">/redirect/2</a>: two redirects, then /json</li>
      <li><a href="/download">/download</a>: 20 MiB, streamed</li>
    </ul>
  </body>
</html>
"""


@dataclass
class Reply:
    """A response: a body in memory, or ``chunks`` streamed after the head."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    chunks: AsyncIterator[bytes] | None = None
    length: int | None = None

    @property
    def content_length(self) -> int:
        return len(self.body) if self.length is None else self.length


def _json_reply(document: Any, status: int = 200) -> Reply:
    body = json.dumps(document, indent=2).encode() + b"\n"
    return Reply(status, [("content-type", "application/json")], body)


class Routes:
    """The demo's routes, shared by both protocols."""

    def __init__(self, *, pace: bool = True) -> None:
        self.pace = pace

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes, protocol: str
    ) -> Reply:
        url = urlsplit(target)
        query = dict(parse_qsl(url.query))
        parts = url.path.strip("/").split("/")
        if url.path == "/":
            return Reply(200, [("content-type", "text/html; charset=utf-8")], INDEX.encode())
        if url.path == "/json":
            return _json_reply(
                {
                    "message": "Hello from the darter demo server",
                    "protocol": protocol,
                    "user_agent": headers.get("user-agent", ""),
                    "features": ["HTTP/1.1", "HTTP/2", "sync and async", "trio, anyio"],
                }
            )
        if url.path == "/echo":
            text = body.decode("utf-8", errors="replace")
            try:
                received: Any = json.loads(text) if body else None
            except ValueError:
                received = text
            return _json_reply(
                {
                    "method": method,
                    "path": url.path,
                    "query": query,
                    "content_type": headers.get("content-type"),
                    "received": received,
                }
            )
        if parts[0] == "redirect" and len(parts) == 2 and parts[1].isdigit():
            count = int(parts[1])
            location = f"/redirect/{count - 1}" if count > 1 else "/json"
            return Reply(302, [("location", location)])
        if url.path == "/download":
            size = min(int(query.get("size", DOWNLOAD_SIZE)), 1 << 30)
            headers_out = [
                ("content-type", "application/octet-stream"),
                ("content-disposition", 'attachment; filename="demo.bin"'),
            ]
            return Reply(200, headers_out, chunks=self._download(size), length=size)
        if url.path == "/burst":
            return _json_reply({"ok": True})
        return _json_reply({"error": f"no route for {url.path}"}, status=404)

    async def _download(self, size: int) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        piece = bytes(range(256)) * (CHUNK_SIZE // 256)
        started = loop.time()
        sent = 0
        while sent < size:
            chunk = piece[: min(CHUNK_SIZE, size - sent)]
            yield chunk
            sent += len(chunk)
            if self.pace:
                delay = started + DOWNLOAD_SECONDS * sent / size - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers, ignored
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)
        if len(body) > MAX_BODY:
            raise ValueError("request body too large")


class DemoServer:
    """Both listeners, served by an event loop in a daemon thread.

    ``with DemoServer(tls=context) as server:`` starts it (``server.http_url``,
    ``server.https_url``) and stops it. ``connections`` counts the connections
    each listener accepted.
    """

    def __init__(self, *, tls: ssl.SSLContext | None = None, pace: bool = True) -> None:
        self.routes = Routes(pace=pace)
        self.tls = tls
        self.http_url = ""
        self.https_url: str | None = None
        self.connections = {"http": 0, "https": 0}
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._run, name="darter-demo-server", daemon=True)

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start listening; returns once both listeners accept connections."""
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the demo server did not start within 10 seconds")
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Close the listeners and every connection, and end the thread."""
        if self._loop is not None and self._stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start(), or ended with the loop
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        # A client that gives up mid-handshake is not worth a log line in the demo.
        self._loop.set_exception_handler(lambda loop, context: None)
        self._stopping = asyncio.Event()
        plain = await asyncio.start_server(self._serve_http, "127.0.0.1", 0, backlog=1024)
        servers = [plain]
        self.http_url = f"http://127.0.0.1:{plain.sockets[0].getsockname()[1]}"
        if self.tls is not None:
            secure = await asyncio.start_server(
                self._serve_https, "127.0.0.1", 0, ssl=self.tls, backlog=1024
            )
            servers.append(secure)
            self.https_url = f"https://127.0.0.1:{secure.sockets[0].getsockname()[1]}"
        self._ready.set()
        await self._stopping.wait()
        for server in servers:
            server.close()
        for writer in list(self._writers):
            writer.close()

    async def _serve_http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections["http"] += 1
        await self._serve(self._http1(reader, writer), writer)

    async def _serve_https(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections["https"] += 1
        ssl_object = writer.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            from .demo_h2 import serve_h2

            await self._serve(serve_h2(self.routes, reader, writer), writer)
        else:
            await self._serve(self._http1(reader, writer), writer)

    async def _serve(self, connection: Any, writer: asyncio.StreamWriter) -> None:
        """Run one connection's coroutine; whatever the peer does, close it quietly."""
        self._writers.add(writer)
        try:
            await connection
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away, or sent something this small server refuses
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _http1(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # closed between requests
            if len(head) > MAX_HEAD:
                raise ValueError("request head too large")
            request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = await _read_chunked(reader)
            else:
                length = int(headers.get("content-length") or 0)
                if length > MAX_BODY:
                    raise ValueError("request body too large")
                body = await reader.readexactly(length)
            reply = self.routes.handle(method, target, headers, body, "HTTP/1.1")
            keep_alive = version == "HTTP/1.1" and headers.get("connection", "") != "close"
            status = f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}"
            fields = [
                *reply.headers,
                ("content-length", str(reply.content_length)),
                ("server", "darter-demo"),
            ]
            if not keep_alive:
                fields.append(("connection", "close"))
            lines_out = [status, *(f"{name}: {value}" for name, value in fields), "", ""]
            writer.write("\r\n".join(lines_out).encode("latin-1"))
            if method != "HEAD":
                writer.write(reply.body)
                if reply.chunks is not None:
                    async for chunk in reply.chunks:
                        writer.write(chunk)
                        await writer.drain()
            await writer.drain()
            if not keep_alive:
                return
