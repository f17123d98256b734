"""Network configuration: Unix sockets, IPv6, local address, socket options, trust stores."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
import truststore
import uvicorn

import darter
from tests.clients import make_transport
from tests.servers.app import app

pytestmark = pytest.mark.anyio


def _serve_on(sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(app, log_level="error", lifespan="off", loop="asyncio", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return server, thread


@pytest.fixture(scope="module")
def unix_socket_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = str(tmp_path_factory.mktemp("uds") / "app.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    server, thread = _serve_on(sock)
    yield path
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def ipv6_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.bind(("::1", 0))
    port = sock.getsockname()[1]
    server, thread = _serve_on(sock)
    yield f"http://[::1]:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


async def test_unix_domain_socket(make_client, mode: str, unix_socket_path: str) -> None:  # type: ignore[no-untyped-def]
    transport = make_transport(mode, uds=unix_socket_path)
    async with make_client(transport=transport) as client:
        response = await client.get("http://app.local/echo")
    assert response.json()["path"] == "/echo"
    assert dict(response.json()["headers"])["host"] == "app.local"


async def test_ipv6_literal(make_client, ipv6_url: str) -> None:  # type: ignore[no-untyped-def]
    async with make_client() as client:
        response = await client.get(ipv6_url + "/echo")
    assert response.status_code == 200
    assert dict(response.json()["headers"])["host"] == ipv6_url.removeprefix("http://")


async def test_local_address_and_socket_options(make_client, mode: str, server: str) -> None:  # type: ignore[no-untyped-def]
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    transport = make_transport(mode, local_address="127.0.0.1", socket_options=options)
    async with make_client(transport=transport) as client:
        response = await client.get(server + "/")
        stream = response.extensions["network_stream"]
        sock = stream.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0
        assert stream.get_extra_info("client_addr")[0] == "127.0.0.1"


async def test_system_trust_store_through_truststore(make_client, https_server: str) -> None:  # type: ignore[no-untyped-def]
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    async with make_client(verify=context) as client:
        # The operating system does not trust the tests' private CA: refused, which
        # shows the system store (and not certifi, nor no verification) was used.
        with pytest.raises(darter.ConnectError):
            await client.get(https_server + "/")


def test_tls_contexts_are_shared_per_configuration() -> None:
    first = darter.HTTPTransport()
    second = darter.HTTPTransport()
    h2 = darter.HTTPTransport(http2=True)
    context = first.pool._connector._ssl_context
    assert context is second.pool._connector._ssl_context
    assert context is not h2.pool._connector._ssl_context
