"""The connect scenarios: every request on a new connection, plain and over TLS."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from benchmarks import suite, wrk
from benchmarks.clients import CLIENTS
from benchmarks.measure import MeasureParams
from benchmarks.report import add_summaries, render_markdown
from benchmarks.resources import SMALL_PATH, SMALL_SIZE
from benchmarks.scenarios import SCENARIOS, SYNC_PEERS
from benchmarks.server import running_nginx
from benchmarks.tests.results_data import results_file
from benchmarks.workloads import WORKLOADS

CONNECT = ("connect-plain", "connect-tls")
# The peers that offer the session of their last TLS connection when they reconnect:
# libcurl's (pycurl, curl_cffi) and rustls' (pyreqwest) caches, kept by default.
RESUMING = ("pyreqwest", "pycurl", "curl_cffi")


def test_connect_scenarios_are_the_brief() -> None:
    for name in CONNECT:
        scenario = SCENARIOS[name]
        assert scenario.peers == SYNC_PEERS
        assert scenario.requests == 1_000
        assert scenario.body_size == SMALL_SIZE
        assert scenario.path == SMALL_PATH
        assert scenario.connection_per_request
        assert scenario.unit == "connections/s"
        assert WORKLOADS[scenario.workload].kind == "sync-connect"
        assert scenario.wrk is not None
        assert scenario.wrk.label() == "wrk -t1 -c1 -H 'Connection: close'"
    assert not SCENARIOS["connect-plain"].tls
    assert SCENARIOS["connect-tls"].tls


@pytest.mark.parametrize("name", CONNECT)
def test_every_peer_opens_a_connection_per_request(nginx_binary: str, name: str) -> None:
    """nginx accepts one connection per request (warm-up included) from each peer."""
    scenario = SCENARIOS[name]
    workload = WORKLOADS[scenario.workload]
    with running_nginx(nginx_binary, tls=scenario.tls) as server:
        base = suite.scenario_base_url(scenario, server)
        assert base.startswith("https://" if scenario.tls else "http://")
        for client in scenario.peers:
            before = server.counters()
            params = MeasureParams(
                base + SMALL_PATH,
                requests=5,
                warmup=2,
                expected_size=SMALL_SIZE,
                ca_file=server.ca_file if scenario.tls else None,
            )
            figures = workload.run(CLIENTS[workload.kind][client], params, None)
            seen = server.counters().since(before)
            assert figures.requests == 5, client
            assert (seen.accepted, seen.requests) == (7, 7), client
            if scenario.tls:
                assert seen.tls_connections == 7, client
                assert 0 <= seen.tls_resumed < 7, client  # the first one cannot resume
                if client in RESUMING:
                    assert seen.tls_resumed == 6, client


def test_wrk_sends_the_scenario_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    commands: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        output = "  10 requests in 1.00s, 1KB read\nRequests/sec: 10.00\n"
        output += "     50%  100.00us\n     99%  200.00us\n"
        return subprocess.CompletedProcess(command, 0, output, "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    figures = wrk.run_wrk("wrk", "https://127.0.0.1:1/small", 1.0, headers=("Connection: close",))
    assert figures["requests"] == 10
    assert commands[0][-3:] == ["-H", "Connection: close", "https://127.0.0.1:1/small"]


def test_runners_ignore_the_machine_s_ca_bundles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    env = suite.runner_environment()
    assert "REQUESTS_CA_BUNDLE" not in env
    assert "SSL_CERT_FILE" not in env


def _run(client: str, rate: float, connections: int) -> dict[str, Any]:
    return {
        "client": client,
        "api": f"{client}.Client",
        "version": "1.0",
        "requests": 100,
        "warmup": 10,
        "req_per_s": rate,
        "cpu_us_per_req": 1e6 / rate,
        "latency_p50_us": 1e6 / rate,
        "latency_p99_us": 2e6 / rate,
        "peak_rss_kb": 30 * 1024,
        "server_connections": connections,
        "server_requests": 110,
    }


def test_report_shows_connections_per_second_and_reused_connections() -> None:
    results = results_file(
        {
            "connect-plain": {
                "description": "each GET on a new connection",
                "unit": "connections/s",
                "connection_per_request": True,
                "concurrency": 1,
                "requests": 100,
                "warmup": 10,
                "repetitions": 1,
                "clients": {
                    "darter": {"runs": [_run("darter", 4000.0, 110)]},
                    "urllib3": {"runs": [_run("urllib3", 2000.0, 1)]},
                },
                "reference": None,
            }
        },
        mode="quick",
    )
    text = render_markdown(add_summaries(results))
    assert "| client | connections/s median [min-max] |" in text
    assert "| darter vs urllib3 | 2.00x | 0.50x |" in text
    assert "opened a connection of its own (connections per run): urllib3 (as few as 1)." in text
    assert "darter (" not in text
    assert "Opened more connections than" not in text
