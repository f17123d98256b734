"""Multipart form bodies: byte-for-byte agreement with httpx, streaming, lengths, replays."""

from __future__ import annotations

import asyncio
import io
import os
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darter._exceptions import StreamConsumed
from darter._multipart import (
    MultipartStream,
    _coalesce,
    check_binary_file,
    get_multipart_boundary_from_content_type,
    iter_file,
    primitive_value_to_str,
    seekable_span,
)
from darter._streams import FILE_CHUNK_SIZE

BOUNDARY = b"XyZ-boundary"
CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY.decode()


def body_of(stream: MultipartStream) -> bytes:
    return b"".join(stream)


def httpx_request(data: Any, files: Any) -> tuple[dict[str, str], bytes]:
    request = httpx.Request(
        "POST",
        "http://example.org",
        data=data,
        files=files,
        headers={"Content-Type": CONTENT_TYPE},
    )
    headers = {k.decode(): v.decode() for k, v in request.headers.raw if k not in (b"Host",)}
    return headers, request.read()


def ours(data: Any, files: Any) -> tuple[dict[str, str], bytes]:
    stream = MultipartStream(data, files, BOUNDARY)
    headers = {"Content-Type": CONTENT_TYPE, **stream.get_headers()}
    return headers, body_of(stream)


# Each case is built twice (fresh file objects for each side).
CASES: dict[str, Any] = {
    "plain fields": lambda: ({"a": "1", "b": "two words", "empty": ""}, {"f": b"x"}),
    "field types": lambda: (
        {"int": 3, "float": 1.5, "true": True, "false": False, "none": None, "bytes": b"\x00\xff"},
        {"f": b""},
    ),
    "repeated fields": lambda: ({"a": ["x", "y", 3, False], "t": (1, 2), "e": []}, {"f": b""}),
    "unicode field": lambda: ({"caf\xe9": "\u2603 snow"}, {"f": b""}),
    "bytes file": lambda: ({}, {"f": b"content"}),
    "str file": lambda: ({}, {"f": "h\xe9llo"}),
    "file object": lambda: ({}, {"f": io.BytesIO(b"data")}),
    "named file object": lambda: ({}, {"f": named(b"<p>", "/some/dir/page.html")}),
    "directory-like name": lambda: ({}, {"f": named(b"x", "/some/dir/")}),
    "empty name": lambda: ({}, {"f": named(b"x", "")}),
    "int name": lambda: ({}, {"f": named(b"x", 5)}),
    "two-tuple": lambda: ({}, {"f": ("report.csv", b"a,b\n1,2\n")}),
    "no filename": lambda: ({}, {"f": (None, b"x")}),
    "no filename with type": lambda: ({}, {"f": (None, b"x", "text/plain")}),
    "empty filename": lambda: ({}, {"f": ("", b"x")}),
    "unknown extension": lambda: ({}, {"f": ("a.unknownext", b"x")}),
    "no extension": lambda: ({}, {"f": ("README", b"x")}),
    "upper-case extension": lambda: ({}, {"f": ("A.JSON", b"{}")}),
    "compound extension": lambda: ({}, {"f": ("a.tar.gz", b"x")}),
    "explicit type": lambda: ({}, {"f": ("a.txt", b"x", "application/x-custom")}),
    "empty type": lambda: ({}, {"f": ("a.txt", b"x", "")}),
    "guessed type with headers": lambda: ({}, {"f": ("a.txt", b"x", None, {"X-A": "b"})}),
    "headers": lambda: ({}, {"f": ("a.json", "s", "text/plain", {"X-A": "b", "X-\xe9": "v\xe9"})}),
    "header overrides type": lambda: (
        {},
        {"f": ("a.txt", b"x", "text/plain", {"content-type": "a/b"})},
    ),
    "header named like disposition": lambda: (
        {},
        {"f": ("a.txt", b"x", None, {"Content-Disposition": "inline"})},
    ),
    "list of files": lambda: ({}, [("f", b"x"), ("f", ("b.txt", b"y")), ("g", io.BytesIO(b"z"))]),
    "quoting": lambda: (
        {'na"me\\\xe9\n': "v"},
        {"f": ('a"b\\c\xe9\x01\x1b\x1f\x7f\n\r%.txt', b"x")},
    ),
    "all control characters": lambda: (
        {"".join(map(chr, range(32))): "v"},
        {"f": ("".join(map(chr, range(32))) + "\u2028 end", b"")},
    ),
    "large bytes": lambda: ({"a": "b"}, {"f": bytes(range(256)) * 1000}),
    "large file": lambda: ({}, {"f": io.BytesIO(os.urandom(200_000))}),
}


