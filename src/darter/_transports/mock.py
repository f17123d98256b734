"""``MockTransport``: answer requests with a function, for tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine

from .._models._request import Request
from .._models._response import Response
from .base import AsyncBaseTransport, BaseTransport

__all__ = ["MockTransport"]

SyncHandler = Callable[[Request], Response]
AsyncHandler = Callable[[Request], Awaitable[Response]]


class MockTransport(AsyncBaseTransport, BaseTransport):
    """A transport that calls ``handler(request)`` instead of using the network.

    The request body is read first, so the handler can use ``request.content``.
    With an ``AsyncClient`` the handler may be a coroutine function::

        def handler(request):
            return darter.Response(200, json={"path": request.url.path})

        client = darter.Client(transport=darter.MockTransport(handler))
    """

    def __init__(self, handler: SyncHandler | AsyncHandler) -> None:
        self.handler = handler

    def handle_request(self, request: Request) -> Response:
        request.read()
        response = self.handler(request)
        if isinstance(response, Coroutine):
            response.close()  # never to be awaited: close it so that no warning is left behind
            raise TypeError(
                "MockTransport's handler is a coroutine function: use it with an AsyncClient, "
                "or give a plain function to use it with a Client."
            )
        if not isinstance(response, Response):
            raise TypeError(
                "MockTransport's handler must return a Response when used with a sync "
                f"Client, not {type(response).__name__}."
            )
        return response

    async def handle_async_request(self, request: Request) -> Response:
        await request.aread()
        response = self.handler(request)
        if isinstance(response, Awaitable):
            response = await response
        if not isinstance(response, Response):
            raise TypeError(f"MockTransport's handler must return a Response, not {response!r}.")
        return response
