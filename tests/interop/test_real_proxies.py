"""Proxies that are real programs: squid (forwarding and CONNECT, with and without
basic auth) and microsocks (SOCKS5, with and without auth), on every client mode."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import darter
from tests.servers.peers import microsocks, squid

pytestmark = pytest.mark.anyio

CREDENTIALS = ("proxy-user", "proxy-secret")


@pytest.fixture(scope="module")
def squid_open() -> Iterator[str]:
    with squid() as url:
        yield url


@pytest.fixture(scope="module")
def squid_auth() -> Iterator[str]:
    with squid(CREDENTIALS) as url:
        yield url


@pytest.fixture(scope="module")
def socks_open() -> Iterator[int]:
    with microsocks() as port:
        yield port


@pytest.fixture(scope="module")
def socks_auth() -> Iterator[int]:
    with microsocks(CREDENTIALS) as port:
        yield port


async def test_squid_forwards_http(make_client, nginx_urls, squid_open) -> None:  # type: ignore[no-untyped-def]
    async with make_client(proxy=squid_open) as client:
        response = await client.get(nginx_urls["http"] + "/request?via=squid")
    request_line, host, _ = response.text.split("\n", 2)
    assert request_line == "GET /request?via=squid HTTP/1.1"
    assert host == nginx_urls["http"].removeprefix("http://")
    assert "squid" in response.headers.get("via", "")


async def test_squid_tunnels_https(
    make_client, nginx_urls, squid_open, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    async with make_client(proxy=squid_open, verify=client_ssl_context) as client:
        first = await client.get(nginx_urls["https"] + "/request")
        second = await client.get(nginx_urls["https"] + "/json")
    assert first.text.startswith("GET /request HTTP/1.1")
    assert second.json() == {"server": "nginx"}
    assert "via" not in first.headers  # end to end through the tunnel


async def test_squid_with_basic_auth(
    make_client, nginx_urls, squid_auth, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    proxy = darter.Proxy(squid_auth, auth=CREDENTIALS)
    async with make_client(proxy=proxy, verify=client_ssl_context) as client:
        plain = await client.get(nginx_urls["http"] + "/request")
        tunnelled = await client.get(nginx_urls["https"] + "/request")
    assert plain.status_code == tunnelled.status_code == 200
    # nginx echoes any Authorization it received: the proxy's credentials never reach it.
    assert plain.text.split("\n")[2] == tunnelled.text.split("\n")[2] == ""


async def test_squid_refuses_without_credentials(
    make_client, nginx_urls, squid_auth, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    async with make_client(proxy=squid_auth, verify=client_ssl_context) as client:
        response = await client.get(nginx_urls["http"] + "/request")
        with pytest.raises(darter.ProxyError, match="407"):
            await client.get(nginx_urls["https"] + "/request")
    assert response.status_code == 407


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_socks5(
    make_client, nginx_urls, socks_open, client_ssl_context, scheme: str
) -> None:  # type: ignore[no-untyped-def]
    proxy = f"{scheme}://127.0.0.1:{socks_open}"
    async with make_client(proxy=proxy, verify=client_ssl_context) as client:
        plain = await client.get(nginx_urls["http"] + "/request")
        tunnelled = await client.get(nginx_urls["https"] + "/json")
    assert plain.text.startswith("GET /request HTTP/1.1")
    assert tunnelled.json() == {"server": "nginx"}


async def test_socks5_with_auth(make_client, nginx_urls, socks_auth) -> None:  # type: ignore[no-untyped-def]
    user, password = CREDENTIALS
    async with make_client(proxy=f"socks5h://{user}:{password}@127.0.0.1:{socks_auth}") as client:
        response = await client.get(nginx_urls["http"] + "/request")
    assert response.status_code == 200
    async with make_client(proxy=f"socks5h://{user}:wrong@127.0.0.1:{socks_auth}") as client:
        with pytest.raises(darter.ProxyError, match="refused the username"):
            await client.get(nginx_urls["http"] + "/request")
    async with make_client(proxy=f"socks5h://127.0.0.1:{socks_auth}") as client:
        with pytest.raises(darter.ProxyError, match="requires authentication"):
            await client.get(nginx_urls["http"] + "/request")