def named(content: bytes, name: Any) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


@pytest.mark.parametrize("case", list(CASES))
def test_matches_httpx_byte_for_byte(case: str) -> None:
    if case == "large file":
        seed = os.urandom(200_000)
        make = lambda: ({}, {"f": io.BytesIO(seed)})  # noqa: E731
    else:
        make = CASES[case]
    assert ours(*make()) == httpx_request(*make())


def test_real_file_matches_httpx(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG" + bytes(100_000))
    with path.open("rb") as a, path.open("rb") as b:
        assert ours({"x": "y"}, {"image": a}) == httpx_request({"x": "y"}, {"image": b})


def test_content_length_is_exact_for_known_sizes() -> None:
    for make in CASES.values():
        stream = MultipartStream(*make(), BOUNDARY)
        length = stream.get_content_length()
        assert length == len(body_of(stream))
        assert stream.get_headers() == {
            "Content-Length": str(length),
            "Content-Type": CONTENT_TYPE,
        }


def test_random_boundary() -> None:
    first = MultipartStream({}, {"f": b"x"})
    second = MultipartStream({}, {"f": b"x"})
    assert re.fullmatch(rb"[0-9a-f]{32}", first.boundary)
    assert first.boundary != second.boundary
    assert first.content_type == "multipart/form-data; boundary=" + first.boundary.decode()
    assert first.get_headers()["Content-Type"] == first.content_type
    assert body_of(first).startswith(b"--" + first.boundary + b"\r\n")
    assert body_of(first).endswith(b"\r\n--" + first.boundary + b"--\r\n")


# Boundaries from a Content-Type header


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        (b"multipart/form-data; boundary=abc", b"abc"),
        (b'multipart/form-data; boundary="quo ted"', b"quo ted"),
        (b"Multipart/Form-Data; charset=utf-8; BOUNDARY=abc; x=y", b"abc"),
        (b"multipart/form-data;boundary=a=b", b"a=b"),
        ("multipart/form-data; boundary=\xe9", "\xe9".encode()),
        (b"multipart/mixed; boundary=MIX", b"MIX"),
        (b"multipart/form-data", None),
        (b"multipart/form-data; boundary=", None),
        (b'multipart/form-data; boundary=""', None),
        (b"multipart/form-data; charset", None),
        (b"text/plain; boundary=abc", None),
        (b"", None),
        (None, None),
    ],
)
def test_boundary_from_content_type(
    content_type: bytes | str | None, boundary: bytes | None
) -> None:
    assert get_multipart_boundary_from_content_type(content_type) == boundary


@pytest.mark.parametrize(
    "content_type",
    [
        b"multipart/form-data; boundary=abc",
        b'multipart/form-data; boundary="quo ted"',
        b"text/plain",
    ],
)
def test_user_boundary_matches_httpx(content_type: bytes) -> None:
    boundary = get_multipart_boundary_from_content_type(content_type)
    request = httpx.Request(
        "POST", "http://x", files={"f": b"x"}, headers={"Content-Type": content_type.decode()}
    )
    sent = request.read()
    if boundary is None:
        assert not sent.startswith(b"--abc")
    else:
        assert body_of(MultipartStream({}, {"f": b"x"}, boundary)) == sent


# Files: lengths, positions, streaming and replays


def test_seekable_file_is_sent_from_its_position_and_replayed() -> None:
    file = io.BytesIO(b"0123456789")
    file.seek(4)
    stream = MultipartStream({}, {"f": file}, BOUNDARY)
    expected = body_of(MultipartStream({}, {"f": b"456789"}, BOUNDARY))
    assert stream.get_content_length() == len(expected)
    assert body_of(stream) == expected
    file.seek(9)
    assert body_of(stream) == expected  # a redirect re-sends the same body


def test_file_that_grows_is_cut_at_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(b"first\n")
    with path.open("rb") as file:
        stream = MultipartStream({}, {"f": file}, BOUNDARY)
        length = stream.get_content_length()
        path.write_bytes(b"first\nand more lines\n")
        body = body_of(stream)
    assert len(body) == length
    assert b"first\n\r\n" in body


