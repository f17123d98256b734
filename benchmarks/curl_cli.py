"""The curl command line, the C ceiling of the transfer scenarios.

A reference, not a peer: when it is missing the suite says so and goes on. One curl
process makes the warm-up transfers then the measured ones, one after the other on
one kept-alive connection (several URLs on one command line): a download writes the
body to ``/dev/null`` (``-o /dev/null``), an upload POSTs a file of the scenario's
size (``--data-binary @FILE``, which curl reads into memory before it connects, like
the peers' bytes built in advance). curl reports each transfer's status, size and
total time (``--write-out``); the figures are those of the measured transfers: MB/s
as for the peers (transfers * body size / the sum of their times), and p50/p99 of
their times. Its CPU time, read around the whole process (``tools.run_tool``), is
divided over every transfer it made, warm-up included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .stats import percentile
from .tools import ToolError, find_tool, per_request, run_tool, tool_version
from .transfer_bodies import UPLOAD_STATUS, upload_body

INSTALL_HINT = "sudo apt-get install -y curl    (Debian/Ubuntu; the package is 'curl')"
_FORMAT = "%{http_code} %{size_download} %{size_upload} %{time_total}\\n"


class CurlError(ToolError):
    """curl failed, moved the wrong number of bytes, or printed something unreadable."""


def find_curl() -> str | None:
    """The curl binary on PATH, or None."""
    return find_tool("curl")


def curl_version(binary: str) -> str:
    """``curl 7.88.1`` or the like."""
    return " ".join(tool_version(binary, "--version").split()[:2])


def parse_transfers(text: str, upload: bool, size: int) -> list[float]:
    """The time in seconds of each transfer ``--write-out`` reported, in order.

    Raises ``CurlError`` when a transfer's status is not the expected one (200, or
    204 for an upload) or it did not move ``size`` bytes of body.
    """
    expected = UPLOAD_STATUS if upload else 200
    times = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 4:
            raise CurlError(f"cannot read curl's line {line!r}")
        status, downloaded, uploaded = (int(float(value)) for value in fields[:3])
        moved = uploaded if upload else downloaded
        if status != expected or moved != size:
            raise CurlError(
                f"curl: status {status} with {moved} bytes of body, expected "
                f"{expected} with {size}"
            )
        times.append(float(fields[3]))
    return times


def run_curl(
    binary: str, url: str, upload: bool, size: int, transfers: int, warmup: int
) -> dict[str, Any]:
    """``warmup`` then ``transfers`` downloads (or uploads) of ``size`` bytes; the figures.

    The calling process's CPU affinity is inherited, so pin the caller first.
    """
    total = warmup + transfers
    with tempfile.TemporaryDirectory(prefix="darter-bench-curl-") as folder:
        command = [binary, "--silent", "--show-error", "--write-out", _FORMAT]
        if upload:
            body = Path(folder) / "body"
            body.write_bytes(upload_body(size))
            command += ["--data-binary", f"@{body}"]
        for _ in range(total):
            command += ["--output", "/dev/null", url]
        output, cpu_s = run_tool(command, CurlError)
    times = parse_transfers(output, upload, size)
    if len(times) != total:
        raise CurlError(f"curl reported {len(times)} transfers, not {total}:\n{output}")
    measured = times[warmup:]
    wall_s = sum(measured)
    ordered = sorted(measured)
    return {
        "requests": transfers,
        "wall_s": wall_s,
        "req_per_s": transfers / wall_s if wall_s > 0 else 0.0,
        "mb_per_s": transfers * size / wall_s / 1e6 if wall_s > 0 else 0.0,
        "latency_p50_us": percentile(ordered, 0.50) * 1e6,
        "latency_p99_us": percentile(ordered, 0.99) * 1e6,
        "cpu_s": cpu_s,
        "cpu_us_per_req": per_request(cpu_s, total),
        "command": "curl "
        + ("--data-binary @FILE " if upload else "")
        + f"(--output /dev/null URL) x{total}",
    }
