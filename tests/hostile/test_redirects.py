"""Redirects chosen by a hostile server (RFC 9110 §15.4): loops, credentials and
cookies aimed at another origin, method and body rewriting, schemes that are not
HTTP, broken locations, and redirect bodies meant to be expensive.

The origins are scripted servers on 127.0.0.1 and ``localhost`` (different hosts
to a cookie jar and to the origin comparison), on different ports, with and
without TLS.
"""

from __future__ import annotations

import socket
import ssl
import tracemalloc
from base64 import b64encode
from collections.abc import Callable

import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.conftest import Bombs
from tests.hostile.support import (
    OK,
    QUICK,
    TIMEOUT,
    Exchange,
    Log,
    Scripted,
    SilentListener,
    StartServer,
    Stopwatch,
    assert_pool_clean,
    over_tls,
    send,
    serve_ok,
    wait_for,
)
from tests.servers.tiny_proxy import tiny_proxy

pytestmark = pytest.mark.anyio


MIB = 1 << 20


def redirect(location: bytes, status: int = 302, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 %d Redirect\r\nLocation: %s\r\n%sContent-Length: 0\r\n\r\n" % (
        status,
        location,
        extra,
    )


def routes(
    table: dict[bytes, bytes], *, keep_alive: bool = True
) -> Callable[[socket.socket, int, Log], None]:
    """A script answering each request by its path (404 for any other)."""
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    def script(conn: socket.socket, index: int, log: Log) -> None:
        while (exchange := log.read(conn, index)) is not None:
            path = exchange.target.split(b"?", 1)[0]
            if not send(conn, table.get(path, missing)) or not keep_alive:
                return

    return script


# ------------------------------------------------------------------------- loops


