"""One small adapter per client library and kind of workload.

An adapter opens the library's client the way its documentation shows (default
settings, one client reused for every request) and returns a ``fetch`` function that
sends one request, reads the full body, checks the status and returns the body. The
library is imported only when its adapter is opened, so a runner process loads only
the client it measures.

To add a peer: write an ``_open_*`` function and add a ``ClientSpec`` to the table of
its kind (``SYNC_CLIENTS`` now; an ``ASYNC_CLIENTS`` table of coroutine-returning
adapters for the async scenarios), then name it in a scenario's ``peers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

SessionT = TypeVar("SessionT")


class BadResponse(RuntimeError):
    """A response with an unexpected status or body: the measurement is invalid."""


@dataclass(frozen=True)
class SyncSession:
    """An open sync client: ``fetch()`` does one request and returns the full body."""

    fetch: Callable[[], bytes]
    close: Callable[[], None]


@dataclass(frozen=True)
class ClientSpec(Generic[SessionT]):
    """A measurable client: how to import, name, install and open it."""

    name: str
    module: str
    distribution: str
    api: str
    open: Callable[[str], SessionT]

    def install_hint(self) -> str:
        """The command that installs this client."""
        return f"python -m pip install {self.distribution}"


def _check_status(status: int, name: str) -> None:
    if status != 200:
        raise BadResponse(f"{name}: status {status}, expected 200")


def _open_darter(url: str) -> SyncSession:
    import darter

    client = darter.Client()

    def fetch() -> bytes:
        response = client.get(url)
        _check_status(response.status_code, "darter")
        return response.content

    return SyncSession(fetch, client.close)


def _open_httpx(url: str) -> SyncSession:
    import httpx

    client = httpx.Client()

    def fetch() -> bytes:
        response = client.get(url)
        _check_status(response.status_code, "httpx")
        return response.content

    return SyncSession(fetch, client.close)


def _open_requests(url: str) -> SyncSession:
    import requests

    session = requests.Session()

    def fetch() -> bytes:
        response = session.get(url)
        _check_status(response.status_code, "requests")
        return response.content

    return SyncSession(fetch, session.close)


def _open_urllib3(url: str) -> SyncSession:
    import urllib3

    pool = urllib3.PoolManager(maxsize=1)

    def fetch() -> bytes:
        response = pool.request("GET", url)  # preload_content: the body is read
        _check_status(response.status, "urllib3")
        return response.data

    return SyncSession(fetch, pool.clear)


SYNC_CLIENTS: dict[str, ClientSpec[SyncSession]] = {
    spec.name: spec
    for spec in (
        ClientSpec("darter", "darter", "darter", "darter.Client", _open_darter),
        ClientSpec("httpx", "httpx", "httpx", "httpx.Client", _open_httpx),
        ClientSpec("requests", "requests", "requests", "requests.Session", _open_requests),
        ClientSpec("urllib3", "urllib3", "urllib3", "urllib3.PoolManager", _open_urllib3),
    )
}

# Kind of workload -> its adapters. The workloads name the kind they need.
CLIENTS: dict[str, Mapping[str, ClientSpec[Any]]] = {"sync": SYNC_CLIENTS}


def find_spec(kind: str, name: str) -> ClientSpec[Any]:
    """The adapter of client ``name`` for workloads of ``kind``.

    Raises ``KeyError`` naming the known clients when there is none.
    """
    table = CLIENTS.get(kind, {})
    try:
        return table[name]
    except KeyError:
        known = ", ".join(table) or "none"
        raise KeyError(f"no {kind} adapter for client {name!r}; known: {known}") from None
