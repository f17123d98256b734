"""``darter demo``: a short tour of darter against a server it starts on 127.0.0.1.

Each step is a ``darter`` command line, parsed by the real command and printed by
the same renderer: a JSON GET, a POST of JSON request items, redirects followed, a
streamed download with its progress bar, the same GET over HTTP/2 with TLS details,
then a burst of concurrent requests on ``AsyncClient``, timed. A summary table
ends it; the server stops and the command exits with status 0.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import ssl
import tempfile
import time
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

import darter

from .bodies import Body
from .demo_server import DemoServer
from .demo_tls import DemoTLS, make_demo_tls
from .render import Renderer, format_size
from .request import RequestSpec, perform

__all__ = ["BURST_SIZE", "run_demo"]

#: Requests in the concurrent burst.
BURST_SIZE = 200

BURST_CODE = """\
async with darter.AsyncClient() as client:
    responses = await asyncio.gather(*(client.get(url) for _ in range(200)))
"""


@dataclass
class Outcome:
    """One line of the summary table."""

    step: str
    result: str
    seconds: float


def parse_command(args: list[str]) -> tuple[RequestSpec, bool]:
    """A ``darter`` command line (without ``darter``) as the request it makes, and ``-v``."""
    from .main import build_spec, request_command

    context = request_command.make_context("darter", list(args))
    return build_spec(context.params), bool(context.params["verbose"])


class Tour:
    """The steps of the demo, printed on ``console``; ``outcomes`` collects the summary."""

    def __init__(
        self,
        console: Console,
        server: DemoServer,
        tls: DemoTLS | None,
        *,
        http2: bool,
        total_steps: int,
    ) -> None:
        self.console = console
        self.server = server
        self.tls = tls
        self.http2 = http2
        self.total_steps = total_steps
        self.outcomes: list[Outcome] = []
        self.out = Renderer(console)

    def section(self, title: str) -> None:
        number = len(self.outcomes) + 1
        self.out.section(f"{number}/{self.total_steps}  {title}")

    def command(self, title: str, name: str, args: list[str], note: str = "") -> darter.Response:
        """Run one command line as ``darter`` would, and time it (``name`` in the summary)."""
        self.section(title)
        spec, verbose = parse_command(args)
        spec.trust_env = False  # loopback only: no proxy from the environment
        if spec.url.startswith("https:") and self.tls is not None:
            spec.verify = self.tls.client_context
        self.out.note("$ darter " + " ".join(_quote(arg) for arg in args), style="bold")
        if note:
            self.out.note(note)
        started = time.perf_counter()
        response = perform(spec, Renderer(self.console, verbose=verbose))
        seconds = time.perf_counter() - started
        result = f"{response.http_version} {response.status_code} {response.reason_phrase}"
        if response.history:
            result += f" after {len(response.history)} redirects"
        if spec.download:
            result += f", {format_size(os.path.getsize(spec.download))} saved"
        self.outcomes.append(Outcome(name, result, seconds))
        return response

    def burst(self) -> None:
        """Many concurrent requests on ``AsyncClient``: HTTP/1.1, and HTTP/2 when it can."""
        self.section(f"{BURST_SIZE} concurrent requests on AsyncClient")
        self.out.body(Body("text", BURST_CODE, "python", len(BURST_CODE)))
        targets = [("HTTP/1.1", f"{self.server.http_url}/burst", "http", False)]
        if self.http2 and self.server.https_url is not None:
            targets.append(("HTTP/2", f"{self.server.https_url}/burst", "https", True))
        started_all = time.perf_counter()
        results = []
        for label, url, listener, http2 in targets:
            before = self.server.connections[listener]
            verify = self.tls.client_context if self.tls is not None and http2 else True
            ok, seconds = asyncio.run(_burst(url, http2=http2, verify=verify))
            connections = self.server.connections[listener] - before
            plural = "connection" if connections == 1 else "connections"
            rate = BURST_SIZE / seconds
            self.out.note(
                f"{label:<9}{ok}/{BURST_SIZE} OK in {seconds * 1000:.0f} ms: "
                f"{rate:,.0f} requests/s over {connections} {plural}",
                style="",
            )
            results.append(f"{label} {rate:,.0f}/s")
        self.out.note("(client and server share one Python process here: not a benchmark)")
        self.outcomes.append(
            Outcome("concurrent burst", ", ".join(results), time.perf_counter() - started_all)
        )

    def summary(self, seconds: float) -> None:
        self.out.section("Summary")
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        table.add_column("#", justify="right")
        table.add_column("step")
        table.add_column("result")
        table.add_column("time", justify="right")
        for number, outcome in enumerate(self.outcomes, 1):
            table.add_row(
                str(number), outcome.step, outcome.result, f"{outcome.seconds * 1000:.0f} ms"
            )
        self.console.print(table)
        self.console.print()
        self.out.note(
            f"{len(self.outcomes)} steps in {seconds:.1f} s; the demo server is stopped. "
            "Next: darter --help",
            style="bold",
        )


async def _burst(url: str, *, http2: bool, verify: bool | ssl.SSLContext) -> tuple[int, float]:
    """``(successful responses, seconds)`` for ``BURST_SIZE`` concurrent GETs."""
    async with darter.AsyncClient(http2=http2, verify=verify, trust_env=False) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.get(url) for _ in range(BURST_SIZE)))
        seconds = time.perf_counter() - started
    return sum(response.status_code == 200 for response in responses), seconds


def _quote(arg: str) -> str:
    """Quote an argument for display the way a POSIX shell needs it."""
    if arg and all(c.isalnum() or c in "-_./:=@,%+" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def h2_installed() -> bool:
    """True when the h2 package (the ``http2`` extra) can be imported."""
    return importlib.util.find_spec("h2") is not None


def run_demo(console: Console, *, pace: bool = True) -> None:
    """Start the demo server, take the tour, print the summary and stop the server.

    ``pace=False`` lets the download go at full speed (the tests use it).
    """
    started = time.perf_counter()
    has_h2 = h2_installed()
    tls_or_reason = make_demo_tls()
    tls = tls_or_reason if isinstance(tls_or_reason, DemoTLS) else None
    with DemoServer(tls=tls.server_context if tls else None, pace=pace) as server:
        out = Renderer(console)
        out.note(f"darter {darter.__version__}: a tour against a demo server", style="bold")
        out.note(f"HTTP/1.1  {server.http_url}", style="")
        if server.https_url is not None and tls is not None:
            out.note(f"HTTPS     {server.https_url}  (TLS with {tls.origin})", style="")
        notes = []
        if not has_h2:
            notes.append("HTTP/2 skipped: install h2 with pip install 'darter[http2]'")
        if isinstance(tls_or_reason, str):
            notes.append(tls_or_reason)
        for note in notes:
            out.note(note, style="yellow")
        https = server.https_url
        tour = Tour(console, server, tls, http2=has_h2, total_steps=5 + (https is not None))
        http = server.http_url
        tour.command("GET a JSON document", "JSON GET", [f"{http}/json"])
        tour.command(
            "POST JSON built from request items",
            "POST JSON",
            [f"{http}/echo", "name=darter", "fast:=true", 'tags:=["http2", "async"]'],
        )
        tour.command("Follow redirects", "redirects", [f"{http}/redirect/2", "--follow-redirects"])
        with tempfile.TemporaryDirectory(prefix="darter-demo-") as directory:
            target = os.path.join(directory, "demo.bin")
            tour.command(
                "Stream a download to a file",
                "download",
                [f"{http}/download", "--download", target],
                note="(the server paces these 20 MiB to about a second, for the progress bar)"
                if pace
                else "",
            )
        if https is not None:
            tour.command(
                "The same GET over HTTP/2, with TLS details"
                if has_h2
                else "The same GET over HTTPS, with TLS details",
                "HTTP/2 GET" if has_h2 else "HTTPS GET",
                [f"{https}/json", "--http2", "-v"] if has_h2 else [f"{https}/json", "-v"],
                note="(trusting the demo's throwaway certificate only)",
            )
        tour.burst()
    tour.summary(time.perf_counter() - started)
