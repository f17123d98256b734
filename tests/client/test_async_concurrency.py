"""The async client under cancellation and concurrency, on every async backend."""

from __future__ import annotations

import socket
import time

import anyio
import pytest

import darter
from darter.backends.testing import _full_listener
from tests.clients import DARTER_BACKENDS, client_factory
from tests.servers.scripted import read_request_head

pytestmark = pytest.mark.anyio


@pytest.fixture(params=list(DARTER_BACKENDS))
def mode(request: pytest.FixtureRequest) -> str:
    """Async modes only: these tests are about tasks."""
    return str(request.param)


def pool_state(client: darter.AsyncClient):  # type: ignore[no-untyped-def]
    return client._transport.pool.state  # type: ignore[attr-defined]


async def assert_pool_clean(client: darter.AsyncClient, server: str) -> None:
    state = pool_state(client)
    assert state.in_use_count == 0
    assert state.waiting_count == 0
    assert state.open == state.idle_count
    response = await client.get(server + "/")
    assert response.text == "Hello, world!"


async def test_cancel_while_connecting(mode: str, server: str) -> None:
    async with client_factory(mode)(limits=darter.Limits(max_connections=2)) as client:
        with _full_listener() as port:
            with anyio.move_on_after(0.2) as scope:
                await client.get(f"http://127.0.0.1:{port}/")
            assert scope.cancelled_caught
        await assert_pool_clean(client, server)


async def test_cancel_while_waiting_for_the_head(mode: str, server: str, scripted) -> None:  # type: ignore[no-untyped-def]
    def silent(conn: socket.socket) -> None:
        read_request_head(conn)
        time.sleep(1)

    silent_server = scripted(silent)
    async with client_factory(mode)() as client:
        with anyio.move_on_after(0.2) as scope:
            await client.get(silent_server.url)
        assert scope.cancelled_caught
        await assert_pool_clean(client, server)


async def test_cancel_while_writing(mode: str, server: str, scripted) -> None:  # type: ignore[no-untyped-def]
    def never_reads(conn: socket.socket) -> None:
        time.sleep(1)

    stalled = scripted(never_reads)
    async with client_factory(mode)() as client:
        with anyio.move_on_after(0.3) as scope:
            await client.post(stalled.url, content=b"x" * 50_000_000)
        assert scope.cancelled_caught
        await assert_pool_clean(client, server)


async def test_cancel_while_reading_the_body(mode: str, server: str) -> None:
    async with client_factory(mode)() as client:
        with anyio.move_on_after(0.2) as scope:
            async with client.stream("GET", server + "/slow-body/1") as response:
                await response.aread()
        assert scope.cancelled_caught
        await assert_pool_clean(client, server)


async def test_cancel_while_waiting_for_the_pool(mode: str, server: str) -> None:
    async with client_factory(mode)(limits=darter.Limits(max_connections=1)) as client:
        async with client.stream("GET", server + "/slow-body/0.5") as held:
            with anyio.move_on_after(0.1) as scope:
                await client.get(server + "/")
            assert scope.cancelled_caught
            assert pool_state(client).waiting_count == 0
            await held.aread()
        await assert_pool_clean(client, server)


async def test_many_tasks_share_one_client(mode: str, server: str) -> None:
    results: list[str] = []
    limits = darter.Limits(max_connections=10)
    async with client_factory(mode)(limits=limits, timeout=30.0) as client:

        async def worker(number: int) -> None:
            for index in range(10):
                response = await client.get(server + f"/echo?task={number}&i={index}")
                results.append(response.json()["query"])

        async with anyio.create_task_group() as group:
            for number in range(100):
                group.start_soon(worker, number)
        state = pool_state(client)
        assert state.open <= 10
        assert state.in_use_count == 0 and state.waiting_count == 0
    assert sorted(results) == sorted(f"task={n}&i={i}" for n in range(100) for i in range(10))


async def test_closing_the_client_closes_every_connection(mode: str, server: str) -> None:
    client = client_factory(mode)()
    async with client:
        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(client.get, server + "/slow/0.05")
        assert pool_state(client).open >= 1
    assert pool_state(client).open == 0
