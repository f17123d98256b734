"""The client adapters, by kind of workload: which clients can be measured, and how.

An adapter opens the library's client (one client reused for every request) and
returns a session whose ``fetch`` sends one request, reads the full body, checks the
status and returns the body. The library is imported only when its adapter is
opened, so a runner process loads only the client it measures.

- ``sync``: ``sync_clients.SYNC_CLIENTS``, adapters returning a ``SyncSession``;
- ``sync-connect``, ``sync-threads``: the same adapters opened with ``SyncOptions``
  (``sync_clients.CONFIGURABLE_SYNC_CLIENTS``);
- ``async``: ``async_clients.ASYNC_CLIENTS``, coroutine adapters returning an
  ``AsyncSession``, each with the event loop that drives it;
- ``sync-download``, ``sync-upload``, ``async-download``, ``async-upload``: the
  transfer adapters of ``transfer_clients``, opened with the body size as well;
- ``async-http2``: ``http2_clients.HTTP2_CLIENTS``, async adapters limited to one
  HTTP/2 connection over TLS, opened with the CA file as well.

To add a peer: write an ``_open_*`` function, add a ``ClientSpec`` to the table of its
kind, then name it in a scenario's ``peers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .async_clients import ASYNC_CLIENTS
from .http2_clients import HTTP2_CLIENTS
from .sessions import AsyncSession, BadResponse, ClientSpec, SyncSession
from .sync_clients import CONFIGURABLE_SYNC_CLIENTS, SYNC_CLIENTS
from .transfer_clients import (
    ASYNC_DOWNLOAD_CLIENTS,
    ASYNC_UPLOAD_CLIENTS,
    SYNC_DOWNLOAD_CLIENTS,
    SYNC_UPLOAD_CLIENTS,
)

__all__ = [
    "ASYNC_CLIENTS",
    "CLIENTS",
    "SYNC_CLIENTS",
    "AsyncSession",
    "BadResponse",
    "ClientSpec",
    "SyncSession",
    "find_spec",
]

# Kind of workload -> its adapters. The workloads name the kind they need.
CLIENTS: dict[str, Mapping[str, ClientSpec[Any]]] = {
    "sync": SYNC_CLIENTS,
    "sync-connect": CONFIGURABLE_SYNC_CLIENTS,
    "sync-threads": CONFIGURABLE_SYNC_CLIENTS,
    "async": ASYNC_CLIENTS,
    "sync-download": SYNC_DOWNLOAD_CLIENTS,
    "sync-upload": SYNC_UPLOAD_CLIENTS,
    "async-download": ASYNC_DOWNLOAD_CLIENTS,
    "async-upload": ASYNC_UPLOAD_CLIENTS,
    "async-http2": HTTP2_CLIENTS,
}


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
