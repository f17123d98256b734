"""The sync adapters: one client per library, reused for every request.

Each opens the library's client the way its documentation shows (default settings)
and returns a ``SyncSession`` whose ``fetch`` sends one request, reads the full
body, checks the status and returns the body. The library is imported only when its
adapter is opened.
"""

from __future__ import annotations

from .sessions import ClientSpec, SyncOpener, SyncSession, check_status


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

    session = requests.Session()

    def fetch() -> bytes:
        response = session.get(url)
        check_status(response.status_code, "requests")
        return response.content

    return SyncSession(fetch, session.close)


def _open_urllib3(url: str) -> SyncSession:
    import urllib3

    pool = urllib3.PoolManager(maxsize=1)

    def fetch() -> bytes:
        response = pool.request("GET", url)  # preload_content: the body is read
        check_status(response.status, "urllib3")
        return response.data

    return SyncSession(fetch, pool.clear)


SYNC_CLIENTS: dict[str, ClientSpec[SyncOpener]] = {
    spec.name: spec
    for spec in (
        ClientSpec("darter", "darter", "darter", "darter.Client", _open_darter),
        ClientSpec("httpx", "httpx", "httpx", "httpx.Client", _open_httpx),
        ClientSpec("requests", "requests", "requests", "requests.Session", _open_requests),
        ClientSpec("urllib3", "urllib3", "urllib3", "urllib3.PoolManager", _open_urllib3),
    )
}
