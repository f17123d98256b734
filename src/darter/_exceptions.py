"""darter's exceptions: httpx's names and bases under one root, ``DarterError``.

The tree::

    DarterError
    ├── HTTPError
    │   ├── HTTPStatusError              raise_for_status() on a 4xx/5xx response
    │   └── RequestError                 something went wrong while sending a request
    │       ├── TransportError
    │       │   ├── TimeoutException
    │       │   │   ├── ConnectTimeout
    │       │   │   ├── ReadTimeout
    │       │   │   ├── WriteTimeout
    │       │   │   └── PoolTimeout
    │       │   ├── NetworkError
    │       │   │   ├── ConnectError
    │       │   │   ├── ReadError
    │       │   │   ├── WriteError
    │       │   │   └── CloseError
    │       │   ├── ProtocolError
    │       │   │   ├── LocalProtocolError    what we were asked to send is not valid HTTP
    │       │   │   └── RemoteProtocolError   what the server sent is not valid HTTP
    │       │   ├── ProxyError
    │       │   └── UnsupportedProtocol
    │       ├── DecodingError
    │       └── TooManyRedirects
    ├── InvalidURL
    ├── CookieConflict
    ├── StreamError (also a RuntimeError)
    │   ├── StreamConsumed
    │   ├── StreamClosed
    │   ├── ResponseNotRead
    │   └── RequestNotRead
    ├── BackendError (also a RuntimeError)  a concurrency backend misconfigured or misused
    └── LimitExceeded                   a ResponseLimits bound was passed; the concrete
                                        exception is also a RemoteProtocolError (head,
                                        headers, 1xx, HTTP/2 header list) or a
                                        DecodingError (decompression)

Errors are raised where the problem is found, carrying ``request`` when there is one
and, for transport errors, the ``phase`` (``"connect"``, ``"tls"``, ``"write"``,
``"read"``, ``"pool"``, ``"close"``) in which they happened.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._models._request import Request
    from ._models._response import Response

__all__ = [
    "BackendError",
    "CloseError",
    "ConnectError",
    "ConnectTimeout",
    "CookieConflict",
    "DarterError",
    "DecodingError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidURL",
    "LimitExceeded",
    "LocalProtocolError",
    "NetworkError",
    "PoolTimeout",
    "ProtocolError",
    "ProxyError",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "RequestError",
    "RequestNotRead",
    "ResponseNotRead",
    "StreamClosed",
    "StreamConsumed",
    "StreamError",
    "TimeoutException",
    "TooManyRedirects",
    "TransportError",
    "UnsupportedProtocol",
    "WriteError",
    "WriteTimeout",
    "request_context",
]


class DarterError(Exception):
    """The root of every exception darter raises on purpose."""


class HTTPError(DarterError):
    """Base class for ``RequestError`` and ``HTTPStatusError``.

    Catch this to handle any failure of a request/response cycle::

        try:
            response = darter.get("https://example.org")
            response.raise_for_status()
        except darter.HTTPError as exc:
            print(f"{exc.request.url}: {exc}")
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self._request: Request | None = None

    @property
    def request(self) -> Request:
        """The request that failed; ``RuntimeError`` if none was attached."""
        if self._request is None:
            raise RuntimeError("The .request property has not been set.")
        return self._request

    @request.setter
    def request(self, request: Request) -> None:
        self._request = request


class RequestError(HTTPError):
    """Something went wrong while sending a request or receiving its response."""

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        # A transport raises without the request in hand; the client attaches it on the
        # way out (see ``request_context``).
        self._request = request


class TransportError(RequestError):
    """A failure in the transport layer: network, protocol, proxy or timeout.

    ``phase`` names the step that failed (``"connect"``, ``"tls"``, ``"write"``,
    ``"read"``, ``"pool"``, ``"close"``) when it is known, else ``None``.
    """

    phase: str | None = None


# Timeouts


class TimeoutException(TransportError):
    """A configured timeout elapsed."""


class ConnectTimeout(TimeoutException):
    """The connection (TCP and TLS) was not established within the connect timeout."""

    phase = "connect"


class ReadTimeout(TimeoutException):
    """No data arrived from the server within the read timeout."""

    phase = "read"


class WriteTimeout(TimeoutException):
    """The request could not be sent within the write timeout."""

    phase = "write"


class PoolTimeout(TimeoutException):
    """No connection of the pool became free within the pool timeout."""

    phase = "pool"


# Network errors


class NetworkError(TransportError):
    """The network failed while connecting, reading, writing or closing."""


