"""HTTP/1.1 responses whose head or framing is broken (RFC 9112 §2-§7).

A malformed response raises ``RemoteProtocolError`` as soon as the malformation can
be seen: the server keeps the connection open afterwards, so a client that waited
for more would end in a timeout instead, and fail. The few forms the RFCs let a
client accept (identical Content-Length values, obs-fold, obs-text) are accepted,
with the exact value.
"""

from __future__ import annotations

import re
import socket

import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.support import (
    QUICK,
    TIMEOUT,
    Scripted,
    StartServer,
    Stopwatch,
    answer_once,
    assert_pool_clean,
    linger,
)
from tests.servers.scripted import ScriptedServer

pytestmark = pytest.mark.anyio


def keep_open(conn: socket.socket) -> None:
    linger(conn, 5.0)


def chunked(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body


def with_field(line: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 2\r\n\r\nok"


#: Responses that must be refused; the connection stays open after them.
MALFORMED = {
    # Status line (RFC 9112 §4).
    "garbage-status-line": b"garbage\r\n\r\n",
    "missing-status-line": b"Content-Length: 2\r\n\r\nok",
    "lowercase-version": b"http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "http2-version": b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "status-two-digits": b"HTTP/1.1 99 Low\r\nContent-Length: 2\r\n\r\nok",
    "status-four-digits": b"HTTP/1.1 1000 High\r\nContent-Length: 2\r\n\r\nok",
    "status-000": b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok",
    "status-negative": b"HTTP/1.1 -20 Negative\r\nContent-Length: 2\r\n\r\nok",
    "status-not-digits": b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok",
    # Field lines (RFC 9112 §5, RFC 9110 §5.5).
    "line-without-colon": with_field(b"No colon here"),
    "space-before-colon": b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
    "tab-before-colon": b"HTTP/1.1 200 OK\r\nContent-Length\t: 2\r\n\r\nok",
    "empty-field-name": with_field(b": no name"),
    "nul-in-value": with_field(b"X-Bad: a\x00b"),
    "cr-in-value": with_field(b"X-Bad: a\rb"),
    "nul-in-name": with_field(b"X-B\x00ad: 1"),
    "cr-in-name": with_field(b"X-B\rad: 1"),
    "lf-in-name": with_field(b"X-B\nad: 1"),
    "non-ascii-in-name": with_field(b"X-Caf\xc3\xa9: 1"),
    "latin1-in-name": with_field(b"X-Caf\xe9: 1"),
    # Body length (RFC 9112 §6, RFC 9110 §8.6).
    "conflicting-content-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"
    ),
    "conflicting-content-length-list": b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",
    "content-length-and-chunked": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nok\r\n0\r\n\r\n"
    ),
    "chunked-and-content-length": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
        b"2\r\nok\r\n0\r\n\r\n"
    ),
    "chunked-twice": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    ),
    "negative-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
    "plus-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
    "hex-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok",
    "overflowing-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\nok"
    ),
    # Chunked coding (RFC 9112 §7.1).
    "chunk-size-not-hex": chunked(b"zz\r\nok\r\n0\r\n\r\n"),
    "chunk-size-negative": chunked(b"-2\r\nok\r\n0\r\n\r\n"),
    "chunk-size-hex-prefix": chunked(b"0x2\r\nok\r\n0\r\n\r\n"),
    "chunk-size-plus": chunked(b"+2\r\nok\r\n0\r\n\r\n"),
    "chunk-size-leading-space": chunked(b" 2\r\nok\r\n0\r\n\r\n"),
    "chunk-size-empty": chunked(b"\r\nok\r\n0\r\n\r\n"),
    "chunk-size-overflowing": chunked(b"1" + b"0" * 20 + b"\r\nok\r\n0\r\n\r\n"),
    "chunk-data-overruns-its-size": chunked(b"2\r\nokk\r\n0\r\n\r\n"),
    "chunk-data-without-crlf": chunked(b"2\r\nokXX0\r\n\r\n"),
    "chunk-extension-without-name": chunked(b"2;\r\nok\r\n0\r\n\r\n"),
    "chunk-extension-unterminated-quote": chunked(b'2;a="open\r\nok\r\n0\r\n\r\n'),
    "chunk-extension-nul": chunked(b"2;a\x00=1\r\nok\r\n0\r\n\r\n"),
    "chunk-extension-space-in-value": chunked(b"2;a=b c\r\nok\r\n0\r\n\r\n"),
    "chunk-extension-bare-lf": chunked(b"2;a\nok\r\n0\r\n\r\n"),
}


async def expect_refused(
    make_client: ClientFactory, server: ScriptedServer, good_url: str
) -> darter.RemoteProtocolError:
    async with make_client(timeout=TIMEOUT) as client:
        with Stopwatch() as watch, pytest.raises(darter.RemoteProtocolError) as info:
            await client.get(server.url)
        assert watch.elapsed < QUICK
        assert client._transport.pool.state.idle_count == 0  # the connection was dropped
        await assert_pool_clean(client, good_url)
    return info.value


