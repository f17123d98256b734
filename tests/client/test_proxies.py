"""Requests through an HTTP proxy: forwarding, CONNECT tunnels, credentials."""

from __future__ import annotations

from base64 import b64encode

import pytest

import darter
from tests.servers.tiny_proxy import tiny_proxy

pytestmark = pytest.mark.anyio

CREDENTIALS = b"Basic " + b64encode(b"proxy-user:proxy-pass")


async def test_forwarding_http_through_a_proxy(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    with tiny_proxy() as (proxy_server, proxy):
        async with make_client(proxy=proxy_server.url) as client:
            response = await client.get(server + "/echo?x=1")
    assert response.json()["path"] == "/echo"
    request_line = proxy.heads[0].split(b"\r\n")[0]
    assert request_line == f"GET {server}/echo?x=1 HTTP/1.1".encode()


async def test_proxy_credentials_go_to_the_proxy_only(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    proxy_url_template = "http://proxy-user:proxy-pass@127.0.0.1:{port}"
    with tiny_proxy(require_auth=CREDENTIALS) as (proxy_server, proxy):
        proxy_url = proxy_url_template.format(port=proxy_server.port)
        async with make_client(proxy=proxy_url) as client:
            response = await client.get(server + "/echo")
    assert response.status_code == 200
    assert b"Proxy-Authorization: " + CREDENTIALS in proxy.heads[0]
    assert "proxy-authorization" not in dict(response.json()["headers"])


async def test_proxy_refuses_without_credentials(make_client, server: str) -> None:  # type: ignore[no-untyped-def]
    with tiny_proxy(require_auth=CREDENTIALS) as (proxy_server, _):
        async with make_client(proxy=proxy_server.url) as client:
            response = await client.get(server + "/echo")
    assert response.status_code == 407


async def test_connect_tunnel_for_https(
    make_client, https_server: str, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    with tiny_proxy(require_auth=CREDENTIALS) as (proxy_server, proxy):
        proxy_config = darter.Proxy(proxy_server.url, auth=("proxy-user", "proxy-pass"))
        async with make_client(proxy=proxy_config, verify=client_ssl_context) as client:
            response = await client.get(https_server + "/echo")
            again = await client.get(https_server + "/echo")
    assert response.status_code == again.status_code == 200
    authority = https_server.removeprefix("https://")
    assert proxy.heads[0].startswith(f"CONNECT {authority} HTTP/1.1\r\n".encode())
    assert len(proxy.heads) == 1  # the tunnel was kept alive and reused
    assert "proxy-authorization" not in dict(response.json()["headers"])


async def test_tunnel_refused(make_client, https_server: str, client_ssl_context) -> None:  # type: ignore[no-untyped-def]
    with tiny_proxy(require_auth=CREDENTIALS) as (proxy_server, _):
        async with make_client(proxy=proxy_server.url, verify=client_ssl_context) as client:
            with pytest.raises(darter.ProxyError, match="407"):
                await client.get(https_server + "/")


async def test_proxy_from_environment(make_client, server: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with tiny_proxy() as (proxy_server, proxy):
        monkeypatch.setenv("HTTP_PROXY", proxy_server.url)
        async with make_client() as client:
            await client.get(server + "/echo")
        assert len(proxy.heads) == 1
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with make_client() as client:
            await client.get(server + "/echo")
        assert len(proxy.heads) == 1