class ConnectError(NetworkError):
    """The connection could not be established (refused, unreachable, bad TLS...)."""

    phase = "connect"


class ReadError(NetworkError):
    """Receiving data from the network failed."""

    phase = "read"


class WriteError(NetworkError):
    """Sending data to the network failed."""

    phase = "write"


class CloseError(NetworkError):
    """Closing a connection failed."""

    phase = "close"


# Other transport errors


class ProxyError(TransportError):
    """The proxy refused or failed to set up the connection."""


class UnsupportedProtocol(TransportError):
    """The URL's scheme is not one darter can speak (only http and https are)."""


class ProtocolError(TransportError):
    """The HTTP exchange broke the protocol's rules."""


class LocalProtocolError(ProtocolError):
    """What darter was asked to send is not valid HTTP, so nothing was sent.

    For example a header value containing a line break, or a body longer than the
    ``Content-Length`` it declared.
    """


class RemoteProtocolError(ProtocolError):
    """What the server sent is not valid HTTP, or exceeds one of darter's limits."""


# Other request errors


class DecodingError(RequestError):
    """The response body could not be decoded (bad compression, bad charset...)."""


class TooManyRedirects(RequestError):
    """More redirects than ``max_redirects`` were followed."""


# Client errors


class HTTPStatusError(HTTPError):
    """``Response.raise_for_status()`` found a 4xx or 5xx status code."""

    def __init__(self, message: str, *, request: Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class InvalidURL(DarterError):
    """A URL could not be parsed, or one of its parts is not allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class CookieConflict(DarterError):
    """``Cookies.get()`` or ``Cookies[name]`` matched more than one cookie."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


# Stream errors: usage mistakes, so also ``RuntimeError``.


class StreamError(DarterError, RuntimeError):
    """A request or response stream was used in a way it does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class StreamConsumed(StreamError):
    """The content of a stream was read once already and cannot be read again."""

    def __init__(self) -> None:
        super().__init__(
            "Attempted to read or stream some content, but the content has already been "
            "streamed. For requests, this can happen when a generator body is sent twice "
            "(for example on a redirect or an auth retry): pass bytes instead. For "
            "responses, read the body once with .read() and use .content afterwards."
        )


class StreamClosed(StreamError):
    """The stream was closed before its content was read."""

    def __init__(self) -> None:
        super().__init__(
            "Attempted to read or stream content, but the stream has been closed. "
            "Read the response inside its 'with client.stream(...)' block."
        )


class ResponseNotRead(StreamError):
    """``.content`` or ``.text`` was used on a streaming response that was not read."""

    def __init__(self) -> None:
        super().__init__(
            "Attempted to access streaming response content, without having called "
            "`read()` (or `aread()` on the async client) first."
        )


class RequestNotRead(StreamError):
    """``.content`` was used on a streaming request that was not read."""

    def __init__(self) -> None:
        super().__init__(
            "Attempted to access streaming request content, without having called "
            "`read()` (or `aread()` on the async client) first."
        )


class BackendError(DarterError, RuntimeError):
    """A concurrency backend was chosen or used in a way that cannot work.

    For example an unknown ``backend=`` name, a backend whose library is not
    installed, or ``backend="trio"`` while asyncio is the running event loop.
    """


class LimitExceeded(DarterError):
    """A response went past one of darter's limits (``darter.ResponseLimits``).

    ``limit`` names the ``ResponseLimits`` field; the message says how far and how to
    raise it. Catch this to tell "too big for our limits" from "malformed".
    """

    limit: str = ""


class RemoteLimitExceeded(RemoteProtocolError, LimitExceeded):
    """A limit on what a server may send was passed (head size, header count, 1xx
    responses, HTTP/2 header list or CONTINUATION frames)."""

    def __init__(self, message: str, *, limit: str, request: Request | None = None) -> None:
        super().__init__(message, request=request)
        self.limit = limit


class DecodingLimitExceeded(DecodingError, LimitExceeded):
    """A decompression limit was passed (ratio, decoded size, stacked encodings)."""

    def __init__(self, message: str, *, limit: str, request: Request | None = None) -> None:
        super().__init__(message, request=request)
        self.limit = limit


class request_context:  # lower case: used like a function, ``with request_context(r):``
    """Attach ``request`` to any ``RequestError`` raised inside the block.

    A class rather than a generator-based context manager: it is entered several
    times per request.
    """

    __slots__ = ("_request",)

    def __init__(self, request: Request | None = None) -> None:
        self._request = request

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._request is not None and isinstance(exc, RequestError) and exc._request is None:
            exc._request = self._request
