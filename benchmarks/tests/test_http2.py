"""The HTTP/2 scenario: every peer end-to-end over one HTTP/2 connection to nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.clients import CLIENTS
from benchmarks.http2_clients import check_http2
from benchmarks.measure import MeasureParams
from benchmarks.resources import SMALL_PATH, SMALL_SIZE
from benchmarks.scenarios import SCENARIOS
from benchmarks.server import NginxConfig, running_nginx
from benchmarks.sessions import BadResponse
from benchmarks.workloads import WORKLOADS


def test_http2_scenario_shape() -> None:
    scenario = SCENARIOS["http2-c100"]
    assert scenario.tls
    assert scenario.concurrency == 100
    assert scenario.path == SMALL_PATH
    assert scenario.request_count(quick=False) == 10_000
    assert scenario.request_count(quick=True) < scenario.request_count(quick=False)
    assert scenario.peers[0] == "darter-asyncio"
    assert WORKLOADS[scenario.workload].kind == "async-http2"
    assert set(scenario.peers) <= set(CLIENTS["async-http2"])
    assert "aiohttp" not in scenario.peers
    assert {other.name for other in SCENARIOS.values() if other.tls} == {
        "http2-c100",
        "connect-tls",
    }


def test_tls_server_block_in_config(tmp_path: Path) -> None:
    plain = NginxConfig(prefix=tmp_path, port=8080).render()
    assert "ssl" not in plain
    legacy = NginxConfig(prefix=tmp_path, port=8080, tls_port=8443).render()
    assert "listen 127.0.0.1:8443 ssl backlog=4096 http2;" in legacy
    assert legacy.count(f"location = {SMALL_PATH}") == 2
    current = NginxConfig(prefix=tmp_path, port=8080, tls_port=8443, http2_directive=True)
    assert "http2 on;" in current.render()


def test_a_response_over_http_1_1_is_an_error() -> None:
    check_http2("HTTP/2", "darter")
    with pytest.raises(BadResponse, match=r"over HTTP/1\.1"):
        check_http2("HTTP/1.1", "darter")


def test_every_http2_peer_end_to_end(nginx_binary: str) -> None:
    """Each peer makes its requests through one connection, every one over HTTP/2."""
    scenario = SCENARIOS["http2-c100"]
    workload = WORKLOADS[scenario.workload]
    with running_nginx(nginx_binary, tls=True) as server:
        assert server.tls_base_url.startswith("https://127.0.0.1:")
        for client in scenario.peers:
            before = server.counters()
            spec = CLIENTS[workload.kind][client]
            params = MeasureParams(
                server.tls_base_url + SMALL_PATH,
                requests=30,
                warmup=10,
                expected_size=SMALL_SIZE,
                concurrency=10,
                ca_file=server.ca_file,
            )
            figures = workload.run(spec, params, None)
            seen = server.counters().since(before)
            assert figures.requests == 30, client
            assert seen.requests == 40, client
            assert seen.accepted == 1, client


def test_the_http2_workload_needs_the_ca_file() -> None:
    spec = CLIENTS["async-http2"]["darter-asyncio"]
    params = MeasureParams("https://127.0.0.1:1/small", 1, 0, SMALL_SIZE)
    with pytest.raises(ValueError, match="CA file"):
        WORKLOADS["async-http2"].run(spec, params, None)
