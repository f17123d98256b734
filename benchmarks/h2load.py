"""h2load (nghttp2's load generator), the C ceiling of the HTTP/2 scenario.

A reference, not a peer: when it is missing the suite says so and goes on. Like wrk
it runs for a fixed time, without warm-up (so that its CPU time, which includes its
TLS handshake, divides by every request it made), with one thread, C connections
and M streams in flight on each (``-c1 -m100``: one connection, 100 streams, the shape
of ``http2-c100``), over TLS to nginx's HTTP/2 port. It does not check the server's
certificate. Its figures are read from its summary (requests/s, counts, status
codes, the protocol negotiated) and its per-request log (``--log-file``: status and
duration of each request of the measured period, from which the latency
percentiles come). A run that did not negotiate ``h2``, or in which a request
failed or was not answered 2xx, is an error.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from .stats import percentile
from .tools import ToolError, find_tool, per_request, run_tool, tool_version

INSTALL_HINT = "sudo apt-get install -y nghttp2-client    (Debian/Ubuntu; it has h2load)"

_RATE = re.compile(r"^finished in [\d.]+\w*, ([\d.]+) req/s", re.MULTILINE)
_COUNTS = re.compile(
    r"^requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
    r"(\d+) errored, (\d+) timeout",
    re.MULTILINE,
)
_STATUS = re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.MULTILINE)
_PROTOCOL = re.compile(r"^Application protocol: (\S+)", re.MULTILINE)


class H2loadError(ToolError):
    """h2load failed, saw errors, did not speak HTTP/2, or printed something unreadable."""


def find_h2load() -> str | None:
    """The h2load binary on PATH, or None."""
    return find_tool("h2load")


def h2load_version(binary: str) -> str:
    """``h2load nghttp2/1.52.0`` or the like."""
    return tool_version(binary, "--version")


def parse_output(text: str) -> dict[str, float]:
    """The figures of h2load's summary: req/s and the requests done.

    Raises ``H2loadError`` when a request failed, errored, timed out or was not
    answered 2xx, when the protocol was not ``h2``, or when a figure is missing.
    """
    rate = _RATE.search(text)
    counts = _COUNTS.search(text)
    status = _STATUS.search(text)
    protocol = _PROTOCOL.search(text)
    if rate is None or counts is None or status is None:
        raise H2loadError(f"cannot read h2load's output:\n{text}")
    if protocol is None or protocol.group(1) != "h2":
        found = protocol.group(1) if protocol else "none"
        raise H2loadError(f"h2load negotiated {found}, not h2:\n{text}")
    _total, done, succeeded, failed, errored, timeout = (int(v) for v in counts.groups())
    not_2xx = sum(int(v) for v in status.groups()[1:])
    if failed or errored or timeout or not_2xx or succeeded != done:
        raise H2loadError(f"h2load reported errors:\n{text}")
    return {"req_per_s": float(rate.group(1)), "requests": done}


def parse_log(text: str) -> list[float]:
    """The durations in µs of the per-request log (start, status, duration per line).

    Raises ``H2loadError`` when a line is not a 2xx response.
    """
    durations = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 3 or not fields[1].startswith("2"):
            raise H2loadError(f"unexpected line in h2load's log: {line!r}")
        durations.append(float(fields[2]))
    return durations


def run_h2load(
    binary: str, url: str, seconds: float, connections: int = 1, streams: int = 100
) -> dict[str, Any]:
    """Run h2load against ``url`` for ``seconds``; return its figures and CPU cost.

    The calling process's CPU affinity is inherited, so pin the caller first.
    """
    with tempfile.TemporaryDirectory(prefix="darter-bench-h2load-") as folder:
        log = Path(folder) / "requests.log"
        command = [
            binary,
            "-t1",
            f"-c{connections}",
            f"-m{streams}",
            f"-D{max(1, round(seconds))}",
            f"--log-file={log}",
            url,
        ]
        output, cpu_s = run_tool(command, H2loadError)
        figures: dict[str, Any] = dict(parse_output(output))
        durations = sorted(parse_log(log.read_text()))
    if not durations:
        raise H2loadError(f"h2load logged no request:\n{output}")
    figures["latency_p50_us"] = percentile(durations, 0.50)
    figures["latency_p99_us"] = percentile(durations, 0.99)
    figures["cpu_s"] = cpu_s
    figures["cpu_us_per_req"] = per_request(cpu_s, figures["requests"])
    figures["command"] = " ".join([*command[:-2], "--log-file=FILE", "URL"])
    return figures
