"""``Request``: an HTTP request message — method, URL, headers and a body stream.

Difference from httpx 0.28, on purpose: ``params`` are merged into the query string
the URL already has (as httpx 0.27 and requests do); httpx 0.28 replaces it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from .._content import encode_request
from .._exceptions import RequestNotRead
from .._multipart import get_multipart_boundary_from_content_type
from .._streams import AsyncByteStream, ByteStream, SyncByteStream, UnattachedStream
from .._types import (
    CookieTypes,
    HeaderTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
)
from ._headers import Headers
from ._urls import URL

__all__ = ["Request"]

#: The body of a request that has none; shared, since it is never mutated.
EMPTY_STREAM = ByteStream(b"")

_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class Request:
    """An HTTP request.

    Usually built by a client (``client.build_request(...)``), but usable on its own::

        request = darter.Request("POST", "https://example.org", json={"a": 1})
        response = client.send(request)

    The body is given as ``content`` (bytes, str or an iterator of bytes), ``data``
    (a form), ``files`` (multipart upload, with ``data`` as extra fields) or ``json``;
    the framing headers (``Content-Length`` or ``Transfer-Encoding``) and ``Host``
    are added unless given. ``stream`` passes a ready byte stream and adds nothing.

    Raises ``InvalidURL`` for a URL that cannot be parsed and ``TypeError`` for a
    body of the wrong type.
    """

    def __init__(
        self,
        method: str | bytes,
        url: URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        extensions: RequestExtensions | None = None,
    ) -> None:
        self.method = method.upper() if isinstance(method, str) else method.decode("ascii").upper()
        self.url = url if type(url) is URL else URL(url)
        if params is not None:
            self.url = self.url.copy_merge_params(params)
        self.headers = Headers(headers)
        self.extensions: dict[str, Any] = {} if extensions is None else extensions  # type: ignore[assignment]

        if cookies:
            from ._cookies import Cookies

            jar = cookies if isinstance(cookies, Cookies) else Cookies(cookies)
            jar.set_cookie_header(self)

        if stream is not None:
            self.stream: SyncByteStream | AsyncByteStream = stream
            return
        if content is None and data is None and files is None and json is None:
            self._prepare({})
            self.stream = EMPTY_STREAM
            self._content = b""
            return
        content_type = self.headers.get("content-type")
        body_headers, body = encode_request(
            content=content,
            data=data,
            files=files,
            json=json,
            boundary=get_multipart_boundary_from_content_type(
                content_type.encode(self.headers.encoding) if content_type else None
            ),
        )
        self._prepare(body_headers)
        self.stream = body
        if isinstance(body, ByteStream):
            self._content = body._stream

    def _prepare(self, body_headers: dict[str, str]) -> None:
        """Add the body's headers (unless set), then ``Host`` and an empty-body length."""
        headers = self.headers
        for key, value in body_headers.items():
            # A user-set Content-Length means the body is not to be sent chunked.
            if key.lower() == "transfer-encoding" and "Content-Length" in headers:
                continue
            headers.setdefault(key, value)

        has_host = has_length = False
        for _, lower, _ in headers._list:
            if lower == b"host":
                has_host = True
            elif lower == b"content-length" or lower == b"transfer-encoding":
                has_length = True
        automatic: list[tuple[bytes, bytes, bytes]] = []
        if not has_host and self.url.raw_host:
            automatic.append((b"Host", b"host", self.url.netloc))
        if not has_length and self.method in _METHODS_WITH_BODY:
            automatic.append((b"Content-Length", b"content-length", b"0"))
        if automatic:
            headers._list[:0] = automatic

    @property
    def content(self) -> bytes:
        """The body; ``RequestNotRead`` for a streaming body not read yet."""
        try:
            return self._content
        except AttributeError:
            raise RequestNotRead() from None

    def read(self) -> bytes:
        """Read a streaming body into memory, so it can be sent more than once."""
        if not hasattr(self, "_content"):
            if not isinstance(self.stream, Iterable):
                raise RuntimeError("Use 'await request.aread()' to read an async request body.")
            self._content = b"".join(self.stream)
            if not isinstance(self.stream, ByteStream):
                # The original stream is spent: keep what was read as the body.
                self.stream = ByteStream(self._content)
        return self._content

    async def aread(self) -> bytes:
        """Read a streaming body into memory, so it can be sent more than once."""
        if not hasattr(self, "_content"):
            if not isinstance(self.stream, AsyncIterable):
                raise RuntimeError("Use 'request.read()' to read a sync request body.")
            self._content = b"".join([part async for part in self.stream])
            if not isinstance(self.stream, ByteStream):
                self.stream = ByteStream(self._content)
        return self._content

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {str(self.url)!r})>"

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name != "stream"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.extensions = {}
        self.stream = UnattachedStream()
