"""Request and response bodies: headers and bytes compared with httpx, and the deliberate
differences."""

from __future__ import annotations

import asyncio
import io
import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from darter._content import FileByteStream, encode_json, encode_request, encode_response
from darter._multipart import MultipartStream, get_multipart_boundary_from_content_type
from darter._streams import (
    AsyncByteStream,
    AsyncIteratorByteStream,
    ByteStream,
    IteratorByteStream,
    SyncByteStream,
)

Headers = list[tuple[str, str]]


def read(stream: SyncByteStream | AsyncByteStream) -> bytes:
    if isinstance(stream, SyncByteStream):
        return b"".join(stream)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in stream])

    return asyncio.run(collect())


def merged(user: dict[str, str], body: dict[str, str]) -> Headers:
    """Headers as a request holds them: the user's first, then the body's unless set."""
    result = list(user.items())
    for key, value in body.items():
        if key.lower() not in {k.lower() for k, _ in result}:
            result.append((key, value))
    return result


def ours_request(user: dict[str, str], **kwargs: Any) -> tuple[Headers, bytes]:
    content_type = next((v for k, v in user.items() if k.lower() == "content-type"), None)
    boundary = get_multipart_boundary_from_content_type(content_type)
    headers, stream = encode_request(**kwargs, boundary=boundary)
    return merged(user, headers), read(stream)


def httpx_request(user: dict[str, str], **kwargs: Any) -> tuple[Headers, bytes]:
    # GET: httpx adds no Content-Length of its own for an empty body.
    request = httpx.Request("GET", "http://example.org", headers=user, **kwargs)
    headers = [(k.decode(), v.decode()) for k, v in request.headers.raw if k != b"Host"]
    return headers, request.read()


def generator() -> Iterator[bytes]:
    yield b"gen"
    yield b"erated"


MULTIPART = {"Content-Type": "multipart/form-data; boundary=fixed"}

# name -> (user headers, a function building fresh keyword arguments)
REQUEST_CASES: dict[str, tuple[dict[str, str], Callable[[], dict[str, Any]]]] = {
    "nothing": ({}, dict),
    "empty bytes": ({}, lambda: {"content": b""}),
    "empty str": ({}, lambda: {"content": ""}),
    "bytes": ({}, lambda: {"content": b"abc"}),
    "str": ({}, lambda: {"content": "h\xe9llo \u2603"}),
    "list": ({}, lambda: {"content": [b"a", b"b"]}),
    "tuple": ({}, lambda: {"content": (b"a",)}),
    "empty list": ({}, lambda: {"content": []}),
    "iterator": ({}, lambda: {"content": iter([b"x", b"y"])}),
    "generator": ({}, lambda: {"content": generator()}),
    "file object": ({}, lambda: {"content": io.BytesIO(b"file body")}),
    "empty file object": ({}, lambda: {"content": io.BytesIO(b"")}),
    "form": ({}, lambda: {"data": {"a": "1", "b": "two words"}}),
    "form escaping": ({}, lambda: {"data": {"a b": "c&d=e", "\xe9": "\xfc", "~-._*+/": " /?"}}),
    "form conversions": ({}, lambda: {"data": {"a": [1, 2.5, True, False, None, "x"]}}),
    "form tuple": ({}, lambda: {"data": {"a": (1, 2)}}),
    "form empty list": ({}, lambda: {"data": {"a": []}}),
    "form odd values": ({}, lambda: {"data": {"a": {"x": 1}, "b": 1e20, "c": float("nan")}}),
    "form odd keys": ({}, lambda: {"data": {1: "x", None: 2, b"k": "v"}}),
    "empty form": ({}, lambda: {"data": {}}),
    "json object": ({}, lambda: {"json": {"a": "\xe9", "b": [1, 2.5, None, True]}}),
    "json empty object": ({}, lambda: {"json": {}}),
    "json list": ({}, lambda: {"json": []}),
    "json empty string": ({}, lambda: {"json": ""}),
    "json zero": ({}, lambda: {"json": 0}),
    "json keys": ({}, lambda: {"json": {2: "x", "a": "\u2028"}}),
    "json none": ({}, lambda: {"json": None}),
    "content beats json": ({}, lambda: {"content": b"", "json": {"a": 1}}),
    "content beats form": ({}, lambda: {"content": b"x", "data": {"a": 1}}),
    "form beats json": ({}, lambda: {"data": {"a": 1}, "json": {"b": 2}}),
    "empty form gives json": ({}, lambda: {"data": {}, "json": {"b": 2}}),
    "files beat json": (MULTIPART, lambda: {"files": {"f": b"x"}, "json": {"b": 2}}),
    "empty files give json": ({}, lambda: {"files": {}, "json": {"b": 2}}),
    "empty file list gives form": ({}, lambda: {"files": [], "data": {"a": "b"}}),
    "multipart": (MULTIPART, lambda: {"data": {"a": "b"}, "files": {"f": ("a.txt", b"x")}}),
    "multipart user type": (
        {"Content-Type": 'multipart/form-data; boundary="quo ted"'},
        lambda: {"files": {"f": b"x"}},
    ),
    "multipart lower-case header": (
        {"content-type": "multipart/form-data; charset=utf-8; BOUNDARY=abc"},
        lambda: {"files": {"f": b"x"}},
    ),
}


