"""Byte streams: how request and response bodies travel between layers.

A body is an iterable of ``bytes`` chunks, sync (``SyncByteStream``) or async
(``AsyncByteStream``), with a ``close``/``aclose`` that releases whatever backs it
(a connection, a file). ``ByteStream`` is both, for bodies already in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from types import AsyncGeneratorType, GeneratorType
from typing import Any

from ._exceptions import StreamClosed, StreamConsumed

__all__ = [
    "AsyncByteStream",
    "BufferedBody",
    "AsyncIteratorByteStream",
    "ByteStream",
    "IteratorByteStream",
    "SyncByteStream",
    "UnattachedStream",
]

#: Size of the chunks read from file-like request bodies.
FILE_CHUNK_SIZE = 64 * 1024


class SyncByteStream:
    """A body that is read by iterating over it in a plain ``for`` loop."""

    def __iter__(self) -> Iterator[bytes]:
        raise NotImplementedError("The '__iter__' method must be implemented.")

    def close(self) -> None:
        """Release whatever backs the stream. Subclasses that hold resources override it."""


class AsyncByteStream:
    """A body that is read by iterating over it in an ``async for`` loop."""

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise NotImplementedError("The '__aiter__' method must be implemented.")

    async def aclose(self) -> None:
        """Release whatever backs the stream. Subclasses that hold resources override it."""


class ByteStream(AsyncByteStream, SyncByteStream):
    """A body held in memory as one ``bytes`` value; usable from sync and async code."""

    __slots__ = ("_stream",)

    def __init__(self, stream: bytes) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        yield self._stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._stream


class BufferedBody(AsyncByteStream, SyncByteStream):
    """A response body that arrived whole with its head: nothing left on the connection.

    Both sync and async; ``Response.read``/``aread`` take ``chunks`` directly.
    """

    __slots__ = ("chunks",)

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


class IteratorByteStream(SyncByteStream):
    """A request body given as an iterable of bytes, or a file opened in binary mode.

    A generator can be consumed once only: a second iteration raises
    ``StreamConsumed`` instead of silently sending an empty body.
    """

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream
        self._is_stream_consumed = False
        self._is_generator = isinstance(stream, GeneratorType)

    def __iter__(self) -> Iterator[bytes]:
        if self._is_stream_consumed and self._is_generator:
            raise StreamConsumed()
        self._is_stream_consumed = True
        read = getattr(self._stream, "read", None)
        if read is not None:
            chunk = read(FILE_CHUNK_SIZE)
            while chunk:
                yield _as_bytes(chunk)
                chunk = read(FILE_CHUNK_SIZE)
        else:
            for part in self._stream:
                yield _as_bytes(part)


class AsyncIteratorByteStream(AsyncByteStream):
    """A request body given as an async iterable of bytes, or an async file object."""

    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream
        self._is_stream_consumed = False
        self._is_generator = isinstance(stream, AsyncGeneratorType)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._is_stream_consumed and self._is_generator:
            raise StreamConsumed()
        self._is_stream_consumed = True
        aread = getattr(self._stream, "aread", None)
        if aread is not None:
            chunk = await aread(FILE_CHUNK_SIZE)
            while chunk:
                yield _as_bytes(chunk)
                chunk = await aread(FILE_CHUNK_SIZE)
        else:
            async for part in self._stream:
                yield _as_bytes(part)


class UnattachedStream(AsyncByteStream, SyncByteStream):
    """The stream of a request or response restored by ``pickle``: it has no body to read."""

    def __iter__(self) -> Iterator[bytes]:
        raise StreamClosed()

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise StreamClosed()


def _as_bytes(chunk: Any) -> bytes:
    """Check that a body chunk is bytes-like, and return it as bytes."""
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    raise TypeError(f"A body chunk must be bytes, not {type(chunk).__name__}: {chunk!r:.40}")