async def test_redirect_loop_stops_at_max_redirects(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    handler = Scripted(routes({b"/a": redirect(b"/b"), b"/b": redirect(b"/a")}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True, max_redirects=3) as client:
        with Stopwatch() as watch, pytest.raises(darter.TooManyRedirects):
            await client.get(server.url + "/a")
        assert watch.elapsed < QUICK
        await assert_pool_clean(client, good_url)
    assert [exchange.target for exchange in handler.log.exchanges] == [b"/a", b"/b", b"/a", b"/b"]


# ------------------------------------------------------- credentials and cookies

PROXY_CREDENTIALS = "Basic " + b64encode(b"proxy-user:proxy-secret").decode()


def start_target(
    scripted: StartServer, tls: ssl.SSLContext | None, host: str
) -> tuple[Scripted, str]:
    handler = Scripted(serve_ok)
    if tls is None:
        server = scripted(handler)
        return handler, f"http://{host}:{server.port}/landing"
    server = scripted(over_tls(tls, handler))
    return handler, f"https://{host}:{server.port}/landing"


def start_origin(
    scripted: StartServer,
    tls: ssl.SSLContext | None,
    location: str,
    cookies: bytes,
    keep_alive: bool = True,
) -> tuple[Scripted, str]:
    table = {b"/start": redirect(location.encode(), extra=cookies), b"/landing": OK}
    handler = Scripted(routes(table, keep_alive=keep_alive))
    if tls is None:
        return handler, f"http://127.0.0.1:{scripted(handler).port}/start"
    return handler, f"https://127.0.0.1:{scripted(over_tls(tls, handler)).port}/start"


#: (origin over TLS, target over TLS, target host): each a different origin.
CROSS_ORIGIN = {
    "cross-host": (False, False, "localhost"),
    "cross-port": (False, False, "127.0.0.1"),
    "http-to-https": (False, True, "127.0.0.1"),
    "https-to-http": (True, False, "127.0.0.1"),
    "https-to-other-host": (True, True, "localhost"),
}


@pytest.mark.parametrize(
    ("origin_tls", "target_tls", "target_host"),
    list(CROSS_ORIGIN.values()),
    ids=list(CROSS_ORIGIN),
)
async def test_credentials_stay_with_their_origin(
    make_client: ClientFactory,
    scripted: StartServer,
    server_contexts: dict[str, ssl.SSLContext],
    client_ssl_context: ssl.SSLContext,
    good_url: str,
    origin_tls: bool,
    target_tls: bool,
    target_host: str,
) -> None:
    # CVE-2018-1000007 and CVE-2022-27776 (curl), CVE-2018-18074 (requests),
    # CVE-2023-43804 (urllib3, Cookie header), CVE-2024-28849 (follow-redirects,
    # Proxy-Authorization).
    target, target_url = start_target(
        scripted, server_contexts["good"] if target_tls else None, target_host
    )
    cookies = b"Set-Cookie: sid=from-origin; Path=/\r\nSet-Cookie: tls=only; Path=/; Secure\r\n"
    origin, start_url = start_origin(
        scripted, server_contexts["good"] if origin_tls else None, target_url, cookies
    )
    async with make_client(
        timeout=TIMEOUT, follow_redirects=True, verify=client_ssl_context
    ) as client:
        response = await client.get(
            start_url,
            auth=("user", "secret"),
            headers={"Proxy-Authorization": PROXY_CREDENTIALS, "Cookie": "typed=by-hand"},
        )
        assert response.status_code == 200
        assert [r.status_code for r in response.history] == [302]
        await assert_pool_clean(client, good_url)

    [sent] = origin.log.exchanges
    assert sent.header(b"authorization") is not None  # the credentials were sent at all
    [landed] = target.log.exchanges
    assert landed.header(b"authorization") is None
    assert landed.header(b"proxy-authorization") is None
    cookie = (landed.header(b"cookie") or b"").decode()
    assert "typed=by-hand" not in cookie
    # What the jar allows: a host-only cookie goes back to its host (on any port,
    # RFC 6265 §8.5); a Secure one only over TLS.
    same_host = target_host == "127.0.0.1"
    assert ("sid=from-origin" in cookie) == same_host
    assert ("tls=only" in cookie) == (same_host and target_tls)


async def test_same_origin_redirect_keeps_authorization(
    make_client: ClientFactory, scripted: StartServer
) -> None:
    handler = Scripted(routes({b"/start": redirect(b"/landing"), b"/landing": OK}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True) as client:
        response = await client.get(server.url + "/start", auth=("user", "secret"))
        await assert_pool_clean(client)
    assert response.text == "ok"
    expected = b"Basic " + b64encode(b"user:secret")
    assert [e.header(b"authorization") for e in handler.log.exchanges] == [expected] * 2


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost"])
async def test_proxy_credentials_never_reach_a_redirect_target(
    make_client: ClientFactory,
    scripted: StartServer,
    server_contexts: dict[str, ssl.SSLContext],
    client_ssl_context: ssl.SSLContext,
    target_host: str,
) -> None:
    # CVE-2023-32681 (requests): after a redirect to an https origin, the proxy's
    # credentials went into the tunnel, to the origin itself.
    target, target_url = start_target(scripted, server_contexts["good"], target_host)
    # The proxy relays a forwarded exchange until the origin closes.
    _, start_url = start_origin(scripted, None, target_url, b"", keep_alive=False)
    with tiny_proxy(require_auth=PROXY_CREDENTIALS.encode()) as (proxy_server, proxy):
        proxy_url = f"http://proxy-user:proxy-secret@127.0.0.1:{proxy_server.port}"
        async with make_client(
            timeout=TIMEOUT, follow_redirects=True, verify=client_ssl_context, proxy=proxy_url
        ) as client:
            response = await client.get(start_url)
            assert response.text == "ok"
            await assert_pool_clean(client)
    assert [head.split(b" ", 1)[0] for head in proxy.heads] == [b"GET", b"CONNECT"]
    assert all(b"Proxy-Authorization: " + PROXY_CREDENTIALS.encode() in h for h in proxy.heads)
    [landed] = target.log.exchanges
    assert landed.header(b"proxy-authorization") is None
    assert landed.header(b"authorization") is None


# ------------------------------------------------------------ methods and bodies


def content_headers(exchange: Exchange) -> dict[bytes, bytes | None]:
    return {
        name: exchange.header(name)
        for name in (b"content-length", b"content-type", b"transfer-encoding")
    }


@pytest.mark.parametrize("status", [301, 302, 303])
async def test_post_redirected_as_get_loses_its_body(
    make_client: ClientFactory, scripted: StartServer, status: int
) -> None:
    # CVE-2023-45803 (urllib3 kept the body). RFC 9110 §15.4.
    handler = Scripted(routes({b"/form": redirect(b"/done", status), b"/done": OK}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True) as client:
        response = await client.post(server.url + "/form", data={"card": "4111111111111111"})
        await assert_pool_clean(client)
    assert response.text == "ok"
    posted, followed = handler.log.exchanges
    assert posted.method == b"POST" and posted.body == b"card=4111111111111111"
    assert followed.method == b"GET"
    assert followed.body == b""
    assert content_headers(followed) == {
        b"content-length": None,
        b"content-type": None,
        b"transfer-encoding": None,
    }


@pytest.mark.parametrize("status", [307, 308])
async def test_307_and_308_keep_method_and_body(
    make_client: ClientFactory, scripted: StartServer, status: int
) -> None:
    handler = Scripted(routes({b"/form": redirect(b"/done", status), b"/done": OK}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True) as client:
        response = await client.post(server.url + "/form", json={"amount": 1})
        await assert_pool_clean(client)
    assert response.text == "ok"
    posted, followed = handler.log.exchanges
    assert followed.method == b"POST"
    assert followed.body == posted.body == b'{"amount":1}'
    assert content_headers(followed) == content_headers(posted)


# ------------------------------------------------------------------- locations


@pytest.mark.parametrize(
    ("location", "error"),
    [
        (b"ftp://127.0.0.1/file", darter.UnsupportedProtocol),
        (b"file:///etc/passwd", darter.UnsupportedProtocol),
        (b"gopher://127.0.0.1:70/_stats", darter.UnsupportedProtocol),
        (b"javascript:alert(1)", darter.UnsupportedProtocol),
        (b"data:text/plain,hello", darter.UnsupportedProtocol),
        (b"ws://127.0.0.1/socket", darter.UnsupportedProtocol),
        (b"http://[::1", darter.RemoteProtocolError),
        (b"//[not-an-address]/", darter.RemoteProtocolError),
        (b"http://127.0.0.1:8x/", darter.RemoteProtocolError),
        (b"http://127.0.0.1:-1/", darter.RemoteProtocolError),
        (b"http://exa\tmple.org/", darter.RemoteProtocolError),
    ],
)
async def test_redirect_to_another_protocol_or_a_malformed_location_is_refused(
    make_client: ClientFactory,
    scripted: StartServer,
    good_url: str,
    location: bytes,
    error: type[darter.DarterError],
) -> None:
    # Other schemes are the caller's to refuse (UnsupportedProtocol); a Location that
    # is not a URL at all is the server's fault (RemoteProtocolError).
    handler = Scripted(routes({b"/start": redirect(location)}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True) as client:
        with pytest.raises(error):
            await client.get(server.url + "/start")
        await assert_pool_clean(client, good_url)
    assert len(handler.log.exchanges) == 1


async def test_location_with_a_port_beyond_65535_is_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # Ports are 16 bits: a larger number must not wrap around to another port.
    with SilentListener() as listener:
        location = b"http://127.0.0.1:%d/" % (listener.port + 65536)
        handler = Scripted(routes({b"/start": redirect(location)}))
        server = scripted(handler)
        timeout = darter.Timeout(3.0, read=0.5)
        async with make_client(timeout=timeout, follow_redirects=True) as client:
            with pytest.raises(darter.RemoteProtocolError):
                await client.get(server.url + "/start")
            await assert_pool_clean(client, good_url)
        assert listener.received() == []
    assert len(handler.log.exchanges) == 1


# ------------------------------------------------------------- redirect bodies


def huge_redirect_body(chunked: bool) -> Callable[[socket.socket, int, Log], None]:
    """A redirect whose body is 1 GiB (or endless, chunked), sent for as long as the
    client reads it; records how much went out and whether the client hung up."""

    def script(conn: socket.socket, index: int, log: Log) -> None:
        if log.read(conn, index) is None:
            return
        if chunked:
            head = b"HTTP/1.1 302 Found\r\nLocation: /next\r\nTransfer-Encoding: chunked\r\n\r\n"
            piece = b"10000\r\n" + b"r" * 0x10000 + b"\r\n"
        else:
            head = b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: %d\r\n\r\n" % (
                1 << 30
            )
            piece = b"r" * 0x10000
        sent = 0
        if send(conn, head):
            while sent < 1 << 30:
                if not send(conn, piece):
                    log.note(f"closed by the client after {sent} bytes")
                    break
                sent += len(piece)
            else:
                log.note("the whole body was sent")
        log.event.set()

    return script


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_huge_redirect_body_is_not_read(
    make_client: ClientFactory, scripted: StartServer, good_url: str, chunked: bool
) -> None:
    handler = Scripted(huge_redirect_body(chunked), routes({b"/next": OK}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT, follow_redirects=True) as client:
        with Stopwatch() as watch:
            response = await client.get(server.url + "/start")
        assert watch.elapsed < QUICK
        assert response.text == "ok"
        assert [r.status_code for r in response.history] == [302]
        await wait_for(handler.log.event.is_set)
        await assert_pool_clean(client, good_url)
    [note] = handler.log.notes
    assert note.startswith("closed by the client after ")
    # Only what the sockets' buffers took before the client hung up.
    assert int(note.rsplit(" ", 2)[1]) < 32 * MIB


async def test_compressed_redirect_body_is_never_decoded(
    make_client: ClientFactory, scripted: StartServer, good_url: str, bombs: Bombs
) -> None:
    # CVE-2026-21441 (urllib3 decompressed redirect bodies while draining them).
    head = (
        b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(bombs["gzip"])
    )
    handler = Scripted(routes({b"/start": head + bombs["gzip"], b"/next": OK}))
    server = scripted(handler)
    client = make_client(timeout=TIMEOUT, follow_redirects=True)
    async with client:
        tracemalloc.start()
        try:
            response = await client.get(server.url + "/start")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert response.text == "ok"
        await assert_pool_clean(client, good_url)
    assert peak < 16 * MIB, f"peak {peak} bytes"


async def test_redirect_to_another_protocol_not_followed_is_returned(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # Only following it is refused: the 3xx itself is a valid answer to give back.
    handler = Scripted(routes({b"/start": redirect(b"ftp://127.0.0.1/file")}))
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        response = await client.get(server.url + "/start")
        assert response.is_redirect
        assert response.headers["location"] == "ftp://127.0.0.1/file"
        assert response.next_request is None
        await assert_pool_clean(client, good_url)
    assert len(handler.log.exchanges) == 1
