"""Input that would let whoever controls it write into the request: CR, LF or NUL in
a method, URL, header, cookie or credential is refused before any byte is sent
(RFC 9110 §5.5 and §5.6.2, RFC 9112 §3; CVE-2020-26137 and CVE-2019-11236 in
urllib3, CVE-2020-26116 and CVE-2019-9740 in the standard library).

The server side is a listener that never accepts: after the client is closed, the
test reads everything queued on it, and there must be no connection, or only
connections that carried no byte.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

import darter
from tests.clients import ClientFactory
from tests.hostile.support import (
    OK,
    TIMEOUT,
    Log,
    Scripted,
    SilentListener,
    StartServer,
    assert_pool_clean,
    send,
    serve_ok,
)

pytestmark = pytest.mark.anyio


INJECTED = "\r\nX-Injected: 1"

#: id -> (client arguments, request arguments); ``path`` is appended to the
#: listener's URL, ``url`` (with ``{port}``) replaces it.
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "method-crlf": ({}, {"method": "GET / HTTP/1.1" + INJECTED + "\r\nX:"}),
    "method-cr": ({}, {"method": "GE\rT"}),
    "method-lf": ({}, {"method": "GE\nT"}),
    "method-nul": ({}, {"method": "GE\x00T"}),
    "method-space": ({}, {"method": "GET /other"}),
    "url-path-crlf": ({}, {"path": "/a" + INJECTED}),
    "url-path-lf": ({}, {"path": "/a\nb"}),
    "url-path-nul": ({}, {"path": "/a\x00b"}),
    "url-query-crlf": ({}, {"path": "/?q=1" + INJECTED}),
    "url-host-crlf": ({}, {"url": "http://127.0.0.1" + INJECTED + ":{port}/"}),
    "header-value-crlf": ({}, {"headers": {"X-Value": "1" + INJECTED}}),
    "header-value-cr": ({}, {"headers": {"X-Value": "a\rb"}}),
    "header-value-lf": ({}, {"headers": {"X-Value": "a\nb"}}),
    "header-value-nul": ({}, {"headers": {"X-Value": "a\x00b"}}),
    "header-name-crlf": ({}, {"headers": {"X-Name" + INJECTED: "1"}}),
    "header-name-nul": ({}, {"headers": {"X-Na\x00me": "1"}}),
    "header-name-space": ({}, {"headers": {"X Name": "1"}}),
    "header-name-colon": ({}, {"headers": {"X-Name:": "1"}}),
    "host-header-crlf": ({}, {"headers": {"Host": "example.org" + INJECTED}}),
    "client-header-crlf": ({"headers": {"X-Value": "1" + INJECTED}}, {}),
    "cookie-value-crlf": ({"cookies": {"session": "1" + INJECTED}}, {}),
    "cookie-value-nul": ({"cookies": {"session": "1\x00"}}, {}),
    "cookie-name-crlf": ({"cookies": {"session" + INJECTED: "1"}}, {}),
    "basic-auth-user-crlf": ({}, {"auth": ("user" + INJECTED, "secret")}),
    "basic-auth-password-lf": ({}, {"auth": ("user", "sec\nret")}),
    "basic-auth-password-nul": ({}, {"auth": ("user", "sec\x00ret")}),
    "client-basic-auth-crlf": ({"auth": ("user" + INJECTED, "secret")}, {}),
}


@pytest.mark.parametrize(
    ("client_kwargs", "request_kwargs"), list(CASES.values()), ids=list(CASES)
)
async def test_injection_is_refused_before_anything_is_sent(
    make_client: ClientFactory,
    good_url: str,
    client_kwargs: dict[str, Any],
    request_kwargs: dict[str, Any],
) -> None:
    arguments = dict(request_kwargs)
    refused = (darter.LocalProtocolError, darter.InvalidURL)
    with SilentListener() as listener:
        method = arguments.pop("method", "GET")
        url = arguments.pop("url", listener.url + arguments.pop("path", "/"))
        url = url.replace("{port}", str(listener.port))
        try:
            client = make_client(timeout=TIMEOUT, **client_kwargs)
        except refused:
            pass  # refused as soon as it was configured: even better
        else:
            async with client:
                with pytest.raises(refused):
                    await client.request(method, url, **arguments)
                # A client configured with bad input fails every request; others go on.
                await assert_pool_clean(client, None if client_kwargs else good_url)
        received = listener.received()
    assert all(data == b"" for data in received), received


async def test_port_beyond_65535_is_refused(make_client: ClientFactory) -> None:
    # Ports are 16 bits: 65536 + n must not become port n.
    with SilentListener() as listener:
        async with make_client(timeout=darter.Timeout(3.0, read=0.5)) as client:
            with pytest.raises(darter.InvalidURL):
                await client.get(f"http://127.0.0.1:{listener.port + 65536}/")
        assert listener.received() == []


async def test_line_breaks_in_params_are_percent_encoded(
    make_client: ClientFactory, scripted: StartServer
) -> None:
    handler = Scripted(serve_ok)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        response = await client.get(server.url, params={"q": "a" + INJECTED})
        await assert_pool_clean(client)
    assert response.text == "ok"
    [exchange] = handler.log.exchanges
    assert exchange.head.split(b"\r\n")[0] == b"GET /?q=a%0D%0AX-Injected%3A+1 HTTP/1.1"
    assert exchange.header(b"x-injected") is None


def digest_challenge(conn: socket.socket, index: int, log: Log) -> None:
    challenge = (
        b"HTTP/1.1 401 Unauthorized\r\n"
        b'WWW-Authenticate: Digest realm="hostile", nonce="abc123", qop="auth"\r\n'
        b"Content-Length: 0\r\n\r\n"
    )
    if log.read(conn, index) is None or not send(conn, challenge):
        return
    while log.read(conn, index) is not None:
        if not send(conn, OK):
            return


async def test_line_breaks_in_digest_credentials_are_refused(
    make_client: ClientFactory, scripted: StartServer, good_url: str
) -> None:
    # The username travels inside the Authorization header of the second request.
    handler = Scripted(digest_challenge)
    server = scripted(handler)
    async with make_client(timeout=TIMEOUT) as client:
        with pytest.raises(darter.LocalProtocolError):
            auth = darter.DigestAuth("user" + INJECTED, "secret")
            await client.get(server.url, auth=auth)
        await assert_pool_clean(client, good_url)
    assert len(handler.log.exchanges) <= 1
    assert all(e.header(b"x-injected") is None for e in handler.log.exchanges)
