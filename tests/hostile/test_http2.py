"""HTTP/2 servers that misbehave (RFC 9113): GOAWAY in the middle of a response,
RST_STREAM in the middle of a body, CONTINUATION floods, a flow-control window
that never opens, a limit of one concurrent stream, and invalid response fields.

The clients speak h2c with prior knowledge (``http1=False, http2=True``) to the
scripted server of ``h2_hostile``.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import hpack
import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.h2_hostile import (
    Field,
    H2Log,
    H2Peer,
    H2Script,
    H2ScriptFunction,
    echo_h2,
    h2_handler,
)
from tests.hostile.isolated import run_isolated
from tests.hostile.support import (
    QUICK,
    TIMEOUT,
    StartServer,
    Stopwatch,
    assert_pool_clean,
    concurrently,
)

pytestmark = pytest.mark.anyio


MIB = 1 << 20
INTERNAL_ERROR = 0x2


def start(scripted: StartServer, script: H2Script) -> str:
    return scripted(h2_handler(script)).url


def h2_client(make_client: ClientFactory, **kwargs: Any) -> Any:
    kwargs.setdefault("timeout", TIMEOUT)
    return make_client(http1=False, http2=True, **kwargs)


# ------------------------------------------------------------------------ GOAWAY


def goaway_mid_response(peer: H2Peer, index: int, log: H2Log) -> None:
    """Answers the first request in two halves with a GOAWAY naming it in between;
    leaves every other stream on this connection unanswered."""
    for request in peer.requests():
        body = b"hello " + request.path
        head = [(b":status", b"200"), (b"content-length", str(len(body)).encode())]
        peer.send_headers(request.stream_id, head)
        peer.send_data(request.stream_id, body[:3])
        peer.goaway(last_stream_id=request.stream_id)
        if peer.send_data(request.stream_id, body[3:], end=True):
            with log.lock:
                log.answered.append(request.path)
        break
    for _ in peer.requests():
        pass  # above the GOAWAY: never processed


async def test_goaway_mid_response_retries_only_the_streams_above_it(
    mode: str, make_client: ClientFactory, scripted: StartServer, good_h2_url: str
) -> None:
    paths = [f"/{n}" for n in range(10)]
    # A few rounds: which requests are in flight when the GOAWAY lands varies.
    for _ in range(4):
        script = H2Script(goaway_mid_response, echo_h2)
        url = start(scripted, script)
        async with h2_client(make_client) as client:
            responses = await concurrently(mode, client, [("GET", url + p, {}) for p in paths])
            assert [r.text for r in responses] == [f"hello {p}" for p in paths]
            await assert_pool_clean(client, good_h2_url)
        # Each request processed exactly once: the one below the GOAWAY on the first
        # connection, every other one after a retry on a new connection.
        assert sorted(script.log.answered) == sorted(p.encode() for p in paths)
        assert script.connections >= 2
        assert script.log.notes == []


async def test_response_cut_by_goaway_is_not_complete_nor_retried(mode: str) -> None:
    # GOAWAY naming the stream as processed, then the connection closes before its
    # response ends: the request fails (it may have been processed, so it is not
    # sent again), and the client does not wait for more than its timeouts. Run in
    # a child process, which is killed if the client never returns.
    rounds = (await run_isolated(mode, "response-cut-by-goaway", deadline=8.0))["rounds"]
    for result in rounds:
        assert result["outcome"] in ("RemoteProtocolError", "ReadError"), result
        assert result["elapsed"] < QUICK, result
        assert result["again"] == "hello /again", result
        assert (result["in_use"], result["waiting"]) == (0, 0), result
        assert result["paths"] == ["/pay", "/again"], result


# -------------------------------------------------------------------- RST_STREAM


def reset_mid_body(peer: H2Peer, index: int, log: H2Log) -> None:
    """Resets the first stream half-way through its body; answers later ones."""
    requests = peer.requests()
    for request in requests:
        peer.send_headers(request.stream_id, [(b":status", b"200"), (b"content-length", b"10")])
        peer.send_data(request.stream_id, b"hello")
        peer.reset(request.stream_id, INTERNAL_ERROR)
        break
    for request in requests:
        if not peer.respond(request, b"hello " + request.path):
            return


@pytest.mark.parametrize("streaming", [False, True], ids=["read", "stream"])
async def test_reset_mid_body_is_an_error(
    make_client: ClientFactory, scripted: StartServer, good_h2_url: str, streaming: bool
) -> None:
    script = H2Script(reset_mid_body)
    url = start(scripted, script)
    async with h2_client(make_client) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            if streaming:
                async with client.stream("GET", url + "/") as response:
                    async for _ in response.aiter_bytes():
                        pass
            else:
                await client.get(url + "/")
        assert watch.elapsed < QUICK
        # The connection itself is fine: the next stream on it works.
        assert (await client.get(url + "/next")).text == "hello /next"
        await assert_pool_clean(client, good_h2_url)


# ------------------------------------------------------------- CONTINUATION floods

_STATUS_200 = hpack.Encoder().encode([(b":status", b"200")])
_BIG_FIELD = hpack.Encoder().encode(
    [hpack.NeverIndexedHeaderTuple(b"x-flood", b"a" * 16_000)], huffman=False
)


def continuation_flood(block: bytes, count: int) -> H2ScriptFunction:
    """HEADERS without END_HEADERS, then ``count`` CONTINUATION frames carrying
    ``block``, never ending the header block."""

    def script(peer: H2Peer, index: int, log: H2Log) -> None:
        for request in peer.requests():
            peer.headers_without_end(request.stream_id, _STATUS_200)
            sent = peer.continuation(request.stream_id, block, count)
            log.note(f"{sent} of {count} CONTINUATION frames sent")
            peer.linger()
            return

    return script


@pytest.mark.parametrize(
    ("block", "count"),
    [(b"", 200_000), (_BIG_FIELD, 4096)],
    ids=["empty-frames", "16KB-frames"],
)
async def test_continuation_flood_is_cut_off(
    make_client: ClientFactory, scripted: StartServer, good_h2_url: str, block: bytes, count: int
) -> None:
    # CVE-2024-27316 (Apache httpd) and the 2024 CONTINUATION-flood family: a
    # header block that never ends must be bounded in frames, bytes and time.
    script = H2Script(continuation_flood(block, count))
    url = start(scripted, script)
    client = h2_client(make_client)
    async with client:
        tracemalloc.start()
        try:
            with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
                await client.get(url + "/")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_h2_url)
    assert peak < 16 * MIB, f"peak {peak} bytes"


# ------------------------------------------------------------- flow and streams


def never_opens_the_window(peer: H2Peer, index: int, log: H2Log) -> None:
    for _ in peer.requests():
        pass  # the request body can never arrive


async def test_upload_into_a_closed_window_hits_the_write_timeout(
    make_client: ClientFactory, scripted: StartServer, good_h2_url: str
) -> None:
    url = start(scripted, H2Script(never_opens_the_window, initial_window=0))
    # The other timeouts differ, so that waiting on the wrong one shows. A few fresh
    # connections, since how the server's first frames are read varies.
    timeout = darter.Timeout(connect=4.0, read=4.0, write=0.3, pool=4.0)
    for _ in range(3):
        async with h2_client(make_client, timeout=timeout) as client:
            with Stopwatch() as watch, pytest.raises(darter.WriteTimeout):
                await client.post(url + "/upload", content=b"x" * 100_000)
            assert watch.elapsed < 1.5
            await assert_pool_clean(client, good_h2_url)


async def test_one_stream_at_a_time_for_a_hundred_requests(
    mode: str, make_client: ClientFactory, scripted: StartServer, good_h2_url: str
) -> None:
    script = H2Script(echo_h2, max_concurrent_streams=1)
    url = start(scripted, script)
    paths = [f"/{n}" for n in range(100)]
    async with h2_client(make_client, timeout=darter.Timeout(10.0)) as client:
        with Stopwatch() as watch:
            responses = await concurrently(mode, client, [("GET", url + p, {}) for p in paths])
        assert watch.elapsed < 8.0
        assert [r.text for r in responses] == [f"hello {p}" for p in paths]
        await assert_pool_clean(client, good_h2_url)
    assert script.log.max_open == 1
    assert script.log.notes == []
    assert script.connections == 1


# -------------------------------------------------------------- invalid fields


def respond_with(fields: list[Field], body: bytes = b"hello") -> H2ScriptFunction:
    def script(peer: H2Peer, index: int, log: H2Log) -> None:
        for request in peer.requests():
            peer.send_headers(request.stream_id, fields)
            if not peer.send_data(request.stream_id, body, end=True):
                return

    return script


def status_and(*extra: Field) -> list[Field]:
    return [(b":status", b"200"), (b"content-length", b"5"), *extra]


#: Responses that are malformed (RFC 9113 §8.1.1, §8.2.1, §8.2.2, §8.3.2).
MALFORMED: dict[str, tuple[list[Field], bytes]] = {
    "uppercase-name": (status_and((b"X-Upper", b"1")), b"hello"),
    "space-in-name": (status_and((b"x bad", b"1")), b"hello"),
    "cr-in-value": (status_and((b"x-bad", b"a\rb")), b"hello"),
    "lf-in-value": (status_and((b"x-bad", b"a\nb")), b"hello"),
    "crlf-in-value": (status_and((b"x-bad", b"a\r\nx-injected: 1")), b"hello"),
    "nul-in-value": (status_and((b"x-bad", b"a\x00b")), b"hello"),
    "nul-in-name": (status_and((b"x-b\x00ad", b"1")), b"hello"),
    "leading-space-in-value": (status_and((b"x-bad", b" padded")), b"hello"),
    "connection": (status_and((b"connection", b"close")), b"hello"),
    "keep-alive": (status_and((b"keep-alive", b"timeout=5")), b"hello"),
    "proxy-connection": (status_and((b"proxy-connection", b"keep-alive")), b"hello"),
    "transfer-encoding": (status_and((b"transfer-encoding", b"chunked")), b"hello"),
    "upgrade": (status_and((b"upgrade", b"h2c")), b"hello"),
    "request-pseudo-header": (status_and((b":path", b"/")), b"hello"),
    "pseudo-header-after-field": (
        [(b"content-length", b"5"), (b":status", b"200")],
        b"hello",
    ),
    "missing-status": ([(b"content-length", b"5")], b"hello"),
    "body-shorter-than-content-length": (
        [(b":status", b"200"), (b"content-length", b"100")],
        b"hello",
    ),
    "body-longer-than-content-length": (
        [(b":status", b"200"), (b"content-length", b"2")],
        b"hello",
    ),
}


@pytest.mark.parametrize(("fields", "body"), list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_response_is_refused(
    make_client: ClientFactory,
    scripted: StartServer,
    good_h2_url: str,
    fields: list[Field],
    body: bytes,
) -> None:
    url = start(scripted, H2Script(respond_with(fields, body)))
    async with h2_client(make_client) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError):
            await client.get(url + "/")
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_h2_url)
