"""Everything the command prints about an exchange, through one rich ``Console``.

In order: with ``-v`` the connection (address, TLS, ALPN, certificate) and the
request sent; then the response head; then the body (``bodies`` decides how).
Blocks are separated by a blank line. On a terminal the output is coloured and
bodies are highlighted by pygments; otherwise it is plain text and bodies are
written as they are. rich decides what a terminal is: stdout a TTY, or
``FORCE_COLOR`` set; ``NO_COLOR`` removes colours, ``COLUMNS`` sets the width.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.syntax import Syntax
from rich.text import Text

import darter

from .bodies import HIGHLIGHT_LIMIT, Body, classify, make_printable

__all__ = ["Renderer", "describe_connection", "format_size", "make_console"]

SYNTAX_THEME = "ansi_dark"

#: Request fields HTTP/2 does not send as such (Host becomes ``:authority``).
_NOT_IN_HTTP2 = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"upgrade",
        b"te",
    }
)

#: Short names of certificate name attributes, as OpenSSL prints them.
_NAME_KEYS = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "emailAddress": "emailAddress",
}


def make_console(**options: Any) -> Console:
    """A console on stdout that prints text as given: no markup, no wrapping.

    ``options`` go to rich's ``Console`` (tests force a terminal and a width).
    """
    settings: dict[str, Any] = {
        "highlight": False,
        "markup": False,
        "emoji": False,
        "soft_wrap": True,
    }
    return Console(**(settings | options))


def format_size(size: float) -> str:
    """``1536`` -> ``"1.5 KiB"``: binary units, one decimal above bytes."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _status_style(status_code: int) -> str:
    if status_code >= 400:
        return "red"
    if status_code >= 300:
        return "yellow"
    return "green"


def _format_name(name: Any) -> str:
    """A certificate name (a tuple of RDNs) as ``"O=Example, CN=example.org"``."""
    parts = []
    for rdn in name or ():
        for key, value in rdn:
            parts.append(f"{_NAME_KEYS.get(key, key)}={value}")
    return ", ".join(parts)


def describe_connection(stream: Any) -> list[tuple[str, str]]:
    """``(label, value)`` lines about a connection, from its ``get_extra_info()``."""
    lines: list[tuple[str, str]] = []
    try:
        address = stream.get_extra_info("server_addr")
        ssl_object = stream.get_extra_info("ssl_object")
    except (OSError, AttributeError):
        return lines
    if isinstance(address, tuple) and len(address) >= 2:
        host = f"[{address[0]}]" if ":" in str(address[0]) else str(address[0])
        lines.append(("connected to", f"{host} port {address[1]}"))
    if ssl_object is None:
        return lines
    cipher = ssl_object.cipher()
    tls = str(ssl_object.version())
    if cipher:
        tls += f", {cipher[0]} ({cipher[2]} bits)"
    lines.append(("TLS", tls))
    lines.append(("ALPN", ssl_object.selected_alpn_protocol() or "none (HTTP/1.1)"))
    certificate = ssl_object.getpeercert()
    if not certificate:
        lines.append(("certificate", "not verified"))
        return lines
    lines.append(("subject", _format_name(certificate.get("subject"))))
    names = ", ".join(
        f"{'IP' if kind == 'IP Address' else kind}:{value}"
        for kind, value in certificate.get("subjectAltName", ())
    )
    if names:
        lines.append(("names", names))
    lines.append(("issuer", _format_name(certificate.get("issuer"))))
    if "notAfter" in certificate:
        lines.append(("valid until", str(certificate["notAfter"])))
    return lines


