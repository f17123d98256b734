"""The threaded scenario: N threads sharing one sync client."""

from __future__ import annotations

import math
import threading
import time

import pytest

from benchmarks.clients import CLIENTS
from benchmarks.measure import MeasureParams, Tickets
from benchmarks.resources import SMALL_PATH, SMALL_SIZE
from benchmarks.scenarios import SCENARIOS, THREAD_PEERS
from benchmarks.server import running_nginx
from benchmarks.sessions import BadResponse, ClientSpec, SyncOpener, SyncSession
from benchmarks.thread_workloads import run_sync_threads
from benchmarks.workloads import WORKLOADS

BODY = b"x" * 100


class FakeClient:
    """Counts the requests in flight at once; each one sleeps a little."""

    def __init__(self, body: bytes = BODY, fail_after: int | None = None) -> None:
        self.body = body
        self.fail_after = fail_after
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        self.closed = False
        self.threads: list[threading.Thread] = []  # the thread of each request

    def open(self, url: str) -> SyncSession:
        return SyncSession(self.fetch, self.close)

    def fetch(self) -> bytes:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.requests += 1
            number = self.requests
            self.threads.append(threading.current_thread())
        time.sleep(0.001)
        with self.lock:
            self.in_flight -= 1
        if self.fail_after is not None and number > self.fail_after:
            raise ConnectionError("boom")
        return self.body

    def close(self) -> None:
        self.closed = True


def _spec(client: FakeClient) -> ClientSpec[SyncOpener]:
    return ClientSpec("fake", "fake", "fake", "fake.Client", client.open)


def test_threads_16_is_the_brief() -> None:
    scenario = SCENARIOS["threads-16"]
    assert scenario.peers == THREAD_PEERS
    assert scenario.concurrency == 16
    assert scenario.requests == 10_000
    assert scenario.body_size == SMALL_SIZE
    assert WORKLOADS[scenario.workload].kind == "sync-threads"
    assert scenario.warmup >= 16
    assert scenario.quick_warmup >= 16


def test_threads_share_one_client_and_every_number_once() -> None:
    client = FakeClient()
    params = MeasureParams("http://127.0.0.1:1/small", 200, 3, len(BODY), concurrency=8)
    figures = run_sync_threads(_spec(client), params)
    assert client.closed
    assert figures.requests == 200
    assert figures.warmup == 8  # raised to one warm-up request per thread
    assert client.requests == 208
    assert 1 < client.most_in_flight <= 8
    assert len(figures.latencies_s) == 200
    assert all(latency > 0 for latency in figures.latencies_s)  # each number recorded


def test_the_same_threads_warm_up_and_measure() -> None:
    """A client keeping state per thread (curl_cffi) keeps it into the measurement."""
    client = FakeClient()
    params = MeasureParams("http://x/", 100, 0, len(BODY), concurrency=4)
    run_sync_threads(_spec(client), params)
    assert client.requests == 104
    # Threads made anew for the measurement would be 8 (the objects are kept alive).
    assert len(set(client.threads)) == 4


@pytest.mark.parametrize(
    ("fail_after", "requests", "warmup", "most_made"),
    [
        pytest.param(2, 100, 20, 20, id="in-the-warm-up"),
        pytest.param(20, 1_000, 0, 100, id="measuring-and-stops-the-others"),
    ],
)
def test_a_failing_thread_fails_the_run(
    fail_after: int, requests: int, warmup: int, most_made: int
) -> None:
    """An error in any thread, warming up or measuring, ends the run and closes the client.

    The other threads stop soon after: far fewer requests are made than asked.
    """
    client = FakeClient(fail_after=fail_after)
    params = MeasureParams("http://x/", requests, warmup, len(BODY), concurrency=4)
    with pytest.raises(ConnectionError, match="boom"):
        run_sync_threads(_spec(client), params)
    assert client.closed
    assert client.requests < most_made


def test_a_wrong_body_invalidates_the_run() -> None:
    params = MeasureParams("http://x/", 10, 0, len(BODY), concurrency=2)
    with pytest.raises(BadResponse, match="expected 100"):
        run_sync_threads(_spec(FakeClient(body=b"short")), params)


def test_tickets_past_the_deadline() -> None:
    tickets = Tickets(100, deadline=10.0)
    assert tickets.take(5.0) == 0
    assert tickets.take(11.0) == 1  # handed out, and the last one
    assert tickets.take(12.0) == -1
    assert tickets.count == 2
    assert Tickets(1, deadline=math.inf).take(1e9) == 0


def test_every_peer_with_16_threads(nginx_binary: str) -> None:
    """Each peer makes its requests through at most 16 connections, kept alive."""
    scenario = SCENARIOS["threads-16"]
    workload = WORKLOADS[scenario.workload]
    with running_nginx(nginx_binary) as server:
        for client in scenario.peers:
            before = server.counters()
            params = MeasureParams(
                server.url(SMALL_PATH), 64, 0, SMALL_SIZE, concurrency=scenario.concurrency
            )
            figures = workload.run(CLIENTS[workload.kind][client], params, None)
            seen = server.counters().since(before)
            assert figures.requests == 64, client
            assert figures.warmup == 16, client
            assert seen.requests == 80, client
            # pyreqwest's pool (hyper) may race a new connection against one being
            # freed (17 seen in a quick run); the others never exceed their pool.
            most = 32 if client == "pyreqwest" else 16
            assert 1 <= seen.accepted <= most, client
