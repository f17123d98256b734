"""Fixed exchanges whose rendering is kept in ``tests/cli/snapshots/``.

Each case is a command line and a handler answering it through ``MockTransport``
with fixed headers (no dates), rendered twice: as on a terminal (colours, 80
columns) and as plain text. ``render()`` runs the real command in-process.

Regenerate the files after a deliberate change with
``python -m tests.cli.update_snapshots`` (or ``pytest tests/cli --update-snapshots``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import darter
from darter._cli.main import Overrides, request_command
from darter._cli.render import make_console

SNAPSHOTS = Path(__file__).parent / "snapshots"
MODES = ("terminal", "plain")


class FakeSSLObject:
    """What ``ssl_object`` answers about a TLS 1.3 connection to example.org."""

    def version(self) -> str:
        return "TLSv1.3"

    def cipher(self) -> tuple[str, str, int]:
        return ("TLS_AES_256_GCM_SHA384", "TLSv1.3", 256)

    def selected_alpn_protocol(self) -> str:
        return "h2"

    def getpeercert(self) -> dict[str, Any]:
        return {
            "subject": ((("organizationName", "Example"),), (("commonName", "example.org"),)),
            "issuer": ((("countryName", "US"),), (("organizationName", "Example CA"),)),
            "subjectAltName": (("DNS", "example.org"), ("DNS", "www.example.org")),
            "notAfter": "Jan  1 00:00:00 2030 GMT",
        }


class FakeStream:
    """A network stream as ``response.extensions["network_stream"]`` gives it."""

    def get_extra_info(self, name: str) -> Any:
        return {"server_addr": ("192.0.2.10", 443), "ssl_object": FakeSSLObject()}.get(name)


def _fixed(
    status: int, content: bytes, content_type: str | None, **extra: str
) -> Callable[[darter.Request], darter.Response]:
    headers = [("Server", "snapshot")]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    headers += [(name.replace("_", "-"), value) for name, value in extra.items()]

    def handler(request: darter.Request) -> darter.Response:
        return darter.Response(status, headers=headers, content=content)

    return handler


def _http2_echo(request: darter.Request) -> darter.Response:
    return darter.Response(
        201,
        headers=[("content-type", "application/json"), ("server", "snapshot")],
        content=request.content,
        extensions={"http_version": b"HTTP/2", "network_stream": FakeStream()},
    )


def _redirects(request: darter.Request) -> darter.Response:
    if request.url.path == "/old":
        return darter.Response(301, headers=[("Location", "/newer")])
    if request.url.path == "/newer":
        return darter.Response(302, headers=[("Location", "/new?page=1")])
    return darter.Response(200, headers=[("Content-Type", "text/plain")], content=b"arrived\n")


JSON_DOCUMENT = (
    b'{"name":"darter","version":1,"fast":true,"missing":null,"ratio":0.25,'
    b'"tags":["http","caf\xc3\xa9"],"nested":{"empty":[],"object":{}}}'
)
HTML = b"""<!doctype html>
<html lang="en">
  <head><title>Snapshot</title></head>
  <body class="main"><p>Hello &amp; welcome</p><!-- a comment --></body>
</html>"""
XML = b'<?xml version="1.0"?>\n<items count="2"><item id="1">one</item><item/></items>\n'
JAVASCRIPT = b"export function greet(name) {\n  return `Hello, ${name}!`; // a comment\n}\n"
CSS = b"body > p.note {\n  color: #336699;\n  margin: 0 auto;\n}\n"


@dataclass(frozen=True)
class Case:
    """One snapshot: ``darter ARGS`` answered by ``handler``."""

    name: str
    args: tuple[str, ...]
    handler: Callable[[darter.Request], darter.Response]


CASES = [
    Case(
        "json",
        ("https://api.example.org/items",),
        _fixed(200, JSON_DOCUMENT, "application/json"),
    ),
    Case("html", ("https://example.org/",), _fixed(200, HTML, "text/html; charset=utf-8")),
    Case("xml", ("https://example.org/items.xml",), _fixed(200, XML, "application/xml")),
    Case(
        "javascript",
        ("https://example.org/app.js",),
        _fixed(200, JAVASCRIPT, "text/javascript; charset=utf-8"),
    ),
    Case("css", ("https://example.org/site.css",), _fixed(200, CSS, "text/css")),
    Case(
        "text",
        ("https://example.org/notes",),
        _fixed(200, b"plain text\n\tindented\nlast line", "text/plain"),
    ),
    Case(
        "control_characters",
        ("https://example.org/tricky",),
        _fixed(200, b"red \x1b[31malert\x1b[0m\r\nbell\x07\n", "text/plain"),
    ),
    Case(
        "binary",
        ("https://example.org/logo.png",),
        _fixed(200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"),
    ),
    Case(
        "no_content_type_json",
        ("https://example.org/guess",),
        _fixed(200, b'[1, 2, {"three": 3}]', None),
    ),
    Case(
        "not_found",
        ("https://api.example.org/missing", "-m", "DELETE"),
        _fixed(404, b'{"title": "Not Found", "status": 404}', "application/problem+json"),
    ),
    Case("empty", ("https://example.org/", "-m", "HEAD"), _fixed(204, b"", None)),
    Case(
        "verbose_http2_tls",
        (
            "https://api.example.org/items",
            "-v",
            "name=darter",
            "tags:=[1, 2]",
            "X-Trace:abc",
            "page==2",
            "--cookies",
            "session",
            "s3cr3t-value-long-enough",
        ),
        _http2_echo,
    ),
    Case(
        "verbose_form",
        ("http://example.org/form", "-v", "-d", "name", "darter", "-d", "name", "second"),
        _fixed(200, b"ok\n", "text/plain"),
    ),
    Case(
        "redirects",
        ("https://example.org/old", "--follow-redirects"),
        _redirects,
    ),
]


def render(case: Case, mode: str) -> str:
    """The command's stdout for ``case``: ``mode`` is ``"terminal"`` or ``"plain"``."""
    output = io.StringIO()
    terminal = mode == "terminal"
    console = make_console(
        file=output,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        width=80,
        legacy_windows=False,
        _environ={},  # ignore FORCE_COLOR, NO_COLOR, COLUMNS... of the test run
    )
    overrides = Overrides(console=console, transport=darter.MockTransport(case.handler))
    status = request_command.main(
        list(case.args), prog_name="darter", obj=overrides, standalone_mode=False
    )
    assert status in (None, 0), status
    # The User-Agent carries the version: keep the snapshots valid across releases.
    return output.getvalue().replace(f"python-darter/{darter.__version__}", "python-darter/X.Y.Z")


def snapshot_path(case: Case, mode: str) -> Path:
    return SNAPSHOTS / f"{case.name}.{mode}.txt"


def write_all() -> list[Path]:
    """Rewrite every snapshot file; returns the paths written."""
    SNAPSHOTS.mkdir(exist_ok=True)
    written = []
    for case in CASES:
        for mode in MODES:
            path = snapshot_path(case, mode)
            path.write_text(render(case, mode), encoding="utf-8", newline="")
            written.append(path)
    return written
