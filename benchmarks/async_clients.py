"""The async adapters: one client shared by every task, on a given event loop.

Each adapter is a coroutine function ``open(url, pool_size)``, awaited inside the
event loop that will drive the client (aiohttp binds its session to it), returning
an ``AsyncSession``. Every client gets the same connection pool: at most
``pool_size`` connections, all of them kept alive between requests (httpx and
darter keep only 20 idle connections by default, aiohttp keeps every one), so no
client opens more connections than another for the same work.

darter is measured on each of its backends: ``darter-asyncio`` (asyncio loop),
``darter-uvloop`` (the asyncio backend on a uvloop loop), ``darter-trio`` and
``darter-anyio`` (the anyio backend on an asyncio loop). The other peers on asyncio:
niquests (``AsyncSession``, ``pool_maxsize=N``), pyreqwest (``Client``, whose Rust
core runs on a thread of its own: its CPU counts, the runner measures every thread
of its process) and curl_cffi (``AsyncSession``, ``max_clients=N`` libcurl handles
driven by one multi handle on the loop). pycurl has no async interface.

Every client also gets the same generous timeout, ``TIMEOUT_S`` for each request
(aiohttp's default is already 5 minutes; httpx's 5 seconds): with 1,000 requests in
flight a slow client would otherwise fail instead of being measured.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from .sessions import AsyncOpener, AsyncSession, ClientSpec, check_status, darter_async_specs

if TYPE_CHECKING:
    from pyreqwest.client import ClientBuilder

TIMEOUT_S = 120.0


async def _open_darter(url: str, pool_size: int, backend: str, name: str) -> AsyncSession:
    import darter

    limits = darter.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    client = darter.AsyncClient(backend=backend, limits=limits, timeout=TIMEOUT_S)

    async def fetch() -> bytes:
        response = await client.get(url)
        check_status(response.status_code, name)
        return response.content

    return AsyncSession(fetch, client.aclose)


def _darter_opener(backend: str, name: str) -> AsyncOpener:
    async def open_variant(url: str, pool_size: int) -> AsyncSession:
        return await _open_darter(url, pool_size, backend, name)

    return open_variant


async def _open_aiohttp(url: str, pool_size: int) -> AsyncSession:
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool_size),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
    )

    async def fetch() -> bytes:
        async with session.get(url) as response:
            body = await response.read()
            check_status(response.status, "aiohttp")
            return body

    return AsyncSession(fetch, session.close)


async def _open_httpx(url: str, pool_size: int) -> AsyncSession:
    import httpx

    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    client = httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S)

    async def fetch() -> bytes:
        response = await client.get(url)
        check_status(response.status_code, "httpx")
        return response.content

    return AsyncSession(fetch, client.aclose)


async def _open_httpx2(url: str, pool_size: int) -> AsyncSession:
    import httpx2

    limits = httpx2.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    client = httpx2.AsyncClient(limits=limits, timeout=TIMEOUT_S)

    async def fetch() -> bytes:
        response = await client.get(url)
        check_status(response.status_code, "httpx2")
        return response.content

    return AsyncSession(fetch, client.aclose)


async def _open_niquests(url: str, pool_size: int) -> AsyncSession:
    import niquests

    session = niquests.AsyncSession(pool_maxsize=pool_size, timeout=TIMEOUT_S)

    async def fetch() -> bytes:
        response = await session.get(url)
        check_status(response.status_code or 0, "niquests")
        return response.content or b""

    return AsyncSession(fetch, session.close)


def pyreqwest_builder(pool_size: int) -> ClientBuilder:
    """A pyreqwest ``ClientBuilder`` with the common pool and timeout (``pool_size``).

    At most ``pool_size`` requests in flight, as many idle connections kept alive.
    """
    from pyreqwest.client import ClientBuilder

    builder: ClientBuilder = (
        ClientBuilder()
        .max_connections(pool_size)
        .pool_max_idle_per_host(pool_size)
        .timeout(timedelta(seconds=TIMEOUT_S))
    )
    return builder


async def _open_pyreqwest(url: str, pool_size: int) -> AsyncSession:
    client = pyreqwest_builder(pool_size).build()

    async def fetch() -> bytes:
        response = await client.get(url).build().send()
        body = await response.bytes()
        check_status(response.status, "pyreqwest")
        return bytes(body)

    return AsyncSession(fetch, client.close)


async def _open_curl_cffi(url: str, pool_size: int) -> AsyncSession:
    from curl_cffi import requests as curl_requests

    session: curl_requests.AsyncSession[curl_requests.Response] = curl_requests.AsyncSession(
        max_clients=pool_size, timeout=TIMEOUT_S
    )

    async def fetch() -> bytes:
        response = await session.get(url)
        check_status(response.status_code, "curl_cffi")
        return bytes(response.content)

    return AsyncSession(fetch, session.close)


_DARTER_API = "darter.AsyncClient(backend={!r})"

_SPECS: list[ClientSpec[AsyncOpener]] = [
    *darter_async_specs(_DARTER_API, _darter_opener),
    ClientSpec(
        "aiohttp", "aiohttp", "aiohttp", "aiohttp.ClientSession", _open_aiohttp, loop="asyncio"
    ),
    ClientSpec(
        "aiohttp-uvloop",
        "aiohttp",
        "aiohttp",
        "aiohttp.ClientSession",
        _open_aiohttp,
        loop="uvloop",
        requires=("uvloop",),
    ),
    ClientSpec("httpx", "httpx", "httpx", "httpx.AsyncClient", _open_httpx, loop="asyncio"),
    ClientSpec(
        "httpx-trio",
        "httpx",
        "httpx",
        "httpx.AsyncClient",
        _open_httpx,
        loop="trio",
        requires=("trio",),
    ),
    ClientSpec("httpx2", "httpx2", "httpx2", "httpx2.AsyncClient", _open_httpx2, loop="asyncio"),
    ClientSpec(
        "niquests", "niquests", "niquests", "niquests.AsyncSession", _open_niquests, loop="asyncio"
    ),
    ClientSpec(
        "pyreqwest",
        "pyreqwest",
        "pyreqwest",
        "pyreqwest.client.Client",
        _open_pyreqwest,
        loop="asyncio",
    ),
    ClientSpec(
        "curl_cffi",
        "curl_cffi",
        "curl_cffi",
        "curl_cffi.requests.AsyncSession",
        _open_curl_cffi,
        loop="asyncio",
    ),
]

ASYNC_CLIENTS: dict[str, ClientSpec[AsyncOpener]] = {spec.name: spec for spec in _SPECS}
