"""Tests of the Request class: method, URL, the headers each kind of body gets, reading."""

from __future__ import annotations

import io
import pickle
from collections.abc import AsyncIterator, Iterator
from http.cookiejar import CookieJar
from typing import Any

import httpx
import pytest

import darter
from darter._models._request import Request
from darter._streams import (
    AsyncIteratorByteStream,
    ByteStream,
    IteratorByteStream,
    UnattachedStream,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def chunks() -> Iterator[bytes]:
    yield b"hel"
    yield b"lo"


async def async_chunks() -> AsyncIterator[bytes]:
    yield b"hel"
    yield b"lo"


# Request keyword arguments, built afresh for each library (generators run once).
BODIES: dict[str, Any] = {
    "no body": dict,
    "empty bytes": lambda: {"content": b""},
    "empty text": lambda: {"content": ""},
    "bytes": lambda: {"content": b"abc"},
    "text": lambda: {"content": "é"},
    "list of bytes": lambda: {"content": [b"a", b"b"]},
    "generator": lambda: {"content": chunks()},
    "async generator": lambda: {"content": async_chunks()},
    "form": lambda: {"data": {"a": "1", "b": ["2", "3"], "c": 4}},
    "empty form": lambda: {"data": {}},
    "json": lambda: {"json": {"a": [1, "é"], "b": None}},
    "json none": lambda: {"json": None},
    "json zero": lambda: {"json": 0},
    "json empty list": lambda: {"json": []},
    "multipart": lambda: {
        "files": {"f": ("name.txt", b"x", "text/plain")},
        "data": {"a": "1"},
        "headers": {"Content-Type": "multipart/form-data; boundary=fixed"},
    },
    "user content-length": lambda: {"content": b"abc", "headers": {"Content-Length": "3"}},
    "user content-length, streamed": lambda: {
        "content": chunks(),
        "headers": {"content-length": "5"},
    },
    "user transfer-encoding": lambda: {
        "content": b"abc",
        "headers": {"Transfer-Encoding": "chunked"},
    },
    "user content-type": lambda: {"content": b"abc", "headers": {"content-type": "text/x"}},
    "user content-type on a form": lambda: {
        "data": {"a": "1"},
        "headers": {"Content-Type": "text/x"},
    },
    "user host": lambda: {"headers": {"Host": "other"}},
    "user host, lower case": lambda: {"headers": {"host": "other:1"}},
    "repeated headers": lambda: {"headers": [("X-A", "1"), ("x-a", "2")]},
    "headers object": lambda: {"headers": darter.Headers({"X-A": "1"})},
}
METHODS = ["GET", "HEAD", "POST", "put", "Patch", "DELETE", "OPTIONS"]


def summary(module: Any, method: str, arguments: dict[str, Any]) -> tuple[Any, ...]:
    if isinstance(arguments.get("headers"), darter.Headers):
        arguments["headers"] = module.Headers(arguments["headers"].raw)
    request = module.Request(method, "https://example.org/path", **arguments)
    try:
        content: Any = request.content
    except module.RequestNotRead:
        content = "not read"
    if isinstance(request.stream, module.SyncByteStream) and content == "not read":
        content = request.read()
    return request.method, request.headers.raw, content


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("body", BODIES)
def test_headers_and_body_same_as_httpx(method: str, body: str) -> None:
    ours = summary(darter, method, BODIES[body]())
    theirs = summary(httpx, method, BODIES[body]())
    assert ours == theirs


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, [(b"Host", b"example.org")]),
        ({"content": b"abc"}, [(b"Host", b"example.org"), (b"Content-Length", b"3")]),
        (
            {"content": iter([b"a"])},
            [(b"Host", b"example.org"), (b"Transfer-Encoding", b"chunked")],
        ),
        (
            {"json": {"a": 1}},
            [
                (b"Host", b"example.org"),
                (b"Content-Length", b"7"),
                (b"Content-Type", b"application/json"),
            ],
        ),
        (
            {"data": {"a": "1"}},
            [
                (b"Host", b"example.org"),
                (b"Content-Length", b"3"),
                (b"Content-Type", b"application/x-www-form-urlencoded"),
            ],
        ),
    ],
)
def test_body_headers(arguments: dict[str, Any], expected: list[tuple[bytes, bytes]]) -> None:
    assert Request("GET", "https://example.org/", **arguments).headers.raw == expected


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("POST", [(b"Host", b"h"), (b"Content-Length", b"0")]),
        ("PUT", [(b"Host", b"h"), (b"Content-Length", b"0")]),
        ("PATCH", [(b"Host", b"h"), (b"Content-Length", b"0")]),
        ("GET", [(b"Host", b"h")]),
        ("DELETE", [(b"Host", b"h")]),
        ("CUSTOM", [(b"Host", b"h")]),
    ],
)
def test_empty_body_length_only_for_methods_that_carry_a_body(
    method: str, expected: list[tuple[bytes, bytes]]
) -> None:
    assert Request(method, "http://h/").headers.raw == expected
    assert Request(method, "http://h/", content=b"").headers.raw == expected


