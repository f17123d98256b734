"""``ASGITransport``: send requests straight into an ASGI application, in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from .._models._request import Request
from .._models._response import Response
from .._streams import AsyncByteStream
from ..backends import get_backend
from .base import AsyncBaseTransport

__all__ = ["ASGITransport"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class ASGIResponseStream(AsyncByteStream):
    """The body the application sent, collected while it ran."""

    def __init__(self, body: list[bytes]) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"".join(self._body)


class ASGITransport(AsyncBaseTransport):
    """A transport that calls an ASGI app (Starlette, FastAPI...) in-process, for tests.

    ``raise_app_exceptions``: exceptions of the app propagate (otherwise a 500
    response is returned if the app had not started one); ``root_path`` is the
    mount point; ``client`` the ``(host, port)`` the app sees as the peer.
    The whole response body is collected before the response is returned. Works
    under asyncio and trio alike.
    """

    def __init__(
        self,
        app: ASGIApp,
        raise_app_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("127.0.0.1", 123),
    ) -> None:
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.root_path = root_path
        self.client = client

    async def handle_async_request(self, request: Request) -> Response:
        """Run the app for ``request`` and return what it sent."""
        assert isinstance(request.stream, AsyncByteStream)
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": url.scheme,
            # The URL's path is already percent-decoded (UTF-8), as ASGI wants it.
            "path": url.path,
            "raw_path": url.raw_path.partition(b"?")[0],
            "query_string": url.query,
            "server": (url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS.get(url.scheme)),
            "client": self.client,
            "root_path": self.root_path,
        }
        body_parts = request.stream.__aiter__()
        request_done = False
        response_complete = get_backend("auto").create_event()
        status_code: int | None = None
        response_headers: list[tuple[bytes, bytes]] | None = None
        body: list[bytes] = []

        async def receive() -> Message:
            nonlocal request_done
            if request_done:
                # Like a server: the client "disconnects" once the response is complete.
                await response_complete.wait()
                return {"type": "http.disconnect"}
            try:
                part = await body_parts.__anext__()
            except StopAsyncIteration:
                request_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": part, "more_body": True}

        async def send(message: Message) -> None:
            nonlocal status_code, response_headers
            if message["type"] == "http.response.start":
                if status_code is not None:
                    raise RuntimeError("The ASGI application started its response twice.")
                status_code = message["status"]
                response_headers = [
                    (bytes(key), bytes(value)) for key, value in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                if status_code is None:
                    raise RuntimeError(
                        "The ASGI application sent a response body before starting the response."
                    )
                if request.method != "HEAD":
                    body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    response_complete.set()

        try:
            await self.app(scope, receive, send)
            if status_code is None:
                raise RuntimeError("The ASGI application returned without starting a response.")
        except Exception:
            if self.raise_app_exceptions:
                raise
            if status_code is None:
                status_code = 500
                response_headers = []
        finally:
            response_complete.set()
            aclose = getattr(body_parts, "aclose", None)
            if aclose is not None:
                await aclose()
        return Response(
            status_code, headers=response_headers or [], stream=ASGIResponseStream(body)
        )
