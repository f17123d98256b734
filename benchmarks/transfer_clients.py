"""The transfer adapters: a large body streamed in (download) or sent (upload).

A download's ``fetch`` streams the response and reads its body chunk after chunk,
counting the bytes and dropping them, and returns the count; the workload checks it
against the size of ``/large``. Each library is read the way its documentation shows
for streaming: the plain iterator where it takes no size (darter's and httpx's
``iter_bytes``/``aiter_bytes``, aiohttp's ``iter_any``, each yielding what arrived),
chunks of ``CHUNK_SIZE`` where a size is required (requests' ``iter_content``,
urllib3's ``stream``).

An upload's ``fetch`` POSTs ``size`` bytes held in memory (built once, when the
client is opened) and checks the 204 of nginx, which reads and discards the body;
it returns the size sent.

Openers take the URL and the body size (sync), or the URL, the pool size and the
body size (async); ``workloads`` turns them into ordinary adapters. The adapters of
niquests, pyreqwest, pycurl and curl_cffi are in ``transfer_peers``; the tables here
hold every peer.
"""

from __future__ import annotations

from typing import Any

from .async_clients import TIMEOUT_S
from .sessions import (
    AsyncSession,
    AsyncTransferOpener,
    ClientSpec,
    SyncSession,
    SyncTransferOpener,
    check_real_urllib3,
    check_status,
    darter_async_specs,
)
from .transfer_bodies import CHUNK_SIZE, UPLOAD_STATUS, upload_body
from .transfer_peers import (
    ASYNC_DOWNLOAD_PEERS,
    ASYNC_UPLOAD_PEERS,
    SYNC_DOWNLOAD_PEERS,
    SYNC_UPLOAD_PEERS,
)

__all__ = [
    "ASYNC_DOWNLOAD_CLIENTS",
    "ASYNC_UPLOAD_CLIENTS",
    "CHUNK_SIZE",
    "SYNC_DOWNLOAD_CLIENTS",
    "SYNC_UPLOAD_CLIENTS",
    "UPLOAD_STATUS",
    "upload_body",
]


# ---------------------------------------------------------------------------
# sync downloads


def _stream_session(client: Any, url: str, name: str) -> SyncSession:
    """The download session of an httpx-like sync client (darter, httpx)."""

    def fetch() -> int:
        received = 0
        with client.stream("GET", url) as response:
            check_status(response.status_code, name)
            for chunk in response.iter_bytes():
                received += len(chunk)
        return received

    return SyncSession(fetch, client.close)


def _download_darter(url: str, size: int) -> SyncSession:
    import darter

    return _stream_session(darter.Client(), url, "darter")


def _download_httpx(url: str, size: int) -> SyncSession:
    import httpx

    return _stream_session(httpx.Client(), url, "httpx")


def _download_requests(url: str, size: int) -> SyncSession:
    import requests

    check_real_urllib3()
    session = requests.Session()

    def fetch() -> int:
        received = 0
        with session.get(url, stream=True) as response:
            check_status(response.status_code, "requests")
            for chunk in response.iter_content(chunk_size=CHUNK_SIZE):
                received += len(chunk)
        return received

    return SyncSession(fetch, session.close)


def _download_urllib3(url: str, size: int) -> SyncSession:
    import urllib3

    check_real_urllib3()
    pool = urllib3.PoolManager(maxsize=1)

    def fetch() -> int:
        received = 0
        response = pool.request("GET", url, preload_content=False)
        try:
            check_status(response.status, "urllib3")
            for chunk in response.stream(CHUNK_SIZE):
                received += len(chunk)
        finally:
            response.release_conn()
        return received

    return SyncSession(fetch, pool.clear)


# ---------------------------------------------------------------------------
# sync uploads


def _post_session(client: Any, url: str, size: int, name: str) -> SyncSession:
    """The upload session of an httpx-like sync client (darter, httpx)."""
    body = upload_body(size)

    def fetch() -> int:
        response = client.post(url, content=body)
        check_status(response.status_code, name, UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, client.close)


def _upload_darter(url: str, size: int) -> SyncSession:
    import darter

    return _post_session(darter.Client(), url, size, "darter")


def _upload_httpx(url: str, size: int) -> SyncSession:
    import httpx

    return _post_session(httpx.Client(), url, size, "httpx")


def _upload_requests(url: str, size: int) -> SyncSession:
    import requests

    check_real_urllib3()
    session = requests.Session()
    body = upload_body(size)

    def fetch() -> int:
        response = session.post(url, data=body)
        check_status(response.status_code, "requests", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, session.close)


def _upload_urllib3(url: str, size: int) -> SyncSession:
    import urllib3

    check_real_urllib3()
    pool = urllib3.PoolManager(maxsize=1)
    body = upload_body(size)

    def fetch() -> int:
        response = pool.request("POST", url, body=body)
        check_status(response.status, "urllib3", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, pool.clear)


# ---------------------------------------------------------------------------
# async downloads and uploads


def _darter_async(pool_size: int, backend: str) -> object:
    import darter

    limits = darter.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    return darter.AsyncClient(backend=backend, limits=limits, timeout=TIMEOUT_S)