def test_framing_given_by_the_user_is_kept() -> None:
    request = Request("POST", "http://h/", headers={"Transfer-Encoding": "chunked"})
    assert request.headers.raw == [(b"Host", b"h"), (b"Transfer-Encoding", b"chunked")]
    request = Request("POST", "http://h/", content=chunks(), headers={"Content-Length": "5"})
    assert request.headers.raw == [(b"Host", b"h"), (b"Content-Length", b"5")]


def test_automatic_headers_come_first_and_user_headers_keep_their_case() -> None:
    request = Request("POST", "http://h/", headers={"x-Custom": "1"}, content=b"ab")
    assert request.headers.raw == [
        (b"Host", b"h"),
        (b"x-Custom", b"1"),
        (b"Content-Length", b"2"),
    ]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://a.com:8080/x", b"a.com:8080"),
        ("http://a.com:80/x", b"a.com"),
        ("https://a.com:443/x", b"a.com"),
        ("https://a.com:80/x", b"a.com:80"),
        ("https://user:pw@a.com/x", b"a.com"),
        ("https://[::1]:8000/x", b"[::1]:8000"),
        ("https://bücher.example/x", b"xn--bcher-kva.example"),
        ("https://A.COM/x", b"a.com"),
    ],
)
def test_host_header_from_the_url(url: str, host: bytes) -> None:
    assert Request("GET", url).headers.raw == [(b"Host", host)]
    assert httpx.Request("GET", url).headers.raw == [(b"Host", host)]


def test_no_host_header_without_a_host() -> None:
    assert Request("GET", "/relative").headers.raw == []
    assert Request("POST", "/relative").headers.raw == [(b"Content-Length", b"0")]


def test_method() -> None:
    assert Request("get", "http://h/").method == "GET"
    assert Request(b"post", "http://h/").method == "POST"
    assert Request(b"post", "http://h/").headers["content-length"] == "0"
    assert Request("M-SEARCH", "http://h/").method == "M-SEARCH"


def test_url() -> None:
    url = darter.URL("http://h/a")
    assert Request("GET", url).url is url
    assert Request("GET", "http://h/a").url == url
    with pytest.raises(darter.InvalidURL):
        Request("GET", "http://[::1/")


def test_params() -> None:
    request = Request("GET", "http://h/a", params={"q": "1 2", "n": [1, 2]})
    assert str(request.url) == "http://h/a?q=1+2&n=1&n=2"
    assert str(Request("GET", "http://h/a?x=1", params={"x": "2"}).url) == "http://h/a?x=2"


def test_params_merge_into_the_query_of_the_url() -> None:
    # Differs from httpx 0.28 on purpose (it drops the URL's query): see the docstring.
    assert str(Request("GET", "http://h/a?b=2", params={"a": "1"}).url) == "http://h/a?b=2&a=1"
    assert str(Request("GET", "http://h/a?b=2", params={}).url) == "http://h/a?b=2"
    assert str(Request("GET", "http://h/a?b=2").url) == "http://h/a?b=2"


@pytest.mark.parametrize(
    "cookies",
    [{"a": "1", "b": "2"}, [("a", "1"), ("b", "2")], darter.Cookies({"a": "1", "b": "2"})],
)
def test_cookies(cookies: Any) -> None:
    request = Request("GET", "http://h/", cookies=cookies)
    assert request.headers.raw == [(b"Host", b"h"), (b"Cookie", b"a=1; b=2")]


def test_cookies_from_a_cookie_jar() -> None:
    jar = CookieJar()
    darter.Cookies(jar).set("a", "1", domain="h.example")
    request = Request("GET", "http://h.example/", cookies=jar)
    assert request.headers["cookie"] == "a=1"
    assert "cookie" not in Request("GET", "http://other.example/", cookies=jar).headers


def test_cookies_do_not_replace_a_cookie_header() -> None:
    request = Request("GET", "http://h/", cookies={"a": "1"}, headers={"Cookie": "z=9"})
    assert request.headers.get_list("cookie") == ["z=9"]


def test_no_cookies() -> None:
    assert "cookie" not in Request("GET", "http://h/", cookies={}).headers
    assert "cookie" not in Request("GET", "http://h/", cookies=darter.Cookies()).headers


def test_stream_is_used_as_given_and_adds_no_headers() -> None:
    stream = ByteStream(b"abc")
    request = Request("POST", "http://h/", stream=stream)
    assert request.stream is stream
    assert request.headers.raw == []
    assert request.read() == b"abc"
    assert request.stream is stream


def test_extensions() -> None:
    assert Request("GET", "http://h/").extensions == {}
    extensions = {"timeout": {"connect": 1.0}}
    assert Request("GET", "http://h/", extensions=extensions).extensions == extensions


def test_repr() -> None:
    assert repr(Request("get", "https://h/a?b=1")) == "<Request('GET', 'https://h/a?b=1')>"


def test_content_of_a_body_in_memory() -> None:
    request = Request("POST", "http://h/", content=b"abc")
    assert request.content == b"abc"
    assert isinstance(request.stream, ByteStream)
    assert list(request.stream) == [b"abc"]
    assert request.read() == b"abc"


