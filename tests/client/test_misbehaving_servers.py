"""Servers that misbehave: each case ends in a darter exception, in time, never in
silently wrong data, and never leaves a broken connection in the pool."""

from __future__ import annotations

import socket
import time

import pytest

import darter
from tests.servers.scripted import read_request, read_request_head

pytestmark = pytest.mark.anyio

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def answer(response: bytes, *, then_close: bool = True):  # type: ignore[no-untyped-def]
    """A handler that answers every request on the connection with ``response``."""

    def handler(conn: socket.socket) -> None:
        while read_request_head(conn):
            conn.sendall(response)
            if then_close:
                return

    return handler


@pytest.mark.parametrize(
    "response",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 99 Low\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
        b"",
    ],
)
async def test_malformed_responses_raise_remote_protocol_error(
    make_client, scripted, response: bytes
) -> None:  # type: ignore[no-untyped-def]
    server = scripted(answer(response))
    async with make_client() as client:
        with pytest.raises(darter.RemoteProtocolError):
            await client.get(server.url)


async def test_truncated_body_is_never_returned_as_complete(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 60))
    async with make_client() as client:
        with pytest.raises(darter.RemoteProtocolError, match="100"):
            await client.get(server.url)
        async with client.stream("GET", server.url) as response:
            received = b""
            with pytest.raises(darter.RemoteProtocolError):
                async for chunk in response.aiter_raw():
                    received += chunk
        assert len(received) == 60


