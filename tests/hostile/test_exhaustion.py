"""Servers that try to exhaust the client: memory (huge heads, decompression bombs),
time (trickling, silence, endless interim responses) and connections.

Every case ends in a darter exception within the configured timeouts, with the
memory the client used bounded (measured with tracemalloc where memory is the
target), and the client still usable afterwards.
"""

from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import aclosing, contextmanager

import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.conftest import Bombs
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
    listener_with_full_backlog,
    send,
    serve_ok,
    wait_for,
)
from tests.servers.scripted import read_request_head

pytestmark = pytest.mark.anyio


MIB = 1 << 20
#: What the client may allocate, at most, while a memory attack runs. The attacks
#: below would need from 1 MiB (a head) to 1 GiB (a bomb) if they were believed.
MEMORY_BOUND = 48 * MIB


class Peak:
    value = 0


@contextmanager
def traced_peak() -> Iterator[Peak]:
    """Measure the peak of memory allocated by Python inside the block."""
    peak = Peak()
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.value = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# ------------------------------------------------------------------------ heads


def huge_field_line() -> bytes:
    return b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * MIB + b"\r\nContent-Length: 2\r\n\r\nok"


def many_fields() -> bytes:
    fields = b"".join(b"X-Field-%d: v\r\n" % n for n in range(10_000))
    return b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 2\r\n\r\nok"


@pytest.mark.parametrize("build", [huge_field_line, many_fields], ids=["1MB-line", "10k-fields"])
async def test_oversized_head_is_refused(
    make_client: ClientFactory,
    scripted: StartServer,
    good_url: str,
    build: Callable[[], bytes],
) -> None:
    response = build()
    server = scripted(Scripted(answer_once(response, then=lambda conn: linger(conn, 5.0))))
    client = make_client(timeout=TIMEOUT)
    async with client:
        with (
            traced_peak() as peak,
            Stopwatch() as watch,
            pytest.raises(darter.RemoteProtocolError),
        ):
            await client.get(server.url)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)
    assert peak.value < MEMORY_BOUND // 4, f"peak {peak.value} bytes"


def trickle_lines(conn: socket.socket, index: int, log: Log) -> None:
    """A head that never ends: a new 400-byte field every 2 ms (so that the bounds on
    size and on the number of fields are both reached after about 256 lines)."""
    if log.read(conn, index) is None:
        return
    send(conn, b"HTTP/1.1 200 OK\r\n")
    for number in range(20_000):
        if not send(conn, b"X-Trickle-%05d: %s\r\n" % (number, b"v" * 381)):
            return
        time.sleep(0.002)


def trickle_one_line(conn: socket.socket, index: int, log: Log) -> None:
    """A head that never ends: one field line growing by 512 bytes every 2 ms."""
    if log.read(conn, index) is None:
        return
    send(conn, b"HTTP/1.1 200 OK\r\nX-Endless: ")
    for _ in range(20_000):
        if not send(conn, b"a" * 512):
            return
        time.sleep(0.002)


@pytest.mark.parametrize("script", [trickle_lines, trickle_one_line], ids=["lines", "one-line"])
async def test_head_that_never_ends_is_cut_off(
    make_client: ClientFactory,
    scripted: StartServer,
    good_url: str,
    script: Callable[[socket.socket, int, Log], None],
) -> None:
    # Each piece arrives well within the read timeout: only a bound on the head
    # (size or number of fields) can stop this.
    server = scripted(Scripted(script))
    async with make_client(timeout=darter.Timeout(5.0)) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            await client.get(server.url)
        assert watch.elapsed < 3.0
        await assert_pool_clean(client, good_url)


