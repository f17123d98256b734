"""The transfer adapters of niquests, pyreqwest, pycurl and curl_cffi.

Same contract as ``transfer_clients`` (whose tables include these): a download's
``fetch`` streams ``/large`` and returns the number of body bytes read, chunk after
chunk, each dropped; an upload's POSTs ``size`` bytes built once when the client is
opened, checks nginx's 204 and returns the size. Each library streams the way its
documentation shows: niquests' ``iter_content(CHUNK_SIZE)`` (a size is required),
pyreqwest's ``body_reader.read_chunk()`` (each chunk as it arrived), and libcurl's
write callback, called with each piece received: pycurl's ``WRITEFUNCTION`` and
curl_cffi's ``content_callback``. (curl_cffi's ``stream=True`` is not used: in the
sync session it clones the curl handle for each response and closes it after, so
every download would open a new connection, and it hands each chunk over from a
thread through a queue.)

libcurl (pycurl, curl_cffi) sends ``Expect: 100-continue`` with a large POST, as it
does by default; nginx answers ``100 Continue`` at once, one round trip on loopback.
pycurl has no async interface, so it is in the sync tables only.
"""

from __future__ import annotations

from typing import Any

from .async_clients import TIMEOUT_S, pyreqwest_builder
from .sessions import (
    AsyncSession,
    AsyncTransferOpener,
    ClientSpec,
    SyncSession,
    SyncTransferOpener,
    check_status,
)
from .transfer_bodies import CHUNK_SIZE, UPLOAD_STATUS, upload_body

# ---------------------------------------------------------------------------
# sync


def _download_niquests(url: str, size: int) -> SyncSession:
    import niquests

    session = niquests.Session()

    def fetch() -> int:
        received = 0
        with session.get(url, stream=True) as response:
            check_status(response.status_code or 0, "niquests")
            for chunk in response.iter_content(CHUNK_SIZE):
                received += len(chunk)
        return received

    return SyncSession(fetch, session.close)


def _upload_niquests(url: str, size: int) -> SyncSession:
    import niquests

    session = niquests.Session()
    body = upload_body(size)

    def fetch() -> int:
        response = session.post(url, data=body)
        check_status(response.status_code or 0, "niquests", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, session.close)


def _download_pyreqwest(url: str, size: int) -> SyncSession:
    from pyreqwest.client import SyncClientBuilder

    client = SyncClientBuilder().build()

    def fetch() -> int:
        received = 0
        with client.get(url).build_streamed() as response:
            check_status(response.status, "pyreqwest")
            reader = response.body_reader
            while (chunk := reader.read_chunk()) is not None:
                received += len(chunk)
        return received

    return SyncSession(fetch, client.close)


def _upload_pyreqwest(url: str, size: int) -> SyncSession:
    from pyreqwest.client import SyncClientBuilder

    client = SyncClientBuilder().build()
    body = upload_body(size)

    def fetch() -> int:
        response = client.post(url).body_bytes(body).build().send()
        check_status(response.status, "pyreqwest", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, client.close)


