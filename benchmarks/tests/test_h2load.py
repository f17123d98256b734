"""h2load, the C ceiling of http2-c100: reading its output, and one run against nginx."""

from __future__ import annotations

import pytest

from benchmarks.h2load import H2loadError, parse_log, parse_output, run_h2load
from benchmarks.resources import SMALL_PATH
from benchmarks.scenarios import SCENARIOS, H2loadReference
from benchmarks.server import running_nginx

OUTPUT = """\
starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0s of warm-up time and \
1s of main duration for measurements.
TLS Protocol: TLSv1.2
Cipher: ECDHE-ECDSA-AES128-GCM-SHA256
Server Temp Key: X25519 253 bits
Application protocol: h2

finished in 1.00s, 76092.00 req/s, 16.62MB/s
requests: 76092 total, 76092 started, 76092 done, 76092 succeeded, 0 failed, 0 errored, \
0 timeout
status codes: 76092 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 16.62MB (17427297) total, 15.01MB (15739053) headers (space savings 39.67%), \
7.26MB (7609200) data
                     min         max         mean         sd        +/- sd
time for request:       64us      3.29ms       875us       163us    89.78%
"""


def test_parse_output() -> None:
    assert parse_output(OUTPUT) == {"req_per_s": 76092.0, "requests": 76092}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("0 failed", "3 failed"), "errors"),
        (("0 4xx", "5 4xx"), "errors"),
        (("Application protocol: h2", "Application protocol: http/1.1"), "not h2"),
        (("finished in", "stopped in"), "cannot read"),
    ],
)
def test_errors_are_not_figures(change: tuple[str, str], message: str) -> None:
    with pytest.raises(H2loadError, match=message):
        parse_output(OUTPUT.replace(*change))


def test_parse_log() -> None:
    assert parse_log("1796526646727321\t200\t855\n1796526646727383\t200\t847\n") == [
        855.0,
        847.0,
    ]
    with pytest.raises(H2loadError, match="unexpected line"):
        parse_log("1796526646727321\t503\t855\n")


def test_http2_c100_has_h2load_as_its_ceiling() -> None:
    reference = SCENARIOS["http2-c100"].reference
    assert reference == H2loadReference(connections=1, streams=100)
    assert reference.label() == "h2load -c1 -m100"


def test_run_h2load_against_nginx(nginx_binary: str, h2load_binary: str) -> None:
    """One second of h2load over one HTTP/2 connection, every request answered 2xx."""
    with running_nginx(nginx_binary, tls=True) as server:
        before = server.counters()
        figures = run_h2load(h2load_binary, server.tls_base_url + SMALL_PATH, 1, 1, 10)
        seen = server.counters().since(before)
    assert figures["requests"] > 0
    assert figures["req_per_s"] > 0
    assert 0 < figures["latency_p50_us"] <= figures["latency_p99_us"]
    assert figures["cpu_us_per_req"] > 0
    assert figures["command"].startswith(f"{h2load_binary} -t1 -c1 -m10 -D1")
    assert seen.accepted == 1
    assert seen.requests >= figures["requests"]