def endless_interim(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None:
        return
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    for _ in range(100_000):
        if not send(conn, interim):
            return


async def test_endless_interim_responses_are_cut_off(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # CVE-2021-3737 (http.client looped forever on 100 Continue).
    server = scripted(Scripted(endless_interim))
    async with make_client(timeout=TIMEOUT) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            await client.get(server.url)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)


# ------------------------------------------------------------------------- bodies


def endless_chunks(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None:
        return
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    send(conn, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(65_536):  # 1 GiB at most
        if not send(conn, chunk):
            log.note("client closed the endless body")
            log.event.set()
            return
    log.note("the whole endless body was sent")


async def test_leaving_an_endless_body_discards_the_connection(
    make_client: ClientFactory, scripted: StartServer
) -> None:
    handler = Scripted(endless_chunks, serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        received = 0
        async with (
            client.stream("GET", server.url) as response,
            aclosing(response.aiter_bytes()) as chunks,
        ):
            async for chunk in chunks:
                received += len(chunk)
                if received >= 2 * MIB:
                    break
        state = client._transport.pool.state
        assert state.in_use_count == 0 and state.idle_count == 0
        await wait_for(handler.log.event.is_set)  # the server saw the connection close
        again = await client.get(server.url)
        assert again.text == "ok"
        await assert_pool_clean(client)
    assert received >= 2 * MIB
    assert handler.connections == 2
    assert handler.log.notes == ["client closed the endless body"]


def trickle_head(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None:
        return
    for byte in OK:
        if not send(conn, bytes([byte])) or linger(conn, 1.0):
            return


def trickle_body(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is None:
        return
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        if not send(conn, b"x") or linger(conn, 1.0):
            return


def silent(conn: socket.socket, index: int, log: Log) -> None:
    if log.read(conn, index) is not None:
        linger(conn, 10.0)


@pytest.mark.parametrize(
    "script",
    [trickle_head, trickle_body, silent],
    ids=["trickled-head", "trickled-body", "silent"],
)
async def test_slow_server_hits_the_read_timeout(
    make_client: ClientFactory,
    scripted: StartServer,
    good_url: str,
    script: Callable[[socket.socket, int, Log], None],
) -> None:
    server = scripted(Scripted(script))
    async with make_client(timeout=darter.Timeout(5.0, read=0.4)) as client:
        with Stopwatch() as watch, pytest.raises(darter.ReadTimeout):
            await client.get(server.url)
        assert 0.3 < watch.elapsed < 1.5
        await assert_pool_clean(client, good_url)


def never_reads(conn: socket.socket, index: int, log: Log) -> None:
    read_request_head(conn)
    log.event.wait(10.0)


async def test_server_that_never_reads_hits_the_write_timeout(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    handler = Scripted(never_reads)
    server = scripted(handler)
    try:
        async with make_client(timeout=darter.Timeout(5.0, write=0.4)) as client:
            with Stopwatch() as watch, pytest.raises(darter.WriteTimeout):
                await client.post(server.url, content=b"x" * (64 * MIB))
            assert watch.elapsed < 3.0
            await assert_pool_clean(client, good_url)
    finally:
        handler.log.event.set()


async def test_listener_that_never_accepts_hits_the_connect_timeout(
    make_client: ClientFactory, good_url: str
) -> None:
    with listener_with_full_backlog() as url:
        async with make_client(timeout=darter.Timeout(5.0, connect=0.3)) as client:
            with Stopwatch() as watch, pytest.raises(darter.ConnectTimeout):
                await client.get(url)
            assert watch.elapsed < 2.0
            await assert_pool_clean(client, good_url)


# ---------------------------------------------------------------- decompression


def compressed(coding: str, body: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n" % (
        coding.encode(),
        len(body),
    )
    return head + body


CODINGS = ["gzip", "deflate", "br", "zstd"]


@pytest.mark.parametrize("coding", CODINGS)
async def test_decompression_bomb_is_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str, bombs: Bombs, coding: str
) -> None:
    # 1 GiB from at most a few MB. CVE-2025-66471 (urllib3) for the streaming case.
    response = compressed(coding, bombs[coding])
    server = scripted(Scripted(answer_once(response, then=lambda conn: linger(conn, 5.0))))
    client = make_client(timeout=darter.Timeout(10.0))
    async with client:
        with (
            traced_peak() as peak,
            Stopwatch() as watch,
            pytest.raises(darter.DecodingError),
        ):
            await client.get(server.url)
        assert watch.elapsed < 5.0
        await assert_pool_clean(client, good_url)
    assert peak.value < MEMORY_BOUND, f"peak {peak.value} bytes"


@pytest.mark.parametrize("coding", CODINGS)
async def test_decompression_bomb_is_refused_while_streaming(
    make_client: ClientFactory, scripted: StartServer, good_url: str, bombs: Bombs, coding: str
) -> None:
    # Streaming must not turn a few compressed bytes into one enormous chunk either.
    response = compressed(coding, bombs[coding])
    server = scripted(Scripted(answer_once(response, then=lambda conn: linger(conn, 5.0))))
    client = make_client(timeout=darter.Timeout(10.0))
    largest = total = 0
    async with client:
        with traced_peak() as peak, pytest.raises(darter.DecodingError):
            async with (
                client.stream("GET", server.url) as streamed,
                aclosing(streamed.aiter_bytes()) as chunks,
            ):
                async for chunk in chunks:
                    largest = max(largest, len(chunk))
                    total += len(chunk)
        await assert_pool_clean(client, good_url)
    assert largest <= 4 * MIB, f"a single chunk of {largest} bytes"
    assert total < 64 * MIB
    assert peak.value < MEMORY_BOUND // 2, f"peak {peak.value} bytes"


async def test_nested_bomb_is_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str, bombs: Bombs
) -> None:
    # A gzip bomb, gzipped again: every layer is held to the limit.
    response = compressed("gzip, gzip", gzip.compress(bombs["gzip"]))
    server = scripted(Scripted(answer_once(response, then=lambda conn: linger(conn, 5.0))))
    client = make_client(timeout=darter.Timeout(10.0))
    async with client:
        with traced_peak() as peak, pytest.raises(darter.DecodingError):
            await client.get(server.url)
        await assert_pool_clean(client, good_url)
    assert peak.value < MEMORY_BOUND, f"peak {peak.value} bytes"


async def test_hundred_stacked_codings_are_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # CVE-2025-66418 (urllib3: an unbounded chain of decoders).
    body = b"ok"
    for _ in range(100):
        body = gzip.compress(body, mtime=0)
    response = compressed(", ".join(["gzip"] * 100), body)
    server = scripted(Scripted(answer_once(response, then=lambda conn: linger(conn, 5.0))))
    async with make_client(timeout=TIMEOUT) as client:
        with Stopwatch() as watch, pytest.raises(darter.DecodingError):
            await client.get(server.url)
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)
