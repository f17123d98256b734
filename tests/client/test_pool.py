"""Connection reuse and pool limits, seen from the client."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import darter
from tests.clients import make_transport
from tests.servers.scripted import read_request

pytestmark = pytest.mark.anyio


def pool_state(client):  # type: ignore[no-untyped-def]
    return client._transport.pool.state


async def test_keep_alive_reuses_one_connection(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        for _ in range(10):
            response = await client.get(server + "/")
            assert response.text == "Hello, world!"
        state = pool_state(client)
        assert state.open == 1 and state.idle_count == 1 and state.in_use_count == 0


async def test_streamed_response_holds_its_connection(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        async with client.stream("GET", server + "/slow-body/0.2") as response:
            assert pool_state(client).in_use_count == 1
            assert await response.aread() == b"slow"
        assert pool_state(client).in_use_count == 0
        assert pool_state(client).idle_count == 1


async def test_pool_timeout(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    limits = darter.Limits(max_connections=1)
    async with make_client(limits=limits, timeout=darter.Timeout(5.0, pool=0.1)) as client:
        async with client.stream("GET", server + "/slow-body/0.5"):
            with pytest.raises(darter.PoolTimeout):
                await client.get(server + "/")
        # The waiter is gone and the connection free again.
        assert pool_state(client).waiting_count == 0
        response = await client.get(server + "/")
    assert response.status_code == 200


async def test_no_keepalive_connections(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    limits = darter.Limits(max_keepalive_connections=0)
    async with make_client(limits=limits) as client:
        await client.get(server + "/")
        await client.get(server + "/")
        assert pool_state(client).open == 0


async def test_keepalive_expiry(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        while read_request(conn)[0]:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = scripted(handler)
    async with make_client(limits=darter.Limits(keepalive_expiry=0.05)) as client:
        await client.get(server.url)
        await client.get(server.url)
        assert server.connections == 1
        time.sleep(0.1)
        await client.get(server.url)
    assert server.connections == 2


async def test_closing_the_client_closes_connections(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    async with client:
        await client.get(server + "/")
        state = pool_state(client)
        assert state.open == 1
    assert state.open == 0 and state.idle_count == 0


async def test_connection_errors_free_the_slot(make_client) -> None:  # type: ignore[no-untyped-def]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    async with make_client(limits=darter.Limits(max_connections=1)) as client:
        for _ in range(3):
            with pytest.raises(darter.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/")
        assert pool_state(client).open == 0


async def test_connect_retries(make_client, mode: str) -> None:  # type: ignore[no-untyped-def]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    started = time.monotonic()
    async with make_client(transport=make_transport(mode, retries=2)) as client:
        with pytest.raises(darter.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/")
    # Two retries, after 0.25 s and 0.5 s.
    assert time.monotonic() - started >= 0.7


def test_threads_share_one_client(server: str) -> None:
    errors: list[BaseException] = []
    limits = darter.Limits(max_connections=10)
    with darter.Client(limits=limits, timeout=30.0) as client:

        def work() -> None:
            try:
                for index in range(63):  # 16 threads: 1,008 requests in all
                    response = client.get(server + f"/echo?n={index}")
                    assert response.json()["query"] == f"n={index}"
            except BaseException as exc:  # collected, then asserted empty below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        state = pool_state(client)
        assert errors == []
        assert state.open <= 10
        assert state.in_use_count == 0 and state.waiting_count == 0
