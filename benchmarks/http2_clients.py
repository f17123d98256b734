"""The HTTP/2 adapters: one async client, one HTTP/2 connection over TLS, N streams.

Each adapter is a coroutine function ``open(url, pool_size, ca_file)``: like the
async adapters (``async_clients``), awaited inside the event loop that will drive
the client, but every client is limited to ONE connection (``pool_size`` is the
number of requests in flight, which share it as HTTP/2 streams), negotiates HTTP/2
(``http2=True``) and trusts the CA certificate in ``ca_file`` (an ``ssl`` context
made from it). Each response's ``http_version`` is checked, so that a client
silently falling back to HTTP/1.1 fails the run instead of being measured.

Peers: darter on each of its backends, httpx and httpx2 (both with ``h2``), and:

- niquests: ``AsyncSession(multiplexed=True)`` with a pool of one connection; each
  task awaits its (lazy) response with ``gather``. It trusts ``ca_file`` through
  ``verify=`` and ignores the environment (``trust_env``), whose
  ``REQUESTS_CA_BUNDLE`` would otherwise replace it.
- pyreqwest: ``http2_prior_knowledge()`` (HTTP/2 only, still negotiated over TLS):
  with plain ``http2(True)`` its pool opens a connection per request started before
  the first handshake ends (tens of them), not knowing yet that they could share one.
- curl_cffi: ``http_version="v2tls"`` and libcurl's ``PIPEWAIT``, so that the
  transfers started together wait for the first connection and multiplex over it
  instead of each opening one.

Each library reports the protocol its own way (``20``, ``"HTTP/2.0"``, libcurl's
``3``); ``protocol_name`` maps it to ``HTTP/2``. aiohttp has no HTTP/2 client;
pycurl has no async interface.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .async_clients import TIMEOUT_S, pyreqwest_builder
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


def protocol_name(reported: object, names: Mapping[Any, str]) -> str:
    """The name (``HTTP/2``...) of the protocol a library reported, as ``names`` maps it."""
    return names.get(reported, f"an unknown protocol ({reported!r})")


# niquests' Response.http_version, pyreqwest's Response.version, and libcurl's
# CURLINFO_HTTP_VERSION (curl_cffi's Response.http_version).
NIQUESTS_VERSIONS = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: HTTP2, 30: "HTTP/3"}
PYREQWEST_VERSIONS = {"HTTP/1.0": "HTTP/1.0", "HTTP/1.1": "HTTP/1.1", "HTTP/2.0": HTTP2}
CURL_VERSIONS = {1: "HTTP/1.0", 2: "HTTP/1.1", 3: HTTP2, 30: "HTTP/3"}


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


async def _open_niquests(url: str, pool_size: int, ca_file: str) -> AsyncSession:
    import niquests

    session = niquests.AsyncSession(
        multiplexed=True, pool_maxsize=1, verify=ca_file, timeout=TIMEOUT_S
    )
    session.trust_env = False

    async def fetch() -> bytes:
        response = await session.get(url)
        await session.gather(response)
        check_status(response.status_code or 0, "niquests")
        check_http2(protocol_name(response.http_version, NIQUESTS_VERSIONS), "niquests")
        return response.content or b""

    return AsyncSession(fetch, session.close)


async def _open_pyreqwest(url: str, pool_size: int, ca_file: str) -> AsyncSession:
    with open(ca_file, "rb") as pem:
        authority = pem.read()
    client = (
        pyreqwest_builder(pool_size).add_root_certificate_pem(authority).http2_prior_knowledge()
    ).build()

    async def fetch() -> bytes:
        response = await client.get(url).build().send()
        body = await response.bytes()
        check_status(response.status, "pyreqwest")
        check_http2(protocol_name(response.version, PYREQWEST_VERSIONS), "pyreqwest")
        return bytes(body)

    return AsyncSession(fetch, client.close)


async def _open_curl_cffi(url: str, pool_size: int, ca_file: str) -> AsyncSession:
    from curl_cffi import CurlOpt
    from curl_cffi import requests as curl_requests

    session: curl_requests.AsyncSession[curl_requests.Response] = curl_requests.AsyncSession(
        max_clients=pool_size,
        # A CA file, as requests takes it (annotated bool, read as CAINFO when a str).
        verify=ca_file,  # type: ignore[arg-type]
        http_version="v2tls",
        curl_options={CurlOpt.PIPEWAIT: 1},
        timeout=TIMEOUT_S,
    )

    async def fetch() -> bytes:
        response = await session.get(url)
        check_status(response.status_code, "curl_cffi")
        check_http2(protocol_name(response.http_version, CURL_VERSIONS), "curl_cffi")
        return bytes(response.content)

    return AsyncSession(fetch, session.close)


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
    ClientSpec(
        "niquests",
        "niquests",
        "niquests",
        "niquests.AsyncSession(multiplexed=True)",
        _open_niquests,
        loop="asyncio",
    ),
    ClientSpec(
        "pyreqwest",
        "pyreqwest",
        "pyreqwest",
        "pyreqwest.client.Client (http2_prior_knowledge)",
        _open_pyreqwest,
        loop="asyncio",
    ),
    ClientSpec(
        "curl_cffi",
        "curl_cffi",
        "curl_cffi",
        "curl_cffi.requests.AsyncSession (HTTP/2, PIPEWAIT)",
        _open_curl_cffi,
        loop="asyncio",
    ),
]

HTTP2_CLIENTS: dict[str, ClientSpec[Http2Opener]] = {spec.name: spec for spec in _SPECS}