@pytest.mark.parametrize("case", list(REQUEST_CASES))
def test_request_matches_httpx(case: str) -> None:
    user, make = REQUEST_CASES[case]
    assert ours_request(user, **make()) == httpx_request(user, **make())


def test_request_with_a_real_file_matches_httpx(tmp_path: Path) -> None:
    path = tmp_path / "body.bin"
    path.write_bytes(os.urandom(200_000))
    with path.open("rb") as a, path.open("rb") as b:
        assert ours_request({}, content=a) == httpx_request({}, content=b)


def test_multipart_without_user_header_has_httpx_shape() -> None:
    headers, stream = encode_request(data={"a": "b"}, files={"f": b"x"})
    assert isinstance(stream, MultipartStream)
    assert list(headers) == ["Content-Length", "Content-Type"]
    assert headers["Content-Type"] == stream.content_type
    request = httpx.Request("GET", "http://x", data={"a": "b"}, files={"f": b"x"})
    assert [k for k, _ in request.headers.raw] == [b"Host", b"Content-Length", b"Content-Type"]
    assert headers["Content-Length"] == request.headers["Content-Length"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: {"data": b"raw bytes"},
        lambda: {"data": "raw text"},
        lambda: {"data": b"", "json": {"b": 2}},
        lambda: {"data": [b"a", b"b"]},
        lambda: {"data": iter([b"a"])},
        lambda: {"content": b"ignored", "data": b"wins"},
        lambda: {"data": b"wins", "files": {"f": b"x"}},
    ],
)
def test_non_mapping_data_is_deprecated_content(make: Callable[[], dict[str, Any]]) -> None:
    with pytest.warns(DeprecationWarning, match=r"Use 'content=<\.\.\.>'") as record:
        headers, stream = encode_request(**make())
    assert record[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert (list(headers.items()), read(stream)) == httpx_request({}, **make())


def test_deprecated_data_of_a_wrong_type() -> None:
    with (
        pytest.warns(DeprecationWarning, match="content="),
        pytest.raises(TypeError, match="'content': int"),
    ):
        encode_request(data=123)  # type: ignore[arg-type]


def test_stream_types() -> None:
    assert isinstance(encode_request(content=b"x")[1], ByteStream)
    assert isinstance(encode_request(content=iter([b"x"]))[1], IteratorByteStream)
    assert isinstance(encode_request(content=io.BytesIO(b"x"))[1], FileByteStream)
    assert isinstance(encode_request()[1], ByteStream)
    assert isinstance(encode_response()[1], ByteStream)


def test_async_iterable_content_is_chunked() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"async "
        yield b"body"

    headers, stream = encode_request(content=chunks())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert isinstance(stream, AsyncIteratorByteStream)
    assert read(stream) == b"async body"
    response = httpx.Response(200, content=chunks())
    assert [(k.decode(), v.decode()) for k, v in response.headers.raw] == list(headers.items())


# Request bodies: deliberate differences from httpx


def test_file_content_is_sent_from_its_position_and_replayed() -> None:
    file = io.BytesIO(b"0123456789")
    file.seek(3)
    headers, stream = encode_request(content=file)
    assert headers == {"Content-Length": "7"}  # httpx says 10, then sends 7 bytes
    assert read(stream) == b"3456789"
    assert read(stream) == b"3456789"  # httpx sends nothing the second time


def test_file_content_that_grows_is_cut_at_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "growing.log"
    path.write_bytes(b"line 1\n")
    with path.open("rb") as file:
        headers, stream = encode_request(content=file)
        path.write_bytes(b"line 1\nline 2\n")
        assert read(stream) == b"line 1\n"
    assert headers == {"Content-Length": "7"}


def test_unseekable_file_content_is_chunked() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"piped")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        headers, stream = encode_request(content=pipe)
        assert headers == {"Transfer-Encoding": "chunked"}  # httpx says Content-Length: 0
        assert read(stream) == b"piped"


