"""Tests of the byte streams that carry request and response bodies."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import darter
from darter._streams import (
    FILE_CHUNK_SIZE,
    AsyncByteStream,
    AsyncIteratorByteStream,
    ByteStream,
    IteratorByteStream,
    SyncByteStream,
    UnattachedStream,
    _as_bytes,
)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def collect(stream: AsyncByteStream) -> list[bytes]:
    return [chunk async for chunk in stream]


def test_public_names() -> None:
    assert darter.SyncByteStream is SyncByteStream
    assert darter.AsyncByteStream is AsyncByteStream
    assert darter.ByteStream is ByteStream


def test_base_classes_must_be_implemented() -> None:
    with pytest.raises(NotImplementedError, match="'__iter__' method must be implemented"):
        iter(SyncByteStream())
    with pytest.raises(NotImplementedError, match="'__aiter__' method must be implemented"):
        AsyncByteStream().__aiter__()
    assert SyncByteStream().close() is None


@pytest.mark.anyio
async def test_base_aclose_does_nothing() -> None:
    assert await AsyncByteStream().aclose() is None


def test_subclass_as_httpx_documents_it() -> None:
    class Upload(SyncByteStream):
        def __init__(self) -> None:
            self.closed = False

        def __iter__(self) -> Iterator[bytes]:
            yield b"part one, "
            yield b"part two"

        def close(self) -> None:
            self.closed = True

    upload = Upload()
    request = darter.Request("POST", "http://h/", stream=upload)
    assert b"".join(request.stream) == b"part one, part two"  # type: ignore[arg-type]
    assert request.read() == b"part one, part two"
    response = darter.Response(200, stream=Upload())
    stream = response.stream
    assert response.read() == b"part one, part two"
    assert stream.closed  # type: ignore[union-attr]


@pytest.mark.anyio
@pytest.mark.parametrize("body", [b"", b"abc"])
async def test_byte_stream_is_both_sync_and_async(body: bytes) -> None:
    stream = ByteStream(body)
    assert isinstance(stream, SyncByteStream)
    assert isinstance(stream, AsyncByteStream)
    assert list(stream) == [body]
    assert list(stream) == [body]
    assert await collect(stream) == [body]
    assert list(stream) == list(httpx.ByteStream(body))
    stream.close()
    await stream.aclose()
    assert list(stream) == [body]


def test_iterator_stream_of_a_list_can_be_read_again() -> None:
    stream = IteratorByteStream([b"a", b"bc"])
    assert list(stream) == [b"a", b"bc"]
    assert list(stream) == [b"a", b"bc"]


def test_iterator_stream_of_a_generator_is_read_once() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    stream = IteratorByteStream(chunks())
    assert list(stream) == [b"a", b"b"]
    with pytest.raises(darter.StreamConsumed) as info:
        list(stream)
    assert "generator" in str(info.value)


def test_iterator_stream_of_a_file_reads_in_chunks() -> None:
    data = bytes(range(256)) * (FILE_CHUNK_SIZE // 256 * 2 + 1)
    file = io.BytesIO(data)
    stream = IteratorByteStream(file)
    chunks = list(stream)
    assert [len(chunk) for chunk in chunks] == [FILE_CHUNK_SIZE, FILE_CHUNK_SIZE, 256]
    assert b"".join(chunks) == data
    # A file is not a generator: a second pass reads on from where the file is.
    assert list(stream) == []
    file.seek(0)
    assert b"".join(stream) == data


def test_iterator_stream_of_an_empty_file() -> None:
    assert list(IteratorByteStream(io.BytesIO())) == []


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (b"bytes", b"bytes"),
        (bytearray(b"array"), b"array"),
        (memoryview(b"view"), b"view"),
        ("text é", "text é".encode()),
        (b"", b""),
    ],
)
def test_chunks_are_converted_to_bytes(chunk: Any, expected: bytes) -> None:
    assert _as_bytes(chunk) == expected
    assert type(_as_bytes(chunk)) is bytes
    assert list(IteratorByteStream([chunk])) == [expected]


def test_file_chunks_are_converted_to_bytes() -> None:
    class ArrayFile:
        def __init__(self) -> None:
            self.parts = [bytearray(b"ab"), b""]

        def read(self, size: int) -> bytearray | bytes:
            assert size == FILE_CHUNK_SIZE
            return self.parts.pop(0)

    assert list(IteratorByteStream(ArrayFile())) == [b"ab"]  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk", [1, None, ["a"], {"a": 1}])
def test_chunks_of_the_wrong_type_are_refused(chunk: Any) -> None:
    with pytest.raises(TypeError, match=f"A body chunk must be bytes, not {type(chunk).__name__}"):
        list(IteratorByteStream([chunk]))


def test_long_chunk_of_the_wrong_type_is_shortened_in_the_message() -> None:
    with pytest.raises(TypeError) as info:
        _as_bytes(list(range(100)))
    assert len(str(info.value)) < 100


@pytest.mark.anyio
async def test_async_iterator_stream_of_a_generator_is_read_once() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"a"
        yield bytearray(b"b")  # type: ignore[misc]
        yield "c"  # type: ignore[misc]

    stream = AsyncIteratorByteStream(chunks())
    assert await collect(stream) == [b"a", b"b", b"c"]
    with pytest.raises(darter.StreamConsumed):
        await collect(stream)


@pytest.mark.anyio
async def test_async_iterator_stream_of_a_reusable_iterable() -> None:
    class Parts:
        def __aiter__(self) -> AsyncIterator[bytes]:
            return self.parts()

        async def parts(self) -> AsyncIterator[bytes]:
            yield b"x"
            yield b"y"

    stream = AsyncIteratorByteStream(Parts())
    assert await collect(stream) == [b"x", b"y"]
    assert await collect(stream) == [b"x", b"y"]


@pytest.mark.anyio
async def test_async_iterator_stream_of_an_async_file() -> None:
    class AsyncFile:
        def __init__(self, data: bytes) -> None:
            self.file = io.BytesIO(data)
            self.sizes: list[int] = []

        def __aiter__(self) -> AsyncIterator[bytes]:
            raise AssertionError("aread is used, not iteration")  # pragma: no cover

        async def aread(self, size: int) -> bytes:
            self.sizes.append(size)
            return self.file.read(size)

    data = b"z" * (FILE_CHUNK_SIZE + 10)
    file = AsyncFile(data)
    chunks = await collect(AsyncIteratorByteStream(file))
    assert [len(chunk) for chunk in chunks] == [FILE_CHUNK_SIZE, 10]
    assert b"".join(chunks) == data
    assert file.sizes == [FILE_CHUNK_SIZE] * 3


@pytest.mark.anyio
async def test_async_chunks_of_the_wrong_type_are_refused() -> None:
    class Numbers:
        def __aiter__(self) -> Numbers:
            return self

        async def __anext__(self) -> int:
            return 5

    with pytest.raises(TypeError, match="A body chunk must be bytes, not int"):
        await collect(AsyncIteratorByteStream(Numbers()))  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_unattached_stream_cannot_be_read() -> None:
    stream = UnattachedStream()
    assert isinstance(stream, SyncByteStream)
    assert isinstance(stream, AsyncByteStream)
    with pytest.raises(darter.StreamClosed):
        list(stream)
    with pytest.raises(darter.StreamClosed):
        await collect(stream)
    stream.close()
    await stream.aclose()
