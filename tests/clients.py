"""One way to drive every client: the sync ``Client`` seen through an async facade.

Behaviour tests are written once, as async functions, against the async API; in
the ``sync`` mode the facade calls the sync client underneath, so the same test
checks ``Client`` and ``AsyncClient`` (on each backend) alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import darter

#: Client modes: the sync client, then the async client on each backend and loop.
MODES = ["sync", "asyncio", "uvloop", "trio", "anyio"]

#: The event loop each mode's test runs on, as anyio's pytest plugin names it.
ANYIO_BACKENDS: dict[str, tuple[str, dict[str, Any]]] = {
    "sync": ("asyncio", {}),
    "asyncio": ("asyncio", {}),
    "uvloop": ("asyncio", {"use_uvloop": True}),
    "trio": ("trio", {}),
    "anyio": ("asyncio", {}),
}

#: The darter backend each async mode uses.
DARTER_BACKENDS = {"asyncio": "asyncio", "uvloop": "asyncio", "trio": "trio", "anyio": "anyio"}

_VERBS = ("request", "get", "post", "put", "patch", "delete", "head", "options", "send")


class SyncResponseFacade:
    """A sync ``Response`` with the async reading methods of an async one."""

    def __init__(self, response: darter.Response) -> None:
        self.wrapped = response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    async def aread(self) -> bytes:
        return self.wrapped.read()

    async def aclose(self) -> None:
        self.wrapped.close()

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        for chunk in self.wrapped.iter_bytes(chunk_size):
            yield chunk

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        for chunk in self.wrapped.iter_raw(chunk_size):
            yield chunk

    async def aiter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        for chunk in self.wrapped.iter_text(chunk_size):
            yield chunk

    async def aiter_lines(self) -> AsyncIterator[str]:
        for line in self.wrapped.iter_lines():
            yield line


class SyncClientFacade:
    """A sync ``Client`` with the awaitable methods of an ``AsyncClient``."""

    def __init__(self, client: darter.Client) -> None:
        self.wrapped = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.wrapped, name)
        if name not in _VERBS:
            return attribute

        async def call(*args: Any, **kwargs: Any) -> SyncResponseFacade:
            return SyncResponseFacade(attribute(*args, **kwargs))

        return call

    @asynccontextmanager
    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[SyncResponseFacade]:
        with self.wrapped.stream(*args, **kwargs) as response:
            yield SyncResponseFacade(response)

    async def aclose(self) -> None:
        self.wrapped.close()

    async def __aenter__(self) -> SyncClientFacade:
        self.wrapped.__enter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.wrapped.__exit__(*exc_info)


ClientFactory = Callable[..., Any]


def client_factory(mode: str) -> ClientFactory:
    """A function building a client for ``mode`` from ``darter.Client`` arguments."""

    def make(**kwargs: Any) -> Any:
        if mode == "sync":
            return SyncClientFacade(darter.Client(**kwargs))
        if "transport" not in kwargs:
            kwargs.setdefault("backend", DARTER_BACKENDS[mode])
        return darter.AsyncClient(**kwargs)

    return make


def make_transport(mode: str, **kwargs: Any) -> Any:
    """The default transport of ``mode``'s client, built with ``kwargs``."""
    if mode == "sync":
        return darter.HTTPTransport(**kwargs)
    return darter.AsyncHTTPTransport(backend=DARTER_BACKENDS[mode], **kwargs)