class ByteCounter:
    """A libcurl write callback that counts the bytes it is given and drops them."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, chunk: bytes) -> int:
        size = len(chunk)
        self.count += size
        return size  # all of it taken (curl_cffi warns unless told so; pycurl accepts)

    def take(self) -> int:
        """The count so far, and start again from 0."""
        count, self.count = self.count, 0
        return count


def _download_pycurl(url: str, size: int) -> SyncSession:
    import pycurl

    handle = pycurl.Curl()
    counter = ByteCounter()
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.WRITEFUNCTION, counter)

    def fetch() -> int:
        counter.take()
        handle.perform()
        check_status(handle.getinfo(pycurl.RESPONSE_CODE), "pycurl")
        return counter.take()

    return SyncSession(fetch, handle.close)


def _upload_pycurl(url: str, size: int) -> SyncSession:
    import pycurl

    handle = pycurl.Curl()
    body = upload_body(size)
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.POSTFIELDS, body)
    handle.setopt(pycurl.POSTFIELDSIZE_LARGE, len(body))

    def fetch() -> int:
        handle.perform()
        check_status(handle.getinfo(pycurl.RESPONSE_CODE), "pycurl", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, handle.close)


def _curl_cffi_session() -> Any:
    from curl_cffi import requests as curl_requests

    return curl_requests.Session()


def _download_curl_cffi(url: str, size: int) -> SyncSession:
    session = _curl_cffi_session()
    counter = ByteCounter()

    def fetch() -> int:
        counter.take()
        response = session.get(url, content_callback=counter)
        check_status(response.status_code, "curl_cffi")
        return counter.take()

    return SyncSession(fetch, session.close)


def _upload_curl_cffi(url: str, size: int) -> SyncSession:
    session = _curl_cffi_session()
    body = upload_body(size)

    def fetch() -> int:
        response = session.post(url, data=body)
        check_status(response.status_code, "curl_cffi", UPLOAD_STATUS)
        return len(body)

    return SyncSession(fetch, session.close)


# ---------------------------------------------------------------------------
# async (asyncio)


def _niquests_async(pool_size: int) -> Any:
    import niquests

    return niquests.AsyncSession(pool_maxsize=pool_size, timeout=TIMEOUT_S)


async def _download_niquests_async(url: str, pool_size: int, size: int) -> AsyncSession:
    session = _niquests_async(pool_size)

    async def fetch() -> int:
        received = 0
        response = await session.get(url, stream=True)
        async with response:
            check_status(response.status_code or 0, "niquests")
            async for chunk in await response.iter_content(CHUNK_SIZE):
                received += len(chunk)
        return received

    return AsyncSession(fetch, session.close)


async def _upload_niquests_async(url: str, pool_size: int, size: int) -> AsyncSession:
    session = _niquests_async(pool_size)
    body = upload_body(size)

    async def fetch() -> int:
        response = await session.post(url, data=body)
        check_status(response.status_code or 0, "niquests", UPLOAD_STATUS)
        return len(body)

    return AsyncSession(fetch, session.close)


async def _download_pyreqwest_async(url: str, pool_size: int, size: int) -> AsyncSession:
    client = pyreqwest_builder(pool_size).build()

    async def fetch() -> int:
        received = 0
        async with client.get(url).build_streamed() as response:
            check_status(response.status, "pyreqwest")
            reader = response.body_reader
            while (chunk := await reader.read_chunk()) is not None:
                received += len(chunk)
        return received

    return AsyncSession(fetch, client.close)


async def _upload_pyreqwest_async(url: str, pool_size: int, size: int) -> AsyncSession:
    client = pyreqwest_builder(pool_size).build()
    body = upload_body(size)

    async def fetch() -> int:
        response = await client.post(url).body_bytes(body).build().send()
        check_status(response.status, "pyreqwest", UPLOAD_STATUS)
        return len(body)

    return AsyncSession(fetch, client.close)


def _curl_cffi_async(pool_size: int) -> Any:
    from curl_cffi import requests as curl_requests

    return curl_requests.AsyncSession(max_clients=pool_size, timeout=TIMEOUT_S)


async def _download_curl_cffi_async(url: str, pool_size: int, size: int) -> AsyncSession:
    session = _curl_cffi_async(pool_size)
    counter = ByteCounter()  # one task: one transfer at a time

    async def fetch() -> int:
        counter.take()
        response = await session.get(url, content_callback=counter)
        check_status(response.status_code, "curl_cffi")
        return counter.take()

    return AsyncSession(fetch, session.close)


async def _upload_curl_cffi_async(url: str, pool_size: int, size: int) -> AsyncSession:
    session = _curl_cffi_async(pool_size)
    body = upload_body(size)

    async def fetch() -> int:
        response = await session.post(url, data=body)
        check_status(response.status_code, "curl_cffi", UPLOAD_STATUS)
        return len(body)

    return AsyncSession(fetch, session.close)


# ---------------------------------------------------------------------------
# the specs, for transfer_clients' tables

_SYNC_APIS = {
    "niquests": "niquests.Session",
    "pyreqwest": "pyreqwest.client.SyncClient",
    "pycurl": "pycurl.Curl",
    "curl_cffi": "curl_cffi.requests.Session",
}
_ASYNC_APIS = {
    "niquests": "niquests.AsyncSession",
    "pyreqwest": "pyreqwest.client.Client",
    "curl_cffi": "curl_cffi.requests.AsyncSession",
}


def _specs(apis: dict[str, str], openers: dict[str, Any], loop: str) -> list[ClientSpec[Any]]:
    return [ClientSpec(name, name, name, apis[name], openers[name], loop) for name in openers]


SYNC_DOWNLOAD_PEERS: list[ClientSpec[SyncTransferOpener]] = _specs(
    _SYNC_APIS,
    {
        "niquests": _download_niquests,
        "pyreqwest": _download_pyreqwest,
        "pycurl": _download_pycurl,
        "curl_cffi": _download_curl_cffi,
    },
    "sync",
)
SYNC_UPLOAD_PEERS: list[ClientSpec[SyncTransferOpener]] = _specs(
    _SYNC_APIS,
    {
        "niquests": _upload_niquests,
        "pyreqwest": _upload_pyreqwest,
        "pycurl": _upload_pycurl,
        "curl_cffi": _upload_curl_cffi,
    },
    "sync",
)
ASYNC_DOWNLOAD_PEERS: list[ClientSpec[AsyncTransferOpener]] = _specs(
    _ASYNC_APIS,
    {
        "niquests": _download_niquests_async,
        "pyreqwest": _download_pyreqwest_async,
        "curl_cffi": _download_curl_cffi_async,
    },
    "asyncio",
)
ASYNC_UPLOAD_PEERS: list[ClientSpec[AsyncTransferOpener]] = _specs(
    _ASYNC_APIS,
    {
        "niquests": _upload_niquests_async,
        "pyreqwest": _upload_pyreqwest_async,
        "curl_cffi": _upload_curl_cffi_async,
    },
    "asyncio",
)
