"""Every backend passes the same conformance suite (darter.backends.testing)."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import trustme

from darter.backends import AsyncBackend, get_backend, get_sync_backend, testing

Check = Callable[[AsyncBackend, testing.Peers], Awaitable[None]]

# (name of the test parameter, the event loop anyio runs the test on, the backend)
BACKENDS = {
    "sync": ("asyncio", {}),
    "asyncio": ("asyncio", {}),
    "uvloop": ("asyncio", {"use_uvloop": True}),
    "trio": ("trio", {}),
    "anyio-on-asyncio": ("asyncio", {}),
    "anyio-on-trio": ("trio", {}),
}


def backend_for(name: str) -> AsyncBackend:
    if name == "sync":
        return testing.as_async(get_sync_backend("sync"))
    if name.startswith("anyio"):
        return get_backend("anyio")
    return get_backend("asyncio" if name == "uvloop" else name)


@pytest.fixture(params=list(BACKENDS))
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    for fixture in ("backend_name", "async_backend_name"):
        if fixture in request.fixturenames:
            return BACKENDS[request.getfixturevalue(fixture)]
    raise AssertionError("a test here needs a backend")


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[testing.Peers]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_context)
    server_context.set_alpn_protocols(["h2", "http/1.1"])
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    unix_path = str(Path(tmp_path_factory.mktemp("unix")) / "peer.sock")
    with testing.Peers(server_context, client_context, unix_path) as running:
        yield running


@pytest.mark.anyio
@pytest.mark.parametrize("check", testing.ASYNC_CHECKS, ids=lambda check: check.__name__)
async def test_backend_conformance(backend_name: str, peers: testing.Peers, check: Check) -> None:
    await check(backend_for(backend_name), peers)


@pytest.fixture(params=[name for name in BACKENDS if name != "sync"])
def async_backend_name(request: pytest.FixtureRequest) -> str:
    """The async backends only: nothing can cancel a blocking call."""
    return str(request.param)


@pytest.mark.anyio
@pytest.mark.parametrize("check", testing.CANCELLATION_CHECKS, ids=lambda check: check.__name__)
async def test_async_backend_cancellation(
    async_backend_name: str, peers: testing.Peers, check: Check
) -> None:
    await check(backend_for(async_backend_name), peers)
