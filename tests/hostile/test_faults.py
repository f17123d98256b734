"""Connections that fail under the client: bodies cut short, resets, connections the
server closed (fully or half) while they sat in the pool, and servers that hang up
as soon as the request arrives.

A body that did not arrive in full is never returned as complete, whichever way it
is read (RFC 9112 §8). A request is repeated on a new connection only when that is
safe: never a POST that the server may have received (RFC 9112 §9.3.1, RFC 9110
§9.2.2).
"""

from __future__ import annotations

import gzip
import socket
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import pytest
import zstandard

import darter
from tests.clients import ClientFactory
from tests.hostile.support import (
    OK,
    QUICK,
    TIMEOUT,
    Log,
    Scripted,
    StartServer,
    Stopwatch,
    answer_once,
    assert_pool_clean,
    linger,
    reset,
    send,
    serve_ok,
    settle,
    wait_for,
)

pytestmark = pytest.mark.anyio


JSON = b'{"items": [1, 2, 3]}'

#: Responses whose body stops early, then the server closes. Each prefix that did
#: arrive is valid JSON on its own, so a client passing it off as complete would
#: let ``.json()`` succeed.
CUT_SHORT = {
    "content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + JSON,
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n" + JSON + b"\r\n",
}


async def read_with(way: str, client: Any, url: str) -> Any:
    """Read the response at ``url`` in one of the ways a user may."""
    if way == "get-json":
        response = await client.get(url)
        return response.json()
    async with client.stream("GET", url) as response:
        if way == "aread":
            return await response.aread()
        pieces = []
        iterator = {
            "aiter_bytes": response.aiter_bytes,
            "aiter_text": response.aiter_text,
            "aiter_lines": response.aiter_lines,
            "aiter_raw": response.aiter_raw,
        }[way]()
        async for piece in iterator:
            pieces.append(piece)
        return pieces


WAYS = ["get-json", "aread", "aiter_bytes", "aiter_text", "aiter_lines", "aiter_raw"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("response", list(CUT_SHORT.values()), ids=list(CUT_SHORT))
async def test_body_cut_short_is_never_complete(
    make_client: ClientFactory, scripted: StartServer, good_url: str, response: bytes, way: str
) -> None:
    server = scripted(Scripted(answer_once(response)))
    async with make_client(timeout=TIMEOUT) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            await read_with(way, client, server.url)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)


def cut_compressed(coding: str) -> bytes:
    """A body compressed with ``coding`` whose compressed stream stops half-way
    (the framing itself is complete: the body runs to the close)."""
    text = b"".join(b"line %d of a compressed body\n" % n for n in range(2000))
    if coding == "gzip":
        data = gzip.compress(text)
    elif coding == "deflate":
        data = zlib.compress(text)
    elif coding == "br":
        data = brotli.compress(text)
    else:
        data = zstandard.ZstdCompressor().compress(text)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nConnection: close\r\n\r\n" % (
        coding.encode()
    )
    return head + data[: len(data) // 2]


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
async def test_compressed_body_cut_short_is_never_complete(
    make_client: ClientFactory, scripted: StartServer, good_url: str, coding: str
) -> None:
    # The framing (a body delimited by the close) cannot tell; only the decoder can.
    server = scripted(Scripted(answer_once(cut_compressed(coding))))
    async with make_client(timeout=TIMEOUT) as client:
        with pytest.raises(darter.DecodingError):
            await client.get(server.url)
        await assert_pool_clean(client, good_url)


def reset_mid_body(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None:
        return
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
    linger(conn, 0.05)
    reset(conn)


@pytest.mark.parametrize("way", ["get-json", "aiter_bytes"])
async def test_reset_in_the_middle_of_a_body(
    make_client: ClientFactory, scripted: StartServer, good_url: str, way: str
) -> None:
    server = scripted(Scripted(reset_mid_body))
    async with make_client(timeout=TIMEOUT) as client:
        with Stopwatch() as watch, pytest.raises((darter.ReadError, darter.RemoteProtocolError)):
            await read_with(way, client, server.url)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)


# ------------------------------------------------------- pooled connections gone bad


def answer_then_close(conn: socket.socket, index: int, log: Log) -> None:
    """Answers one request, advertising keep-alive, then closes the connection."""
    if log.read(conn, index) is not None:
        send(conn, OK)
    conn.shutdown(socket.SHUT_RDWR)
    log.event.set()


def answer_then_half_close(conn: socket.socket, index: int, log: Log) -> None:
    """Answers one request, then shuts its sending side down but goes on reading:
    whatever else arrives on this connection is recorded and never answered."""
    if log.read(conn, index) is None:
        return
    send(conn, OK)
    conn.shutdown(socket.SHUT_WR)
    log.event.set()
    while log.read(conn, index) is not None:
        pass


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "script", [answer_then_close, answer_then_half_close], ids=["closed", "half-closed"]
)
async def test_pooled_connection_closed_by_the_server(
    make_client: ClientFactory,
    scripted: StartServer,
    script: Callable[[socket.socket, int, Log], None],
    method: str,
) -> None:
    handler = Scripted(script, serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        first = await client.get(server.url)
        assert first.text == "ok"
        await wait_for(handler.log.event.is_set)
        await settle()  # the close is visible to the client by now
        body = b"payload" if method == "POST" else None
        second = await client.request(method, server.url, content=body)
        assert second.text == "ok"
        await assert_pool_clean(client)
    log = handler.log
    if method == "POST":
        # Never sent on the connection that was going away, and sent once in all.
        assert log.methods().count(b"POST") == 1
        assert [exchange.method for exchange in log.on(0)] == [b"GET"]
    assert log.on(1)[-1].method == method.encode()


def close_on_second_request(conn: socket.socket, index: int, log: Log) -> None:
    """Answers the first request; reads the second, then closes without a word."""
    if log.read(conn, index) is None or not send(conn, OK):
        return
    log.read(conn, index)


def reset_on_second_request(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None or not send(conn, OK):
        return
    log.read(conn, index)
    reset(conn)


@pytest.mark.parametrize(
    "script", [close_on_second_request, reset_on_second_request], ids=["close", "reset"]
)
async def test_server_hanging_up_on_a_reused_connection(
    make_client: ClientFactory,
    scripted: StartServer,
    good_url: str,
    script: Callable[[socket.socket, int, Log], None],
) -> None:
    handler = Scripted(script, serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        assert (await client.get(server.url)).text == "ok"
        # A GET that got no byte of answer on a reused connection may be sent again.
        retried = await client.get(server.url + "/again")
        assert retried.text == "ok"
        assert [exchange.target for exchange in handler.log.on(1)] == [b"/again"]
        assert (await client.get(server.url)).text == "ok"  # conn 1, reused
        await assert_pool_clean(client)

    handler = Scripted(script, serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        assert (await client.get(server.url)).text == "ok"
        # A POST the server may have processed is never sent twice.
        with pytest.raises((darter.RemoteProtocolError, darter.ReadError)):
            await client.post(server.url, content=b"charge the card")
        await assert_pool_clean(client, good_url)
    assert handler.log.methods() == [b"GET", b"POST"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_server_closing_right_after_the_request(
    make_client: ClientFactory, scripted: StartServer, good_url: str, method: str
) -> None:
    def hang_up(conn: socket.socket, index: int, log: Log) -> None:
        log.read(conn, index)

    handler = Scripted(hang_up)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        body = b"payload" if method == "POST" else None
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            await client.request(method, server.url, content=body)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)
    if method == "POST":
        assert handler.log.methods() == [b"POST"]
