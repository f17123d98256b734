"""The transport seam: one method that turns a ``Request`` into a ``Response``."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from .._models._request import Request
from .._models._response import Response

__all__ = ["AsyncBaseTransport", "BaseTransport"]

T = TypeVar("T", bound="BaseTransport")
A = TypeVar("A", bound="AsyncBaseTransport")


class BaseTransport:
    """What a sync ``Client`` sends requests through.

    Implement ``handle_request``: it receives a ``Request`` and returns a
    ``Response`` whose stream is a ``SyncByteStream``; ``close`` releases resources.
    """

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    def handle_request(self, request: Request) -> Response:
        """Send ``request`` and return its response (headers read, body still streaming)."""
        raise NotImplementedError("The 'handle_request' method must be implemented.")

    def close(self) -> None:
        """Release the transport's resources (connections)."""


class AsyncBaseTransport:
    """What an ``AsyncClient`` sends requests through.

    Implement ``handle_async_request``: it receives a ``Request`` and returns a
    ``Response`` whose stream is an ``AsyncByteStream``; ``aclose`` releases resources.
    """

    async def __aenter__(self: A) -> A:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    async def handle_async_request(self, request: Request) -> Response:
        """Send ``request`` and return its response (headers read, body still streaming)."""
        raise NotImplementedError("The 'handle_async_request' method must be implemented.")

    async def aclose(self) -> None:
        """Release the transport's resources (connections)."""
