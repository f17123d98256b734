"""Requests through an HTTP proxy: forwarding, CONNECT tunnels, credentials."""

from __future__ import annotations

from base64 import b64encode

import pytest

import darter
from tests.servers.scripted import ScriptedServer
from tests.servers.tiny_proxy import TinyProxy, tiny_proxy

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


async def test_https_proxy_for_http_and_https_targets(
    make_client, server: str, https_server: str, cert_files, client_ssl_context
) -> None:  # type: ignore[no-untyped-def]
    import ssl

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_files["cert"], cert_files["key"])
    proxy = TinyProxy()

    def tls_proxy(conn):  # type: ignore[no-untyped-def]
        with server_context.wrap_socket(conn, server_side=True) as tls:
            proxy(tls)

    proxy_server = ScriptedServer(tls_proxy)
    proxy_server.start()
    try:
        config = darter.Proxy(
            f"https://localhost:{proxy_server.port}", ssl_context=client_ssl_context
        )
        async with make_client(proxy=config, verify=client_ssl_context) as client:
            plain = await client.get(server + "/echo")
            tunnelled = await client.get(https_server + "/echo")  # TLS inside TLS
    finally:
        proxy_server.stop()
    assert plain.json()["path"] == tunnelled.json()["path"] == "/echo"
    assert proxy.heads[0].startswith(b"GET http://")
    assert proxy.heads[1].startswith(b"CONNECT 127.0.0.1:")