def test_streaming_body_must_be_read_first() -> None:
    request = Request("POST", "http://h/", content=chunks())
    assert isinstance(request.stream, IteratorByteStream)
    with pytest.raises(darter.RequestNotRead) as info:
        request.content  # noqa: B018
    assert "read()" in str(info.value)
    assert request.read() == b"hello"
    assert request.read() == b"hello"
    assert request.content == b"hello"
    # The generator is spent: the body read is what will be sent, any number of times.
    assert isinstance(request.stream, ByteStream)
    assert list(request.stream) == [b"hello"]
    assert list(request.stream) == [b"hello"]


def test_read_of_an_async_body_is_refused() -> None:
    request = Request("POST", "http://h/", content=async_chunks())
    with pytest.raises(RuntimeError, match="aread"):
        request.read()


@pytest.mark.anyio
async def test_aread() -> None:
    request = Request("POST", "http://h/", content=async_chunks())
    assert isinstance(request.stream, AsyncIteratorByteStream)
    with pytest.raises(darter.RequestNotRead):
        request.content  # noqa: B018
    assert await request.aread() == b"hello"
    assert await request.aread() == b"hello"
    assert request.content == b"hello"
    assert isinstance(request.stream, ByteStream)
    assert [part async for part in request.stream] == [b"hello"]


@pytest.mark.anyio
async def test_aread_of_a_body_in_memory_or_a_byte_stream() -> None:
    assert await Request("POST", "http://h/", content=b"ab").aread() == b"ab"
    stream = ByteStream(b"cd")
    request = Request("POST", "http://h/", stream=stream)
    assert await request.aread() == b"cd"
    assert request.stream is stream


@pytest.mark.anyio
async def test_aread_of_a_sync_body_is_refused() -> None:
    request = Request("POST", "http://h/", content=chunks())
    with pytest.raises(RuntimeError, match=r"request\.read\(\)"):
        await request.aread()


def test_file_body() -> None:
    request = Request("POST", "http://h/", content=io.BytesIO(b"file data"))
    assert request.headers["content-length"] == "9"
    assert request.read() == b"file data"


def test_multipart_uses_the_boundary_of_the_content_type() -> None:
    request = Request(
        "POST",
        "http://h/",
        files={"f": ("a.txt", b"x")},
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    body = request.read()
    assert body.startswith(b"--XyZ\r\n")
    assert body.endswith(b"--XyZ--\r\n")
    assert request.headers.get_list("content-type") == ["multipart/form-data; boundary=XyZ"]
    assert request.headers["content-length"] == str(len(body))


def test_multipart_without_a_boundary_picks_one() -> None:
    request = Request("POST", "http://h/", files={"f": b"x"})
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("=", 1)[1].encode()
    assert request.read().startswith(b"--" + boundary + b"\r\n")


def test_data_that_is_not_a_form_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="content="):
        request = Request("POST", "http://h/", data=b"raw")  # type: ignore[arg-type]
    assert request.content == b"raw"
    assert request.headers["content-length"] == "3"


@pytest.mark.parametrize("content", [5, {"a": 1}, object()])
def test_wrong_content_type(content: Any) -> None:
    with pytest.raises(TypeError, match="Unexpected type for 'content'"):
        Request("POST", "http://h/", content=content)


def test_json_is_compact_utf_8() -> None:
    request = Request("POST", "http://h/", json={"a": "é", "b": [1, 2]})
    assert request.content == '{"a":"é","b":[1,2]}'.encode()
    with pytest.raises(ValueError):
        Request("POST", "http://h/", json=float("nan"))


def test_pickle_keeps_the_message_but_not_the_stream() -> None:
    request = Request("POST", "http://h/a", content=b"abc", extensions={"x": 1})
    restored = pickle.loads(pickle.dumps(request))
    assert restored.method == "POST"
    assert restored.url == request.url
    assert restored.headers == request.headers
    assert restored.content == b"abc"
    assert restored.extensions == {}
    assert isinstance(restored.stream, UnattachedStream)
    with pytest.raises(darter.StreamClosed):
        list(restored.stream)
    # The original is untouched.
    assert request.extensions == {"x": 1}
    assert list(request.stream) == [b"abc"]


def test_pickle_of_a_streaming_request() -> None:
    restored = pickle.loads(pickle.dumps(Request("POST", "http://h/", content=[b"a"])))
    with pytest.raises(darter.RequestNotRead):
        restored.content  # noqa: B018
    with pytest.raises(darter.StreamClosed):
        restored.read()


def test_headers_are_a_copy() -> None:
    headers = darter.Headers({"a": "1"})
    request = Request("GET", "http://h/", headers=headers)
    request.headers["b"] = "2"
    assert "b" not in headers


def test_headers_with_an_explicit_encoding() -> None:
    headers = darter.Headers({"X": "é"}, encoding="utf-8")
    request = Request("GET", "http://h/", headers=headers)
    assert request.headers["x"] == "é"
    assert request.headers.raw[-1] == (b"X", "é".encode())
