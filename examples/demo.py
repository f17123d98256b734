"""A tour of darter's Python API against a small server it starts on 127.0.0.1.

Run it with ``python examples/demo.py``: it starts a loopback HTTP server in a
thread, makes a few requests with ``darter.Client`` (JSON, a form POST, a redirect,
a gzip body, a stream, keep-alive reuse) and prints what came back. For the tour of
the command line client (HTTP/2, downloads, a concurrent burst), run ``darter demo``.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import darter


class DemoHandler(BaseHTTPRequestHandler):
    """Answers a handful of routes; HTTP/1.1 with keep-alive."""

    protocol_version = "HTTP/1.1"
    # Buffer each response and send it in one write: a head and a body written
    # separately meet Nagle's algorithm and the peer's delayed ACK (40 ms a request).
    wbufsize = 64 * 1024

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/json":
            document = {
                "message": "Hello from the demo server",
                "user_agent": self.headers["User-Agent"],
            }
            self._send(200, json.dumps(document).encode(), "application/json")
        elif path == "/redirect":
            self._send(302, b"", "text/plain", Location="/json")
        elif path == "/gzip":
            body = gzip.compress(b"darter decodes gzip bodies transparently. " * 10)
            self._send(200, body, "text/plain; charset=utf-8", Content_Encoding="gzip")
        elif path == "/lines":
            self._send(200, b"".join(f"line {n}\n".encode() for n in range(1, 6)), "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        self._send(200, json.dumps({"received": form}).encode(), "application/json")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DemoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"demo server listening on {base_url}\n")
    try:
        with darter.Client(base_url=base_url) as client:
            response = client.get("/json")
            print(f"GET /json          -> {response.status_code} {response.json()}")

            response = client.post("/form", data={"name": "darter", "fast": "yes"})
            print(f"POST /form         -> {response.status_code} {response.json()}")

            response = client.get("/redirect", follow_redirects=True)
            print(
                f"GET /redirect      -> {response.status_code} at {response.url.path} "
                f"after {[r.status_code for r in response.history]}"
            )

            response = client.get("/gzip")
            print(
                f"GET /gzip          -> {response.status_code} {len(response.content)} bytes "
                f"decoded from {response.num_bytes_downloaded}"
            )

            with client.stream("GET", "/lines") as response:
                lines = list(response.iter_lines())
            print(f"stream /lines      -> {lines}")

            started = time.perf_counter()
            for _ in range(200):
                client.get("/json")
            elapsed = time.perf_counter() - started
            pool = client._transport.pool.state  # type: ignore[attr-defined]
            print(
                f"200 keep-alive GETs in {elapsed * 1000:.0f} ms "
                f"({200 / elapsed:,.0f} requests/s) over {pool.open} connection(s)"
            )
    finally:
        server.shutdown()
        server.server_close()
    print("\ndone")


if __name__ == "__main__":
    main()