class Unseekable(io.RawIOBase):
    """A binary stream that can only be read forwards, like a pipe or socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_unseekable_file_is_sent_chunked_once() -> None:
    stream = MultipartStream({"a": "b"}, {"f": Unseekable(b"piped data")}, BOUNDARY)
    assert stream.get_content_length() is None
    assert stream.get_headers() == {"Transfer-Encoding": "chunked", "Content-Type": CONTENT_TYPE}
    expected = body_of(MultipartStream({"a": "b"}, {"f": ("upload", b"piped data")}, BOUNDARY))
    assert body_of(stream) == expected
    with pytest.raises(StreamConsumed):
        body_of(stream)


def test_real_pipe_is_sent_chunked() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"from a pipe")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        stream = MultipartStream({}, {"f": ("p.bin", pipe)}, BOUNDARY)
        assert stream.get_content_length() is None
        assert b"\r\n\r\nfrom a pipe\r\n" in body_of(stream)


def test_files_are_streamed_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    size = 8 * 1024 * 1024
    with path.open("wb") as out:
        for _ in range(size // FILE_CHUNK_SIZE):
            out.write(os.urandom(FILE_CHUNK_SIZE))
    with path.open("rb") as file:
        stream = MultipartStream({"small": "field"}, {"f": file}, BOUNDARY)
        tracemalloc.start()
        try:
            total = 0
            largest = 0
            for chunk in stream:
                total += len(chunk)
                largest = max(largest, len(chunk))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert total == stream.get_content_length()
    assert largest <= FILE_CHUNK_SIZE
    assert peak < 1024 * 1024


def test_small_parts_are_coalesced_and_large_ones_not_copied() -> None:
    chunks = list(MultipartStream({"a": "1", "b": "2"}, {"f": b"x"}, BOUNDARY))
    assert len(chunks) == 1
    big = bytes(FILE_CHUNK_SIZE * 2)
    chunks = list(MultipartStream({"a": "1"}, {"f": big, "g": b"tail"}, BOUNDARY))
    assert any(chunk is big for chunk in chunks)
    assert b"".join(chunks) == body_of(
        MultipartStream({"a": "1"}, {"f": big, "g": b"tail"}, BOUNDARY)
    )


def test_coalesce_edges() -> None:
    big = bytes(FILE_CHUNK_SIZE)
    assert list(_coalesce([])) == []
    assert list(_coalesce([big])) == [big]
    assert list(_coalesce([b"a", big, b"b"])) == [b"a", big, b"b"]


def test_small_pieces_flush_when_a_chunk_fills_up() -> None:
    fields = {f"field{i}": "v" * 1000 for i in range(200)}
    chunks = list(MultipartStream(fields, {"f": b""}, BOUNDARY))
    assert len(chunks) > 1
    assert all(len(chunk) < 2 * FILE_CHUNK_SIZE for chunk in chunks)


def test_async_iteration_gives_the_same_bytes() -> None:
    def make() -> MultipartStream:
        return MultipartStream({"a": ["1", "2"]}, {"f": io.BytesIO(b"data" * 50_000)}, BOUNDARY)

    async def collect(stream: MultipartStream) -> bytes:
        return b"".join([chunk async for chunk in stream])

    stream = make()
    assert asyncio.run(collect(stream)) == body_of(make())
    assert asyncio.run(collect(stream)) == body_of(make())  # seekable: replayable
    asyncio.run(stream.aclose())
    stream.close()


# Validation


@pytest.mark.parametrize("file", [io.StringIO("text"), "text-mode"])
def test_text_mode_files_are_refused(file: Any, tmp_path: Path) -> None:
    if file == "text-mode":
        path = tmp_path / "t.txt"
        path.write_text("x")
        with path.open("r") as handle, pytest.raises(TypeError, match="text mode"):
            MultipartStream({}, {"f": handle})
    else:
        with pytest.raises(TypeError, match="text mode"):
            MultipartStream({}, {"f": ("name.txt", file)})


@pytest.mark.parametrize(
    ("data", "files", "error", "match"),
    [
        ({"a": {"x": 1}}, {}, TypeError, r"form field 'a': dict"),
        ({"a": [object()]}, {}, TypeError, r"form field 'a': object"),
        ({1: "x"}, {}, TypeError, "form field name: int"),
        ({b"k": "x"}, {}, TypeError, "form field name: bytes"),
        ({}, {1: b"x"}, TypeError, "file field name: int"),
        ({}, {"f": 123}, TypeError, "file of field 'f': int"),
        ({}, {"f": ("a", 123)}, TypeError, "file of field 'f': int"),
        ({}, {"f": ["a.txt", b"x"]}, TypeError, "file of field 'f': list"),
        ({}, {"f": ("a.txt",)}, ValueError, "1 items"),
        ({}, {"f": ("a", b"x", "t", {}, 5)}, ValueError, "5 items"),
        ({}, {"f": (b"a.txt", b"x")}, TypeError, "filename of field 'f'"),
        ({}, {"f": ("a.txt", b"x", b"text/plain")}, TypeError, "content type of field 'f'"),
        ({}, {"f": ("a.txt", b"x", None, None)}, TypeError, "headers of field 'f'"),
        ({}, {"f": ("a", b"x", None, {"X": "a\r\nInjected: 1"})}, ValueError, "line break"),
        ({}, {"f": ("a", b"x", None, {"X\n": "a"})}, ValueError, "line break"),
        ({}, {"f": ("a", b"x", "text/plain\r\nX: 1")}, ValueError, "'Content-Type'.*line break"),
        ({}, {"f": ("a", b"x", None, {"X": 1})}, TypeError, "must be str"),
    ],
)
def test_invalid_values(data: Any, files: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        MultipartStream(data, files, BOUNDARY)


def test_bytes_like_values_are_bytes() -> None:
    stream = MultipartStream(
        {"a": bytearray(b"ba"), "m": memoryview(b"mv")},
        {"f": ("f.bin", bytearray(b"fb")), "g": ("g.bin", memoryview(b"gm"))},
        BOUNDARY,
    )
    body = body_of(stream)
    for value in (b"\r\n\r\nba\r\n", b"\r\n\r\nmv\r\n", b"\r\n\r\nfb\r\n", b"\r\n\r\ngm\r\n"):
        assert value in body


def test_bytes_file_name_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,2")
    with open(os.fsencode(path), "rb") as file:
        assert b'filename="data.csv"\r\nContent-Type: text/csv' in body_of(
            MultipartStream({}, {"f": file}, BOUNDARY)
        )


# Helpers shared with request bodies


def test_primitive_value_to_str() -> None:
    assert [primitive_value_to_str(v) for v in (True, False, None, 1, 1.5, "s")] == [
        "true",
        "false",
        "",
        "1",
        "1.5",
        "s",
    ]


def test_check_binary_file() -> None:
    check_binary_file(io.BytesIO())
    check_binary_file(object())
    with pytest.raises(TypeError, match="text mode"):
        check_binary_file(io.StringIO())

    class Moded:
        mode = "r+"

    with pytest.raises(TypeError, match="Moded"):
        check_binary_file(Moded())


def test_seekable_span() -> None:
    file = io.BytesIO(b"abcdef")
    file.seek(2)
    assert seekable_span(file) == (2, 4)
    assert file.tell() == 2
    file.seek(10)
    assert seekable_span(file) == (10, 0)
    assert seekable_span(Unseekable(b"x")) is None
    assert seekable_span(object()) is None

    class Failing(io.BytesIO):
        def tell(self) -> int:
            raise OSError("no position")

    assert seekable_span(Failing(b"x")) is None


def test_iter_file_reads_chunks_and_checks_types() -> None:
    data = os.urandom(FILE_CHUNK_SIZE * 2 + 10)
    assert [len(c) for c in iter_file(io.BytesIO(data))] == [FILE_CHUNK_SIZE, FILE_CHUNK_SIZE, 10]
    assert b"".join(iter_file(io.BytesIO(data), 5, 7)) == data[5:12]

    class ByteArrays:
        def __init__(self) -> None:
            self._chunks: Iterator[bytearray] = iter([bytearray(b"ab"), bytearray(b"")])

        def read(self, size: int) -> bytearray:
            return next(self._chunks)

    assert list(iter_file(ByteArrays())) == [b"ab"]

    class Texts:
        def read(self, size: int) -> str:
            return "text"

    with pytest.raises(TypeError, match="returned str"):
        list(iter_file(Texts()))


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(st.characters(max_codepoint=0x3000, exclude_categories=["Cs"]), max_size=12),
    filename=st.text(st.characters(max_codepoint=0x3000, exclude_categories=["Cs"]), max_size=12),
    value=st.text(max_size=8),
)
def test_any_name_and_filename_match_httpx(name: str, filename: str, value: str) -> None:
    def make() -> tuple[Any, Any]:
        return {name: value}, {name: (filename, b"data")}

    assert ours(*make()) == httpx_request(*make())
