"""wrk, the C load generator, as the ceiling a Python client could reach.

wrk is a reference, not a peer: when it is missing the suite says so and goes on.
Over https it does not check the server's certificate, and it offers the session of
its previous connection when it reconnects (so it resumes TLS sessions).
Its CPU time is measured as ``tools.run_tool`` says.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from .tools import ToolError, find_tool, per_request, run_tool

INSTALL_HINT = "sudo apt-get install -y wrk    (Debian/Ubuntu; the package is 'wrk')"

_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_ERRORS = re.compile(r"^\s*(Non-2xx or 3xx responses|Socket errors):.*$", re.MULTILINE)


class WrkError(ToolError):
    """wrk failed, reported errors, or printed something this module cannot read."""


def find_wrk() -> str | None:
    """The wrk binary on PATH, or None."""
    return find_tool("wrk")


def wrk_version(binary: str) -> str:
    """wrk's version line (``wrk -v`` prints it before its usage and exits non-zero)."""
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [", 1)[0] if first else "unknown"


def parse_output(text: str) -> dict[str, float]:
    """The figures of ``wrk --latency`` output: req/s, requests, p50 and p99 in µs.

    Raises ``WrkError`` when wrk reported errors or a figure is missing.
    """
    errors = _ERRORS.findall(text)
    if errors:
        raise WrkError(f"wrk reported errors:\n{text}")
    rate = _RATE.search(text)
    count = _REQUESTS.search(text)
    percentiles = {int(p): float(v) * _UNITS[u] for p, v, u in _PERCENTILE.findall(text)}
    if rate is None or count is None or set(percentiles) != {50, 99}:
        raise WrkError(f"cannot read wrk's output:\n{text}")
    return {
        "req_per_s": float(rate.group(1)),
        "requests": int(count.group(1)),
        "latency_p50_us": percentiles[50],
        "latency_p99_us": percentiles[99],
    }


def run_wrk(
    binary: str,
    url: str,
    seconds: float,
    connections: int = 1,
    threads: int = 1,
    headers: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run wrk against ``url`` for ``seconds`` and return its figures and CPU cost.

    ``headers`` are sent with every request (``-H``); with ``Connection: close``
    wrk opens a new connection for each request. The calling process's CPU
    affinity is inherited, so pin the caller first.
    """
    command = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        *(part for header in headers for part in ("-H", header)),
        url,
    ]
    output, cpu_s = run_tool(command, WrkError, timeout=120)
    figures: dict[str, Any] = dict(parse_output(output))
    figures["cpu_s"] = cpu_s
    figures["cpu_us_per_req"] = per_request(cpu_s, figures["requests"])
    figures["command"] = " ".join([*command[:-1], "URL"])
    return figures
