"""The concurrent async workload, driven with a fake client (no network, no timing)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

import pytest

from benchmarks.async_workloads import _measured_worker, run_async_concurrent
from benchmarks.measure import MeasureParams, Tickets, latency_array
from benchmarks.sessions import AsyncOpener, AsyncSession, BadResponse, ClientSpec

BODY = b"x" * 100


class FakeClient:
    """Counts the requests in flight at once; each one yields to the loop twice."""

    def __init__(self, checkpoint: Callable[[], Awaitable[None]], body: bytes = BODY) -> None:
        self.checkpoint = checkpoint
        self.body = body
        self.in_flight = 0
        self.most_in_flight = 0
        self.requests = 0
        self.opened_with: tuple[str, int] | None = None
        self.closed = False

    async def open(self, url: str, pool_size: int) -> AsyncSession:
        self.opened_with = (url, pool_size)
        return AsyncSession(self.fetch, self.close)

    async def fetch(self) -> bytes:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.checkpoint()
        await self.checkpoint()
        self.in_flight -= 1
        self.requests += 1
        return self.body

    async def close(self) -> None:
        self.closed = True


async def _asyncio_checkpoint() -> None:
    await asyncio.sleep(0)


async def _trio_checkpoint() -> None:
    import trio

    await trio.sleep(0)


CHECKPOINTS = {
    "asyncio": _asyncio_checkpoint,
    "uvloop": _asyncio_checkpoint,
    "trio": _trio_checkpoint,
}


def _spec(client: FakeClient, loop: str) -> ClientSpec[AsyncOpener]:
    return ClientSpec("fake", "fake", "fake", "fake.AsyncClient", client.open, loop=loop)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop", "trio"])
def test_tasks_share_one_client_at_the_given_concurrency(loop: str) -> None:
    client = FakeClient(CHECKPOINTS[loop])
    params = MeasureParams("http://127.0.0.1:1/small", 50, 3, len(BODY), concurrency=7)
    figures = run_async_concurrent(_spec(client, loop), params)
    assert client.opened_with == ("http://127.0.0.1:1/small", 7)
    assert client.closed
    assert figures.requests == 50
    assert figures.warmup == 7  # raised to one warm-up request per task
    assert client.requests == 57
    assert client.most_in_flight == 7
    assert len(figures.latencies_s) == 50
    assert all(latency >= 0 for latency in figures.latencies_s)
    assert figures.wall_s >= 0
    assert figures.cpu_user_s + figures.cpu_sys_s >= 0


def test_fewer_requests_than_tasks() -> None:
    client = FakeClient(_asyncio_checkpoint)
    params = MeasureParams("http://x/", 3, 0, len(BODY), concurrency=10)
    figures = run_async_concurrent(_spec(client, "asyncio"), params)
    assert figures.requests == 3
    assert client.requests == 13


def test_a_passed_deadline_stops_handing_out_requests() -> None:
    client = FakeClient(_asyncio_checkpoint)
    tickets = Tickets(100, deadline=-math.inf)
    latencies = latency_array(100)

    async def three_workers() -> None:
        await asyncio.gather(
            *(_measured_worker(client.fetch, tickets, len(BODY), latencies) for _ in range(3))
        )

    asyncio.run(three_workers())
    # The first request started past the deadline: it completes, no other starts.
    assert tickets.count == tickets.next == 1
    assert client.requests == 1


def test_a_wrong_body_invalidates_the_run() -> None:
    client = FakeClient(_asyncio_checkpoint, body=b"short")
    params = MeasureParams("http://x/", 5, 0, len(BODY), concurrency=2)
    with pytest.raises(BadResponse, match="expected 100"):
        run_async_concurrent(_spec(client, "asyncio"), params)
    assert client.closed


def test_concurrency_must_be_positive() -> None:
    client = FakeClient(_asyncio_checkpoint)
    with pytest.raises(ValueError, match="concurrency"):
        run_async_concurrent(_spec(client, "asyncio"), MeasureParams("http://x/", 1, 0, 1, 0))