@pytest.mark.parametrize("content", [bytearray(b"abc"), memoryview(b"abc")])
def test_bytes_like_content_is_accepted(content: Any) -> None:
    headers, stream = encode_request(content=content)
    assert headers == {"Content-Length": "3"}
    assert read(stream) == b"abc"


def test_bytes_form_values_are_sent_as_bytes() -> None:
    headers, stream = encode_request(data={"a": b"\xff raw", "b": [b"x", "y"]})
    assert read(stream) == b"a=%FF+raw&b=x&b=y"  # httpx sends a=b%27%5Cxff+raw%27...
    assert headers["Content-Length"] == "17"


def test_text_mode_file_content_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("text")
    with path.open("r") as file, pytest.raises(TypeError, match="text mode"):
        encode_request(content=file)
    with pytest.raises(TypeError, match="text mode"):
        encode_response(content=io.StringIO("text"))


@pytest.mark.parametrize(
    ("content", "name"),
    [(123, "int"), ({"a": 1}, "dict"), (None.__class__, "type"), (object(), "object")],
)
def test_wrong_content_types_are_named(content: Any, name: str) -> None:
    with pytest.raises(TypeError, match=f"Unexpected type for 'content': {name}"):
        encode_request(content=content)
    with pytest.raises(TypeError, match=f"Unexpected type for 'content': {name}"):
        encode_response(content=content)


def test_readable_but_not_iterable_content_is_refused_like_httpx() -> None:
    class ReadOnly:
        def read(self, size: int = -1) -> bytes:
            return b""

    with pytest.raises(TypeError, match="ReadOnly"):
        encode_request(content=ReadOnly())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        httpx.Request("POST", "http://x", content=ReadOnly())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "error"),
    [(float("nan"), ValueError), (float("inf"), ValueError), (object(), TypeError)],
)
def test_json_that_cannot_be_encoded(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        encode_request(json={"k": value})
    with pytest.raises(error):
        httpx.Request("POST", "http://x", json={"k": value})


def test_encode_json() -> None:
    headers, stream = encode_json({"b": 1, "a": ["\xe9", None]})
    assert headers == {"Content-Length": "23", "Content-Type": "application/json"}
    assert read(stream) == '{"b":1,"a":["\xe9",null]}'.encode()


# Response bodies


async def async_chunks() -> AsyncIterator[bytes]:
    yield b"a"


RESPONSE_CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "nothing": dict,
    "empty content": lambda: {"content": b""},
    "bytes": lambda: {"content": b"abc"},
    "str": lambda: {"content": "h\xe9llo"},
    "text": lambda: {"text": "h\xe9llo"},
    "empty text": lambda: {"text": ""},
    "html": lambda: {"html": "<p>\xe9</p>"},
    "empty html": lambda: {"html": ""},
    "json": lambda: {"json": {"a": "\xe9", "b": [1, 2.5, None]}},
    "json none": lambda: {"json": None},
    "json false": lambda: {"json": False},
    "iterator": lambda: {"content": iter([b"a", b"b"])},
    "list": lambda: {"content": [b"a", b"b"]},
    "file object": lambda: {"content": io.BytesIO(b"abc")},
    "content beats text": lambda: {"content": b"x", "text": "y"},
    "text beats html": lambda: {"text": "y", "html": "z"},
    "html beats json": lambda: {"html": "z", "json": 1},
}


@pytest.mark.parametrize("case", list(RESPONSE_CASES))
def test_response_matches_httpx(case: str) -> None:
    make = RESPONSE_CASES[case]
    headers, stream = encode_response(**make())
    response = httpx.Response(200, **make())
    expected = [(k.decode(), v.decode()) for k, v in response.headers.raw]
    assert (list(headers.items()), read(stream)) == (expected, response.read())


def test_response_async_content() -> None:
    headers, stream = encode_response(content=async_chunks())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert read(stream) == b"a"


@pytest.mark.parametrize("kwargs", [{"text": b"bytes"}, {"html": 123}])
def test_response_text_must_be_str(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="Expected str for the response text"):
        encode_response(**kwargs)


def test_response_json_nan() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        encode_response(json=float("nan"))
