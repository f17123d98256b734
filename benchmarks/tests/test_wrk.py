"""Reading wrk's output."""

from __future__ import annotations

import pytest

from benchmarks.wrk import WrkError, parse_output

OUTPUT = """\
Running 2s test @ http://127.0.0.1:35891/small
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   574.01us    0.96ms   9.81ms   90.62%
    Req/Sec     3.20k   836.69     4.51k    75.00%
  Latency Distribution
     50%  197.00us
     75%  464.00us
     90%    1.41ms
     99%    5.00ms
  6371 requests in 2.00s, 2.10MB read
Requests/sec:   3182.41
Transfer/sec:      1.05MB
"""


def test_parse_output() -> None:
    figures = parse_output(OUTPUT)
    assert figures["req_per_s"] == pytest.approx(3182.41)
    assert figures["requests"] == 6371
    assert figures["latency_p50_us"] == pytest.approx(197.0)
    assert figures["latency_p99_us"] == pytest.approx(5000.0)


def test_errors_are_not_figures() -> None:
    with pytest.raises(WrkError, match="errors"):
        parse_output(OUTPUT + "  Non-2xx or 3xx responses: 12\n")


def test_unreadable_output() -> None:
    with pytest.raises(WrkError, match="cannot read"):
        parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")
