"""Bytes a server sends beyond a complete response are never served as the next
response (RFC 9112 §6.3: a client must not process such data as a separate
response; doing so is response splitting and cache poisoning, RFC 9112 §11.1).

Each hostile connection answers every later request on it with ``evil``; the
client must drop the connection and get ``ok`` from a fresh one.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from tests.clients import ClientFactory
from tests.hostile.support import (
    OK,
    TIMEOUT,
    Log,
    Scripted,
    StartServer,
    assert_pool_clean,
    linger,
    send,
    serve_ok,
    settle,
    wait_for,
)

pytestmark = pytest.mark.anyio


EVIL = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nSet-Cookie: planted=1\r\n\r\nevil"


def then_evil(first: bytes) -> Callable[[socket.socket, int, Log], None]:
    """Answer the first request with ``first``; answer later ones with ``EVIL``."""

    def script(conn: socket.socket, index: int, log: Log) -> None:
        if log.read(conn, index) is None or not send(conn, first):
            return
        while log.read(conn, index) is not None:
            if not send(conn, EVIL):
                return

    return script


def head_response(length: int) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % length


#: First responses followed, in the same write, by bytes that look like a response.
TRAILING = {
    "after-content-length-body": ("GET", OK + EVIL),
    "after-chunked-body": (
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n" + EVIL,
    ),
    # A response to HEAD, 204 and 304 has no body, whatever the framing fields say
    # (RFC 9112 §6.3): a server that sends one anyway has desynchronised the
    # connection.
    "body-after-head-response": ("HEAD", head_response(len(EVIL)) + EVIL),
    "body-after-204": ("GET", b"HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nevil"),
    "body-after-304": ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 4\r\n\r\nevil"),
}


@pytest.mark.parametrize(("method", "first"), list(TRAILING.values()), ids=list(TRAILING))
async def test_bytes_after_a_response_are_not_the_next_one(
    make_client: ClientFactory, scripted: StartServer, method: str, first: bytes
) -> None:
    handler = Scripted(then_evil(first), serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        await client.request(method, server.url)
        await settle()
        second = await client.get(server.url)
        assert second.text == "ok"
        assert "planted" not in client.cookies
        await assert_pool_clean(client)
    assert handler.connections == 2


def unsolicited_later(conn: socket.socket, index: int, log: Log) -> None:
    """Answers the first request; a moment later, with nothing asked, sends a whole
    response on the idle connection, then answers anything else with ``EVIL`` too."""
    if log.read(conn, index) is None or not send(conn, OK):
        return
    if linger(conn, 0.05) or not send(conn, EVIL):
        return
    log.event.set()
    while log.read(conn, index) is not None:
        if not send(conn, EVIL):
            return


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_bytes_on_an_idle_connection_are_not_the_next_response(
    make_client: ClientFactory, scripted: StartServer, method: str
) -> None:
    handler = Scripted(unsolicited_later, serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        assert (await client.get(server.url)).text == "ok"
        await wait_for(handler.log.event.is_set)
        await settle()  # the stray response has reached the client's socket
        body = b"payload" if method == "POST" else None
        second = await client.request(method, server.url, content=body)
        assert second.text == "ok"
        assert "planted" not in client.cookies
        await assert_pool_clean(client)
    assert handler.connections == 2
