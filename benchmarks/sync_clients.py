"""The sync adapters: one client per library, reused for every request.

Each opens the library's client the way its documentation shows (default settings)
and returns a ``SyncSession`` whose ``fetch`` sends one request, reads the full
body, checks the status and returns the body. The library is imported only when its
adapter is opened.

Peers: darter, httpx, requests, urllib3 (both checked to be urllib3 itself, not the
copy urllib3-future can leave in its place), niquests (``Session``), pyreqwest
(``SyncClient``, a Rust core), pycurl (one ``Curl`` handle, reused, so libcurl keeps
its connection alive) and curl_cffi (``Session``, libcurl too).
"""

from __future__ import annotations

from .sessions import ClientSpec, SyncOpener, SyncSession, check_real_urllib3, check_status


def _open_darter(url: str) -> SyncSession:
    import darter

    client = darter.Client()

    def fetch() -> bytes:
        response = client.get(url)
        check_status(response.status_code, "darter")
        return response.content

    return SyncSession(fetch, client.close)


def _open_httpx(url: str) -> SyncSession:
    import httpx

    client = httpx.Client()

    def fetch() -> bytes:
        response = client.get(url)
        check_status(response.status_code, "httpx")
        return response.content

    return SyncSession(fetch, client.close)


def _open_requests(url: str) -> SyncSession:
    import requests

    check_real_urllib3()
    session = requests.Session()

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code, "requests")
        return response.content

    return SyncSession(fetch, session.close)


def _open_urllib3(url: str) -> SyncSession:
    import urllib3

    check_real_urllib3()
    pool = urllib3.PoolManager(maxsize=1)

    def fetch() -> bytes:
        response = pool.request("GET", url)  # preload_content: the body is read
        check_status(response.status, "urllib3")
        return response.data

    return SyncSession(fetch, pool.clear)


def _open_niquests(url: str) -> SyncSession:
    import niquests

    session = niquests.Session()

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code or 0, "niquests")
        return response.content or b""

    return SyncSession(fetch, session.close)


def _open_pyreqwest(url: str) -> SyncSession:
    from pyreqwest.client import SyncClientBuilder

    client = SyncClientBuilder().build()

    def fetch() -> bytes:
        response = client.get(url).build().send()
        check_status(response.status, "pyreqwest")
        return bytes(response.bytes())

    return SyncSession(fetch, client.close)


def _open_pycurl(url: str) -> SyncSession:
    import pycurl

    handle = pycurl.Curl()
    chunks: list[bytes] = []
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.WRITEFUNCTION, chunks.append)

    def fetch() -> bytes:
        chunks.clear()
        handle.perform()
        check_status(handle.getinfo(pycurl.RESPONSE_CODE), "pycurl")
        return b"".join(chunks)

    return SyncSession(fetch, handle.close)


def _open_curl_cffi(url: str) -> SyncSession:
    from curl_cffi import requests as curl_requests

    session: curl_requests.Session[curl_requests.Response] = curl_requests.Session()

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code, "curl_cffi")
        return bytes(response.content)

    return SyncSession(fetch, session.close)


_SPECS: list[ClientSpec[SyncOpener]] = [
    ClientSpec("darter", "darter", "darter", "darter.Client", _open_darter),
    ClientSpec("httpx", "httpx", "httpx", "httpx.Client", _open_httpx),
    ClientSpec("requests", "requests", "requests", "requests.Session", _open_requests),
    ClientSpec("urllib3", "urllib3", "urllib3", "urllib3.PoolManager", _open_urllib3),
    ClientSpec("niquests", "niquests", "niquests", "niquests.Session", _open_niquests),
    ClientSpec(
        "pyreqwest", "pyreqwest", "pyreqwest", "pyreqwest.client.SyncClient", _open_pyreqwest
    ),
    ClientSpec("pycurl", "pycurl", "pycurl", "pycurl.Curl", _open_pycurl),
    ClientSpec(
        "curl_cffi", "curl_cffi", "curl_cffi", "curl_cffi.requests.Session", _open_curl_cffi
    ),
]

SYNC_CLIENTS: dict[str, ClientSpec[SyncOpener]] = {spec.name: spec for spec in _SPECS}
