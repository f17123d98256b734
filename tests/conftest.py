"""Shared fixtures: loopback servers, TLS certificates, and the client matrix."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from tests.clients import ANYIO_BACKENDS, MODES, ClientFactory, client_factory
from tests.servers.app import app
from tests.servers.scripted import Handler, ScriptedServer
from tests.servers.uvicorn_server import serve


@pytest.fixture(autouse=True)
def _no_environment_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback servers: a proxy set in the environment must not interfere."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL of the test app over plain HTTP."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A throwaway certificate authority for the tests' TLS servers."""
    return trustme.CA()


@pytest.fixture(scope="session")
def cert_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """PEM files: the CA, and a server certificate for localhost / 127.0.0.1."""
    directory = tmp_path_factory.mktemp("certs")
    server_cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    files = {
        "ca": directory / "ca.pem",
        "cert": directory / "server.pem",
        "key": directory / "server.key",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    server_cert.cert_chain_pems[0].write_to_path(str(files["cert"]))
    for blob in server_cert.cert_chain_pems[1:]:
        blob.write_to_path(str(files["cert"]), append=True)
    server_cert.private_key_pem.write_to_path(str(files["key"]))
    return {name: str(path) for name, path in files.items()}


@pytest.fixture(scope="session")
def https_server(cert_files: dict[str, str]) -> Iterator[str]:
    """Base URL of the test app over HTTPS (certificate from the ``ca`` fixture)."""
    with serve(app, certfile=cert_files["cert"], keyfile=cert_files["key"]) as url:
        yield url


@pytest.fixture
def client_ssl_context(cert_files: dict[str, str]) -> ssl.SSLContext:
    """A client context trusting the test CA."""
    return ssl.create_default_context(cafile=cert_files["ca"])


@pytest.fixture
def scripted() -> Iterator[Callable[[Handler], ScriptedServer]]:
    """Start scripted raw-socket servers; all are stopped when the test ends."""
    servers: list[ScriptedServer] = []

    def start(handler: Handler) -> ScriptedServer:
        server = ScriptedServer(handler)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def netrc_file(tmp_path: Path) -> str:
    path = tmp_path / "netrc"
    path.write_text("machine 127.0.0.1\nlogin netrc-user\npassword netrc-pass\n")
    os.chmod(path, 0o600)
    return str(path)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """The client under test: ``sync``, or the async client on one backend."""
    return str(request.param)


@pytest.fixture
def anyio_backend(mode: str) -> tuple[str, dict[str, object]]:
    """The event loop the test runs on, chosen by ``mode``."""
    return ANYIO_BACKENDS[mode]


@pytest.fixture
def make_client(mode: str) -> ClientFactory:
    """Build the client under test: ``make_client(base_url=..., ...)``."""
    return client_factory(mode)


@pytest.fixture(scope="session")
def mtls_server(ca: trustme.CA, cert_files: dict[str, str]) -> Iterator[str]:
    """The test app over HTTPS, requiring a client certificate signed by ``ca``."""
    with serve(
        app, certfile=cert_files["cert"], keyfile=cert_files["key"], client_ca=cert_files["ca"]
    ) as url:
        yield url


@pytest.fixture(scope="session")
def client_cert_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A client certificate and key, in one PEM file."""
    path = tmp_path_factory.mktemp("client") / "client.pem"
    ca.issue_cert("client@example.org").private_key_and_cert_chain_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def nginx_urls(
    tmp_path_factory: pytest.TempPathFactory, cert_files: dict[str, str]
) -> Iterator[dict[str, str]]:
    """nginx on loopback: ``http`` (HTTP/1.1), ``https`` (HTTP/2 by ALPN) and ``h2c``."""
    from tests.servers.peers import nginx

    with nginx(tmp_path_factory.mktemp("nginx"), cert_files) as urls:
        yield urls
