"""The curl command line, the C ceiling of the transfers: its lines, and real transfers."""

from __future__ import annotations

import pytest

from benchmarks.curl_cli import CurlError, parse_transfers, run_curl
from benchmarks.resources import LARGE_PATH, UPLOAD_PATH
from benchmarks.scenarios import SCENARIOS, CurlReference
from benchmarks.server import running_nginx

LARGE = (1 << 20) + 12_345
UPLOAD = (512 << 10) + 77


def test_parse_transfers() -> None:
    assert parse_transfers("200 100 0 0.5\n200 100 0 0.25\n", False, 100) == [0.5, 0.25]
    assert parse_transfers("204 0 100 0.125\n", True, 100) == [0.125]
    with pytest.raises(CurlError, match="status 200 with 99 bytes"):
        parse_transfers("200 99 0 0.5\n", False, 100)
    with pytest.raises(CurlError, match="expected 204"):
        parse_transfers("413 0 100 0.5\n", True, 100)
    with pytest.raises(CurlError, match="cannot read"):
        parse_transfers("curl: (7) Failed to connect\n", False, 100)


def test_the_transfers_have_curl_as_their_ceiling() -> None:
    for name in ("download-sync", "download-async"):
        assert SCENARIOS[name].reference == CurlReference(upload=False)
    for name in ("upload-sync", "upload-async"):
        assert SCENARIOS[name].reference == CurlReference(upload=True)
    assert CurlReference(upload=True).label() == "curl --data-binary @FILE -o /dev/null"


@pytest.mark.parametrize(
    ("path", "upload", "size"), [(LARGE_PATH, False, LARGE), (UPLOAD_PATH, True, UPLOAD)]
)
def test_run_curl_against_nginx(
    nginx_binary: str, curl_binary: str, path: str, upload: bool, size: int
) -> None:
    """A warm-up then two transfers on one kept-alive connection."""
    with running_nginx(nginx_binary, large_size=LARGE) as server:
        before = server.counters()
        figures = run_curl(curl_binary, server.url(path), upload, size, 2, 1)
        seen = server.counters().since(before)
    assert figures["requests"] == 2
    assert figures["mb_per_s"] == pytest.approx(2 * size / figures["wall_s"] / 1e6)
    assert figures["latency_p50_us"] <= figures["latency_p99_us"]
    assert figures["cpu_us_per_req"] > 0
    assert seen.accepted == 1
    assert seen.requests == 3