def _async_stream_session(client: Any, url: str, name: str) -> AsyncSession:
    """The download session of an httpx-like async client (darter, httpx)."""

    async def fetch() -> int:
        received = 0
        async with client.stream("GET", url) as response:
            check_status(response.status_code, name)
            async for chunk in response.aiter_bytes():
                received += len(chunk)
        return received

    return AsyncSession(fetch, client.aclose)


def _async_post_session(client: Any, url: str, size: int, name: str) -> AsyncSession:
    """The upload session of an httpx-like async client (darter, httpx)."""
    body = upload_body(size)

    async def fetch() -> int:
        response = await client.post(url, content=body)
        check_status(response.status_code, name, UPLOAD_STATUS)
        return len(body)

    return AsyncSession(fetch, client.aclose)


async def _download_darter_async(
    url: str, pool_size: int, size: int, backend: str, name: str
) -> AsyncSession:
    return _async_stream_session(_darter_async(pool_size, backend), url, name)


async def _upload_darter_async(
    url: str, pool_size: int, size: int, backend: str, name: str
) -> AsyncSession:
    return _async_post_session(_darter_async(pool_size, backend), url, size, name)


def _darter_variant(direction: str, backend: str, name: str) -> AsyncTransferOpener:
    opener = _download_darter_async if direction == "download" else _upload_darter_async

    async def open_variant(url: str, pool_size: int, size: int) -> AsyncSession:
        return await opener(url, pool_size, size, backend, name)

    return open_variant


async def _download_aiohttp(url: str, pool_size: int, size: int) -> AsyncSession:
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool_size),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
    )

    async def fetch() -> int:
        received = 0
        async with session.get(url) as response:
            check_status(response.status, "aiohttp")
            async for chunk in response.content.iter_any():
                received += len(chunk)
        return received

    return AsyncSession(fetch, session.close)


async def _upload_aiohttp(url: str, pool_size: int, size: int) -> AsyncSession:
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=pool_size),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_S),
    )
    body = upload_body(size)

    async def fetch() -> int:
        async with session.post(url, data=body) as response:
            await response.read()
            check_status(response.status, "aiohttp", UPLOAD_STATUS)
        return len(body)

    return AsyncSession(fetch, session.close)


def _httpx_async(pool_size: int) -> object:
    import httpx

    limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
    return httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S)


async def _download_httpx_async(url: str, pool_size: int, size: int) -> AsyncSession:
    return _async_stream_session(_httpx_async(pool_size), url, "httpx")


async def _upload_httpx_async(url: str, pool_size: int, size: int) -> AsyncSession:
    return _async_post_session(_httpx_async(pool_size), url, size, "httpx")


# ---------------------------------------------------------------------------
# the tables


def _sync_table(
    darter: SyncTransferOpener,
    httpx: SyncTransferOpener,
    requests: SyncTransferOpener,
    urllib3: SyncTransferOpener,
    peers: list[ClientSpec[SyncTransferOpener]],
) -> dict[str, ClientSpec[SyncTransferOpener]]:
    specs: list[ClientSpec[SyncTransferOpener]] = [
        ClientSpec("darter", "darter", "darter", "darter.Client", darter),
        ClientSpec("httpx", "httpx", "httpx", "httpx.Client", httpx),
        ClientSpec("requests", "requests", "requests", "requests.Session", requests),
        ClientSpec("urllib3", "urllib3", "urllib3", "urllib3.PoolManager", urllib3),
        *peers,
    ]
    return {spec.name: spec for spec in specs}


_DARTER_API = "darter.AsyncClient(backend={!r})"


def _async_table(
    direction: str,
    aiohttp: AsyncTransferOpener,
    httpx: AsyncTransferOpener,
    peers: list[ClientSpec[AsyncTransferOpener]],
) -> dict[str, ClientSpec[AsyncTransferOpener]]:
    specs = darter_async_specs(
        _DARTER_API, lambda backend, name: _darter_variant(direction, backend, name)
    )
    specs += [
        ClientSpec("aiohttp", "aiohttp", "aiohttp", "aiohttp.ClientSession", aiohttp, "asyncio"),
        ClientSpec("httpx", "httpx", "httpx", "httpx.AsyncClient", httpx, "asyncio"),
        *peers,
    ]
    return {spec.name: spec for spec in specs}


SYNC_DOWNLOAD_CLIENTS = _sync_table(
    _download_darter, _download_httpx, _download_requests, _download_urllib3, SYNC_DOWNLOAD_PEERS
)
SYNC_UPLOAD_CLIENTS = _sync_table(
    _upload_darter, _upload_httpx, _upload_requests, _upload_urllib3, SYNC_UPLOAD_PEERS
)
ASYNC_DOWNLOAD_CLIENTS = _async_table(
    "download", _download_aiohttp, _download_httpx_async, ASYNC_DOWNLOAD_PEERS
)
ASYNC_UPLOAD_CLIENTS = _async_table(
    "upload", _upload_aiohttp, _upload_httpx_async, ASYNC_UPLOAD_PEERS
)