class SpeedColumn(ProgressColumn):
    """The transfer speed, in the binary units the sizes use (``12.5 MiB/s``)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        text = "?" if speed is None else f"{format_size(speed)}/s"
        return Text(text, style="progress.data.speed")


def http2_fields(request: darter.Request) -> list[tuple[bytes, bytes]]:
    """The fields of ``request`` as HTTP/2 sends them, after its request line.

    ``:scheme`` and ``:authority`` (from Host), then the other headers in lower
    case, without the connection-specific ones HTTP/2 does not carry.
    """
    authority = request.headers.get("host", "").encode("ascii", errors="replace")
    fields = [(b":scheme", request.url.raw_scheme), (b":authority", authority)]
    for name, value in request.headers.raw:
        lower = name.lower()
        keep = lower not in _NOT_IN_HTTP2 or (lower == b"te" and value.lower() == b"trailers")
        if keep:
            fields.append((lower, value))
    return fields


class Renderer:
    """Prints requests and responses on ``console``; ``verbose`` adds connection and request."""

    def __init__(self, console: Console, *, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self._blocks = 0
        # Streams already described: kept alive so that their ids are not reused.
        self._streams: list[Any] = []

    @property
    def terminal(self) -> bool:
        """True when printing to a terminal: colours, highlighting, progress bars."""
        return self.console.is_terminal

    def _block(self) -> None:
        """Start a block: a blank line separates it from the previous one."""
        if self._blocks:
            self.console.print()
        self._blocks += 1

    def _line(self, *parts: str | tuple[str, str]) -> None:
        self.console.print(Text.assemble(*parts), soft_wrap=True)

    def _headers(self, raw: list[tuple[bytes, bytes]], encoding: str) -> None:
        for name, value in raw:
            text = make_printable(value.decode(encoding, errors="replace"))
            self._line((name.decode(encoding, errors="replace"), "cyan"), ": ", text)

    def note(self, text: str, style: str = "dim") -> None:
        """A line of commentary (the demo's commands, a download's summary)."""
        self._line((text, style))

    def section(self, title: str) -> None:
        """A blank line and a titled rule, starting a part of the output (the demo's steps)."""
        self.console.print()
        self.console.rule(Text(title, style="bold"), align="left")
        self._blocks = 0

    def on_response(self, response: darter.Response) -> None:
        """The response hook: everything up to the response head, as it arrives."""
        if self.verbose:
            self.connection(response)
            self.request(response.request, response.http_version)
        self.response_head(response)

    def connection(self, response: darter.Response) -> None:
        """Describe the response's connection, the first time it is seen."""
        stream = response.extensions.get("network_stream")
        if stream is None or any(seen is stream for seen in self._streams):
            return
        self._streams.append(stream)
        lines = describe_connection(stream)
        if not lines:
            return
        self._block()
        width = max(len(label) for label, _ in lines)
        for label, value in lines:
            self._line(("* ", "dim"), (label.ljust(width) + "  ", "dim"), value)

    def request(self, request: darter.Request, http_version: str) -> None:
        """The request line and headers, then the body when it is in memory."""
        self._block()
        target = request.url.raw_path.decode("ascii", errors="replace")
        self._line((request.method, "bold"), " ", (target, "bold"), " ", (http_version, "blue"))
        raw = request.headers.raw
        if http_version == "HTTP/2":
            raw = http2_fields(request)
        self._headers(raw, request.headers.encoding)
        try:
            content = request.content
        except darter.RequestNotRead:
            size = request.headers.get("content-length", "unknown")
            self._block()
            self._line((f"<streamed body, {size} bytes>", "dim"))
            return
        if content:
            self._block()
            self.body(classify(content, request.headers.get("content-type"), "utf-8"))

    def response_head(self, response: darter.Response) -> None:
        """The status line and the headers, as received."""
        self._block()
        style = _status_style(response.status_code)
        self._line(
            (response.http_version, "blue"),
            " ",
            (str(response.status_code), f"bold {style}"),
            " ",
            (response.reason_phrase, style),
        )
        self._headers(response.headers.raw, response.headers.encoding)

    def response_body(self, response: darter.Response) -> None:
        """The body of a response that has been read."""
        content = response.content
        if content:
            self._block()
            encoding = response.charset_encoding or "utf-8"
            self.body(classify(content, response.headers.get("content-type"), encoding))

    def body(self, body: Body) -> None:
        """Print a classified body: highlighted on a terminal, as is otherwise."""
        if body.kind == "binary":
            self._line((f"<{body.size} bytes of binary data>", "dim"))
            return
        text = body.text if body.text.endswith("\n") else body.text + "\n"
        if not self.terminal:
            self.console.file.write(text)
            self.console.file.flush()
            return
        text = make_printable(text)
        if body.lexer == "text" or len(text) > HIGHLIGHT_LIMIT:
            self.console.print(Text(text), end="", soft_wrap=True)
            return
        highlighted = Syntax(text, body.lexer, theme=SYNTAX_THEME).highlight(text)
        self.console.print(highlighted, end="", soft_wrap=True)

    @contextlib.contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A download progress bar (on a terminal only): yields ``update(bytes_so_far)``."""
        if not self.terminal:
            yield lambda completed: None
            return
        columns: list[str | ProgressColumn] = [
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(binary_units=True),
            SpeedColumn(),
        ]
        if total is None:
            columns.append(TimeElapsedColumn())
        else:
            columns[2:2] = [TextColumn("{task.percentage:>3.0f}%")]
            columns.append(TimeRemainingColumn())
        self._block()
        with Progress(*columns, console=self.console) as bar:
            task = bar.add_task(description, total=total)
            yield lambda completed: bar.update(task, completed=completed)
            bar.refresh()

    def downloaded(self, path: str, size: int, seconds: float) -> None:
        """The summary line after a download."""
        if not self.terminal:
            self._block()
        rate = format_size(size / seconds) + "/s" if seconds > 0 else "-"
        self.note(f"saved {format_size(size)} ({size} bytes) to {path} in {seconds:.2f} s, {rate}")