async def test_reset_mid_body(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
        # SO_LINGER with a zero timeout turns close() into a reset.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    server = scripted(handler)
    async with make_client() as client:
        with pytest.raises((darter.ReadError, darter.RemoteProtocolError)):
            await client.get(server.url)


async def test_read_timeout_on_a_stalled_server(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        read_request_head(conn)
        time.sleep(1.0)

    server = scripted(handler)
    started = time.monotonic()
    async with make_client(timeout=0.2) as client:
        with pytest.raises(darter.ReadTimeout):
            await client.get(server.url)
    assert time.monotonic() - started < 0.9


async def test_read_timeout_mid_body(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        time.sleep(1.0)

    server = scripted(handler)
    async with make_client(timeout=0.2) as client:
        with pytest.raises(darter.ReadTimeout):
            await client.get(server.url)


async def test_connect_refused(make_client) -> None:  # type: ignore[no-untyped-def]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    async with make_client() as client:
        with pytest.raises(darter.ConnectError) as info:
            await client.get(f"http://127.0.0.1:{port}/")
    assert info.value.request.url.port == port


async def test_interim_responses_are_skipped(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(
        answer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK)
    )
    async with make_client() as client:
        response = await client.get(server.url)
    assert response.status_code == 200 and response.text == "ok"


async def test_close_delimited_body(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(answer(b"HTTP/1.1 200 OK\r\n\r\nuntil the end"))
    async with make_client() as client:
        response = await client.get(server.url)
        assert response.text == "until the end"
        again = await client.get(server.url)
    assert again.text == "until the end"
    assert server.connections == 2


async def test_http_10_response(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(answer(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    async with make_client() as client:
        response = await client.get(server.url)
        await client.get(server.url)
    assert response.http_version == "HTTP/1.0"
    assert server.connections == 2  # HTTP/1.0 without keep-alive: not reused


async def test_extra_bytes_after_response_discard_the_connection(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(
        answer(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!", then_close=False)
    )
    async with make_client() as client:
        first = await client.get(server.url)
        second = await client.get(server.url)
    assert first.text == second.text == "ok"
    assert server.connections == 2


async def test_early_response_while_uploading(make_client, scripted, mode: str) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(
            b"HTTP/1.1 413 Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig"
        )
        conn.shutdown(socket.SHUT_RDWR)

    server = scripted(handler)
    async with make_client() as client:
        if mode == "anyio":
            # anyio stops reading while a send is under way, so the reset that ends the
            # upload can reach the socket before the response is read: the upload fails
            # with a clear error, which is also safe.
            try:
                response = await client.post(server.url, content=b"x" * 50_000_000)
            except darter.WriteError:
                return
        else:
            response = await client.post(server.url, content=b"x" * 50_000_000)
    assert response.status_code == 413
    assert response.text == "big"


async def test_keep_alive_closed_by_server_is_retried(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        # Answers one request, advertising keep-alive, then closes anyway.
        read_request(conn)
        conn.sendall(OK)
        time.sleep(0.05)

    server = scripted(handler)
    async with make_client() as client:
        first = await client.get(server.url)
        time.sleep(0.2)  # the server has closed the idle connection by now
        second = await client.get(server.url)  # retried on a new connection
        time.sleep(0.2)
        # Not retryable: the pool checks the idle connection before using it.
        third = await client.post(server.url, content=b"body")
    assert first.text == second.text == third.text == "ok"
    assert server.connections == 3


async def test_server_closing_after_request_fails_cleanly(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    def handler(conn: socket.socket) -> None:
        read_request(conn)

    server = scripted(handler)
    async with make_client() as client:
        with pytest.raises(darter.RemoteProtocolError):
            await client.post(server.url, content=b"data")


async def test_connect_timeout(make_client) -> None:  # type: ignore[no-untyped-def]
    # A listener that never accepts, with its queue full: new connections get no answer.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    try:
        started = time.monotonic()
        async with make_client(timeout=darter.Timeout(5.0, connect=0.3)) as client:
            with pytest.raises(darter.ConnectTimeout):
                await client.get(f"http://127.0.0.1:{address[1]}/")
        assert time.monotonic() - started < 3
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def trickle(conn: socket.socket) -> None:
    """Answers with a 100-byte body, one byte every 20 ms."""
    read_request_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        time.sleep(0.02)
        conn.sendall(b"x")


async def test_total_timeout_cuts_off_a_trickling_server(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(trickle)
    started = time.monotonic()
    async with make_client(timeout=darter.Timeout(1.0, total=0.5)) as client:
        with pytest.raises(darter.ReadTimeout, match=r"total timeout \(0.5 s\)") as info:
            await client.get(server.url)
    assert time.monotonic() - started < 2.0  # each read was well inside 1 s
    assert info.value.request.url == server.url


async def test_total_timeout_does_not_bound_a_streamed_body(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(trickle)
    client = make_client(timeout=darter.Timeout(1.0, total=0.5))
    async with client, client.stream("GET", server.url) as response:
        body = await response.aread()
    assert body == b"x" * 100


async def test_total_timeout_per_request(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    server = scripted(trickle)
    async with make_client() as client:
        with pytest.raises(darter.ReadTimeout, match="total timeout"):
            await client.get(server.url, timeout=darter.Timeout(2.0, total=0.3))


async def test_response_limits_are_configurable(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    many = b"".join(b"X-%d: v\r\n" % n for n in range(50))
    server = scripted(answer(b"HTTP/1.1 200 OK\r\n" + many + b"Content-Length: 2\r\n\r\nok"))
    limits = darter.ResponseLimits(max_header_count=20)
    async with make_client(response_limits=limits) as client:
        with pytest.raises(darter.LimitExceeded, match=r"max_header_count=") as info:
            await client.get(server.url)
    assert isinstance(info.value, darter.RemoteProtocolError)
    assert info.value.limit == "max_header_count"
    async with make_client() as client:  # the default allows 256 fields
        assert (await client.get(server.url)).text == "ok"


async def test_decoded_size_cap(make_client, scripted) -> None:  # type: ignore[no-untyped-def]
    import gzip

    body = gzip.compress(b"a" * 100_000)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    server = scripted(answer(head + body))
    async with make_client(
        response_limits=darter.ResponseLimits(max_decoded_size=10_000)
    ) as client:
        with pytest.raises(darter.DecodingError, match="max_decoded_size") as info:
            await client.get(server.url)
    assert isinstance(info.value, darter.LimitExceeded)
