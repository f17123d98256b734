"""The HTTP/2 adapters: one async client, one HTTP/2 connection over TLS, N streams.

Each adapter is a coroutine function ``open(url, pool_size, ca_file)``: like the
async adapters (``async_clients``), awaited inside the event loop that will drive
the client, but every client is limited to ONE connection (``pool_size`` is the
number of requests in flight, which share it as HTTP/2 streams), negotiates HTTP/2
(``http2=True``) and trusts the CA certificate in ``ca_file`` (an ``ssl`` context
made from it). Each response's ``http_version`` is checked, so that a client
silently falling back to HTTP/1.1 fails the run instead of being measured.

Peers: darter on each of its backends, httpx and httpx2 (both with ``h2``). aiohttp
has no HTTP/2 client.
"""

from __future__ import annotations

from typing import Any

from .async_clients import TIMEOUT_S
from .sessions import (
    AsyncSession,
    BadResponse,
    ClientSpec,
    Http2Opener,
    check_status,
    darter_async_specs,
    ssl_context,
)

HTTP2 = "HTTP/2"


def check_http2(version: str, name: str) -> None:
    """Raise ``BadResponse`` unless the response came over HTTP/2."""
    if version != HTTP2:
        raise BadResponse(f"{name}: response over {version}, expected {HTTP2}")


def _session(client: Any, url: str, name: str) -> AsyncSession:
    """The session of an httpx-like client: status, protocol, then the body."""

    async def fetch() -> bytes:
        response = await client.get(url)
        check_status(response.status_code, name)
        check_http2(response.http_version, name)
        return bytes(response.content)

    return AsyncSession(fetch, client.aclose)


async def _open_darter(url: str, ca_file: str, backend: str, name: str) -> AsyncSession:
    import darter

    limits = darter.Limits(max_connections=1, max_keepalive_connections=1)
    client = darter.AsyncClient(
        backend=backend,
        http2=True,
        verify=ssl_context(ca_file),
        limits=limits,
        timeout=TIMEOUT_S,
    )
    return _session(client, url, name)


def _darter_opener(backend: str, name: str) -> Http2Opener:
    async def open_variant(url: str, pool_size: int, ca_file: str) -> AsyncSession:
        return await _open_darter(url, ca_file, backend, name)

    return open_variant


async def _open_httpx(url: str, pool_size: int, ca_file: str) -> AsyncSession:
    import httpx

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = httpx.AsyncClient(
        http2=True, verify=ssl_context(ca_file), limits=limits, timeout=TIMEOUT_S
    )
    return _session(client, url, "httpx")


async def _open_httpx2(url: str, pool_size: int, ca_file: str) -> AsyncSession:
    import httpx2

    limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    client = httpx2.AsyncClient(
        http2=True, verify=ssl_context(ca_file), limits=limits, timeout=TIMEOUT_S
    )
    return _session(client, url, "httpx2")


_DARTER_API = "darter.AsyncClient(backend={!r}, http2=True)"

_SPECS: list[ClientSpec[Http2Opener]] = [
    *darter_async_specs(_DARTER_API, _darter_opener, requires=("h2",)),
    ClientSpec(
        "httpx",
        "httpx",
        "httpx",
        "httpx.AsyncClient(http2=True)",
        _open_httpx,
        loop="asyncio",
        requires=("h2",),
    ),
    ClientSpec(
        "httpx2",
        "httpx2",
        "httpx2",
        "httpx2.AsyncClient(http2=True)",
        _open_httpx2,
        loop="asyncio",
        requires=("h2",),
    ),
]

HTTP2_CLIENTS: dict[str, ClientSpec[Http2Opener]] = {spec.name: spec for spec in _SPECS}