@pytest.mark.parametrize("response", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_response_is_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str, response: bytes
) -> None:
    server = scripted(Scripted(answer_once(response, then=keep_open)))
    await expect_refused(make_client, server, good_url)


#: Responses that end early: the EOF is where the client learns it.
TRUNCATED = {
    "no-response-at-all": b"",
    "body-without-head": b"ok",
    "head-cut-short": b"HTTP/1.1 200 OK\r\nContent-Len",
    "missing-last-chunk": chunked(b"2\r\nok\r\n"),
    "missing-crlf-after-last-chunk": chunked(b"2\r\nok\r\n0\r\n"),
    "chunk-cut-short": chunked(b"a\r\nok"),
    "chunk-size-2**64-1": chunked(b"ffffffffffffffff\r\nok"),
    "body-shorter-than-content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok",
}


@pytest.mark.parametrize("response", list(TRUNCATED.values()), ids=list(TRUNCATED))
async def test_response_ended_by_close_is_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str, response: bytes
) -> None:
    server = scripted(Scripted(answer_once(response)))
    await expect_refused(make_client, server, good_url)


async def test_whitespace_before_the_first_field_is_never_a_field(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # RFC 9112 §2.2: reject the message, or consume the whitespace-preceded line
    # without processing it. Taking it as a field (or as a fold of the status line)
    # is the unsafe outcome.
    response = b"HTTP/1.1 200 OK\r\n X-Smuggled: yes\r\nContent-Length: 2\r\n\r\nok"
    server = scripted(Scripted(answer_once(response, then=keep_open)))
    async with make_client(timeout=TIMEOUT) as client:
        try:
            result = await client.get(server.url)
        except darter.RemoteProtocolError:
            pass
        else:
            assert "x-smuggled" not in result.headers
            assert result.reason_phrase == "OK"
            assert result.text == "ok"
        await assert_pool_clean(client, good_url)


# ------------------------------------------------------------------- accepted forms


async def fetch(
    make_client: ClientFactory, scripted: StartServer, good_url: str, response: bytes
) -> darter.Response:
    server = scripted(Scripted(answer_once(response, then=keep_open)))
    async with make_client(timeout=TIMEOUT) as client:
        result = await client.get(server.url)
        await assert_pool_clean(client, good_url)
    return result  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "lengths",
    [b"Content-Length: 2\r\nContent-Length: 2", b"Content-Length: 2, 2"],
    ids=["two-fields", "one-list"],
)
async def test_identical_content_lengths_count_as_one(
    make_client: ClientFactory, scripted: StartServer, good_url: str, lengths: bytes
) -> None:
    # RFC 9110 §8.6: a recipient may take identical values as one.
    response = b"HTTP/1.1 200 OK\r\n" + lengths + b"\r\n\r\nok"
    result = await fetch(make_client, scripted, good_url, response)
    assert result.status_code == 200
    assert result.content == b"ok"


async def test_obs_fold_is_replaced_by_spaces(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # RFC 9112 §5.2: a user agent replaces each obs-fold with one or more SP.
    response = with_field(b"X-Folded: first\r\n   second\r\n\tthird")
    result = await fetch(make_client, scripted, good_url, response)
    value = result.headers["x-folded"]
    assert re.fullmatch(r"first +second +third", value), value
    assert result.text == "ok"
    assert "second" not in result.headers and "third" not in result.headers


async def test_obs_text_in_values_is_kept(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # RFC 9110 §5.5: obs-text (bytes 0x80-0xFF) is allowed in values; keep it exactly.
    response = (
        b"HTTP/1.1 200 OK\r\nX-Utf8: caf\xc3\xa9\r\nX-Latin1: \xe9t\xe9\r\n"
        b"Content-Length: 2\r\n\r\nok"
    )
    result = await fetch(make_client, scripted, good_url, response)
    raw = dict(result.headers.raw)
    assert raw[b"X-Utf8"] == b"caf\xc3\xa9"
    assert raw[b"X-Latin1"] == b"\xe9t\xe9"
    assert result.text == "ok"


async def test_valid_chunk_extensions_are_ignored(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    response = chunked(b'2;name=value;q="a \\"quoted\\" one"\r\nok\r\n0;last\r\n\r\n')
    result = await fetch(make_client, scripted, good_url, response)
    assert result.content == b"ok"


async def test_status_codes_up_to_999_are_accepted(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    response = b"HTTP/1.1 999 Custom\r\nContent-Length: 2\r\n\r\nok"
    result = await fetch(make_client, scripted, good_url, response)
    assert result.status_code == 999
    assert result.reason_phrase == "Custom"
