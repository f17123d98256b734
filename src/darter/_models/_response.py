"""``Response``: an HTTP response — status, headers, and a body read at most once."""

from __future__ import annotations

import contextlib
import json as jsonlib
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .._content import encode_response
from .._decoders import (
    DEFAULT_DECODING_LIMITS,
    BodyDecoder,
    ByteChunker,
    DecodingLimits,
    LineDecoder,
    TextChunker,
    TextDecoder,
)
from .._exceptions import (
    HTTPStatusError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
    request_context,
)
from .._streams import (
    AsyncByteStream,
    BufferedBody,
    ByteStream,
    SyncByteStream,
    UnattachedStream,
)
from .._types import HeaderTypes, ResponseContent, ResponseExtensions
from ._headers import Headers
from ._request import Request
from ._status_codes import codes
from ._urls import URL

if TYPE_CHECKING:
    from datetime import timedelta

    from ._cookies import Cookies

__all__ = ["Response"]

_T = TypeVar("_T")

_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

_Stream = TypeVar("_Stream", SyncByteStream, AsyncByteStream)


class Response:
    """An HTTP response.

    Returned by a client, or built directly (handy with ``MockTransport``)::

        darter.Response(200, json={"ok": True})

    The body is a stream that can be read once: ``read()`` keeps it as ``content``;
    ``iter_bytes()``/``iter_text()``/``iter_lines()`` (and the ``aiter_*`` forms)
    stream it decoded; ``iter_raw()`` streams it as received. A streamed response
    must be closed (``with client.stream(...)`` does it).
    """

    #: Decompression bounds; a client sets its own (``ResponseLimits``).
    _decoding_limits: DecodingLimits = DEFAULT_DECODING_LIMITS

    def __init__(
        self,
        status_code: int,
        *,
        headers: HeaderTypes | None = None,
        content: ResponseContent | None = None,
        text: str | None = None,
        html: str | None = None,
        json: Any = None,
        stream: SyncByteStream | AsyncByteStream | None = None,
        request: Request | None = None,
        extensions: ResponseExtensions | None = None,
        history: list[Response] | None = None,
        default_encoding: str | Callable[[bytes], str | None] = "utf-8",
    ) -> None:
        self.status_code = status_code
        self.headers = Headers(headers)
        self._request = request
        # Set by the client when it follows redirects: the request it would send next.
        self.next_request: Request | None = None
        self.extensions: dict[str, Any] = {} if extensions is None else extensions  # type: ignore[assignment]
        self.history = [] if history is None else list(history)
        self.is_closed = False
        self.is_stream_consumed = False
        self.default_encoding = default_encoding
        self._num_bytes_downloaded = 0
        self._started_at: float | None = None
        self._elapsed_seconds: float | None = None

        if stream is not None:
            self.stream: SyncByteStream | AsyncByteStream = stream
            return
        body_headers, body = encode_response(content, text, html, json)
        for key, value in body_headers.items():
            # A Content-Length given by the caller means the body is not chunked.
            if key == "Transfer-Encoding" and "content-length" in self.headers:
                continue
            self.headers.setdefault(key, value)
        self.stream = body
        if isinstance(body, ByteStream):
            # A body given in memory is "read" at once, so .content works directly;
            # nothing was downloaded.
            self.read()
            self._num_bytes_downloaded = 0

    # Metadata

    @property
    def elapsed(self) -> timedelta:
        """Time from sending the request to the end of the response (after close)."""
        if not hasattr(self, "_elapsed"):
            seconds = self._elapsed_seconds
            if seconds is None:
                raise RuntimeError(
                    "'.elapsed' may only be accessed after the response has been read or closed."
                )
            from datetime import timedelta  # on use: kept out of `import darter`

            self._elapsed = timedelta(seconds=seconds)
        return self._elapsed

    @elapsed.setter
    def elapsed(self, elapsed: timedelta) -> None:
        self._elapsed = elapsed

    @property
    def request(self) -> Request:
        """The request this response answers; ``RuntimeError`` if none is attached."""
        if self._request is None:
            raise RuntimeError("The request instance has not been set on this response.")
        return self._request

    @request.setter
    def request(self, value: Request) -> None:
        self._request = value

    @property
    def http_version(self) -> str:
        """``"HTTP/1.1"``, ``"HTTP/2"``... as reported by the transport."""
        version = self.extensions.get("http_version", b"HTTP/1.1")
        return version.decode("ascii", errors="ignore") if isinstance(version, bytes) else version

    @property
    def reason_phrase(self) -> str:
        """The reason phrase the server sent, else the standard one for the status."""
        reason = self.extensions.get("reason_phrase")
        if isinstance(reason, bytes):
            return reason.decode("ascii", errors="ignore")
        return codes.get_reason_phrase(self.status_code)

    @property
    def url(self) -> URL:
        """The URL of the request this response answers."""
        return self.request.url

    @property
    def num_bytes_downloaded(self) -> int:
        """Bytes of body received so far, before any decoding."""
        return self._num_bytes_downloaded

    @property
    def is_informational(self) -> bool:
        """1xx."""
        return codes.is_informational(self.status_code)

    @property
    def is_success(self) -> bool:
        """2xx."""
        return codes.is_success(self.status_code)

    @property
    def is_redirect(self) -> bool:
        """3xx. Not every 3xx response redirects: see ``has_redirect_location``."""
        return codes.is_redirect(self.status_code)

    @property
    def is_client_error(self) -> bool:
        """4xx."""
        return codes.is_client_error(self.status_code)

    @property
    def is_server_error(self) -> bool:
        """5xx."""
        return codes.is_server_error(self.status_code)

    @property
    def is_error(self) -> bool:
        """4xx or 5xx."""
        return codes.is_error(self.status_code)

    @property
    def has_redirect_location(self) -> bool:
        """A redirect status (301, 302, 303, 307, 308) with a ``Location`` header."""
        return self.status_code in _REDIRECT_CODES and "location" in self.headers

    def raise_for_status(self) -> Response:
        """Return the response if it is a success; else raise ``HTTPStatusError``.

        Raises ``RuntimeError`` when no request is attached to the response.
        """
        request = self._request
        if request is None:
            raise RuntimeError(
                "Cannot call `raise_for_status` as the request instance has not been set "
                "on this response."
            )
        if self.is_success:
            return self
        kinds = {1: "Informational response", 3: "Redirect response", 4: "Client error"}
        kind = kinds.get(self.status_code // 100, "Server error")
        if not 100 <= self.status_code <= 599:
            kind = "Invalid status code"
        message = f"{kind} '{self.status_code} {self.reason_phrase}' for url '{self.url}'"
        if self.has_redirect_location:
            message += f"\nRedirect location: '{self.headers['location']}'"
        message += (
            "\nFor more information check: "
            f"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{self.status_code}"
        )
        raise HTTPStatusError(message, request=request, response=self)

    # Text

    @property
    def charset_encoding(self) -> str | None:
        """The ``charset`` parameter of ``Content-Type``, if any."""
        content_type = self.headers.get("content-type")
        if content_type is None:
            return None
        # Imported here: the email package costs ``import darter`` several ms.
        import email.message

        message = email.message.Message()
        message["content-type"] = content_type
        return message.get_content_charset(failobj=None)

    @property
    def encoding(self) -> str:
        """The text encoding: the declared charset if Python knows it, else ``default_encoding``.

        ``default_encoding`` may be a callable that guesses from the body.
        Setting it after ``.text`` was read raises ``ValueError``.
        """
        if not hasattr(self, "_encoding"):
            encoding = self.charset_encoding
            if encoding is None or not _is_known_encoding(encoding):
                if isinstance(self.default_encoding, str):
                    encoding = self.default_encoding
                elif hasattr(self, "_content"):
                    encoding = self.default_encoding(self._content)
            self._encoding = encoding or "utf-8"
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        if hasattr(self, "_text"):
            raise ValueError("Setting encoding after `text` has been accessed is not allowed.")
        self._encoding = value

    @property
    def content(self) -> bytes:
        """The decoded body; ``ResponseNotRead`` if a streamed body was not read."""
        try:
            return self._content
        except AttributeError:
            raise ResponseNotRead() from None

    @property
    def text(self) -> str:
        """The body decoded to text with ``encoding``."""
        if not hasattr(self, "_text"):
            content = self.content
            if not content:
                self._text = ""
            else:
                decoder = TextDecoder(encoding=self.encoding)
                self._text = decoder.decode(content) + decoder.flush()
        return self._text

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON (``kwargs`` go to ``json.loads``)."""
        return jsonlib.loads(self.content, **kwargs)

    @property
    def cookies(self) -> Cookies:
        """The cookies this response sets."""
        from ._cookies import Cookies

        if not hasattr(self, "_cookies"):
            self._cookies = Cookies()
            self._cookies.extract_cookies(self)
        return self._cookies

    @property
    def links(self) -> dict[str | None, dict[str, str]]:
        """The ``Link`` header parsed, keyed by ``rel`` (or by URL when there is none)."""
        header = self.headers.get("link")
        if header is None:
            return {}
        return {link.get("rel") or link.get("url"): link for link in _parse_link_header(header)}

    # Reading, sync

    def read(self) -> bytes:
        """Read and return the whole (decoded) body, keeping it as ``content``."""
        if not hasattr(self, "_content"):
            content = self._take_buffered_body()
            self._content = b"".join(self.iter_bytes()) if content is None else content
        return self._content

    def _take_buffered_body(self) -> bytes | None:
        """The body at once, when it arrived whole and needs no decoding; else ``None``.

        The common case of a small response: the same outcome as streaming it through
        ``iter_bytes`` (consumed, counted, closed), without the generators.
        """
        stream = self.stream
        if (
            type(stream) is not BufferedBody
            or self.is_stream_consumed
            or self.is_closed
            or "content-encoding" in self.headers
        ):
            return None
        chunks = stream.chunks
        content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self.is_stream_consumed = True
        self._num_bytes_downloaded = len(content)
        self.is_closed = True
        self._record_elapsed()
        return content

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body decoded (gzip, br...), in chunks of ``chunk_size`` bytes if given."""
        if hasattr(self, "_content"):
            yield from _split(self._content, chunk_size)
            return
        with request_context(self._request):
            pipeline = BodyDecoder(
                self.headers.get_list("content-encoding", True),
                chunk_size,
                limits=self._decoding_limits,
            )
            for raw in self.iter_raw():
                yield from pipeline.decode(raw)
            yield from pipeline.flush()

    def iter_text(self, chunk_size: int | None = None) -> Iterator[str]:
        """The body as text, decoded with ``encoding``."""
        decoder = TextDecoder(encoding=self.encoding)
        chunker = TextChunker(chunk_size)
        with request_context(self._request):
            for data in self.iter_bytes():
                yield from chunker.decode(decoder.decode(data))
            yield from chunker.decode(decoder.flush())
            yield from chunker.flush()

    def iter_lines(self) -> Iterator[str]:
        """The body as text, line by line, without line endings."""
        decoder = LineDecoder()
        with request_context(self._request):
            for text in self.iter_text():
                yield from decoder.decode(text)
            yield from decoder.flush()

    def iter_raw(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body exactly as received (still compressed), then close the response."""
        stream = self._start_raw_stream(
            SyncByteStream, "Attempted to call a sync iterator on an async stream."
        )
        chunker = ByteChunker(chunk_size)
        with request_context(self._request):
            for raw in stream:
                self._num_bytes_downloaded += len(raw)
                yield from chunker.decode(raw)
        yield from chunker.flush()
        self.close()

    def close(self) -> None:
        """Close the response and release its connection; reading ends here."""
        if not isinstance(self.stream, SyncByteStream):
            raise RuntimeError("Attempted to call an sync close on an async stream.")
        if not self.is_closed:
            self.is_closed = True
            self._record_elapsed()
            with request_context(self._request):
                self.stream.close()

    # Reading, async

    async def aread(self) -> bytes:
        """Read and return the whole (decoded) body, keeping it as ``content``."""
        if not hasattr(self, "_content"):
            content = self._take_buffered_body()
            if content is None:
                async with _closing(self.aiter_bytes()) as parts:
                    content = b"".join([part async for part in parts])
            self._content = content
        return self._content

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body decoded (gzip, br...), in chunks of ``chunk_size`` bytes if given."""
        if hasattr(self, "_content"):
            for part in _split(self._content, chunk_size):
                yield part
            return
        with request_context(self._request):
            pipeline = BodyDecoder(
                self.headers.get_list("content-encoding", True),
                chunk_size,
                limits=self._decoding_limits,
            )
            async with _closing(self.aiter_raw()) as raws:
                async for raw in raws:
                    for part in pipeline.decode(raw):
                        yield part
            for part in pipeline.flush():
                yield part

    async def aiter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """The body as text, decoded with ``encoding``."""
        decoder = TextDecoder(encoding=self.encoding)
        chunker = TextChunker(chunk_size)
        with request_context(self._request):
            async with _closing(self.aiter_bytes()) as datas:
                async for data in datas:
                    for text in chunker.decode(decoder.decode(data)):
                        yield text
            for text in [*chunker.decode(decoder.flush()), *chunker.flush()]:
                yield text

    async def aiter_lines(self) -> AsyncIterator[str]:
        """The body as text, line by line, without line endings."""
        decoder = LineDecoder()
        with request_context(self._request):
            async with _closing(self.aiter_text()) as texts:
                async for text in texts:
                    for line in decoder.decode(text):
                        yield line
            for line in decoder.flush():
                yield line

    async def aiter_raw(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body exactly as received (still compressed), then close the response."""
        stream = self._start_raw_stream(
            AsyncByteStream, "Attempted to call an async iterator on a sync stream."
        )
        chunker = ByteChunker(chunk_size)
        with request_context(self._request):
            async with _closing(stream.__aiter__()) as raws:
                async for raw in raws:
                    self._num_bytes_downloaded += len(raw)
                    for part in chunker.decode(raw):
                        yield part
        for part in chunker.flush():
            yield part
        await self.aclose()

    async def aclose(self) -> None:
        """Close the response and release its connection; reading ends here."""
        if not isinstance(self.stream, AsyncByteStream):
            raise RuntimeError("Attempted to call an async close on a sync stream.")
        if not self.is_closed:
            self.is_closed = True
            self._record_elapsed()
            with request_context(self._request):
                await self.stream.aclose()

    # Internals shared by both forms

    def _start_raw_stream(self, kind: type[_Stream], wrong_kind: str) -> _Stream:
        if self.is_stream_consumed:
            raise StreamConsumed()
        if self.is_closed:
            raise StreamClosed()
        stream = self.stream
        if not isinstance(stream, kind):
            # Checked before the stream is marked consumed: the other form still works.
            raise RuntimeError(wrong_kind)
        self.is_stream_consumed = True
        self._num_bytes_downloaded = 0
        return stream

    def _record_elapsed(self) -> None:
        # A float now; the timedelta only if someone asks.
        if self._started_at is not None and self._elapsed_seconds is None:
            self._elapsed_seconds = time.perf_counter() - self._started_at

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"

    def __getstate__(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.__dict__.items()
            if name not in ("extensions", "stream", "is_closed", "_decoder")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.is_closed = True
        self.extensions = {}
        self.stream = UnattachedStream()


@contextlib.asynccontextmanager
async def _closing(iterator: AsyncIterator[_T]) -> AsyncIterator[AsyncIterator[_T]]:
    """Close an async generator when the block ends, even when left early: its
    cleanup then runs at once, not whenever the event loop collects it."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


def _split(content: bytes, chunk_size: int | None) -> Iterator[bytes]:
    if chunk_size is not None and chunk_size < 1:
        # As the chunkers of a streamed body say it.
        raise ValueError(f"chunk_size must be a positive integer or None, not {chunk_size!r}")
    if not content:
        return
    if chunk_size is None:
        yield content
        return
    for start in range(0, len(content), chunk_size):
        yield content[start : start + chunk_size]


def _is_known_encoding(encoding: str) -> bool:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


_LINK_SEPARATOR = re.compile(r",\s*(?=<)")


def _parse_link_header(value: str) -> list[dict[str, str]]:
    """Parse an RFC 8288 ``Link`` header into dicts with ``url`` and each parameter."""
    links = []
    replace_chars = " '\""
    # Commas also occur inside URLs and quoted values: only one before "<" separates.
    for entry in _LINK_SEPARATOR.split(value):
        entry = entry.strip(" \t,")
        if not entry:
            continue
        url, _, params = entry.partition(";")
        link = {"url": url.strip("<> '\"")}
        for param in params.split(";"):
            key, separator, param_value = param.partition("=")
            if not separator:
                continue
            link[key.strip(replace_chars)] = param_value.strip(replace_chars)
        links.append(link)
    return links
